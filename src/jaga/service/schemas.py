"""Request and response models: the OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from jaga.types import Decision, Post, ValidText

ObjectId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Text = Annotated[str, ValidText]

MAX_BATCH = 100


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



class ReviewTaskOut(BaseModel):
    id: str
    decision_id: str
    post_id: str
    jurisdiction: str
    status: str
    deadline: datetime | None
    created_at: datetime
    claimed_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    outcome: str | None
    note: str | None


class ReviewDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["allow", "label", "reduce", "remove"]
    note: Text = Field(default="", max_length=5_000, description="Why, in words the user will read.")


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
    filed_at: datetime
    outcome: str | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None


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
