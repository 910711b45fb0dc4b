"""Request and response models: the OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from jaga.types import Category, Decision, Post, ValidText

ObjectId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Text = Annotated[str, ValidText]

MAX_BATCH = 100


def _in_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(_in_utc), PlainSerializer(lambda moment: moment.isoformat(),
                                                                        return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "format": "date-time"})]
"""A time always written with its offset (`2026-12-05T10:00:00+00:00`): SQLite hands times back
without one, and a browser reads a time without an offset as its own local time (7 hours off in
Jakarta)."""


class ModerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post: Post | None = None
    posts: list[Post] | None = Field(default=None, min_length=1, max_length=MAX_BATCH)
    jurisdiction: str | None = Field(default=None, pattern=r"^[A-Za-z]{2,5}$",
                                     description="Decide under this jurisdiction (ASEAN or a member state code).")

    @model_validator(mode="after")
    def _one_or_many(self) -> ModerateRequest:
        if (self.post is None) == (self.posts is None):
            raise ValueError("send either `post` or `posts`")
        return self

    def all_posts(self) -> list[Post]:
        return [self.post] if self.post is not None else list(self.posts or [])


class StatementVersionOut(BaseModel):
    """An earlier version of a decision's statement of reasons, as it was issued."""

    version: int
    id: str = Field(description="The version's id (its DSA puid): the decision's id, or `<id>-v<n>`.")
    action: str
    review_status: str
    automated: bool
    reasons: str
    statement: dict[str, Any] | None


class DecisionOut(BaseModel):
    """A decision as stored: the same JSON `jaga scan` writes. `statement` is the current statement
    of reasons; `history` the versions it superseded, oldest first (a person's review, an appeal
    or an authority order each issue a new one)."""

    model_config = ConfigDict(extra="allow")

    id: str
    post_id: str
    action: str
    jurisdiction: str
    policy_version: str
    reasons: str
    history: list[StatementVersionOut] = Field(default_factory=list)

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls.model_validate(decision.to_json_dict())


class ModerateResponse(BaseModel):
    decisions: list[DecisionOut]


class ClaimSearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=10_000)
    top_k: int = Field(default=5, ge=1, le=50)


class ClaimMatchOut(BaseModel):
    id: str
    claim: str
    language: str
    country: str | None
    verdict: str
    rating: str
    publisher: str
    url: str | None
    summary: str | None = Field(description="The fact-checker's finding in their own words (ClaimReview reviewBody).")
    score: float
    match: bool
    semantic: float
    lexical: float


class Health(BaseModel):
    status: str
    version: str
    database: str



class EvidenceOut(BaseModel):
    """A span of the post's original text that a detector relied on (to highlight it)."""

    start: int
    end: int
    text: str
    category: str
    source: str


class ReviewTaskOut(BaseModel):
    """A case in the review queue, with what a reviewer needs to triage it. The fields after `note`
    were added for the review workspace; older clients may ignore them."""

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
    text: str | None = Field(default=None, description="The post's original text (evidence spans index into it).")
    language: str | None = None
    categories: list[str] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    max_score: float = 0.0
    evidence: list[EvidenceOut] = Field(default_factory=list)
    action: str | None = Field(default=None, description="The decision's current action.")
    extra_actions: list[str] = Field(default_factory=list)
    legal_basis: list[str] = Field(default_factory=list, description="Titles of the instruments the decision cites "
                                   "(and an authority order's own basis).")
    source: Literal["automated", "user_report", "trusted_flagger", "authority_order"] = "automated"
    agency: str | None = Field(default=None, description="The authority that sent the order, for authority_order.")
    reports: int = 0
    available_actions: list[str] = Field(default_factory=list, description="The ladder a reviewer may choose from; "
                                         "geo_restrict only where the jurisdiction's policy has it.")
    sensitive: bool = Field(default=False, description="Sexual exploitation: the console hides the text until the "
                            "reviewer chooses to reveal it.")
    media: list[str] = Field(default_factory=list, description="The post's media (hashes or references), shown "
                             "blurred and in greyscale by default.")


class AuthorDecisionOut(BaseModel):
    id: str
    post_id: str
    action: str
    categories: list[str]
    jurisdiction: str
    review_status: str
    decided_at: UtcTime | None


class StrikeOut(BaseModel):
    decision_id: str
    category: str
    jurisdiction: str
    created_at: UtcTime | None
    expires_at: UtcTime | None
    live: bool


class AuthorHistoryOut(BaseModel):
    """The author's record as a reviewer sees it: a pseudonym, never the platform's id."""

    pseudonym: str
    decisions: list[AuthorDecisionOut]
    strikes: list[StrikeOut]
    live_strikes: int


class CaseReportOut(BaseModel):
    id: str
    trusted_flagger: bool
    category: str | None
    reason: str
    created_at: UtcTime
    reporter: str | None = Field(description="Named only for a trusted flagger.")


class CaseOut(BaseModel):
    """The case page: the task, the decision with its statement of reasons, who the author is in
    this organisation's records, what reports and fact-checks and hash banks said."""

    task: ReviewTaskOut
    decision: DecisionOut
    author: AuthorHistoryOut | None
    reports: list[CaseReportOut]
    fact_checks: list[dict[str, Any]]
    bank_matches: list[dict[str, Any]]


class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewer: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,32}$",
                          description="The id of the reviewer's API key (the part after `jaga_`).")


ReviewAction = Literal["allow", "label", "reduce", "geo_restrict", "remove"]


class ReviewDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ReviewAction = Field(description="geo_restrict: removed in the decision's country only, where the "
                                 "jurisdiction's policy has that measure.")
    note: Text = Field(min_length=1, max_length=5_000, description="Why, in words the user will read (required).")
    categories: list[Category] | None = Field(default=None, max_length=len(Category), description=(
        "The categories the post actually falls under, when the machine's were wrong (category correction); "
        "omit to keep them."))

    @field_validator("note")
    @classmethod
    def _said_something(cls, note: str) -> str:
        if not note.strip():
            raise ValueError("a note is required: say why, in words the user will read")
        return note.strip()


class AppealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_id: ObjectId
    reason: Text = Field(min_length=1, max_length=5_000, description="The user's own words.")


class AppealOut(BaseModel):
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


class AppealInboxOut(AppealOut):
    """An appeal in the inbox, with the post and the decision it contests."""

    post_id: str
    text: str | None
    action: str
    categories: list[str]
    reasons: str
    original_reviewer: str | None = Field(description="The key that reviewed the case: it may not decide the appeal.")


class AuthorityRequestOut(BaseModel):
    """A decision brought by an authority's order, with the legal deadline."""

    decision_id: str
    post_id: str
    text: str | None
    jurisdiction: str
    agency: str
    channel: str | None
    reference: str | None
    legal_basis: str | None
    received_at: UtcTime | None
    deadline: UtcTime | None = Field(description="The legal deadline: the order's own, else the law's.")
    action: str
    review_status: str
    categories: list[str]
    task_id: str | None
    task_status: str | None


class AppealDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "rejected"]
    note: Text = Field(default="", max_length=5_000)


class AppealDecisionOut(BaseModel):
    appeal: AppealOut
    decision: DecisionOut


class WebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl


class WebhookOut(BaseModel):
    url: str
    secret: str = Field(description="Shown once: verify X-Jaga-Signature with it.")


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post_id: ObjectId = Field(description="A post already sent to /v1/moderate.")
    reporter: Text = Field(min_length=1, max_length=256, description="The reporting user's id (pseudonymised on "
                                                                      "receipt) or the trusted flagger's name.")
    trusted_flagger: bool = False
    category: Literal["hate_speech", "harassment", "violent_extremism", "scam_fraud", "illegal_gambling",
                      "sexual_exploitation", "disinformation", "self_harm"] | None = None
    reason: Text = Field(min_length=1, max_length=5_000)


class ReportOut(BaseModel):
    id: str
    post_id: str
    trusted_flagger: bool
    category: str | None
    reason: str
    review_task: str | None
    created_at: datetime


class Transparency(BaseModel):
    decisions: int
    by_action: dict[str, int]
    by_category: dict[str, int]
    by_jurisdiction: dict[str, int]
    automated_share: float
    authority_requests: int
    reviews: dict[str, float | int | None]
    appeals: dict[str, int]
    reports: dict[str, int]
