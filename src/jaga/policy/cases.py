"""Policy case files: a post and its signals, and the outcome the law's own terms lead to.

Cases are how a policy author checks a YAML change before it ships, and how a regulator can read
what a jurisdiction's file does without reading the engine. One file per jurisdiction is bundled in
`cases/`; `jaga policy test` runs them (or any file or folder given).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jaga.detect.base import PreparedPost
from jaga.policy.engine import PolicyEngine
from jaga.text import detect_language, normalise
from jaga.types import Decision, Post, Signal

BUNDLED_CASES = Path(__file__).parent / "cases"

#: What a case may expect; anything else is a typo in the case file and is refused.
EXPECTATIONS = frozenset({"action", "deadline_hours", "sla_class", "extra_actions", "no_extra_actions",
                          "legal_basis", "reasons_include", "safeguard", "notices", "appeal_path",
                          "notice_language", "notice_include", "review_status"})


@dataclass(frozen=True)
class CaseOutcome:
    source: Path
    name: str
    problems: list[str]


def iter_cases(path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Cases from one YAML file, or from every `*.yaml` in a folder in name order."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    for file in files:
        loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        if not isinstance(loaded, list):
            raise ValueError(f"{file}: a case file is a list of cases")
        for case in loaded:
            yield file, case


def run_case(engine: PolicyEngine, case: dict[str, Any]) -> list[str]:
    """The ways the engine's decision differs from what the case expects (empty when it passes)."""
    unknown = set(case.get("expect", {})) - EXPECTATIONS
    if unknown:
        return [f"unknown expectation(s) {sorted(unknown)}; known: {sorted(EXPECTATIONS)}"]
    post = Post.model_validate(case["post"])
    text = normalise(post.text)
    prepared = PreparedPost(post, text, detect_language(text.text, post.country))
    signals = [Signal.model_validate(signal) for signal in case.get("signals", [])]
    decision = engine.decide(prepared, signals, case.get("jurisdiction") or post.country or "ASEAN")
    return _compare(decision, post, case["expect"])


def _compare(decision: Decision, post: Post, expect: dict[str, Any]) -> list[str]:
    statement = decision.statement
    problems = []
    if str(decision.action) != expect["action"]:
        problems.append(f"action {decision.action} != {expect['action']}")
    if "deadline_hours" in expect:
        start = post.authority_request.received_at if post.authority_request else decision.decided_at
        hours = (decision.deadline - start).total_seconds() / 3600 if decision.deadline else None
        if hours != expect["deadline_hours"]:
            problems.append(f"deadline {hours} h != {expect['deadline_hours']} h")
    sla_class = statement.sla_class if statement else None
    if "sla_class" in expect and sla_class != expect["sla_class"]:
        problems.append(f"SLA class {sla_class} != {expect['sla_class']}")
    for extra in expect.get("extra_actions", []):
        if extra not in decision.extra_actions:
            problems.append(f"missing extra action {extra}")
    for extra in expect.get("no_extra_actions", []):
        if extra in decision.extra_actions:
            problems.append(f"unexpected extra action {extra}")
    cited = {basis.id for basis in statement.legal_basis} if statement else set()
    if statement and statement.terms_of_service:
        cited.add("terms_of_service")
    for basis in expect.get("legal_basis", []):
        if basis not in cited:
            problems.append(f"legal basis lacks {basis} (cites {sorted(cited)})")
    for fragment in expect.get("reasons_include", []):
        if fragment not in decision.reasons:
            problems.append(f"reasons lack {fragment!r}")
    safeguard = statement.safeguard if statement else None
    if "safeguard" in expect and (safeguard is not None) != expect["safeguard"]:
        problems.append(f"safeguard {safeguard!r}, expected {'one' if expect['safeguard'] else 'none'}")
    notices = statement.notices.model_dump() if statement else None
    if "notices" in expect and notices != expect["notices"]:
        problems.append(f"notices {notices} != {expect['notices']}")
    appeal_path = statement.appeal_path if statement else None
    if "appeal_path" in expect and appeal_path != expect["appeal_path"]:
        problems.append(f"appeal path {appeal_path} != {expect['appeal_path']}")
    notice = statement.user_notice if statement else None
    if "notice_language" in expect and (notice.language if notice else None) != expect["notice_language"]:
        problems.append(f"notice language {notice.language if notice else None} != {expect['notice_language']}")
    for fragment in expect.get("notice_include", []):
        if fragment not in (notice.text if notice else ""):
            problems.append(f"notice lacks {fragment!r}")
    if "review_status" in expect and decision.review_status != expect["review_status"]:
        problems.append(f"review status {decision.review_status} != {expect['review_status']}")
    return problems


def run_cases(engine: PolicyEngine, path: Path = BUNDLED_CASES) -> list[CaseOutcome]:
    return [CaseOutcome(file, case.get("name", f"case {number}"), run_case(engine, case))
            for number, (file, case) in enumerate(iter_cases(path), start=1)]
