"""Decisions as EU DSA Transparency Database statements of reasons (JSON), checked against the
database's field rules before they leave Jaga.

Platforms that also operate in the EU submit these; regulators elsewhere use the same, well-known
shape. A decision still pending human review is not a decision yet and is not exported; one a
person has since decided is exported as its latest version of the statement (its own `puid`). The field
rules follow the Transparency Database API documentation as summarised in POLICY_SOURCES.md.
"""

from __future__ import annotations

import re
from typing import Any

from jaga.policy.statements import statement_id, version_of, visibility_for
from jaga.types import Action, Category, Decision

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


class NotExportable(ValueError):
    """This decision cannot (yet) be a statement of reasons; the message says why."""


def to_dsa_statement(decision: Decision, territorial_scope: list[str]) -> dict[str, Any]:
    if decision.action == Action.REVIEW:
        raise NotExportable(f"{decision.id}: review is pending; nothing is restricted yet")
    if decision.action == Action.ALLOW:
        why = "a person allowed it" if decision.history else "nothing was restricted"
        raise NotExportable(f"{decision.id}: action allow is not a restriction ({why})")
    scope = sorted({code.upper() for code in territorial_scope})
    statement = decision.statement or {}
    categories = decision.categories or [Category.HATE_SPEECH]
    primary = TAXONOMY[categories[0]][0]
    additions = sorted({TAXONOMY[category][0] for category in categories[1:]} - {primary})
    keywords = sorted({TAXONOMY[category][1] for category in categories})
    laws = statement.get("legal_basis") or []
    facts = decision.reasons[:5000]
    record: dict[str, Any] = {
        "decision_visibility": visibility_for(decision.action, decision.extra_actions),
        "decision_facts": facts,
        "content_type": ["CONTENT_TYPE_TEXT"],
        "category": f"STATEMENT_CATEGORY_{primary}",
        "category_specification": keywords,
        "territorial_scope": scope,
        "content_date": decision.decided_at.date().isoformat(),
        # a later version (a person's decision) applies from when it was issued
        "application_date": str(statement.get("issued_at") or decision.decided_at.isoformat())[:10],
        "source_type": statement.get("source_type", "SOURCE_VOLUNTARY"),
        "automated_detection": "Yes" if statement.get("automated_detection", True) else "No",
        "automated_decision": statement.get("automated_decision", "AUTOMATED_DECISION_FULLY"),
        "puid": statement_id(decision.id, version_of(decision)),  # each version is its own statement
    }
    if additions:
        record["category_addition"] = [f"STATEMENT_CATEGORY_{name}" for name in additions]
    if "KEYWORD_OTHER" in keywords:
        record["category_specification_other"] = ", ".join(c.value.replace("_", " ") for c in categories)[:500]
    if record["source_type"] != "SOURCE_VOLUNTARY" and statement.get("source_identity"):
        record["source_identity"] = str(statement["source_identity"])[:500]
    if statement.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT" and laws:
        record["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        record["illegal_content_legal_ground"] = "; ".join(
            f"{law['title']}" + (f" ({law['provisions']})" if law.get("provisions") else "") for law in laws)[:500]
        record["illegal_content_explanation"] = facts
    else:
        record["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        record["incompatible_content_ground"] = "Terms of service"
        record["incompatible_content_explanation"] = facts
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
    if len(record.get("decision_facts", "")) > 5000:
        problems.append("decision_facts is over 5000 characters")
    if record.get("category", "").removeprefix("STATEMENT_CATEGORY_") not in CATEGORIES:
        problems.append(f"unknown category {record.get('category')}")
    scope = record.get("territorial_scope") or []
    outside = [code for code in scope if code not in EU_EEA]
    if outside:
        problems.append(f"territorial_scope must be EU/EEA codes, not {outside}")
    if record.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        if not record.get("illegal_content_legal_ground") or not record.get("illegal_content_explanation"):
            problems.append("illegal content needs illegal_content_legal_ground and illegal_content_explanation")
        elif len(record["illegal_content_legal_ground"]) > 500:
            problems.append("illegal_content_legal_ground is over 500 characters")
    elif record.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT" and not (
            record.get("incompatible_content_ground") and record.get("incompatible_content_explanation")):
        problems.append("incompatible content needs incompatible_content_ground and its explanation")
    if record.get("automated_detection") not in ("Yes", "No"):
        problems.append("automated_detection must be Yes or No")
    if not PUID.match(str(record.get("puid", ""))):
        problems.append("puid must be 1-500 characters of [A-Za-z0-9_-]")
    if record.get("content_date", "") < "2000-01-01":
        problems.append("content_date must be on or after 2000-01-01")
    return problems
