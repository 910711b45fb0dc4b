from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jaga.cli import EXIT_REJECTS, app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def test_check_prints_json_with_language_scores_signals_and_action() -> None:
    result = runner.invoke(app, ["check", "Akaun anda dibekukan, sila klik pautan https://maybank2u-secure.xyz",
                                 "--json"])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["language"]["code"] == "ms"
    assert decision["action"] in ("review", "remove")
    assert decision["scores"]["scam_fraud"] >= 0.8
    assert any(signal["source"] == "url:domains" and signal["evidence"] for signal in decision["signals"])


def test_check_human_readable_and_declared_language() -> None:
    result = runner.invoke(app, ["check", "Selamat pagi semua", "--lang", "id"])
    assert result.exit_code == 0
    assert "ALLOW" in result.output and "language: id" in result.output


def test_check_rejects_empty_text() -> None:
    result = runner.invoke(app, ["check", "   "])
    assert result.exit_code == 1
    assert "text is empty" in result.output


def test_scan_exit_code_says_rejects_exist(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(EXAMPLES / "malformed.jsonl"), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == EXIT_REJECTS
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [1, 2, 3, 4, 5, 7]
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 1


def test_scan_with_store_and_jurisdiction(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(EXAMPLES / "posts.jsonl"), "-o", str(tmp_path / "out.jsonl"), "--store",
                                 "--jurisdiction", "MY"])
    assert result.exit_code == 0, result.output
    assert "by" in result.output and "language" in result.output
    decisions = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {d["jurisdiction"] for d in decisions} == {"MY"}
    info = runner.invoke(app, ["db", "info"])
    assert "'posts': 32" in info.output


def test_scan_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert "not found" in result.output


def test_policy_test_runs_the_bundled_cases_and_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "test"])
    assert result.exit_code == 0, result.output
    assert ", 0 failed" in result.output
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("- name: hate speech removed\n  post: {id: w, text: x, country: VN}\n"
                     "  signals: [{source: c, category: hate_speech, score: 0.99}]\n"
                     "  expect: {action: remove, deadline_hours: 24}\n", encoding="utf-8")
    result = runner.invoke(app, ["policy", "test", str(wrong)])
    assert result.exit_code == 1
    assert "action review != remove" in result.output and "deadline 48.0 h" in result.output


def test_policy_validate_and_explain() -> None:
    assert "12 policies valid" in runner.invoke(app, ["policy", "validate"]).output
    result = runner.invoke(app, ["policy", "explain", '{"id": "e1", "text": "Slot gacor hari ini maxwin", "country": "ID"}'])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["jurisdiction"] == "ID" and decision["statement"]["legal_basis"]


def test_policy_validate_reports_file_and_line(tmp_path: Path) -> None:
    import shutil

    from jaga.policy.loader import bundled_policy_dir

    shutil.copytree(bundled_policy_dir(), tmp_path / "p")
    path = tmp_path / "p" / "th.yaml"
    path.write_text(path.read_text().replace("hours: 24", "hours: many"))
    result = runner.invoke(app, ["policy", "validate", "--policies", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert "th.yaml:" in result.output and "hours" in result.output


def test_scan_says_when_the_input_is_empty_and_names_a_missing_column(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    result = runner.invoke(app, ["scan", str(empty), "-o", str(tmp_path / "out.jsonl"), "-q"])
    assert result.exit_code == 0 and "the input is empty" in result.output
    headless = tmp_path / "export.csv"
    headless.write_text("id,body\n1,hello\n", encoding="utf-8")
    result = runner.invoke(app, ["scan", str(headless), "-o", str(tmp_path / "csv.jsonl"), "-q"])
    output = " ".join(result.output.split())  # the console wraps long lines
    assert result.exit_code == 1 and "has no 'text' column (columns found: 'id', 'body')" in output


def test_scan_strict_rejects_unknown_fields(tmp_path: Path) -> None:
    source = tmp_path / "export.jsonl"
    source.write_text('{"id": "1", "text": "Selamat pagi semua", "likes": 3}\n', encoding="utf-8")
    assert runner.invoke(app, ["scan", str(source), "-o", str(tmp_path / "a.jsonl"), "-q"]).exit_code == 0
    result = runner.invoke(app, ["scan", str(source), "-o", str(tmp_path / "b.jsonl"), "-q", "--strict"])
    assert result.exit_code == EXIT_REJECTS
