"""Request and response models: the OpenAPI document is generated from these."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jaga.types import Decision, Post

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


class DecisionOut(BaseModel):
    """A decision as stored: the same JSON `jaga scan` writes."""

    model_config = ConfigDict(extra="allow")

    id: str
    post_id: str
    action: str
    jurisdiction: str
    policy_version: str
    reasons: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls.model_validate(decision.to_json_dict())


class ModerateResponse(BaseModel):
    decisions: list[DecisionOut]


class ClaimSearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)
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
    score: float
    match: bool
    semantic: float
    lexical: float


class Health(BaseModel):
    status: str
    version: str
    database: str

