"""What the store's methods return: typed, frozen records instead of dicts read by string keys.

Why: the routes, the CLI and the tests read store results; with dicts a renamed column or a
misspelt key fails at run time, in whatever reads it last (a 500, a blank console cell), and mypy
cannot see it. Each record names its fields once. Where the API answers with the same record, its
response schema in `jaga.service.schemas` subclasses the record here (adding only what the route
computes), so the field list is written once and a route converts with one call; the store stays
below the service (it never imports it).

Times are `UtcTime`: in UTC with their offset whatever the database hands back (SQLite drops the
offset), so a record read from either database compares and serialises the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, PlainSerializer, WithJsonSchema

__all__ = ["Appeal", "AppealInboxItem", "AuthorData", "AuthorDecision", "AuthorHistory", "AuthorPost", "AuthorReport",
           "AuthorStrike", "AuthorityInboxItem", "CaseReport", "DecisionDocument", "Delivery", "DueDelivery", "Record", "Report",
           "ReviewQueueItem", "ReviewTask", "Strike", "TransparencyTotals", "UtcTime"]


def _in_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(_in_utc), PlainSerializer(lambda moment: moment.isoformat(),
                                                                        return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "format": "date-time"})]
"""A time always written with its offset (`2026-12-05T10:00:00+00:00`): SQLite hands times back
without one, and a browser reads a time without an offset as its own local time (7 hours off in
Jakarta)."""

DecisionDocument = dict[str, Any]
"""A decision exactly as stored (`Decision.to_json_dict()`): passed on untouched, so that what a
route sends is byte for byte what `jaga scan` wrote (parsing it into `Decision` and back could
normalise an older document)."""


class Record(BaseModel):
    """A store result: frozen (a caller cannot change what it was told the database holds), built
    from ORM rows by attribute (`from_attributes`). Nested records are `Sequence`s, so that a
    response schema may narrow them to its own subclass (a list is invariant)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


# --- review tasks ------------------------------------------------------------------------------


class ReviewTask(Record):
    """A review task as stored: a decision waiting for (or decided by) a person."""

    id: str
    decision_id: str
    post_id: str
    jurisdiction: str
    status: str
    deadline: UtcTime | None
    created_at: UtcTime
    claimed_by: str | None
    decided_by: str | None
    decided_at: UtcTime | None
    outcome: str | None
    note: str | None


class ReviewQueueItem(ReviewTask):
    """A row of the review queue: the task with what a reviewer needs to judge it, read in the
    same query (the post's text and author, the decision as stored, what brought the case in)."""

    document: DecisionDocument
    text: str | None
    author: str | None
    post_extra: dict[str, JsonValue]
    agency: str | None
    reports: int
    source: str


class AuthorDecision(Record):
    """One of an author's earlier decisions, as a reviewer may weigh it."""

    id: str
    post_id: str
    action: str
    categories: list[str]
    jurisdiction: str
    review_status: str
    decided_at: UtcTime | None


class Strike(Record):
    """A strike against an author, and whether it still counts (`live`)."""

    decision_id: str
    category: str
    jurisdiction: str
    created_at: UtcTime | None
    expires_at: UtcTime | None
    live: bool


class AuthorHistory(Record):
    """An author's record as a reviewer sees it: a pseudonym, never the platform's id."""

    pseudonym: str
    decisions: Sequence[AuthorDecision]
    strikes: Sequence[Strike]
    live_strikes: int


class CaseReport(Record):
    """A report on a case as the reviewer sees it."""

    id: str
    trusted_flagger: bool
    category: str | None
    reason: str
    created_at: UtcTime
    reporter: str | None = Field(description="Named only for a trusted flagger.")


# --- reports, appeals, authority orders ----------------------------------------------------------


class Report(Record):
    """A user's flag or a trusted flagger's notice, without who sent it (the reporter stays with the
    case page, named there only for trusted flaggers)."""

    id: str
    post_id: str
    trusted_flagger: bool
    category: str | None
    reason: str
    review_task: str | None
    created_at: UtcTime


class Appeal(Record):
    """An appeal and, once decided, its outcome."""

    id: str
    decision_id: str
    jurisdiction: str
    status: str
    reason: str
    filed_at: UtcTime
    outcome: str | None
    note: str | None
    decided_by: str | None
    decided_at: UtcTime | None


class AppealInboxItem(Appeal):
    """An appeal in the inbox, with the post and the decision it contests, and who reviewed the
    case (that person may not decide the appeal)."""

    document: DecisionDocument
    text: str | None
    original_reviewer: str | None


class AuthorityInboxItem(Record):
    """A decision brought by an authority's order, with the post's text and the case's task."""

    document: DecisionDocument
    text: str | None
    task_id: str | None
    task_status: str | None


# --- aggregates and the outbox -------------------------------------------------------------------


class TransparencyTotals(Record):
    """Aggregates for a transparency report (final outcomes). The nested counts stay maps: the API
    has documented them as such, and its contract does not change with the store's types."""

    decisions: int
    by_action: dict[str, int]
    by_category: dict[str, int]
    by_jurisdiction: dict[str, int]
    automated_share: float
    authority_requests: int
    reviews: dict[str, float | int | None]
    appeals: dict[str, int]
    reports: dict[str, int]


class Delivery(Record):
    """A webhook event in the outbox and how its delivery went."""

    id: int
    event: str
    payload: dict[str, JsonValue]
    attempts: int
    next_attempt_at: UtcTime
    delivered_at: UtcTime | None
    failed: bool
    last_error: str | None
    created_at: UtcTime
    leased_until: UtcTime | None
    leased_by: str | None


class DueDelivery(Record):
    """A queued webhook event claimed by one dispatcher, with where it goes: the organisation's
    receiver and the secret its body is signed with. `payload` is the event as queued, sent as it is."""

    id: int
    org: str
    url: str
    secret: str
    event: str
    payload: dict[str, JsonValue]


# --- a data subject's access request -------------------------------------------------------------


class AuthorPost(Record):
    """One of the author's posts as held; the fields the platform sent that Jaga does not know
    (`Post.extra`) follow the known ones, as sent (any JSON value)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)

    id: str
    text: str
    lang: str | None
    country: str | None
    created_at: UtcTime | None
    ingested_at: UtcTime


class AuthorStrike(Record):
    """A strike held against the author."""

    decision_id: str
    category: str
    created_at: UtcTime
    expires_at: UtcTime


class AuthorReport(Record):
    """A report the author filed."""

    id: str
    post_id: str
    reason: str
    created_at: UtcTime


class AuthorData(Record):
    """Everything held about one author (a data subject's access request), by pseudonym."""

    author: str
    posts: Sequence[AuthorPost]
    decisions: Sequence[DecisionDocument]
    strikes: Sequence[AuthorStrike]
    reports_filed: Sequence[AuthorReport]
