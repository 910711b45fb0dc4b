from __future__ import annotations

from datetime import timedelta

from jaga import Moderator, Post
from jaga.policy.accounts import apply_account_measures
from jaga.policy.schema import AccountMeasures
from jaga.store import Store

RULES = AccountMeasures(strike_ttl_days=30, suspend_after=2, suspend_days=7, propose_termination_after=3)


def _removal(moderator: Moderator, number: int, days_later: int = 0):  # type: ignore[no-untyped-def]
    decision = moderator.moderate(Post(id=f"s{number}", text="Slot gacor hari ini maxwin, daftar di slotgacor88.vip",
                                       country="ID"))
    return decision.model_copy(update={"decided_at": decision.decided_at + timedelta(days=days_later)})


def test_strikes_suspend_then_propose_termination_for_a_human(database_url: str, moderator: Moderator) -> None:
    with Store(database_url) as store:
        first = apply_account_measures(store, _removal(moderator, 1), "anon_a", RULES)
        assert first.statement["account_measure"]["measure"] == "strike"
        second = apply_account_measures(store, _removal(moderator, 2, 1), "anon_a", RULES)
        assert second.statement["account_measure"]["measure"] == "suspended"
        assert second.statement["account_measure"]["suspended_until"]
        third = apply_account_measures(store, _removal(moderator, 3, 2), "anon_a", RULES)
        measure = third.statement["account_measure"]
        assert measure["measure"] == "termination_proposed" and measure["human_review_required"] is True
        assert apply_account_measures(store, _removal(moderator, 3, 2), "anon_a", RULES).statement[
            "account_measure"]["strikes"] == 3  # replaying a decision adds no strike


def test_strikes_expire(database_url: str, moderator: Moderator) -> None:
    with Store(database_url) as store:
        apply_account_measures(store, _removal(moderator, 1), "anon_b", RULES)
        later = apply_account_measures(store, _removal(moderator, 2, 45), "anon_b", RULES)
        assert later.statement["account_measure"]["strikes"] == 1


def test_no_strike_without_removal_or_author(database_url: str, moderator: Moderator) -> None:
    review = moderator.moderate(Post(id="r", text="Tangina mo gago ka talaga, bobo!"))
    with Store(database_url) as store:
        assert apply_account_measures(store, review, "anon_c", RULES) == review
        removal = _removal(moderator, 9)
        assert apply_account_measures(store, removal, None, RULES) == removal
