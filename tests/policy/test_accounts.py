from __future__ import annotations

from datetime import timedelta
from typing import Any

from jaga import Moderator, Post
from jaga.moderation import ModerationRecord, record
from jaga.policy.accounts import apply_account_measures, counts_against_author
from jaga.policy.schema import AccountMeasures
from jaga.store import DEFAULT_ORG, Store
from jaga.types import Decision

RULES = AccountMeasures(strike_ttl_days=30, suspend_after=2, suspend_days=7, propose_termination_after=3)


def _removal(moderator: Moderator, number: int, days_later: int = 0) -> Decision:
    decision = moderator.moderate(Post(id=f"s{number}", text="Slot gacor hari ini maxwin, daftar di slotgacor88.vip",
                                       country="ID"))
    return decision.model_copy(update={"decided_at": decision.decided_at + timedelta(days=days_later)})


def _recorded(store: Store, decision: Decision, author: str) -> Decision:
    post = Post(id=decision.post_id, text="x", author_id=author)
    return record(store, [ModerationRecord(DEFAULT_ORG, [post], [decision], "test")], lambda _decision: RULES)[0][0]


def _measure(decision: Decision) -> dict[str, Any]:
    assert decision.statement is not None
    measure: dict[str, Any] = decision.statement["account_measure"]
    return measure


def test_live_strikes_become_strike_then_suspension_then_a_proposal_for_a_human(moderator: Moderator) -> None:
    removal = _removal(moderator, 1)
    assert _measure(apply_account_measures(removal, 1, RULES))["measure"] == "strike"
    suspended = _measure(apply_account_measures(removal, 2, RULES))
    assert suspended["measure"] == "suspended"
    assert suspended["suspended_until"] == (removal.decided_at + timedelta(days=7)).isoformat()
    proposed = _measure(apply_account_measures(removal, 3, RULES))
    assert proposed["measure"] == "termination_proposed" and proposed["human_review_required"] is True


def test_strikes_are_counted_once_and_expire(database_url: str, moderator: Moderator) -> None:
    with Store(database_url) as store:
        assert _measure(_recorded(store, _removal(moderator, 1), "anon_a"))["strikes"] == 1
        assert _measure(_recorded(store, _removal(moderator, 2, 1), "anon_a"))["measure"] == "suspended"
        third = _recorded(store, _removal(moderator, 3, 2), "anon_a")
        assert _measure(third)["measure"] == "termination_proposed"
        assert _measure(_recorded(store, _removal(moderator, 3, 2), "anon_a"))["strikes"] == 3  # replaying a decision adds no strike
        _recorded(store, _removal(moderator, 4), "anon_b")
        later = _recorded(store, _removal(moderator, 5, 45), "anon_b")
        assert _measure(later)["strikes"] == 1


def test_no_strike_without_removal_or_author(database_url: str, moderator: Moderator) -> None:
    review = moderator.moderate(Post(id="r", text="Tangina mo gago ka talaga, bobo!"))
    assert not counts_against_author(review, "anon_c")
    assert not counts_against_author(_removal(moderator, 9), None)
    with Store(database_url) as store:
        assert _recorded(store, review, "anon_c") == review
