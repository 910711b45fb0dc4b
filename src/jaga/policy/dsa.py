"""Decisions as EU DSA Transparency Database statements of reasons (JSON), checked against the
database's field rules before they leave Jaga.

Platforms that also operate in the EU submit these; regulators elsewhere use the same, well-known
shape. A decision still pending human review is not a decision yet and is not exported; one a
person has since decided is exported as its latest version of the statement (its own `puid`). The field
rules follow the Transparency Database API documentation as summarised in POLICY_SOURCES.md.
Free text longer than a field's limit is cut with an ellipsis (the API refuses it, never cuts it).
What only the store knows (when the post was made, the reports behind a decision) is passed in by
`jaga.store.dsa_export`, which reads stored decisions for `jaga policy export-dsa --from-store`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jaga.policy.statements import statement_id, version_of, visibility_for
from jaga.types import Action, Category, Decision, Statement

EU_EEA = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split())
CATEGORIES = frozenset({
    "ANIMAL_WELFARE", "CONSUMER_INFORMATION", "CYBER_VIOLENCE", "CYBER_VIOLENCE_AGAINST_WOMEN",
    "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "ILLEGAL_OR_HARMFUL_SPEECH", "INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "NOT_SPECIFIED_NOTICE", "OTHER_VIOLATION_TC",
    "PROTECTION_OF_MINORS", "RISK_FOR_PUBLIC_SECURITY", "SCAMS_AND_FRAUD", "SELF_HARM",
    "UNSAFE_AND_PROHIBITED_PRODUCTS", "VIOLENCE",
})
TAXONOMY: dict[Category, tuple[str, str]] = {
    Category.HATE_SPEECH: ("ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_HATE_SPEECH"),
    Category.HARASSMENT: ("CYBER_VIOLENCE", "KEYWORD_OTHER"),
    Category.VIOLENT_EXTREMISM: ("RISK_FOR_PUBLIC_SECURITY", "KEYWORD_TERRORIST_CONTENT"),
    Category.SCAM_FRAUD: ("SCAMS_AND_FRAUD", "KEYWORD_PHISHING"),
    Category.ILLEGAL_GAMBLING: ("OTHER_VIOLATION_TC", "KEYWORD_OTHER"),
    Category.SEXUAL_EXPLOITATION: ("CYBER_VIOLENCE", "KEYWORD_OTHER"),
    Category.DISINFORMATION: ("NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "KEYWORD_MISINFORMATION_DISINFORMATION"),
    Category.SELF_HARM: ("SELF_HARM", "KEYWORD_OTHER"),
}
EUROPEAN_LANGUAGES = frozenset("BG CS DA DE EL EN ES ET FI FR GA HR HU IT LT LV MT NL PL PT RO SK SL SV".split())
PUID = re.compile(r"^[A-Za-z0-9_-]{1,500}$")
LIMITS = {"decision_facts": 5000, "illegal_content_explanation": 2000, "incompatible_content_explanation": 2000,
          "illegal_content_legal_ground": 500, "incompatible_content_ground": 500,
          "category_specification_other": 500, "source_identity": 500}
"""The database's length limits on free-text fields, in characters (the API refuses longer ones)."""
BATCH_SIZE = 100
"""Statements per request to the database's batch endpoint (its maximum)."""
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class Notice:
    """A report that led to a decision, as far as the DSA `source_type` needs it."""

    trusted_flagger: bool
    reporter: str


_UNSTATED = Statement(schema="none", jurisdiction="", policy_version="")
"""What a decision without a statement (one made before statements existed) is read as: the
defaults of a machine's decision on the platform's own initiative."""


class NotExportable(ValueError):
    """This decision cannot (yet) be a statement of reasons; the message says why."""


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut marked with an ellipsis (so a reader knows there
    was more): the database refuses a longer field rather than truncating it."""
    return text if len(text) <= limit else text[:limit - 1] + ELLIPSIS


def source_type_for(decision: Decision, notices: Sequence[Notice]) -> tuple[str, str | None]:
    """What set the decision in motion, and who (DSA `source_type`, `source_identity`): an authority's
    order, a trusted flagger's notice, a user's notice (Art. 16), else the platform's own initiative.
    A user is never named (a pseudonym must not leave Jaga); a trusted flagger is."""
    statement = decision.statement
    if statement is not None and (statement.authority_request is not None
                                  or statement.source_type == "SOURCE_TYPE_OTHER_NOTIFICATION"):
        return "SOURCE_TYPE_OTHER_NOTIFICATION", statement.source_identity or None
    flaggers = sorted({notice.reporter for notice in notices if notice.trusted_flagger})
    if flaggers:
        return "SOURCE_TRUSTED_FLAGGER", ", ".join(flaggers)
    if notices:
        return "SOURCE_ARTICLE_16", None
    return "SOURCE_VOLUNTARY", None


def to_dsa_statement(decision: Decision, territorial_scope: list[str], *, content_date: date | None = None,
                     notices: Sequence[Notice] | None = None) -> dict[str, Any]:
    """The decision's current statement as a database record. `content_date` is when the post was
    made (the decision's date when unknown); `notices` are the reports that led to the decision
    (None: unknown, the statement's own `source_type` stands)."""
    if decision.action == Action.REVIEW:
        raise NotExportable(f"{decision.id}: review is pending; nothing is restricted yet")
    if decision.action == Action.ALLOW:
        why = "a person allowed it" if decision.history else "nothing was restricted"
        raise NotExportable(f"{decision.id}: action allow is not a restriction ({why})")
    scope = sorted({code.upper() for code in territorial_scope})
    statement = decision.statement or _UNSTATED
    categories = decision.categories or [Category.HATE_SPEECH]
    primary = TAXONOMY[categories[0]][0]
    additions = sorted({TAXONOMY[category][0] for category in categories[1:]} - {primary})
    keywords = sorted({TAXONOMY[category][1] for category in categories})
    laws = statement.legal_basis
    facts = clip(decision.reasons, LIMITS["decision_facts"])
    if notices is None:
        source_type, identity = statement.source_type, statement.source_identity
    else:
        source_type, identity = source_type_for(decision, notices)
    record: dict[str, Any] = {
        "decision_visibility": visibility_for(decision.action, decision.extra_actions),
        "decision_facts": facts,
        "content_type": ["CONTENT_TYPE_TEXT"],
        "category": f"STATEMENT_CATEGORY_{primary}",
        "category_specification": keywords,
        "territorial_scope": scope,
        "content_date": (content_date or decision.decided_at.date()).isoformat(),
        # a later version (a person's decision) applies from when it was issued
        "application_date": (statement.issued_at or decision.decided_at).date().isoformat(),
        "source_type": source_type,
        "automated_detection": "Yes" if statement.automated_detection else "No",
        "automated_decision": statement.automated_decision,
        "puid": statement_id(decision.id, version_of(decision)),  # each version is its own statement
    }
    if additions:
        record["category_addition"] = [f"STATEMENT_CATEGORY_{name}" for name in additions]
    if "KEYWORD_OTHER" in keywords:
        record["category_specification_other"] = clip(", ".join(c.value.replace("_", " ") for c in categories),
                                                      LIMITS["category_specification_other"])
    if source_type != "SOURCE_VOLUNTARY" and identity:
        record["source_identity"] = clip(str(identity), LIMITS["source_identity"])
    measure = statement.account_measure
    if measure is not None and measure.measure == "suspended":  # a termination is only proposed, for a person
        record["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
        if measure.suspended_until is not None:
            record["end_date_account_restriction"] = measure.suspended_until.date().isoformat()
    if statement.decision_ground == "DECISION_GROUND_ILLEGAL_CONTENT" and laws:
        record["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        record["illegal_content_legal_ground"] = clip("; ".join(
            law.title + (f" ({law.provisions})" if law.provisions else "") for law in laws),
            LIMITS["illegal_content_legal_ground"])
        record["illegal_content_explanation"] = clip(decision.reasons, LIMITS["illegal_content_explanation"])
    else:
        record["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        record["incompatible_content_ground"] = "Terms of service"
        record["incompatible_content_explanation"] = clip(decision.reasons,
                                                          LIMITS["incompatible_content_explanation"])
    language = decision.language.code.upper()
    if language in EUROPEAN_LANGUAGES:
        record["content_language"] = language
    problems = validate_dsa_statement(record)
    if problems:
        raise NotExportable(f"{decision.id}: " + "; ".join(problems))
    return record


def validate_dsa_statement(record: dict[str, Any]) -> list[str]:
    """The database's field rules; an empty list means the record would be accepted."""
    problems = []
    if not any(record.get(field) for field in ("decision_visibility", "decision_monetary", "decision_provision",
                                                "decision_account")):
        problems.append("one of decision_visibility, decision_monetary, decision_provision, decision_account is required")
    for field in ("decision_facts", "decision_ground", "content_type", "category", "territorial_scope", "content_date",
                  "application_date", "source_type", "automated_detection", "automated_decision", "puid"):
        if not record.get(field):
            problems.append(f"{field} is required")
    for field, limit in LIMITS.items():
        if len(str(record.get(field) or "")) > limit:
            problems.append(f"{field} is over {limit} characters")
    if record.get("category", "").removeprefix("STATEMENT_CATEGORY_") not in CATEGORIES:
        problems.append(f"unknown category {record.get('category')}")
    scope = record.get("territorial_scope") or []
    outside = [code for code in scope if code not in EU_EEA]
    if outside:
        problems.append(f"territorial_scope must be EU/EEA codes, not {outside}")
    if record.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        if not record.get("illegal_content_legal_ground") or not record.get("illegal_content_explanation"):
            problems.append("illegal content needs illegal_content_legal_ground and illegal_content_explanation")
    elif record.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT" and not (
            record.get("incompatible_content_ground") and record.get("incompatible_content_explanation")):
        problems.append("incompatible content needs incompatible_content_ground and its explanation")
    if record.get("decision_account") not in (None, "DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"):
        problems.append(f"unknown decision_account {record.get('decision_account')}")
    if record.get("automated_detection") not in ("Yes", "No"):
        problems.append("automated_detection must be Yes or No")
    if not PUID.match(str(record.get("puid", ""))):
        problems.append("puid must be 1-500 characters of [A-Za-z0-9_-]")
    if record.get("content_date", "") < "2000-01-01":
        problems.append("content_date must be on or after 2000-01-01")
    return problems
