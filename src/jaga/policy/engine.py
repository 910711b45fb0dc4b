"""The jurisdiction policy engine: signals + a jurisdiction's policy -> action, deadline and a
statement of reasons.

Order of reasoning for each flagged category: the policy's thresholds give an action; its CEL rules
may raise it; if a safeguard holds (the evidence is quoted, a context detector saw reporting or
counter-speech) an automatic removal becomes a human review. The strictest category decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cel

from jaga.detect.base import PreparedPost
from jaga.policy.contacts import helpline_texts, report_channel
from jaga.policy.context import context_cues, quoted_ranges
from jaga.policy.loader import LoadedPolicy, PolicyError, jurisdictions, load_policy
from jaga.policy.notices import render_notice
from jaga.policy.reasons import aggregate_scores, explain
from jaga.policy.schema import Deadline, ExtraAction
from jaga.policy.statements import visibility_for
from jaga.types import Action, Category, Decision, ReviewStatus, Signal, Statement, now_utc

BASELINE = "ASEAN"
STATEMENT_SCHEMA = "jaga-sor/1 (superset of EU DSA Transparency Database statement fields, 2026-06)"


class _Activation:
    """What CEL conditions see for one post: each variable converted into CEL once, and only when a
    condition that runs refers to it (`CompiledRule.variables`). Converting is what costs (a post's
    signals ~27 us, evaluating a converted condition 0.2-4 us); a variable resolver instead converted
    a variable again at every reference (a third of the policy stage went to six safeguards)."""

    def __init__(self, builders: dict[str, Any]) -> None:
        self.builders = builders
        self.context = cel.Context()
        self.added: set[str] = set()

    def having(self, names: frozenset[str]) -> Any:
        """The context, with `names` converted (each once a post)."""
        for name in names - self.added:
            self.context.add_variable(name, self.builders[name]())
            self.added.add(name)
        return self.context


class PolicyEngine:
    """Implements the `Policy` protocol for every jurisdiction that has a policy file."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.policies: dict[str, LoadedPolicy] = {code: load_policy(code, directory) for code in jurisdictions(directory)}
        if BASELINE not in self.policies:
            raise PolicyError(f"{directory or 'bundled policies'}: the baseline asean.yaml is missing")
        self.version = self.policies[BASELINE].version

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its policy directory (None: the bundled policies) and loaded again on unpickling:
        compiled CEL programs cannot be pickled, and a worker recompiles them in well under a second."""
        return (PolicyEngine, (self.directory,))

    def policy_for(self, jurisdiction: str) -> LoadedPolicy:
        """The jurisdiction's own policy, or the regional baseline where it has none."""
        return self.policies.get(jurisdiction.upper(), self.policies[BASELINE])

    def report_deadline(self, jurisdiction: str, trusted_flagger: bool, received_at: datetime) -> datetime | None:
        """By when a person must assess a post a user (or a trusted flagger) reported, under the
        jurisdiction's policy; None where it sets no period."""
        policy = self.policy_for(jurisdiction).policy
        period = policy.trusted_flagger_deadline if trusted_flagger else policy.report_deadline
        return received_at + timedelta(hours=period.hours) if period is not None else None

    def decide(self, prepared: PreparedPost, signals: list[Signal], jurisdiction: str) -> Decision:
        loaded = self.policy_for(jurisdiction)
        policy = loaded.policy
        scores = aggregate_scores(signals)
        actions: dict[Category, Action] = {}
        rule_reasons: list[str] = []
        evaluation: _Activation | None = None
        for category, score in scores.items():
            category_policy = policy.categories.get(category)
            if category_policy is None:
                continue
            actions[category] = category_policy.thresholds.action_for(score)
        for rule in loaded.rules:
            category = Category(rule.category)
            if category not in actions or actions[category] == Action.ALLOW:
                continue  # conditions refine a flagged category; unflagged evidence stays unflagged
            evaluation = evaluation or self._activation(prepared, signals, scores)
            if rule.program.execute(evaluation.having(rule.variables)):
                rule_action = Action[rule.action.upper()]
                if rule_action > actions.get(category, Action.ALLOW):
                    actions[category] = rule_action
                    rule_reasons.append(rule.reason)
        safeguard: str | None = None
        if any(action == Action.REMOVE for action in actions.values()) and loaded.safeguards:
            evaluation = evaluation or self._activation(prepared, signals, scores)
            context = evaluation.having(loaded.safeguard_variables)
            if loaded.any_safeguard.execute(context):
                safeguard = next((expression for expression, program in loaded.safeguards
                                  if program.execute(context)), None)
            if safeguard:
                actions = {category: min(action, Action.REVIEW) for category, action in actions.items()}
        action = max(actions.values(), default=Action.ALLOW)
        request = prepared.post.authority_request
        if request is not None:
            action = max(action, Action.REVIEW)  # a person assesses every government order
        flagged = sorted((category for category, act in actions.items() if act > Action.ALLOW),
                         key=lambda category: -scores[category])
        used = [signal for signal in signals if signal.category in flagged]
        deadline_policy = self._deadline(loaded, flagged, actions)
        decided_at = now_utc()
        deadline = decided_at + timedelta(hours=deadline_policy.hours) if deadline_policy else None
        if request is not None:
            deadline_policy, deadline = self._authority_deadline(policy, request, deadline_policy, deadline)
        extra = sorted({extra.value for category in flagged if actions[category] >= Action.LABEL
                        for extra in policy.categories[category].extra_actions
                        if extra != ExtraAction.CORRECTION_NOTICE or category == Category.DISINFORMATION})
        reasons = explain(action, flagged, scores, used)
        if rule_reasons:
            reasons += " Policy rule: " + " ".join(rule_reasons)
        if request is not None:
            reasons += (f" Authority request from {request.agency} ({request.channel}, received "
                        f"{request.received_at:%Y-%m-%d %H:%M %Z}): a person assesses it against the law.")
        if safeguard:
            reasons += " Safeguard for expression applied: a person reviews this before any removal."
        statement = self._statement(loaded, prepared, action, flagged, actions, reasons, deadline_policy, deadline,
                                    extra, safeguard, used) if action > Action.ALLOW else None
        return Decision(
            id=Decision.make_id(prepared.post.id, loaded.version),
            post_id=prepared.post.id,
            action=action,
            categories=flagged,
            scores={category: round(score, 4) for category, score in scores.items()},
            signals=used,
            language=prepared.language,
            jurisdiction=policy.jurisdiction,
            policy_version=loaded.version,
            reasons=reasons,
            automated=True,
            review_status=ReviewStatus.PENDING if action == Action.REVIEW else ReviewStatus.NONE,
            deadline=deadline,
            extra_actions=extra,
            statement=statement,
            post_extra=prepared.post.extra,
            decided_at=decided_at,
        )

    @staticmethod
    def _context(prepared: PreparedPost, signals: list[Signal]) -> dict[str, Any]:
        """Facts about how the post says what it says (see `jaga.policy.context`). `quoted`: every
        piece of evidence for a speech category sits inside quotation marks."""
        ranges = quoted_ranges(prepared.post.text)
        speech_spans = [span for signal in signals
                        if signal.category in (Category.HATE_SPEECH, Category.HARASSMENT)
                        for span in signal.evidence]
        quoted = bool(speech_spans) and bool(ranges) and all(
            any(start <= span.start and span.end <= end for start, end in ranges) for span in speech_spans)
        return {"quoted": quoted, "mixed": bool(prepared.language.mixed), **context_cues(prepared.text.text)}

    @classmethod
    def _activation(cls, prepared: PreparedPost, signals: list[Signal], scores: dict[Category, float]) -> _Activation:
        """What CEL conditions see, built lazily: each variable is converted only if a condition
        refers to it (a third of the cost of converting everything for every post)."""
        post = prepared.post
        builders: dict[str, Any] = {
            "post": lambda: {"id": post.id, "text": post.text, "lang": post.lang or "", "country": post.country or "",
                             "platform": post.platform or "", "urls": list(post.urls), "author_id": post.author_id or ""},
            "signals": lambda: [{"source": signal.source, "category": signal.category.value, "score": signal.score,
                                 "details": {key: value for key, value in signal.details.items()
                                             if isinstance(value, str | int | float | bool)}}
                                for signal in signals],
            "scores": lambda: {category.value: scores.get(category, 0.0) for category in Category},
            "language": lambda: prepared.language.code,
            "context": lambda: cls._context(prepared, signals),
        }
        return _Activation(builders)

    @staticmethod
    def _authority_deadline(policy: Any, request: Any, deadline_policy: Any, deadline: Any) -> tuple[Any, Any]:
        """The earliest of: the deadline the request states, the one the law counts from its
        receipt, and the category's own."""
        options = [(deadline, deadline_policy)] if deadline is not None else []
        if request.deadline is not None:
            options.append((request.deadline, Deadline(sla_class="authority_request", hours=1)))
        if policy.authority_deadline is not None:
            options.append((request.received_at + timedelta(hours=policy.authority_deadline.hours),
                            policy.authority_deadline))
        if not options:
            return deadline_policy, deadline
        when, chosen = min(options, key=lambda option: option[0])
        return chosen, when

    @staticmethod
    def _deadline(loaded: LoadedPolicy, flagged: list[Category], actions: dict[Category, Action]) -> Any:
        """The tightest deadline among categories that need action (review or removal)."""
        candidates = []
        for category in flagged:
            category_policy = loaded.policy.categories[category]
            if actions[category] >= Action.REVIEW:
                for deadline in (category_policy.urgent_deadline, category_policy.deadline):
                    if deadline is not None:
                        candidates.append(deadline)
        return min(candidates, key=lambda deadline: deadline.hours, default=None)

    @staticmethod
    def _statement(loaded: LoadedPolicy, prepared: PreparedPost, action: Action, flagged: list[Category],
                   actions: dict[Category, Action], reasons: str, deadline_policy: Any, deadline: Any,
                   extra: list[str], safeguard: str | None, used: list[Signal]) -> Statement:
        policy = loaded.policy
        instruments = {instrument.id: instrument for instrument in policy.instruments}
        bases = [basis for category in flagged for basis in policy.categories[category].legal_basis]
        laws = [instruments[basis] for basis in dict.fromkeys(bases) if basis in instruments]
        binding = any(law.binding for law in laws)
        ground = "DECISION_GROUND_ILLEGAL_CONTENT" if binding else "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        return Statement.model_validate({
            "schema": STATEMENT_SCHEMA,
            "decision_visibility": visibility_for(action, extra),
            "decision_ground": ground,
            "legal_basis": [{"id": law.id, "title": law.title, "provisions": law.provisions,
                             "assumption": law.assumption, "binding": law.binding} for law in laws],
            "terms_of_service": any(basis == "terms_of_service" for basis in bases),
            "decision_facts": reasons,
            "categories": [{"category": category.value, "action": str(actions[category])} for category in flagged],
            "content_type": ["CONTENT_TYPE_TEXT"],
            "automated_detection": True,
            "automated_decision": "AUTOMATED_DECISION_PARTIALLY" if action == Action.REVIEW
            else "AUTOMATED_DECISION_FULLY",
            "jurisdiction": policy.jurisdiction,
            "jurisdiction_name": policy.name,  # a later version's notice names it as this one did
            "policy_version": loaded.version,
            "sla_class": deadline_policy.sla_class if deadline_policy else None,
            "sla_assumption": deadline_policy.assumption if deadline_policy else None,
            "deadline": deadline.isoformat() if deadline else None,
            "extra_actions": extra,
            "safeguard": safeguard,
            # The fact-checks the post repeats (claim matching): what a label or correction links to.
            "fact_checks": [signal.details for signal in used if signal.source.startswith("claim:")],
            # Known content the post repeats (hash banks): which bank, signal type, distance, entry id.
            "hash_matches": [signal.details for signal in used if signal.source.startswith("bank:")],
            "authority_request": prepared.post.authority_request.model_dump(mode="json")
            if prepared.post.authority_request else None,
            "source_type": "SOURCE_TYPE_OTHER_NOTIFICATION" if prepared.post.authority_request else "SOURCE_VOLUNTARY",
            "source_identity": prepared.post.authority_request.agency if prepared.post.authority_request else None,
            "notices": {"poster": policy.notices.poster, "reporter": policy.notices.reporter},
            "appeal_path": list(policy.appeal_path),
            "content_language": prepared.language.code,
            "user_notice": dict(zip(("language", "text"), render_notice(
                prepared.language.code, str(action), [category.value for category in flagged],
                [law.title for law in laws if law.binding], policy.name, extra, deadline, list(policy.appeal_path),
                authority=prepared.post.authority_request is not None,
                helplines=helpline_texts(policy.jurisdiction) if "support_notice" in extra else None),
                strict=True)),
            # Where the content is reported (`report_to_authority`) and the helplines offered
            # (`support_notice`), from policy/contacts.yaml with their sources.
            "report_to": report_channel(policy.jurisdiction) if "report_to_authority" in extra else None,
            "support_helplines": helpline_texts(policy.jurisdiction) if "support_notice" in extra else None,
        })
