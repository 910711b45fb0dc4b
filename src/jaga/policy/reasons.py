"""What every policy shares: how signals combine into a score per category, the `Policy` protocol
the `Moderator` calls, and the plain-language reason written on each decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jaga.detect.base import PreparedPost
from jaga.types import Action, Category, Decision, Signal


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


def explain(action: Action, flagged: list[Category], scores: dict[Category, float], signals: list[Signal]) -> str:
    """A plain statement a user or reviewer can read: what was found, where, and what follows."""
    if not flagged:
        return "No policy violation detected."
    parts = []
    for category in flagged:
        # a bank match names its bank (the statement must say which list of known content it is on)
        sources = sorted({signal.source if signal.source.startswith("bank:") else signal.source.split(":")[0]
                          for signal in signals if signal.category == category})
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
