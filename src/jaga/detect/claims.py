"""Disinformation signals from the fact-check registry: a post that repeats a claim already rated
false, misleading or partly false gets a `claim:<fact-check id>` signal carrying the fact-check.

Encoding a post costs about 25 ms on a CPU, fifty times the rest of the pipeline, so the encoder
runs only for posts that are check-worthy (they state figures, name authorities, touch health,
elections, disasters or money) or whose words already overlap a registered claim. Everything else
skips it; the lexical index alone costs well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from jaga.claims.checkworthy import check_worthiness
from jaga.claims.matcher import ClaimMatch, ClaimMatcher
from jaga.claims.source import FactCheckSource
from jaga.detect.base import Detector, PreparedPost
from jaga.types import Category, Signal

LEXICAL_TRIGGER = 0.5  # shared share of rare wording with one claim (see LexicalIndex.coverage)


class ClaimDetector(Detector):
    name: ClassVar[str] = "claims"
    categories: ClassVar[tuple[Category, ...]] = (Category.DISINFORMATION,)

    def __init__(self, matcher: ClaimMatcher) -> None:
        self.matcher = matcher

    @property
    def version(self) -> str:
        calibration = self.matcher.calibration
        return f"{self.matcher.index.encoder}; thresholds {calibration.threshold}/{calibration.crosslingual_threshold}"

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        found: list[list[Signal]] = [[] for _ in batch]
        if not len(self.matcher.index.lexical):
            return found
        chosen = [index for index, item in enumerate(batch) if self._worth_encoding(item)]
        if not chosen:
            return found
        results = self.matcher.search_many([batch[index].post.text for index in chosen], top_k=3)
        for index, matches in zip(chosen, results, strict=True):
            found[index] = [self._signal(match) for match in matches
                            if match.is_match and match.fact_check.verdict.is_disinformation][:1]
        return found

    def _worth_encoding(self, item: PreparedPost) -> bool:
        if check_worthiness(item.text.text, item.post.text).worthy:
            return True
        lexical = self.matcher.index.lexical
        hits = lexical.search(item.post.text, 3)
        return bool(len(hits.keys)) and float(lexical.coverage(item.post.text, hits.keys).max()) >= LEXICAL_TRIGGER

    def _signal(self, match: ClaimMatch) -> Signal:
        fact_check = match.fact_check
        return Signal(source=f"claim:{fact_check.id}", category=Category.DISINFORMATION, score=round(match.score, 4),
                      details={"fact_check_id": fact_check.id, "claim": fact_check.claim, "verdict": fact_check.verdict.value,
                               "rating": fact_check.rating, "publisher": fact_check.publisher, "url": fact_check.url,
                               "summary": _opening(fact_check.summary), "language": fact_check.language, "semantic": round(match.semantic, 4),
                               "lexical": round(match.lexical, 4)},
                      model_version=self.version)


def _opening(summary: str | None, limit: int = 500) -> str | None:
    """A statement of reasons quotes the fact-checker's finding, not a whole article."""
    if summary is None or len(summary) <= limit:
        return summary
    return summary[:limit].rsplit(" ", 1)[0] + " ..."


def registry_detector(source: FactCheckSource) -> ClaimDetector | None:
    """A ClaimDetector over `source`'s registry (its index brought up to date), or None when the
    registry is empty: moderation then runs without claim matching. The source is handed in (the
    store, by whoever wires the stages: `jaga.moderation.registry_moderator`): detection opens no
    database of its own."""
    if not source.count_fact_checks():
        return None
    matcher = ClaimMatcher(source)
    matcher.sync()
    return ClaimDetector(matcher)
