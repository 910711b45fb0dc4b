"""A person's decision issues a new version of the statement of reasons: what the poster reads, the
DSA visibility and automation fields follow what was done in the end; the old version is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jaga import Moderator, Post
from jaga.policy.dsa import NotExportable, to_dsa_statement, validate_dsa_statement
from jaga.policy.notices import notice_languages, render_outcome_notice
from jaga.policy.statements import reissue
from jaga.types import Action, Decision

HATE_MY = Post(id="s-my", text="Orang Cina semua babi, halau mereka balik", country="MY")
GAMBLING_ID = Post(id="s-id", text="Slot gacor hari ini, maxwin! daftar di slotgacor88.vip", country="ID")
WHEN = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pending_my(moderator: Moderator) -> Decision:
    decision = moderator.moderate(HATE_MY)
    assert decision.action == Action.REVIEW and "Belum ada apa-apa yang dipadam" in decision.statement["user_notice"]["text"]
    return decision


@pytest.fixture(scope="module")
def removed_id(moderator: Moderator) -> Decision:
    decision = moderator.moderate(GAMBLING_ID)
    assert decision.statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    return decision


def test_a_reviewers_removal_in_malaysia_is_told_as_a_removal(pending_my: Decision) -> None:
    removed = reissue(pending_my, outcome="review", action=Action.REMOVE, review_status="decided",
                      actor="reviewer-1", note="Jelas menghina kaum.", at=WHEN)
    statement = removed.statement
    assert removed.action == Action.REMOVE and not removed.automated
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert statement["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED" and statement["automated_detection"]
    notice = statement["user_notice"]
    assert notice["language"] == "ms"
    assert "Kami telah memadam hantaran anda." in notice["text"] and "Belum ada" not in notice["text"]
    assert notice["text"].startswith("Seorang petugas telah menyemak hantaran anda.")
    assert (statement["version"], statement["supersedes"], statement["issued_by"], statement["issued_because"]) == (
        2, pending_my.id, "reviewer-1", "review")
    assert statement["issued_at"] == WHEN.isoformat() and "Jelas menghina kaum." in statement["decision_facts"]
    # the version it replaced is kept as it was
    assert removed.history == [{"version": 1, "id": pending_my.id, "action": "review", "review_status": "pending",
                                "automated": True, "reasons": pending_my.reasons, "statement": pending_my.statement}]
    record = to_dsa_statement(removed, ["DE"])
    assert validate_dsa_statement(record) == []
    assert record["puid"] == f"{pending_my.id}-v2" and record["application_date"] == "2026-12-04"
    assert record["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert record["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]


def test_a_reviewers_allow_in_indonesia_restricts_nothing(removed_id: Decision) -> None:
    allowed = reissue(removed_id, outcome="review", action=Action.ALLOW, review_status="decided", actor="r",
                      note="", at=WHEN)
    assert allowed.statement["decision_visibility"] == [] and allowed.extra_actions == []
    assert "DISABLED" not in str(allowed.to_json_dict()["statement"])
    text = allowed.statement["user_notice"]["text"]
    assert "tetap tayang" in text and "menghapus" not in text
    assert [entry["action"] for entry in allowed.statement["categories"]] == ["allow"]
    with pytest.raises(NotExportable, match="a person allowed it"):
        to_dsa_statement(allowed, ["NL"])


def test_an_upheld_appeal_tells_the_poster_their_post_is_back(removed_id: Decision) -> None:
    restored = reissue(removed_id, outcome="appeal_upheld", action=Action.ALLOW, review_status="reversed",
                       actor="reviewer-2", note="Bukan promosi.", at=WHEN)
    text = restored.statement["user_notice"]["text"]
    assert "membatalkan keputusan kami" in text and "Kami menghapus" not in text
    assert restored.statement["decision_visibility"] == [] and restored.action == Action.ALLOW


def test_versions_chain_and_a_rejected_appeal_keeps_the_restriction(pending_my: Decision) -> None:
    removed = reissue(pending_my, outcome="review", action=Action.REMOVE, review_status="decided", actor="r1",
                      note="", at=WHEN)
    stands = reissue(removed, outcome="appeal_rejected", action=Action.REMOVE, review_status="appeal_rejected",
                     actor="r2", note="", at=WHEN)
    assert [entry["version"] for entry in stands.history] == [1, 2]
    assert stands.history[1]["statement"] == removed.statement
    assert (stands.statement["version"], stands.statement["supersedes"]) == (3, f"{pending_my.id}-v2")
    assert stands.statement["user_notice"]["text"].startswith("Seorang petugas telah menyemak rayuan anda.")
    assert to_dsa_statement(stands, ["FR"])["puid"] == f"{pending_my.id}-v3"


def test_a_decision_without_a_statement_gets_one_from_the_person(moderator: Moderator) -> None:
    allowed = moderator.moderate(Post(id="s-ok", text="Selamat pagi semua, jumpa lagi esok", country="MY"))
    assert allowed.statement is None
    removed = reissue(allowed, outcome="review", action=Action.REMOVE, review_status="decided", actor="r",
                      note="Reported and checked.", at=WHEN)
    assert removed.statement["automated_detection"] is False and removed.history[0]["statement"] is None
    record = to_dsa_statement(removed, ["DE"])
    assert validate_dsa_statement(record) == [] and record["automated_detection"] == "No"


def test_unknown_outcomes_are_refused(pending_my: Decision) -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        reissue(pending_my, outcome="vibes", action=Action.ALLOW, review_status="decided", actor="r", note="", at=WHEN)


@pytest.mark.parametrize("language", notice_languages())
def test_every_language_tells_each_outcome_in_its_own_words(language: str) -> None:
    english = {outcome: render_outcome_notice("en", outcome, "remove", ["scam_fraud"], [], "X", [], ["internal"])[1]
               for outcome in ("review", "appeal_upheld", "appeal_rejected")}
    for outcome, text in english.items():
        used, own = render_outcome_notice(language, outcome, "remove", ["scam_fraud"], [], "X", [], ["internal"])
        assert used == language and (own != text or language == "en")
