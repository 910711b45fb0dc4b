"""The statement of reasons is a typed model (`jaga.types.Statement`) whose JSON is what Jaga has
always written: a statement read back writes out byte for byte as it was stored (keys, their order,
times with their offsets), a field never given stays out of the JSON rather than turning into null,
an unknown field is refused, and readers get typed values (an `Action`, an aware `datetime`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from jaga import Moderator, Post
from jaga.policy.accounts import apply_account_measures
from jaga.policy.dsa import to_dsa_statement, validate_dsa_statement
from jaga.policy.schema import AccountMeasures
from jaga.policy.statements import reissue
from jaga.types import (
    AccountMeasure,
    Action,
    AppealOutcome,
    Decision,
    Outcome,
    ReviewAction,
    ReviewStatus,
    Statement,
    TaskStatus,
)

GAMBLING_ID = Post(id="m-id", text="Slot gacor hari ini, maxwin! daftar di slotgacor88.vip", country="ID")
GREETING = Post(id="m-ok", text="Selamat pagi semua, jumpa lagi esok", country="MY")
WHEN = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def _round_trip(decision: Decision) -> None:
    """Stored as JSON text, read back, written again: the same text."""
    text = json.dumps(decision.to_json_dict(), ensure_ascii=False)
    again = Decision.model_validate(json.loads(text))
    assert json.dumps(again.to_json_dict(), ensure_ascii=False) == text
    assert again == decision


def test_a_machine_statement_is_typed_and_reads_back_unchanged(moderator: Moderator) -> None:
    decision = moderator.moderate(GAMBLING_ID)
    statement = decision.statement
    assert isinstance(statement, Statement)
    assert statement.deadline is not None and statement.deadline.utcoffset() is not None
    assert [part.action for part in statement.categories] == [Action.REMOVE]
    assert statement.user_notice is not None and statement.user_notice.language == "id"
    written = decision.to_json_dict()["statement"]
    assert list(written)[:3] == ["schema", "decision_visibility", "decision_ground"]
    assert written["deadline"] == statement.deadline.isoformat() and written["categories"][0]["action"] == "remove"
    assert written["report_to"] is None  # given as None by the engine: kept as null
    _round_trip(decision)


def test_a_field_never_given_stays_out_of_the_json(moderator: Moderator) -> None:
    allowed = moderator.moderate(GREETING)
    assert allowed.statement is None
    reviewed = reissue(allowed, outcome=Outcome.REVIEW, action=Action.LABEL, review_status=ReviewStatus.DECIDED,
                       actor="reviewer-1", note="Label.", at=WHEN)
    written = reviewed.to_json_dict()["statement"]
    assert "sla_class" not in written and "deadline" not in written and "authority_request" not in written
    assert (written["version"], written["issued_at"], written["issued_because"]) == (2, WHEN.isoformat(), "review")
    assert reviewed.history[0].statement is None and reviewed.history[0].action == Action.ALLOW
    _round_trip(reviewed)
    with pytest.raises(ValueError, match="unknown outcome 'appealed'"):
        reissue(allowed, outcome="appealed", action=Action.LABEL, review_status=ReviewStatus.DECIDED, actor="r",
                note="", at=WHEN)


def test_an_account_measure_is_typed_and_feeds_the_dsa_record(moderator: Moderator) -> None:
    decision = apply_account_measures(moderator.moderate(GAMBLING_ID), 3, AccountMeasures())
    assert decision.statement is not None
    measure = decision.statement.account_measure
    assert isinstance(measure, AccountMeasure) and measure.measure == "suspended"
    assert measure.suspended_until == decision.decided_at + timedelta(days=7)
    assert decision.to_json_dict()["statement"]["account_measure"]["suspended_until"] == measure.suspended_until.isoformat()
    record = to_dsa_statement(decision, ["DE"])
    assert record["decision_account"] == "DECISION_ACCOUNT_SUSPENDED" and validate_dsa_statement(record) == []
    assert record["end_date_account_restriction"] == measure.suspended_until.date().isoformat()
    _round_trip(decision)


def test_unknown_fields_and_naive_times_are_refused(moderator: Moderator) -> None:
    written = moderator.moderate(GAMBLING_ID).to_json_dict()["statement"]
    with pytest.raises(ValidationError, match="sla_klass"):
        Statement.model_validate({**written, "sla_klass": "urgent"})
    with pytest.raises(ValidationError, match="timezone"):
        Statement.model_validate({**written, "deadline": "2026-12-04T09:30:00"})


def test_statuses_and_actions_are_enums_that_read_as_their_strings() -> None:
    assert ReviewStatus.APPEAL_REJECTED == "appeal_rejected" and TaskStatus.CLAIMED == "claimed"
    assert AppealOutcome("upheld") is AppealOutcome.UPHELD
    assert [action.action for action in ReviewAction] == [Action.ALLOW, Action.LABEL, Action.REDUCE, Action.REMOVE,
                                                          Action.REMOVE]
