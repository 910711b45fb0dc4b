"""Disinformation signals from the fact-check registries: a post that repeats a claim already rated
false, misleading or partly false gets a `claim:<fact-check id>` signal carrying the fact-check.

A post of organisation X is matched against the shared regional registry (`SHARED_ORG`) and X's
own, never another organisation's (`ScopedMatcher`); the organisation is the post's
(`PreparedPost.org`, set by the door that knows it), else the store's.

Encoding a post costs several milliseconds on a CPU, more than the rest of the pipeline, so the
encoder reads only the posts that could match (`ScopedMatcher.worth_encoding`: check-worthy, or
sharing rare words with a registered claim, found for a whole batch in one lexical pass); the rest
cost a share of that pass. A text seen lately (a repost, a copied message) is not matched again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import ClassVar

from jaga.claims.matcher import ClaimMatch, ClaimMatcher, QueryCache, ScopedMatcher
from jaga.claims.source import FactCheckRegistries, FactCheckSource
from jaga.detect.base import Detector, PreparedPost
from jaga.text.encoder import Encoder
from jaga.types import Category, Signal

RESULT_CACHE_SIZE = 16_384
"""Texts whose signals are remembered (per organisation): a repost or a copied message is matched
once. The registries a detector reads are indexed when its scope is built, so a result stays true
for the detector's life."""


class ClaimDetector(Detector):
    name: ClassVar[str] = "claims"
    categories: ClassVar[tuple[Category, ...]] = (Category.DISINFORMATION,)

    def __init__(self, matcher: ClaimMatcher | ScopedMatcher, registries: FactCheckRegistries | None = None) -> None:
        """`matcher`: the scope of posts that name no organisation (the store's). With `registries`,
        a post of another organisation is matched in that organisation's scope, built on first use."""
        self.matcher = matcher if isinstance(matcher, ScopedMatcher) else ScopedMatcher([matcher])
        self.registries = registries
        self._scopes: dict[str, ScopedMatcher] = {self.matcher.org: self.matcher}
        self._lock = threading.RLock()
        self._results: OrderedDict[tuple[str, str], tuple[Signal, ...]] = OrderedDict()
        self.encoded = 0     # posts read by the encoder (not found in its cache), for benchmarks
        self.signalled = 0   # posts given a claim signal

    @property
    def version(self) -> str:
        calibration = self.matcher.calibration
        return (f"{self.matcher.matchers[0].index.encoder}; thresholds {calibration.threshold}/"
                f"{calibration.crosslingual_threshold}")

    def scope(self, org: str | None) -> ScopedMatcher:
        """The registries a post of `org` is matched against (indexed up to date on first use)."""
        if org is None or self.registries is None:
            return self.matcher
        with self._lock:
            if org not in self._scopes:
                scope = ScopedMatcher.for_org(self.registries, org, self.matcher.encoder, self.matcher.cache)
                scope.sync()
                self._scopes[org] = scope
            return self._scopes[org]

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        found: list[list[Signal]] = [[] for _ in batch]
        by_org: dict[str | None, list[int]] = {}
        for index, item in enumerate(batch):
            by_org.setdefault(item.org, []).append(index)
        for org, indexes in by_org.items():
            scope = self.scope(org)
            if not len(scope):
                continue
            texts = [batch[index].post.text for index in indexes]
            for index, signals in zip(indexes, self._signals_for(scope, texts, [batch[index].text.text for index in indexes]),
                                      strict=True):
                found[index] = list(signals)
                self.signalled += bool(signals)
        return found

    def _signals_for(self, scope: ScopedMatcher, texts: list[str], canonical: list[str]) -> list[tuple[Signal, ...]]:
        """Each text's signals: remembered for texts seen lately (reposts, copied messages), else
        searched for those worth encoding and none for the rest."""
        cached = self._cached(scope.org, texts)
        fresh = list(dict.fromkeys(text for text, signals in zip(texts, cached, strict=True) if signals is None))
        if fresh:
            forms = dict(zip(texts, canonical, strict=True))
            worth = scope.worth_encoding(fresh, [forms[text] for text in fresh])
            chosen = [text for text, worthy in zip(fresh, worth, strict=True) if worthy]
            computed: dict[str, tuple[Signal, ...]] = dict.fromkeys(fresh, ())
            if chosen:
                misses = scope.cache.misses
                found = scope.search_many(chosen, top_k=3, canonical=[forms[text] for text in chosen])
                for text, matches in zip(chosen, found, strict=True):
                    computed[text] = tuple(self._signal(match) for match in matches
                                           if match.is_match and match.fact_check.verdict.is_disinformation)[:1]
                self.encoded += scope.cache.misses - misses
            self._remember(scope.org, computed)
            cached = [computed[text] if signals is None else signals for text, signals in zip(texts, cached, strict=True)]
        return [signals if signals is not None else () for signals in cached]

    def _cached(self, org: str, texts: list[str]) -> list[tuple[Signal, ...] | None]:
        with self._lock:
            found = []
            for text in texts:
                signals = self._results.get((org, text))
                if signals is not None:
                    self._results.move_to_end((org, text))
                found.append(signals)
            return found

    def _remember(self, org: str, results: dict[str, tuple[Signal, ...]]) -> None:
        with self._lock:
            for text, signals in results.items():
                self._results[(org, text)] = signals
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)

    def could_match(self, scope: ScopedMatcher, item: PreparedPost) -> bool:
        """Whether the post is worth encoding in `scope` (`ScopedMatcher.worth_encoding`)."""
        return scope.worth_encoding([item.post.text], [item.text.text])[0]

    def _signal(self, match: ClaimMatch) -> Signal:
        fact_check = match.fact_check
        return Signal(source=f"claim:{fact_check.id}", category=Category.DISINFORMATION, score=round(match.score, 4),
                      details={"fact_check_id": fact_check.id, "claim": fact_check.claim, "verdict": fact_check.verdict.value,
                               "rating": fact_check.rating, "publisher": fact_check.publisher, "url": fact_check.url,
                               "summary": _opening(fact_check.summary), "language": fact_check.language,
                               "registry": match.registry, "semantic": round(match.semantic, 4),
                               "lexical": round(match.lexical, 4)},
                      model_version=self.version)


def _opening(summary: str | None, limit: int = 500) -> str | None:
    """A statement of reasons quotes the fact-checker's finding, not a whole article."""
    if summary is None or len(summary) <= limit:
        return summary
    return summary[:limit].rsplit(" ", 1)[0] + " ..."


def registry_detector(source: FactCheckSource) -> ClaimDetector | None:
    """A ClaimDetector over the fact-check registries (their indexes brought up to date), or None when
    there is nothing to match against: moderation then runs without claim matching. The source is
    handed in (the store, by whoever wires the stages: `jaga.moderation.registry_moderator`):
    detection opens no database of its own. A store (`FactCheckRegistries`) gives every
    organisation its scope, the shared registry plus its own; any other source is one registry."""
    encoder, cache = Encoder(), QueryCache()
    if isinstance(source, FactCheckRegistries):
        if not source.fact_check_orgs():
            return None
        scope = ScopedMatcher.for_org(source, source.org, encoder, cache)
        scope.sync()
        return ClaimDetector(scope, source)
    if not source.count_fact_checks():
        return None
    matcher = ClaimMatcher(source, encoder=encoder, cache=cache)
    matcher.sync()
    return ClaimDetector(matcher)
