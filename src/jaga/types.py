"""The three values that travel through Jaga: a `Post` comes in, detectors emit `Signal`s, the
decision stage returns a `Decision`. Everything else (store rows, API bodies, report rows) is
derived from these, so they are strict, versioned by `SCHEMA_VERSION` and round-trip through JSON.
A decision's statement of reasons (`Statement`, issued by `jaga.policy`) and the statuses of due
process (`ReviewStatus`, `TaskStatus`, ...) are defined here too: `Decision` carries them, and every
stage reads them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)

SCHEMA_VERSION = "1"
MAX_TEXT_CHARS = 50_000
"""Longest post we accept. Longer records are rejected (kept aside, never dropped): they are almost
always pasted documents or attacks on the pipeline, and a human should look at them."""

LANGUAGES: tuple[str, ...] = ("en", "id", "ms", "tl", "th", "vi", "km", "lo", "my", "zh", "ta")
"""The languages Jaga is built for (ISO 639-1). Other languages keep their own code (given by the
platform or identified), so that the detectors know a post is outside what they were trained on."""

LANGUAGE_ALIASES: dict[str, str] = {
    "in": "id", "ind": "id", "msa": "ms", "may": "ms", "zsm": "ms", "zlm": "ms", "fil": "tl", "tgl": "tl",
    "tha": "th", "vie": "vi", "khm": "km", "lao": "lo", "mya": "my", "bur": "my", "eng": "en", "zho": "zh",
    "chi": "zh", "cmn": "zh", "tam": "ta",
}
"""Codes platforms send for the region's languages besides ISO 639-1: ISO 639-2/3 ("fil", "ind",
"zsm", "cmn") and the withdrawn "in" that Twitter/X still writes for Indonesian."""

NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis", "qme", "qht", "qam", "qct", "qst"})
"""Codes that name no language (undetermined, multiple, no linguistic content, and X's codes for
posts of only media, hashtags, mentions or cashtags): the text's own language is identified instead."""


_COUNTRY_LOOKALIKES = frozenset({"bn", "kh", "la", "mm", "ph", "sg", "vn"})
"""Codes that are the region's country codes and not its languages (Brunei is not Bengali, Laos not
Latin, Singapore not Sango): sent as a post's language, they most likely name its country, so the
text's language is identified instead (a Singlish post sent as "sg" is read as English)."""


def language_code(tag: str | None) -> str | None:
    """A platform's language tag as Jaga's code: a BCP 47 tag's primary subtag ("zh-Hant-TW" -> "zh",
    "en_SG" -> "en"), lower-cased, aliases mapped ("fil" -> "tl"); None when it names no language.
    Raises ValueError for what is not a language tag at all."""
    if tag is None or not tag.strip():
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    if not (2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha()):
        raise ValueError(f"lang must be a language code such as 'id', 'th' or 'zh-Hant', got {tag!r}")
    if primary in NO_LANGUAGE or primary in _COUNTRY_LOOKALIKES:
        return None
    return LANGUAGE_ALIASES.get(primary, primary)

COUNTRIES: tuple[str, ...] = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL")
"""ASEAN member states and Timor-Leste (ISO 3166-1 alpha-2): the jurisdictions policies exist for."""


class Category(StrEnum):
    """The shared harm taxonomy: detectors emit these, policies act on them, reports count them."""

    HATE_SPEECH = "hate_speech"
    HARASSMENT = "harassment"
    VIOLENT_EXTREMISM = "violent_extremism"
    SCAM_FRAUD = "scam_fraud"
    ILLEGAL_GAMBLING = "illegal_gambling"
    SEXUAL_EXPLOITATION = "sexual_exploitation"
    DISINFORMATION = "disinformation"
    SELF_HARM = "self_harm"

    @property
    def description(self) -> str:
        return CATEGORY_DESCRIPTIONS[self]


CATEGORY_DESCRIPTIONS: dict[Category, str] = {
    Category.HATE_SPEECH: "Attacks on people for a protected characteristic: religion, ethnicity, "
    "nationality, gender, sexual orientation, disability, migration status.",
    Category.HARASSMENT: "Abuse, insults, threats and bullying aimed at individuals.",
    Category.VIOLENT_EXTREMISM: "Praise, support or recruitment for violent extremist groups or acts.",
    Category.SCAM_FRAUD: "Phishing, investment, job, romance and prize scams, impersonation of "
    "banks, e-wallets or agencies.",
    Category.ILLEGAL_GAMBLING: "Promotion of online gambling sites and slot/betting agents.",
    Category.SEXUAL_EXPLOITATION: "Grooming, sextortion, non-consensual imagery, child sexual abuse "
    "material (the last by hash banks only).",
    Category.DISINFORMATION: "Repeats a claim that fact-checkers rated false or misleading.",
    Category.SELF_HARM: "Promotion or instruction of suicide or self-harm.",
}


class Action(IntEnum):
    """The action ladder. Ordered so that `max()` gives the strictest action and a policy can
    assert that a stricter threshold never yields a lighter action."""

    ALLOW = 0
    LABEL = 1
    REDUCE = 2
    REVIEW = 3
    REMOVE = 4

    def __str__(self) -> str:
        return self.name.lower()


def valid_text(value: str) -> str:
    """NUL is never meaningful in social media text, and PostgreSQL cannot store it in text columns;
    a lone surrogate (U+D800-U+DFFF, from a JSON escape such as "\\ud800") is not text at all and
    cannot be written as UTF-8 (it also broke the policy engine). Refuse both at the door rather
    than fail later."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (U+0000)")
    if _SURROGATE.search(value):
        raise ValueError("contains a lone surrogate (U+D800-U+DFFF), which is not valid Unicode text")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def aware_time(value: datetime | None) -> datetime | None:
    """A time with its zone (UTC when it has none) that can be expressed in UTC: "9999-12-31T23:59
    -14:00" is year 10000 there, which neither Python nor the store can hold (it failed at save)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("time out of range: it must fall in the years 1 to 9999 in UTC") from error
    return value


ValidText = AfterValidator(valid_text)

MAX_EXTRA_KEYS = 64
"""Most fields a platform may send beyond the ones Jaga knows (kept in `Post.extra`)."""
MAX_EXTRA_KEY_CHARS = 128
MAX_EXTRA_DEPTH = 4
"""Deepest nesting of objects and lists inside one extra value."""
MAX_EXTRA_BYTES = 16_384
"""Largest `extra` as compact UTF-8 JSON: it is stored with every post and returned with every decision."""
STRICT = "strict"
"""Validation context key: `Post.model_validate(data, context={STRICT: True})` refuses unknown fields
(`jaga scan --strict`) instead of keeping them in `extra`."""


def valid_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """Bounds on what a platform sends beyond the known fields: it travels with the post into the store
    and back out with the decision, so it must stay small, shallow and plain JSON (finite numbers)."""
    if len(extra) > MAX_EXTRA_KEYS:
        raise ValueError(f"{len(extra)} unknown fields; at most {MAX_EXTRA_KEYS} are kept (pass fewer columns)")
    for key, value in extra.items():
        valid_text(key)
        if len(key) > MAX_EXTRA_KEY_CHARS:
            raise ValueError(f"field name {key[:40]!r}... is over {MAX_EXTRA_KEY_CHARS} characters")
        stack: list[tuple[Any, int]] = [(value, 0)]
        while stack:
            item, depth = stack.pop()
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"field {key!r} holds {item}, which JSON cannot carry")
            if isinstance(item, dict | list):
                if depth + 1 > MAX_EXTRA_DEPTH:
                    raise ValueError(f"field {key!r} nests objects and lists more than {MAX_EXTRA_DEPTH} deep")
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    size = len(json.dumps(extra, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_EXTRA_BYTES:
        raise ValueError(f"unknown fields take {size:,} bytes as JSON; at most {MAX_EXTRA_BYTES:,} are kept")
    return extra
NonEmptyId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256), ValidText]


class AuthorityRequest(BaseModel):
    """A government order or request about a post. First-class input, because the law sets
    deadlines from its receipt and the numbers on state involvement must be published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency: str = Field(min_length=1, max_length=200)
    channel: Literal["written", "phone", "electronic"]
    received_at: datetime
    legal_basis: str | None = Field(default=None, max_length=500)
    deadline: datetime | None = None
    reference: str | None = Field(default=None, max_length=200)

    @field_validator("received_at", "deadline")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return aware_time(value)


def _open_to_unknown_fields(schema: dict[str, Any]) -> None:
    """The JSON Schema of `Post` says what is accepted: unknown fields are (they go to `extra`)."""
    schema["additionalProperties"] = True


class Post(BaseModel):
    """One item of user content, as accepted by every entry point (library, CLI, HTTP).

    `author_id` is pseudonymised on ingest (see `jaga.privacy`): what reaches a store or an output
    file is a keyed hash, never the platform's own identifier. Fields sent under other names
    (`author`, say) are kept in `extra` as sent: pseudonymise them upstream if they identify people.
    `extra="forbid"` applies only under the strict validation context (see `_keep_unknown_fields`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_open_to_unknown_fields)

    id: NonEmptyId
    text: str = Field(max_length=MAX_TEXT_CHARS)
    lang: str | None = Field(default=None, description="ISO 639-1 code if the platform knows it.")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 of the jurisdiction.")
    author_id: str | None = Field(default=None, max_length=256)
    platform: str | None = Field(default=None, max_length=64)
    created_at: datetime | None = None
    urls: list[str] = Field(default_factory=list, max_length=100)
    media: list[str] = Field(default_factory=list, max_length=20, description="Hashes or paths.")
    reply_to: str | None = Field(default=None, max_length=256)
    repost_of: str | None = Field(default=None, max_length=256)
    authority_request: AuthorityRequest | None = None
    extra: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="Fields the platform sent that Jaga does not know (`author`, `label`, `likes` ...), kept as "
        f"sent, stored with the post and returned with its decision. At most {MAX_EXTRA_KEYS} fields, "
        f"{MAX_EXTRA_BYTES:,} bytes of JSON and {MAX_EXTRA_DEPTH} levels of nesting.")

    @model_validator(mode="before")
    @classmethod
    def _keep_unknown_fields(cls, data: Any, info: ValidationInfo) -> Any:
        """Platform exports carry columns of their own; refusing the whole post for one of them lost
        every row of such a file. They go to `extra` instead, unless the caller asked for strictness
        (then `extra="forbid"` rejects them, as before). A name sent both ways keeps the explicit one."""
        if not isinstance(data, dict) or (info.context or {}).get(STRICT):
            return data
        unknown = {key: value for key, value in data.items() if key not in cls.model_fields}
        if not unknown:
            return data
        known = {key: value for key, value in data.items() if key in cls.model_fields}
        explicit = known.get("extra")
        if explicit is not None and not isinstance(explicit, dict):
            return data  # validation names the bad `extra`
        return {**known, "extra": {**unknown, **(explicit or {})}}

    @model_validator(mode="before")
    @classmethod
    def _valid_text_anywhere(cls, data: Any) -> Any:
        def check(value: Any) -> None:
            if isinstance(value, str):
                valid_text(value)
            elif isinstance(value, dict):
                for item in value.values():
                    check(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    check(item)

        check(data)
        return data

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text is empty")
        return valid_text(text)

    @field_validator("lang")
    @classmethod
    def _lang_code(cls, lang: str | None) -> str | None:
        return language_code(lang)

    @field_validator("country")
    @classmethod
    def _country_code(cls, country: str | None) -> str | None:
        if country is None or country == "":
            return None
        country = country.strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ValueError(f"country must be an ISO 3166-1 alpha-2 code such as 'MY', got {country!r}")
        return country

    @field_validator("created_at")
    @classmethod
    def _aware(cls, created_at: datetime | None) -> datetime | None:
        return aware_time(created_at)

    @field_validator("extra")
    @classmethod
    def _bounded_extra(cls, extra: dict[str, Any]) -> dict[str, Any]:
        return valid_extra(extra)


class Span(BaseModel):
    """A half-open character range [start, end) into the post's *original* text."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError("span end precedes start")
        return self


class Signal(BaseModel):
    """What one detector found in one post. Scores are calibrated probabilities, so that policies
    can compare them across detectors and languages."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(description="e.g. classifier:hate_speech, lexicon:id, url:scam_domains")
    category: Category
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[Span] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    model_version: str | None = None


class LanguageInfo(BaseModel):
    """The language of a post as Jaga sees it, including code-mixing."""

    model_config = ConfigDict(frozen=True)

    code: str
    confidence: float = Field(ge=0.0, le=1.0)
    mixed: list[str] = Field(default_factory=list, description="Other languages present.")
    variety: str | None = Field(default=None, description="singlish, manglish, taglish ...")
    script: str | None = None


class ReviewStatus(StrEnum):
    """Where a decision stands with people: `none` (the machine's, final), `pending` (waiting for a
    reviewer), `decided` (a reviewer decided), `appealed` (an appeal is open), `reversed` (an appeal
    was upheld), `appeal_rejected` (the decision stands after an appeal)."""

    NONE = "none"
    PENDING = "pending"
    DECIDED = "decided"
    APPEALED = "appealed"
    REVERSED = "reversed"
    APPEAL_REJECTED = "appeal_rejected"


class TaskStatus(StrEnum):
    """A review task: `open` until a reviewer claims it, `claimed` while one holds it, then `decided`."""

    OPEN = "open"
    CLAIMED = "claimed"
    DECIDED = "decided"


class AppealStatus(StrEnum):
    """An appeal is `open` until a person (not the original reviewer) decides it."""

    OPEN = "open"
    DECIDED = "decided"


class AppealOutcome(StrEnum):
    """`upheld`: the decision is reversed and the post allowed again; `rejected`: it stands."""

    UPHELD = "upheld"
    REJECTED = "rejected"


class ReviewAction(StrEnum):
    """What a reviewer may decide: an action of the ladder, or `geo_restrict` (removed in the
    decision's country only, where its policy has that measure). No `review`: a person decides."""

    ALLOW = "allow"
    LABEL = "label"
    REDUCE = "reduce"
    GEO_RESTRICT = "geo_restrict"
    REMOVE = "remove"

    @property
    def action(self) -> Action:
        """The ladder's action it applies (a geo-restriction is a removal limited to one country)."""
        return Action.REMOVE if self is ReviewAction.GEO_RESTRICT else Action[self.name]


class Outcome(StrEnum):
    """Why a new version of a statement of reasons was issued: a reviewer decided, an appeal was
    upheld or rejected, or an authority's order reopened the case (`issued_because`)."""

    REVIEW = "review"
    APPEAL_UPHELD = "appeal_upheld"
    APPEAL_REJECTED = "appeal_rejected"
    AUTHORITY_ORDER = "authority_order"


def _action_from_name(value: Any) -> Any:
    """Actions travel by name ("remove") in JSON; Python code holds the ordered `Action`."""
    if isinstance(value, str):
        try:
            return Action[value.upper()]
        except KeyError as error:
            raise ValueError(f"unknown action {value!r}") from error
    return value


NamedAction = Annotated[Action, BeforeValidator(_action_from_name), PlainSerializer(str, return_type=str, when_used="json"),
                        WithJsonSchema({"type": "string", "enum": [str(action) for action in Action]})]
"""An `Action` written by its name, as decisions and statements carry it."""
IsoTime = Annotated[AwareDatetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "format": "date-time"})]
"""A time with its offset, written by `datetime.isoformat` (`+00:00`): what statements have always carried."""


class StatementPart(BaseModel):
    """A part of a statement of reasons: typed fields, unknown ones refused.

    `part["field"]` reads the field's JSON value, as an API client sees it (and a part equals the
    JSON it was read from); code holding the object reads attributes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __getitem__(self, key: str) -> Any:
        return self.model_dump(mode="json")[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.model_dump(mode="json").get(key, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):  # the same statement read back as JSON
            return bool(self.model_dump(mode="json") == other)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]


class IssuedPart(StatementPart):
    """A part whose JSON holds only the fields it was given: a statement issued by a person for a
    post the machine allowed has no SLA class, not a null one; an account measure names an
    assumption only where the policy states one. So a stored statement reads back and writes out
    unchanged. (Parts whose fields are always all given skip this: each such step costs a call
    into Python for every decision written.)"""

    @model_serializer(mode="wrap")
    def _as_issued(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # No return annotation on purpose: pydantic then documents the model's own fields in the
        # serialisation schema (OpenAPI); an annotated dict would make it an open object.
        data = handler(self)
        given = self.model_fields_set
        if len(given) == len(type(self).model_fields):
            return data  # every field given: nothing to leave out
        for name, key in _output_keys(type(self)):
            if name not in given:
                data.pop(key, None)
        return data


@cache
def _output_keys(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """(field name, JSON key) of each field of a statement part (the key is the alias, where one is set)."""
    return tuple((name, field.alias or name) for name, field in model.model_fields.items())


class LegalBasis(StatementPart):
    """A law, regulation or code a decision relies on (from the jurisdiction's policy)."""

    id: str
    title: str
    provisions: str | None = None
    assumption: str | None = None
    binding: bool = True


class CategoryAction(StatementPart):
    """What was done for one category the decision names."""

    category: Category
    action: NamedAction


class Notices(StatementPart):
    """Who the jurisdiction's law says is told: the poster, the reporter."""

    poster: bool
    reporter: bool


class UserNotice(StatementPart):
    """The notice the poster reads, in their language."""

    language: str
    text: str


class ReportChannel(StatementPart):
    """Where content is reported under `report_to_authority` (policy/contacts.yaml), with its source."""

    name: str
    channel: str
    hours: int
    source: str | None = None
    assumption: str | None = None


class AccountMeasure(IssuedPart):
    """What the author's live strikes (this decision's included) lead to: a strike, a temporary
    suspension, or a termination proposed for a person to decide."""

    strikes: int
    strike_ttl_days: int
    measure: Literal["strike", "suspended", "termination_proposed"]
    suspended_until: IsoTime | None = None
    human_review_required: bool = False
    assumption: str | None = None


DecisionGround = Literal["DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"]
AutomatedDecision = Literal["AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY",
                            "AUTOMATED_DECISION_NOT_AUTOMATED"]


class Statement(IssuedPart):
    """A statement of reasons (`jaga-sor/1`): a superset of the EU DSA Transparency Database fields
    plus what the jurisdiction's law asks for (legal basis, deadline, notices, appeal path, the notice
    the poster reads). Issued by the policy engine (`jaga.policy.engine`); a person's later decision
    issues a new version (`jaga.policy.statements`), with `version`, `id`, `supersedes` and who issued
    it when and why. `jaga.policy.dsa` maps it to a Transparency Database record."""

    schema_: str = Field(alias="schema")
    decision_visibility: list[str] = Field(default_factory=list)
    decision_ground: DecisionGround = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    terms_of_service: bool = False
    decision_facts: str = ""
    categories: list[CategoryAction] = Field(default_factory=list)
    content_type: list[str] = Field(default_factory=lambda: ["CONTENT_TYPE_TEXT"])
    automated_detection: bool = True
    automated_decision: AutomatedDecision = "AUTOMATED_DECISION_FULLY"
    jurisdiction: str
    jurisdiction_name: str | None = None
    policy_version: str
    sla_class: str | None = None
    sla_assumption: str | None = None
    deadline: IsoTime | None = None
    extra_actions: list[str] = Field(default_factory=list)
    safeguard: str | None = None
    fact_checks: list[dict[str, Any]] = Field(default_factory=list,
                                              description="The fact-checks the post repeats (claim matching).")
    hash_matches: list[dict[str, Any]] = Field(default_factory=list,
                                               description="Known content the post repeats (hash banks).")
    authority_request: AuthorityRequest | None = None
    source_type: str = "SOURCE_VOLUNTARY"
    source_identity: str | None = None
    notices: Notices = Field(default_factory=lambda: Notices(poster=True, reporter=False))
    appeal_path: list[str] = Field(default_factory=lambda: ["internal"])
    content_language: str | None = None
    user_notice: UserNotice | None = None
    report_to: ReportChannel | None = None
    support_helplines: list[str] | None = None
    account_measure: AccountMeasure | None = None
    version: int = Field(default=1, ge=1)
    id: str | None = None
    supersedes: str | None = None
    issued_by: str | None = None
    issued_at: IsoTime | None = None
    issued_because: Outcome | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)


class StatementVersion(StatementPart):
    """An earlier version of a decision's statement, as it was issued, with the action, review
    status and reasons it went with (kept, never edited, in `Decision.history`)."""

    version: int = Field(ge=1)
    id: str
    action: NamedAction
    review_status: ReviewStatus
    automated: bool
    reasons: str
    statement: Statement | None


class Decision(BaseModel):
    """The outcome for one post. `reasons` is a plain statement that a user and a reviewer can read;
    the policy engine (issue: policy) enriches it into a full statement of reasons."""

    model_config = ConfigDict(frozen=True)

    schema_version: str = SCHEMA_VERSION
    id: str
    post_id: str
    action: Action
    categories: list[Category] = Field(default_factory=list)
    scores: dict[Category, float] = Field(default_factory=dict)
    signals: list[Signal] = Field(default_factory=list)
    language: LanguageInfo
    jurisdiction: str
    policy_version: str
    reasons: str
    automated: bool = True
    review_status: ReviewStatus = ReviewStatus.NONE
    deadline: datetime | None = None
    extra_actions: list[str] = Field(default_factory=list, description="geo_restrict, correction_notice, "
                                     "report_to_authority")
    statement: Statement | None = Field(default=None, description="Statement of reasons (policy engine); "
                                        "a person's later decision issues a new version of it.")
    history: list[StatementVersion] = Field(default_factory=list, description="Earlier versions of the statement, "
                                          "oldest first, each with the action, review status and reasons it went "
                                          "with (`jaga.policy.statements`).")
    check_worthy: float | None = Field(default=None, ge=0.0, le=1.0,
                                       description="How much the post reads like a checkable factual claim: "
                                       "triage for fact-checkers, never an action by itself.")
    post_extra: dict[str, JsonValue] = Field(default_factory=dict,
                                             description="The post's fields that Jaga does not know (`Post.extra`), "
                                             "as the platform sent them: for joining the decision to its own record.")
    decided_at: datetime

    @field_validator("action", mode="before")
    @classmethod
    def _action_from_name(cls, value: Any) -> Any:
        return _action_from_name(value)

    @field_validator("deadline", "decided_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """Every time a decision carries has its offset: one read back without it (SQLite, an old
        file) was written in UTC, and a naive time is read as local time by whoever receives it."""
        return aware_time(value)

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["action"] = str(self.action)
        return data

    @property
    def on_authority_order(self) -> bool:
        """Decided on a government order (its statement names the request): stored as its own
        column for reports, and what makes a person's review an authority-order outcome."""
        return self.statement is not None and self.statement.authority_request is not None

    @staticmethod
    def make_id(post_id: str, policy_version: str) -> str:
        """Deterministic, so that re-running a scan (or resuming one) yields the same ids."""
        digest = hashlib.sha256(f"{post_id}\x00{policy_version}".encode()).hexdigest()
        return f"dec_{digest[:24]}"


def now_utc() -> datetime:
    return datetime.now(UTC)
