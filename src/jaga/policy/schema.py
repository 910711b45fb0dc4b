"""What a jurisdiction policy file may say. Policies are data: a threshold, a deadline or a new
jurisdiction is a YAML change, validated here before any post is judged by it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jaga.types import Action, Category


class ExtraAction(StrEnum):
    """Measures beside the ladder, taken only where a policy says so."""

    GEO_RESTRICT = "geo_restrict"  # withheld in this jurisdiction only, distinct from global removal
    CORRECTION_NOTICE = "correction_notice"  # the post stays, with a correction attached (POFMA-style)
    REPORT_TO_AUTHORITY = "report_to_authority"  # the channel and deadline are in contacts.yaml
    PRESERVE_EVIDENCE = "preserve_evidence"  # keep the content and its metadata for law enforcement
    BLUR_BY_DEFAULT = "blur_by_default"  # reviewers see it blurred until they choose to unblur
    SUPPORT_NOTICE = "support_notice"  # the poster is offered the jurisdiction's helplines (contacts.yaml)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Instrument(Strict):
    """A law, regulation or code a policy encodes, cited on every decision that relies on it."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    provisions: str | None = None
    binding: bool = Field(default=True, description="False for declarations and frameworks that are not law.")
    assumption: str | None = Field(default=None, description="Set where a figure was not found in the source.")


class Thresholds(Strict):
    label: float = Field(ge=0, le=1)
    review: float = Field(ge=0, le=1)
    remove: float | None = Field(default=None, ge=0, le=1, description="None: never removed without a human.")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review < self.label:
            raise ValueError("review threshold must not be below the label threshold")
        if self.remove is not None and self.remove < self.review:
            raise ValueError("remove threshold must not be below the review threshold")
        return self

    def action_for(self, score: float) -> Action:
        if self.remove is not None and score >= self.remove:
            return Action.REMOVE
        if score >= self.review:
            return Action.REVIEW
        if score >= self.label:
            return Action.LABEL
        return Action.ALLOW


class Deadline(Strict):
    sla_class: str = Field(pattern=r"^[a-z_]+$")
    hours: int = Field(gt=0, le=24 * 30)
    assumption: str | None = None


class Rule(Strict):
    """A CEL condition over the post and its signals that sets a minimum action. Consulted only when
    the category is already flagged (its score reached the label threshold): rules refine decisions
    on evidence, they do not create evidence."""

    when: str
    action: str
    reason: str

    @field_validator("action")
    @classmethod
    def _known_action(cls, action: str) -> str:
        if action.upper() not in Action.__members__:
            raise ValueError(f"unknown action {action!r}; use one of {', '.join(str(a) for a in Action)}")
        return action.lower()


class CategoryPolicy(Strict):
    thresholds: Thresholds
    legal_basis: list[str] = Field(default_factory=list, description="Instrument ids, or 'terms_of_service'.")
    deadline: Deadline | None = None
    urgent_deadline: Deadline | None = None
    extra_actions: list[ExtraAction] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)


class Notices(Strict):
    poster: bool = True
    reporter: bool = False


class AccountMeasures(Strict):
    """Strikes against an author for removals, each expiring after `strike_ttl_days`. Enough live
    strikes suspend the account for a while; permanent termination is only ever *proposed* for human
    review, never applied automatically."""

    strike_ttl_days: int = Field(default=90, gt=0, le=3650)
    suspend_after: int = Field(default=3, gt=0)
    suspend_days: int = Field(default=7, gt=0, le=365)
    propose_termination_after: int = Field(default=6, gt=0)
    assumption: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AccountMeasures:
        if self.propose_termination_after <= self.suspend_after:
            raise ValueError("propose_termination_after must be above suspend_after")
        return self


class PolicyFile(Strict):
    jurisdiction: str = Field(pattern=r"^([A-Z]{2}|ASEAN)$")
    name: str
    extends: str | None = None
    version: str
    effective: date
    instruments: list[Instrument] = Field(default_factory=list)
    categories: dict[Category, CategoryPolicy]
    safeguards: list[str] = Field(default_factory=list, description="CEL: when true, no automatic removal.")
    authority_deadline: Deadline | None = Field(default=None, description="Counted from an authority request's "
                                                "receipt, when the law sets one.")
    report_deadline: Deadline | None = Field(default=None, description="Counted from a user's report: by when a "
                                             "person assesses the reported post.")
    trusted_flagger_deadline: Deadline | None = Field(default=None, description="The same for a trusted flagger's "
                                                      "notice (sooner: the notice comes from a vetted expert body).")
    notices: Notices = Field(default_factory=Notices)
    accounts: AccountMeasures = Field(default_factory=AccountMeasures)
    appeal_path: list[str] = Field(default_factory=lambda: ["internal"])

    @model_validator(mode="after")
    def _legal_basis_is_cited(self) -> PolicyFile:
        known = {instrument.id for instrument in self.instruments} | {"terms_of_service"}
        for category, policy in self.categories.items():
            unknown = [basis for basis in policy.legal_basis if basis not in known]
            if unknown:
                raise ValueError(f"{category.value}: legal_basis {unknown} is not among the instruments")
        return self
