"""The default decision rule: per-category thresholds on calibrated scores.

Deliberately conservative, in the spirit of the Kuala Lumpur Declaration's "safeguarding freedom of
expression": speech categories (hate, harassment) are never removed automatically, only sent to a
human; automatic removal is reserved for scams and gambling promotion, and only at scores where the
held-out precision is high. A jurisdiction's policy file replaces these numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from jaga.detect.base import PreparedPost
from jaga.types import Action, Category, Decision, Signal, now_utc

DEFAULT_POLICY_VERSION = "default-2026.11"


@dataclass(frozen=True)
class CategoryThresholds:
    label: float = 0.5
    review: float = 0.75
    remove: float | None = None  # None: never removed without a human

    def action_for(self, score: float) -> Action:
        if self.remove is not None and score >= self.remove:
            return Action.REMOVE
        if score >= self.review:
            return Action.REVIEW
        if score >= self.label:
            return Action.LABEL
        return Action.ALLOW


DEFAULT_THRESHOLDS: dict[Category, CategoryThresholds] = {
    Category.HATE_SPEECH: CategoryThresholds(label=0.6, review=0.8),
    Category.HARASSMENT: CategoryThresholds(label=0.6, review=0.85),
    Category.VIOLENT_EXTREMISM: CategoryThresholds(label=0.45, review=0.5),
    Category.SCAM_FRAUD: CategoryThresholds(label=0.5, review=0.7, remove=0.95),
    Category.ILLEGAL_GAMBLING: CategoryThresholds(label=0.5, review=0.7, remove=0.95),
    Category.SEXUAL_EXPLOITATION: CategoryThresholds(label=0.45, review=0.5),
    Category.DISINFORMATION: CategoryThresholds(label=0.5, review=0.9),
    Category.SELF_HARM: CategoryThresholds(label=0.45, review=0.5),
}


def aggregate_scores(signals: Sequence[Signal]) -> dict[Category, float]:
    """A category's score is its strongest signal: signals are calibrated, and adding them up
    would let several weak hints (a shortener, a cheap domain) add up to a removal."""
    scores: dict[Category, float] = {}
    for signal in signals:
        scores[signal.category] = max(scores.get(signal.category, 0.0), signal.score)
    return scores


class Policy(Protocol):
    version: str

    def decide(self, prepared: PreparedPost, signals: list[Signal], jurisdiction: str) -> Decision: ...


@dataclass
class ThresholdPolicy:
    thresholds: dict[Category, CategoryThresholds] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    version: str = DEFAULT_POLICY_VERSION

    def decide(self, prepared: PreparedPost, signals: list[Signal], jurisdiction: str) -> Decision:
        scores = aggregate_scores(signals)
        actions = {category: self.thresholds[category].action_for(score) for category, score in scores.items()}
        action = max(actions.values(), default=Action.ALLOW)
        flagged = sorted((category for category, act in actions.items() if act > Action.ALLOW),
                         key=lambda category: -scores[category])
        used = [signal for signal in signals if signal.category in flagged]
        return Decision(
            id=Decision.make_id(prepared.post.id, self.version),
            post_id=prepared.post.id,
            action=action,
            categories=flagged,
            scores={category: round(score, 4) for category, score in scores.items()},
            signals=used,
            language=prepared.language,
            jurisdiction=jurisdiction,
            policy_version=self.version,
            reasons=explain(action, flagged, scores, used),
            automated=True,
            review_status="pending" if action == Action.REVIEW else "none",
            decided_at=now_utc(),
        )


def explain(action: Action, flagged: list[Category], scores: dict[Category, float], signals: list[Signal]) -> str:
    """A plain statement a user or reviewer can read: what was found, where, and what follows."""
    if not flagged:
        return "No policy violation detected."
    parts = []
    for category in flagged:
        sources = sorted({signal.source.split(":")[0] for signal in signals if signal.category == category})
        quotes = [span.text for signal in signals if signal.category == category for span in signal.evidence][:3]
        quoted = f" (evidence: {', '.join(repr(quote) for quote in quotes)})" if quotes else ""
        parts.append(f"{category.value.replace('_', ' ')} {scores[category]:.2f} from {', '.join(sources)}{quoted}")
    outcome = {
        Action.LABEL: "The post stays up with a label.",
        Action.REDUCE: "The post's reach is reduced.",
        Action.REVIEW: "The post is queued for human review; no action is taken until a reviewer decides.",
        Action.REMOVE: "The post is removed automatically; the author may appeal.",
    }.get(action, "")
    return f"{action}: " + "; ".join(parts) + ". " + outcome
