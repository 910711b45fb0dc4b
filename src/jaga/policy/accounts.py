"""Account measures: strikes with a time-to-live and temporary suspension, per the jurisdiction's
policy. Permanent termination is only proposed, for a person to decide (Kuala Lumpur Declaration:
proportionate action; Santa Clara: human review).

Policy decides and never writes: the after-decision path (`jaga.moderation`) records the strike
and passes the author's live strike count in; this module only turns that count into a measure."""

from __future__ import annotations

from datetime import timedelta

from jaga.policy.schema import AccountMeasures
from jaga.types import AccountMeasure, Action, Decision


def counts_against_author(decision: Decision, author: str | None) -> bool:
    """Whether the decision is a strike: a removal of a known author's post (with a statement to carry it)."""
    return decision.action == Action.REMOVE and bool(author) and decision.statement is not None


def apply_account_measures(decision: Decision, live_strikes: int, rules: AccountMeasures) -> Decision:
    """The decision, with `statement.account_measure` filled from the author's strikes still live at
    the decision's time (this one included). Unchanged when the decision has no statement to carry it."""
    if decision.statement is None:
        return decision
    measure = AccountMeasure(strikes=live_strikes, strike_ttl_days=rules.strike_ttl_days, measure="strike",
                             suspended_until=None, human_review_required=False)
    if live_strikes >= rules.propose_termination_after:
        measure = measure.model_copy(update={"measure": "termination_proposed", "human_review_required": True})
    elif live_strikes >= rules.suspend_after:
        until = decision.decided_at + timedelta(days=rules.suspend_days)
        measure = measure.model_copy(update={"measure": "suspended", "suspended_until": until})
    if rules.assumption:
        measure = measure.model_copy(update={"assumption": rules.assumption})
    return decision.model_copy(update={"statement": decision.statement.model_copy(update={"account_measure": measure})})
