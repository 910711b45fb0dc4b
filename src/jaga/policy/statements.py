"""New versions of a statement of reasons, issued when a person decides after the machine did.

A statement describes what was done to a post. When a reviewer decides a case, or an appeal is
decided, what was done changes, and so must the statement: its visibility, its automation fields,
its facts and the notice the poster reads. The earlier version is kept in the decision's `history`
(never edited), and the new one names it (`supersedes`) with who issued it, when and why. Pure: the
store calls `reissue` inside its transaction and writes the result.
"""

from __future__ import annotations

from datetime import datetime

from jaga.policy.notices import render_outcome_notice
from jaga.types import (
    AccountMeasure,
    Action,
    CategoryAction,
    Decision,
    LegalBasis,
    Notices,
    Outcome,
    ReportChannel,
    ReviewStatus,
    Statement,
    StatementVersion,
    UserNotice,
)

__all__ = ["OUTCOMES", "AccountMeasure", "CategoryAction", "LegalBasis", "Notices", "Outcome", "ReportChannel",
           "Statement", "StatementVersion", "UserNotice", "reissue", "statement_id", "supersede", "version_of",
           "visibility_for"]

OUTCOMES = tuple(Outcome)
"""Why a new version was issued: a reviewer decided, an appeal was upheld or rejected, or an
authority's order reopened the case."""

NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED"
VISIBILITY = {
    Action.LABEL: "DECISION_VISIBILITY_CONTENT_LABELLED",
    Action.REDUCE: "DECISION_VISIBILITY_CONTENT_DEMOTED",
    Action.REMOVE: "DECISION_VISIBILITY_CONTENT_REMOVED",
}
KEPT_WHEN_ALLOWED = frozenset({"support_notice"})
"""Extra actions that restrict nothing, so an allowed post keeps them (the offer of help)."""


def visibility_for(action: Action, extra_actions: list[str]) -> list[str]:
    """The DSA `decision_visibility` of an action: nothing while a review is pending or when the
    post is allowed; disabled (withheld in one country) for a removal limited to the jurisdiction."""
    if action >= Action.REVIEW and "geo_restrict" in extra_actions:
        return ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    return [VISIBILITY[action]] if action in VISIBILITY else []


def statement_id(decision_id: str, version: int) -> str:
    """The id of one version (also its DSA `puid`): the decision's id for the first, so that what
    was exported before versions existed keeps its id; `<id>-v<n>` after."""
    return decision_id if version <= 1 else f"{decision_id}-v{version}"


def version_of(decision: Decision) -> int:
    """The current statement's version: 1 for one issued by the policy engine."""
    return decision.statement.version if decision.statement is not None else 1


def reissue(decision: Decision, *, outcome: Outcome | str, action: Action, review_status: ReviewStatus | str,
            actor: str, note: str, at: datetime) -> Decision:
    """The decision after a person's `action` (for `outcome`), with a new version of its statement;
    the current version moves to `history`, unchanged."""
    try:
        outcome = Outcome(outcome)
    except ValueError as error:
        raise ValueError(f"unknown outcome {outcome!r}; one of {[str(known) for known in OUTCOMES]}") from error
    version = version_of(decision)
    previous = _as_version(decision)
    said = {Outcome.REVIEW: f"Reviewed by a person: {action!s}.",
            Outcome.APPEAL_UPHELD: "Appeal upheld: the decision was reversed.",
            Outcome.APPEAL_REJECTED: "Appeal rejected: the decision stands.",
            Outcome.AUTHORITY_ORDER: f"Authority order assessed by a person: {action!s}."}[outcome]
    reasons = f"{decision.reasons} {said} {note}".strip()
    extra = list(decision.extra_actions) if action > Action.ALLOW else \
        [name for name in decision.extra_actions if name in KEPT_WHEN_ALLOWED]
    statement = decision.statement or _base(decision)
    language = statement.user_notice.language if statement.user_notice else decision.language.code
    illegal = statement.decision_ground == "DECISION_GROUND_ILLEGAL_CONTENT"  # for a basis that does not say
    laws = [basis for basis in statement.legal_basis
            if (basis.binding if "binding" in basis.model_fields_set else illegal)]
    notice = render_outcome_notice(
        language, outcome, str(action), [category.value for category in decision.categories],
        [basis.title for basis in laws], statement.jurisdiction_name or decision.jurisdiction, extra,
        list(statement.appeal_path or ["internal"]), authority=statement.authority_request is not None,
        helplines=statement.support_helplines if "support_notice" in extra else None)
    issued = statement.model_copy(update={
        "version": version + 1, "id": statement_id(decision.id, version + 1),
        "supersedes": statement_id(decision.id, version),
        "issued_by": actor, "issued_at": at, "issued_because": outcome,
        "decision_visibility": visibility_for(action, extra),
        "decision_facts": reasons,
        "categories": [CategoryAction(category=category, action=action) for category in decision.categories],
        "automated_decision": NOT_AUTOMATED,
        "extra_actions": extra,
        "report_to": statement.report_to if "report_to_authority" in extra else None,
        "user_notice": UserNotice(language=notice[0], text=notice[1]),
    })
    return decision.model_copy(update={
        "action": action, "automated": False, "review_status": ReviewStatus(review_status), "reasons": reasons,
        "extra_actions": extra, "statement": issued, "history": [*decision.history, previous]})


def supersede(earlier: Decision, order: Decision, *, actor: str) -> Decision:
    """`order` (the policy's decision on a post that now carries an authority's order) as the next
    version of `earlier`, the decision already stored for the post: the order reopens the case, and
    what was decided before stays in the history. The same order again (a replay) changes nothing."""
    if order.statement is None or order.statement.authority_request is None:
        raise ValueError(f"{order.id}: only an authority order supersedes a stored decision")
    if earlier.statement is not None and earlier.statement.authority_request == order.statement.authority_request:
        return earlier
    version = version_of(earlier) + 1
    statement = order.statement.model_copy(update={
        "version": version, "id": statement_id(order.id, version), "supersedes": statement_id(earlier.id, version - 1),
        "issued_by": actor, "issued_at": order.decided_at, "issued_because": Outcome.AUTHORITY_ORDER})
    return order.model_copy(update={"statement": statement, "history": [*earlier.history, _as_version(earlier)]})


def _as_version(decision: Decision) -> StatementVersion:
    """The decision's current statement as an entry of its history, with what it went with."""
    version = version_of(decision)
    return StatementVersion(version=version, id=statement_id(decision.id, version), action=decision.action,
                            review_status=decision.review_status, automated=decision.automated,
                            reasons=decision.reasons, statement=decision.statement)


def _base(decision: Decision) -> Statement:
    """What a statement says when the decision had none (a post allowed by the machine, then put
    before a person by a report): the platform's terms, found by a person."""
    return Statement(schema="jaga-sor/1", decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT", legal_basis=[],
                     terms_of_service=True, content_type=["CONTENT_TYPE_TEXT"],
                     automated_detection=decision.statement is not None, jurisdiction=decision.jurisdiction,
                     policy_version=decision.policy_version, notices=Notices(poster=True, reporter=False),
                     appeal_path=["internal"], content_language=decision.language.code,
                     source_type="SOURCE_VOLUNTARY", source_identity=None)
