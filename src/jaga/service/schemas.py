"""Request and response models: the OpenAPI document is generated from these."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    HttpUrl,
    JsonValue,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from jaga.store.records import (
    Appeal,
    AuthorData,
    AuthorDecision,
    AuthorHistory,
    AuthorPost,
    AuthorReport,
    AuthorStrike,
    CaseReport,
    Report,
    ReviewTask,
    Strike,
    TransparencyTotals,
    UtcTime,
)
from jaga.types import Category, Decision, Post, ReviewAction, ValidText

ObjectId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Text = Annotated[str, ValidText]

MAX_BATCH = 100


# Response schemas for what the store returns subclass its records (`jaga.store.records`): the
# fields are named once, there, and a route converts a record with one `model_validate` call. A
# subclass without a docstring on purpose is one whose record's docstring the API never showed:
# pydantic takes the class's own docstring as the schema's description, and the contract stays.


POST_EXAMPLE: dict[str, Any] = {
    "id": "post-81723", "text": "Claim your prize now at http://bit.ly/win", "lang": "en", "country": "ID",
    "author_id": "user-5521", "platform": "example-app", "created_at": "2026-12-04T09:30:00+07:00", "likes": 12}
"""A post as a platform sends it: `likes` is not a field Jaga knows, so it is kept in `extra`."""
STATEMENT_EXAMPLE: dict[str, Any] = {
    "schema": "jaga-sor/1 (superset of EU DSA Transparency Database statement fields, 2026-06)",
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"], "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "legal_basis": [{"id": "ite_law", "title": "Electronic Information and Transactions Law (Law 11/2008 as amended by "
                     "Law 19/2016)", "provisions": None, "assumption": None, "binding": True}],
    "terms_of_service": False, "decision_facts": "remove: scam fraud 1.00 from classifier, harms, url.",
    "categories": [{"category": "scam_fraud", "action": "remove"}], "content_type": ["CONTENT_TYPE_TEXT"],
    "automated_detection": True, "automated_decision": "AUTOMATED_DECISION_FULLY", "jurisdiction": "ID",
    "jurisdiction_name": "Indonesia", "policy_version": "ID-2026.11.1+ASEAN-2026.11.1", "sla_class": "standard",
    "sla_assumption": None, "deadline": "2026-12-05T09:30:01+00:00", "extra_actions": [], "safeguard": None,
    "fact_checks": [], "hash_matches": [], "authority_request": None, "source_type": "SOURCE_VOLUNTARY",
    "source_identity": None, "notices": {"poster": True, "reporter": True}, "appeal_path": ["internal"],
    "content_language": "en", "user_notice": {"language": "en", "text": "We removed your post. Why: it appears to "
                                              "contain a scam or fraud. If you think this is wrong, you can appeal: in the app."},
    "report_to": None, "support_helplines": None}
DECISION_EXAMPLE: dict[str, Any] = {
    "schema_version": "1", "id": "dec_ccd862583131a34c6c7f6dca", "post_id": "post-81723", "action": "remove",
    "categories": ["scam_fraud"], "scores": {"scam_fraud": 0.9997},
    "signals": [{"source": "classifier:scam_fraud", "category": "scam_fraud", "score": 0.9997, "evidence": [],
                 "details": {}, "model_version": "harm-20261204"},
                {"source": "url:domains", "category": "scam_fraud", "score": 0.25,
                 "evidence": [{"start": 24, "end": 41, "text": "http://bit.ly/win"}],
                 "details": {"url": "http://bit.ly/win", "reason": "link shortener hides the destination"},
                 "model_version": "2026-12-04"}],
    "language": {"code": "en", "confidence": 0.985, "mixed": [], "variety": None, "script": "latin"},
    "jurisdiction": "ID", "policy_version": "ID-2026.11.1+ASEAN-2026.11.1",
    "reasons": "remove: scam fraud 1.00 from classifier, harms, url.", "automated": True, "review_status": "none",
    "deadline": "2026-12-05T09:30:01+00:00", "extra_actions": [], "statement": STATEMENT_EXAMPLE, "history": [],
    "check_worthy": 0.12, "post_extra": {"likes": 12}, "decided_at": "2026-12-04T09:30:01+00:00"}
"""A real decision (trimmed to two signals): the examples in the document, and what a client sees."""


class ModerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"post": POST_EXAMPLE, "jurisdiction": "ID"}]})

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


Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
"""A time in a stored decision, kept as the string it was written as (ISO 8601 with its offset), so
that a decision read back is byte for byte the one `jaga scan` wrote."""
ActionName = Literal["allow", "label", "reduce", "review", "remove"]
JsonMap = dict[str, JsonValue]


class AsStored(BaseModel):
    """A part of a stored decision, written back with exactly the keys it was read with: a key that
    an older or a person-issued statement lacks is left out, not added as null, and a key this model
    does not name yet (a field a detector or the policy engine adds later) is passed through, not
    dropped; so a decision read through the API is the JSON `jaga scan` wrote and the webhook sent.
    The document describes the fields it names (`additionalProperties` left unsaid, as for every
    other model), not an open object."""

    model_config = ConfigDict(extra="allow")

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        found = handler(schema)
        handler.resolve_ref_schema(found).pop("additionalProperties", None)
        return found

    # No return annotation, on purpose: pydantic would take it for the serialised type, and the
    # document would describe every decision as `{}` instead of by its fields.
    @model_serializer(mode="wrap")
    def _as_stored(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        for name, field in type(self).model_fields.items():
            if name not in self.model_fields_set:
                data.pop(field.serialization_alias or name, None)
        return data


class LanguageOut(AsStored):
    """The post's language as Jaga saw it, code-mixing included."""

    code: str
    confidence: float
    mixed: list[str] = Field(default_factory=list)
    variety: str | None = None
    script: str | None = None


class SpanOut(AsStored):
    """A half-open range [start, end) of the post's original text."""

    start: int
    end: int
    text: str


class SignalOut(AsStored):
    """What one detector found. `details` differ by detector (a classifier's two tiers, a URL's
    reason, a matched fact-check or bank entry), so they are a map of JSON values."""

    source: str = Field(description="e.g. classifier:hate_speech, lexicon:id, url:scam_domains, claim:<id>, bank:<name>")
    category: Category
    score: float
    evidence: list[SpanOut] = Field(default_factory=list)
    details: JsonMap = Field(default_factory=dict)
    model_version: str | None = None


class LegalBasisOut(AsStored):
    id: str
    title: str
    provisions: str | None = None
    assumption: str | None = Field(default=None, description="What was not confirmed in a primary source.")
    binding: bool


class StatementCategoryOut(AsStored):
    category: Category
    action: ActionName


class UserNoticeOut(AsStored):
    """The notice the poster reads, in their language."""

    language: str
    text: str


class NoticesOut(AsStored):
    poster: bool
    reporter: bool


class FactCheckFound(AsStored):
    """A fact-check the post repeats (claim matching): what a label or correction links to."""

    fact_check_id: str
    claim: str
    verdict: str
    rating: str | None = None
    publisher: str | None = None
    url: str | None = None
    summary: str | None = None
    language: str | None = None
    registry: str | None = Field(default=None, description="The registry it came from: the organisation's own or "
                                 "a shared one.")
    semantic: float
    lexical: float
    score: float | None = Field(default=None, description="The match's score (on the case page).")


class BankMatchFound(AsStored):
    """Known content the post repeats (a hash-bank entry)."""

    bank: str
    label: str
    category: Category
    signal_type: str
    signal: str | None = Field(default=None, description="The banked signal (never for `text` entries).")
    distance: int
    threshold: int
    content: str = Field(description="Which content matched: `text` or `media[<index>]`.")
    content_id: str | None = None
    score: float
    matches: int | None = Field(default=None, description="Entries of the same bank the post matched.")


class AuthorityOrderOut(AsStored):
    """The government order a decision answers, as received."""

    agency: str
    channel: Literal["written", "phone", "electronic"]
    received_at: Timestamp
    legal_basis: str | None = None
    deadline: Timestamp | None = None
    reference: str | None = None


class ReportChannelOut(AsStored):
    """Where content is reported under `report_to_authority` (policy/contacts.yaml)."""

    name: str
    channel: str
    hours: int | None = None
    source: str | None = None
    assumption: str | None = None


class AccountMeasureOut(AsStored):
    """What the author's live strikes lead to (suspension, a proposed termination)."""

    strikes: int
    strike_ttl_days: int
    measure: Literal["strike", "suspended", "termination_proposed"]
    suspended_until: Timestamp | None = None
    human_review_required: bool
    assumption: str | None = None


class StatementOut(AsStored):
    """A statement of reasons (`jaga-sor/1`, a superset of the EU DSA Transparency Database's
    statement fields). A version issued by a person (review, appeal, authority order) also carries
    `version`, `id`, `supersedes` and who issued it, when and why."""

    schema_: str = Field(alias="schema", serialization_alias="schema")
    decision_visibility: list[str]
    decision_ground: str
    legal_basis: list[LegalBasisOut]
    terms_of_service: bool
    decision_facts: str | None = None
    categories: list[StatementCategoryOut] = Field(default_factory=list)
    content_type: list[str]
    automated_detection: bool
    automated_decision: str | None = None
    jurisdiction: str
    jurisdiction_name: str | None = None
    policy_version: str
    sla_class: str | None = None
    sla_assumption: str | None = None
    deadline: Timestamp | None = None
    extra_actions: list[str] = Field(default_factory=list)
    safeguard: str | None = None
    fact_checks: list[FactCheckFound] = Field(default_factory=list)
    hash_matches: list[BankMatchFound] = Field(default_factory=list)
    authority_request: AuthorityOrderOut | None = None
    source_type: str
    source_identity: str | None = None
    notices: NoticesOut
    appeal_path: list[str]
    content_language: str
    user_notice: UserNoticeOut | None = None
    report_to: ReportChannelOut | None = None
    support_helplines: list[str] | None = None
    account_measure: AccountMeasureOut | None = None
    version: int | None = Field(default=None, description="1 when absent (issued by the policy engine).")
    id: str | None = Field(default=None, description="This version's id (its DSA puid).")
    supersedes: str | None = None
    issued_by: str | None = None
    issued_at: Timestamp | None = None
    issued_because: Literal["review", "appeal_upheld", "appeal_rejected", "authority_order"] | None = None

    model_config = ConfigDict(populate_by_name=True)


class StatementVersionOut(AsStored):
    """An earlier version of a decision's statement of reasons, as it was issued."""

    version: int
    id: str = Field(description="The version's id (its DSA puid): the decision's id, or `<id>-v<n>`.")
    action: ActionName
    review_status: str
    automated: bool
    reasons: str
    statement: StatementOut | None


class DecisionOut(AsStored):
    """A decision as stored: the same JSON `jaga scan` writes. `statement` is the current statement
    of reasons; `history` the versions it superseded, oldest first (a person's review, an appeal
    or an authority order each issue a new one)."""

    schema_version: str
    id: str
    post_id: str
    action: ActionName
    categories: list[Category] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict, description="Score per category (calibrated).")
    signals: list[SignalOut] = Field(default_factory=list)
    language: LanguageOut
    jurisdiction: str
    policy_version: str
    reasons: str
    automated: bool = True
    review_status: str = Field(default="none", description="none, pending, decided, appealed")
    deadline: Timestamp | None = None
    extra_actions: list[str] = Field(default_factory=list, description="geo_restrict, correction_notice, "
                                     "report_to_authority, support_notice")
    statement: StatementOut | None = None
    history: list[StatementVersionOut] = Field(default_factory=list)
    check_worthy: float | None = None
    post_extra: JsonMap = Field(default_factory=dict, description="The post's fields Jaga does not know, as the "
                                "platform sent them (a map of JSON values).")
    decided_at: Timestamp

    model_config = ConfigDict(json_schema_extra={"examples": [DECISION_EXAMPLE]})

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls.model_validate(decision.to_json_dict())


class ModerateResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"decisions": [DECISION_EXAMPLE]}]})

    decisions: list[DecisionOut]


class ClaimSearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Vaksin COVID mengandung microchip untuk melacak warga", "top_k": 3}]})

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
    registry: str = Field(description="Whose registry holds the fact-check: the organisation's own, or "
                          "`asean-taskforce` (the shared regional one).")


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


class ReviewTaskOut(ReviewTask):
    """A case in the review queue, with what a reviewer needs to triage it. The fields after `note`
    were added for the review workspace; older clients may ignore them."""

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


class AuthorDecisionOut(AuthorDecision):
    pass


class StrikeOut(Strike):
    pass


class AuthorHistoryOut(AuthorHistory):
    """The author's record as a reviewer sees it: a pseudonym, never the platform's id."""

    decisions: list[AuthorDecisionOut]
    strikes: list[StrikeOut]


class CaseReportOut(CaseReport):
    pass


class CaseOut(BaseModel):
    """The case page: the task, the decision with its statement of reasons, who the author is in
    this organisation's records, what reports and fact-checks and hash banks said."""

    task: ReviewTaskOut
    decision: DecisionOut
    author: AuthorHistoryOut | None
    reports: list[CaseReportOut]
    fact_checks: list[FactCheckFound]
    bank_matches: list[BankMatchFound]


class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewer: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,32}$",
                          description="The id of the reviewer's API key (the part after `jaga_`).")




class ReviewDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"action": "remove", "note": "A prize scam: the link leads to a phishing page.", "categories": ["scam_fraud"]}]})

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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision_id": "dec_ccd862583131a34c6c7f6dca", "reason": "This is my own shop's real giveaway."}]})

    decision_id: ObjectId
    reason: Text = Field(min_length=1, max_length=5_000, description="The user's own words.")


class AppealOut(Appeal):
    pass


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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"outcome": "upheld", "note": "The shop's giveaway is registered; the link is its own."}]})

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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"post_id": "post-81723", "reporter": "user-9001", "category": "scam_fraud", "reason": "They asked for my PIN."}]})

    post_id: ObjectId = Field(description="A post already sent to /v1/moderate.")
    reporter: Text = Field(min_length=1, max_length=256, description="The reporting user's id (pseudonymised on "
                                                                      "receipt) or the trusted flagger's name.")
    trusted_flagger: bool = False
    category: Literal["hate_speech", "harassment", "violent_extremism", "scam_fraud", "illegal_gambling",
                      "sexual_exploitation", "disinformation", "self_harm"] | None = None
    reason: Text = Field(min_length=1, max_length=5_000)


class ReportOut(Report):
    pass


class Transparency(TransparencyTotals):
    pass


class AuthorPostOut(AuthorPost):
    """One of the author's posts as held; the fields the platform sent that Jaga does not know
    (`Post.extra`) follow the known ones, as sent (any JSON value)."""

    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)


class AuthorStrikeOut(AuthorStrike):
    pass


class AuthorReportOut(AuthorReport):
    pass


class AuthorDataOut(AuthorData):
    """Everything held about one author (a data subject's access request), by pseudonym."""

    posts: list[AuthorPostOut]
    # the record holds the documents as stored; the API describes (and checks) them as decisions
    decisions: list[DecisionOut]  # type: ignore[assignment]
    strikes: list[AuthorStrikeOut]
    reports_filed: list[AuthorReportOut]

