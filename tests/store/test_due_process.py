"""After a person decides, the stored record says what was done in the end: reviews and appeals issue
new versions of the statement of reasons (the old ones kept), transparency counts final outcomes, and
every rewrite is sealed in the audit chain (SQLite and PostgreSQL)."""

from __future__ import annotations

from jaga import Moderator, Post
from jaga.policy.dsa import to_dsa_statement, validate_dsa_statement
from jaga.store import Store
from jaga.types import Action

HATE_MY = Post(id="dp-my", text="Orang Cina semua babi, halau mereka balik", country="MY")
GAMBLING_ID = Post(id="dp-id", text="Slot gacor hari ini, maxwin! daftar di slotgacor88.vip", country="ID")


def _decide(store: Store, task: str, reviewer: str, action: Action, note: str = "") -> None:
    store.claim_review(task, reviewer)
    store.decide_review(task, reviewer, action, note)


def test_a_reviewers_removal_is_stored_as_a_new_version(database_url: str, moderator: Moderator) -> None:
    with Store(database_url, org="acme") as store:
        pending = moderator.moderate(HATE_MY)
        store.record_moderation([HATE_MY], [pending], actor="key-1")
        _decide(store, store.review_tasks("open", ())[0].id, "reviewer-1", Action.REMOVE, "Menghina kaum.")
        stored = store.decision(pending.id)
        assert stored is not None and stored.action == Action.REMOVE and stored.review_status == "decided"
        assert stored.statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
        assert "Kami telah memadam hantaran anda." in stored.statement["user_notice"]["text"]
        assert (stored.statement["version"], stored.statement["issued_by"]) == (2, "reviewer-1")
        assert stored.history[0]["statement"] == pending.statement  # kept as issued
        assert validate_dsa_statement(to_dsa_statement(stored, ["DE"])) == []
        assert store.verify_audit() == []


def test_a_reviewers_allow_and_an_upheld_appeal_count_as_allowed(database_url: str, moderator: Moderator) -> None:
    other = Post(id="dp-id-2", text=GAMBLING_ID.text, country="ID")
    with Store(database_url, org="acme") as store:
        reviewed, appealed = moderator.moderate(GAMBLING_ID), moderator.moderate(other)
        store.record_moderation([GAMBLING_ID, other], [reviewed, appealed], actor="key-1")
        assert store.transparency().by_category == {"illegal_gambling": 2}
        task = store.file_report(GAMBLING_ID.id, "user-1", "bukan judi", None, False).review_task
        _decide(store, task, "reviewer-1", Action.ALLOW)
        allowed = store.decision(reviewed.id)
        assert allowed is not None and allowed.statement["decision_visibility"] == []
        assert "CONTENT_DISABLED" not in str(allowed.statement) and "tetap tayang" in allowed.statement["user_notice"]["text"]
        appeal = store.file_appeal(appealed.id, "Ini bukan promosi", "author")
        store.decide_appeal(appeal.id, "reviewer-2", upheld=True, note="")
        restored = store.decision(appealed.id)
        assert restored is not None and restored.action == Action.ALLOW
        assert "Kami menghapus" not in restored.statement["user_notice"]["text"]
        assert "membatalkan keputusan kami" in restored.statement["user_notice"]["text"]
        assert restored.history[0]["action"] == "remove" and restored.statement["issued_because"] == "appeal_upheld"
        report = store.transparency()
        assert report.by_category == {} and report.by_action == {"allow": 2}
        assert store.verify_audit() == []
