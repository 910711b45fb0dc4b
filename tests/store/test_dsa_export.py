"""`jaga policy export-dsa --from-store`: the DSA Transparency Database export read from the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jaga import Moderator, Post
from jaga.cli import app
from jaga.moderation import ModerationRecord, account_rules, record
from jaga.policy.dsa import ELLIPSIS, validate_dsa_statement
from jaga.store import DEFAULT_ORG, Store
from jaga.store.dsa_export import DsaExport
from jaga.types import Action

GAMBLING = "Slot gacor hari ini maxwin, daftar di slotgacor88.vip"
INSULT = "Tangina mo gago ka talaga, bobo!"
POSTED = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)


def _export(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> list[list[dict]]:
    monkeypatch.setenv("JAGA_DATABASE_URL", database_url)
    output = tmp_path / "dsa.jsonl"
    result = CliRunner().invoke(app, ["policy", "export-dsa", "--from-store", "--territorial-scope", "DE,NL",
                                      "-o", str(output), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line)["statements"] for line in output.read_text(encoding="utf-8").splitlines()]


def test_stored_decisions_become_statements_with_what_only_the_store_knows(
        database_url: str, moderator: Moderator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts = [Post(id=f"g{n}", text=f"{GAMBLING} #{n}", country="ID", author_id="gambler", created_at=POSTED)
             for n in range(1, 4)]
    posts += [Post(id="flagged", text=INSULT, author_id="angry", created_at=POSTED),
              Post(id="noticed", text=f"{INSULT} ulol", author_id="angry2", created_at=POSTED)]
    with Store(database_url) as store:
        stored = record(store, [ModerationRecord(DEFAULT_ORG, posts, moderator.moderate_batch(posts), "test")],
                        account_rules(moderator))[0]
        assert [d.action for d in stored[3:]] == [Action.REVIEW, Action.REVIEW]
        flagger = store.file_report("flagged", "Mafindo", "hate", None, trusted_flagger=True)
        user = store.file_report("noticed", "anon_reporter", "insult", None, trusted_flagger=False)
        for report in (flagger, user):
            store.claim_review(report.review_task or "", "rev1")
            store.decide_review(report.review_task or "", "rev1", Action.REMOVE, "insults a person")
        store.file_report("g1", "anon_late", "gambling", None, trusted_flagger=True)  # after g1 was decided

    statements = {s["puid"].split("-v")[0]: s for batch in _export(tmp_path, database_url, monkeypatch)
                  for s in batch}
    by_post = {decision.post_id: statements[decision.id] for decision in stored}
    assert all(validate_dsa_statement(statement) == [] for statement in by_post.values())
    assert {s["content_date"] for s in by_post.values()} == {"2026-01-15"}  # the post's, not today's
    assert by_post["flagged"]["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert by_post["flagged"]["source_identity"] == "Mafindo"
    assert by_post["noticed"]["source_type"] == "SOURCE_ARTICLE_16"
    assert "source_identity" not in by_post["noticed"]  # a user's pseudonym never leaves Jaga
    # the reviewed version is the one exported: a person decided it
    assert by_post["flagged"]["puid"].endswith("-v2")
    assert by_post["flagged"]["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert by_post["g1"]["source_type"] == "SOURCE_VOLUNTARY"  # the later report led to nothing yet
    assert [by_post[f"g{n}"].get("decision_account") for n in range(1, 4)] == [None, None,
                                                                                "DECISION_ACCOUNT_SUSPENDED"]
    assert by_post["g3"]["end_date_account_restriction"] > by_post["g3"]["application_date"]


def test_batches_of_100_pages_and_period_and_truncation(
        database_url: str, moderator: Moderator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = Post(id="p0", text=GAMBLING, country="ID", created_at=POSTED)
    template = moderator.moderate(post)
    start = datetime(2026, 2, 1, 12, tzinfo=UTC)
    decisions = [template.model_copy(update={"id": f"d{n:03d}", "post_id": f"p{n:03d}",
                                             "decided_at": start + timedelta(days=n // 100)}) for n in range(250)]
    decisions[7] = decisions[7].model_copy(update={"reasons": "x" * 6000})
    with Store(database_url) as store:
        store.save([post.model_copy(update={"id": d.post_id}) for d in decisions], decisions)
        paged = [s["puid"] for batch in DsaExport(store, ["DE"], page_size=7) for s in batch]

    batches = _export(tmp_path, database_url, monkeypatch)
    assert [len(batch) for batch in batches] == [100, 100, 50]
    everything = [s for batch in batches for s in batch]
    assert paged == [s["puid"] for s in everything] == [d.id for d in decisions]  # small pages lose nothing
    assert all(validate_dsa_statement(statement) == [] for statement in everything)
    long = everything[7]
    assert len(long["decision_facts"]) == 5000 and long["decision_facts"].endswith(ELLIPSIS)
    assert len(long["illegal_content_explanation"]) == 2000 and long["illegal_content_explanation"].endswith(ELLIPSIS)
    assert len(everything[8]["illegal_content_explanation"]) < 2000

    second_day = _export(tmp_path, database_url, monkeypatch, "--since", "2026-02-02", "--until", "2026-02-02")
    assert [s["puid"] for batch in second_day for s in batch] == [f"d{n:03d}" for n in range(100, 200)]
