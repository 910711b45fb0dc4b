"""What every policy shares: how signals combine into a score per category, the `Policy` protocol
the `Moderator` calls, and the plain-language reason written on each decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jaga.detect.base import ENCODER_DETAIL, PreparedPost, read_by_encoder_tier
from jaga.types import Action, Category, Decision, Signal

CONTEXT_OVERRULES = frozenset({Category.HATE_SPEECH})
"""The categories where the contextual tier, having read a post, may overrule a term list's hit."""
OVERRULED_BELOW = 0.2
"""A term list's hit does not count towards a category the contextual tier read the post for and
scored below this. A slur is a term-list hit wherever it stands, also where it is quoted to condemn
it ("people who call us <slur> will get blocked"), reclaimed or a homonym, and a hit scores at the
label threshold; the tier reads the sentence around it. Chosen on the functional corpus's dev split
(1,128 cases with a hate term): at 0.1 the overrule cleared 163 non-hateful cases and lost 22
hateful ones, at 0.2 185 and 33, at 0.3 196 and 56; the lost ones are slur sentences the tier reads
as friendly. Below 0.2 the tier is confident; the hit still counts wherever it is unsure."""
TERM_LIST_SOURCE = "lexicon:"


def aggregate_scores(signals: Sequence[Signal]) -> dict[Category, float]:
    """A category's score is its strongest signal: signals are calibrated, and adding them up
    would let several weak hints (a shortener, a cheap domain) add up to a removal. A term list's
    signal is left out where the contextual tier overrules it (`OVERRULED_BELOW`): the category's
    score is then the tier's, as for any post it reads."""
    overruled = overruled_categories(signals)
    scores: dict[Category, float] = {}
    for signal in signals:
        if signal.category in overruled and signal.source.startswith(TERM_LIST_SOURCE):
            continue
        scores[signal.category] = max(scores.get(signal.category, 0.0), signal.score)
    return scores


def overruled_categories(signals: Sequence[Signal]) -> set[Category]:
    """The categories of `CONTEXT_OVERRULES` that the contextual tier read this post for and scored
    below `OVERRULED_BELOW`. A classifier that read the post leaves its score in a signal's details;
    a category it scored below its own floor has no signal at all, which counts as a low reading.
    Where no signal says the tier read the post (the tier off, the fast tier settled it, another
    detector set), nothing is overruled."""
    if not read_by_encoder_tier(signals):
        return set()
    overruled = set()
    for category in CONTEXT_OVERRULES:
        readings = [float(signal.details[ENCODER_DETAIL]) for signal in signals
                    if signal.category == category and ENCODER_DETAIL in signal.details]
        if max(readings, default=0.0) < OVERRULED_BELOW:
            overruled.add(category)
    return overruled


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
