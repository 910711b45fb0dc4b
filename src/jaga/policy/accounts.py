"""Account measures: strikes with a time-to-live and temporary suspension, per the jurisdiction's
policy. Permanent termination is only proposed, for a person to decide (Kuala Lumpur Declaration:
proportionate action; Santa Clara: human review)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jaga.policy.schema import AccountMeasures
from jaga.store import Store
from jaga.types import Action, Decision


def apply_account_measures(store: Store, decision: Decision, author: str | None,
                           rules: AccountMeasures) -> Decision:
    """The decision, with `statement.account_measure` filled when it counts against its author."""
    if decision.action != Action.REMOVE or not author or decision.statement is None:
        return decision
    live = store.record_strike(decision, author, rules.strike_ttl_days)
    measure: dict[str, Any] = {"strikes": live, "strike_ttl_days": rules.strike_ttl_days, "measure": "strike",
                               "suspended_until": None, "human_review_required": False}
    if live >= rules.propose_termination_after:
        measure.update(measure="termination_proposed", human_review_required=True)
    elif live >= rules.suspend_after:
        until = decision.decided_at + timedelta(days=rules.suspend_days)
        measure.update(measure="suspended", suspended_until=until.isoformat())
    if rules.assumption:
        measure["assumption"] = rules.assumption
    return decision.model_copy(update={"statement": {**decision.statement, "account_measure": measure}})
