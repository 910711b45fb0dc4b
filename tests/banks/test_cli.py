"""`jaga banks` end to end on the default SQLite store of the test's Jaga home: add files and
hashes, export in every format, import into another organisation, match, enable and disable."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jaga.banks.signals import Md5Signal, PdqSignal
from jaga.cli import EXIT_REJECTS, app

from .images import altered, png

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, ["banks", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_add_export_import_match_round_trip(tmp_path: Path) -> None:
    image = tmp_path / "known.png"
    image.write_bytes(png(1))
    reupload = tmp_path / "reupload.jpg"
    reupload.write_bytes(altered(1))
    assert "3 new entries" in run("add", "KNOWN", str(image), "--label", "known abuse", "--category", "sexual_exploitation")
    run("add", "KNOWN", "--text", "jual video bocil full no sensor dm untuk link", "--hash", f"md5:{'a' * 32}")
    listing = run("list")
    assert "KNOWN" in listing and "5" in listing and "block" in listing

    exported = {form: tmp_path / f"known.{form}" for form in ("te", "csv", "jsonl")}
    for form, path in exported.items():
        run("export", str(path), "--bank", "KNOWN", "--format", form)
    te_lines = exported["te"].read_text().splitlines()
    assert f"pdq {PdqSignal.from_bytes(png(1))}" in te_lines and f"video_md5 {Md5Signal.from_bytes(png(1))}" in te_lines
    assert exported["csv"].read_text().splitlines()[0] == "hash,signal_type"

    run("import", str(exported["jsonl"]), "--org", "acme")  # restores the bank itself from Jaga's format
    run("import", str(exported["csv"]), "--bank", "FROM_CSV", "--org", "acme", "--category", "scam_fraud")
    run("import", str(exported["te"]), "--bank", "FROM_TE", "--org", "acme", "--allow", "--label", "cleared")
    acme = run("list", "--org", "acme")
    assert "known abuse" in acme and "FROM_CSV" in acme and "allow" in acme
    again = tmp_path / "acme.jsonl"
    run("export", str(again), "--bank", "KNOWN", "--org", "acme")
    assert again.read_text() == exported["jsonl"].read_text()

    matches = json.loads(run("match", str(reupload), "--json"))
    assert [(match["bank"], match["signal_type"]) for match in matches] == [("KNOWN", "pdq")]
    assert json.loads(run("match", str(reupload), "--json", "--org", "acme")) == []  # FROM_TE allow-lists it there
    run("disable", "KNOWN")
    assert json.loads(run("match", str(reupload), "--json")) == []
    run("enable", "KNOWN")
    assert len(json.loads(run("match", "--text", "JUAL video bocil full no sensor DM untuk link!", "--json"))) == 1
    assert "removed with 5 entries" in run("remove", "KNOWN")


def test_import_reports_bad_lines_and_refuses_bad_input(tmp_path: Path) -> None:
    source = tmp_path / "bank.te"
    source.write_text(f"pdq {'0' * 64}\nmd5 nothex\nunknown_type abc\n\n", encoding="utf-8")
    result = runner.invoke(app, ["banks", "import", str(source), "--bank", "X", "--category", "scam_fraud"])
    assert result.exit_code == EXIT_REJECTS
    assert "1 new" in result.output and "line 2" in result.output and "line 3" in result.output
    missing_category = runner.invoke(app, ["banks", "add", "Y", "--hash", f"md5:{'b' * 32}"])
    assert missing_category.exit_code == 1 and "needs a category" in missing_category.output
    url = runner.invoke(app, ["banks", "match", "https://example.com/a.jpg"])
    assert url.exit_code == 1 and "never fetches" in url.output
