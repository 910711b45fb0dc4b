"""Which fact-checks a post repeats, in any pair of the region's languages.

Retrieval is fused: the lexical index finds shared names, figures and phrases; the semantic index
finds the same claim worded differently or in another language. For each candidate from either,
four features (cosine similarity, share of the post's rare terms the claim contains, and the
candidate's rank in each list) go through a logistic calibration fitted on real post -> fact-check
pairs (`jaga claims calibrate`), so `score` reads as the probability that the post repeats the claim
and `is_match` applies a threshold chosen for a target precision: one for candidates in the post's
language and one for candidates in another, because a cross-language match scores lower for the
same certainty.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from jaga.claims.checkworthy import check_worthiness
from jaga.claims.index import ClaimIndex, text_digest
from jaga.claims.model import FactCheck
from jaga.claims.rerank import RerankCalibration, Reranker, default_reranker
from jaga.claims.source import SHARED_ORG, FactCheckRegistries, FactCheckSource
from jaga.config import home_dir
from jaga.text.encoder import Encoder

FEATURES = ("semantic", "lexical", "semantic_rank", "lexical_rank", "crosslingual", "crosslingual_semantic")
LEXICAL_CANDIDATES = 100
SEMANTIC_CANDIDATES = 60
MIN_LEXICAL_COVERAGE = 0.2
LEXICAL_TRIGGER = 0.5
"""The share of rare wording (`LexicalIndex.coverage`) a post that is not check-worthy must share
with some registered claim before it is worth encoding (`ScopedMatcher.worth_encoding`)."""
QUERY_KEY_CHARS = 1_000
"""A query's language (`language_of`) and vector (`Encoder`, which reads 600 characters) depend on
its first 1,000 characters only: the key under which both are cached."""
VECTOR_CACHE_SIZE = 8_192
SYNC_MEMO_SIZE = 16_384
"""Vectors a sync remembers by `text_digest`, so that a claim repeated in the registry (the shared
sets repeat a tenth of theirs) is encoded once: 24 MB at most, whatever the registry's size."""

Candidate = tuple[int, float, float, float, bool]
"""A candidate as ranked: (key, score, semantic, lexical, cross-lingual)."""
Progress = Callable[[int, int | None], None]
"""`progress(done, total)`: how many fact-checks are indexed so far, of how many (None: unknown)."""


@dataclass(frozen=True)
class Calibration:
    """P(match) = sigmoid(w . features + b), with thresholds chosen on the calibration pairs."""

    weights: tuple[float, ...]
    bias: float
    threshold: float               # candidates in the post's own language
    crosslingual_threshold: float  # candidates in another language
    trained_on: str = ""
    rerank: RerankCalibration | None = None  # the second stage's, fitted with one reranker (`jaga.claims.rerank`)

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(features @ np.asarray(self.weights) + self.bias)))

    def is_match(self, score: float, crosslingual: bool) -> bool:
        return score >= (self.crosslingual_threshold if crosslingual else self.threshold)

    @classmethod
    def bundled(cls) -> Calibration:
        path = resources.files("jaga.claims") / "data" / "matcher.json"
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"calibration features {data['features']} do not match {FEATURES}")
        rerank = RerankCalibration.from_json(data["rerank"]) if data.get("rerank") else None
        return cls(tuple(data["weights"]), float(data["bias"]), float(data["threshold"]),
                   float(data["crosslingual_threshold"]), data.get("trained_on", ""), rerank)

    def to_json(self) -> dict[str, Any]:
        data = {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "crosslingual_threshold": self.crosslingual_threshold,
                "trained_on": self.trained_on}
        return data | ({"rerank": self.rerank.to_json()} if self.rerank else {})


@dataclass(frozen=True)
class ClaimMatch:
    fact_check: FactCheck
    key: int
    score: float       # calibrated probability that the text repeats this claim
    semantic: float    # cosine similarity of the sentence vectors
    lexical: float     # share of the text's IDF mass found in the claim
    is_match: bool
    registry: str = ""  # the organisation whose registry holds it (`SHARED_ORG`: the shared one)

    def to_json(self) -> dict[str, Any]:
        fact_check = self.fact_check
        return {"id": fact_check.id, "registry": self.registry, "claim": fact_check.claim, "language": fact_check.language,
                "country": fact_check.country, "verdict": fact_check.verdict.value, "rating": fact_check.rating,
                "publisher": fact_check.publisher, "url": fact_check.url, "summary": fact_check.summary,
                "score": round(self.score, 4),
                "match": self.is_match, "semantic": round(self.semantic, 4), "lexical": round(self.lexical, 4)}


def default_index_dir(store: FactCheckSource) -> Path:
    """One index folder per database and organisation, under JAGA_HOME."""
    import hashlib

    digest = hashlib.sha256(f"{store.url}\n{store.org}".encode()).hexdigest()[:16]
    return home_dir() / "claim-index" / digest


class QueryCache:
    """Each recent query's language and vector, so that a text seen again (a repost, a copied
    message, the same post in the shared registry's search and the organisation's) is not encoded
    again: the encoder is most of a search's cost. Least recently used first out; thread-safe (the
    service searches from several threads)."""

    def __init__(self, size: int = VECTOR_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def encode(self, texts: Sequence[str], encoder: Encoder,
               canonical: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        """Each text's language (`language_of`) and vector; those not cached are encoded together,
        each distinct text once. `canonical`: the texts already normalised (`jaga.text.normalise`, as
        the text stage leaves them), which spares normalising a short text again to find its language."""
        keys = [text[:QUERY_KEY_CHARS] for text in texts]
        forms = {key: form for key, text, form in zip(keys, texts, canonical, strict=True)
                 if len(text) <= QUERY_KEY_CHARS} if canonical is not None else {}
        found: dict[str, tuple[str, np.ndarray]] = {}
        with self._lock:
            for key in dict.fromkeys(keys):
                if key in self._items:
                    self._items.move_to_end(key)
                    found[key] = self._items[key]
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        self.hits += len(keys) - len(missing)  # texts answered without encoding (repeats in the batch too)
        self.misses += len(missing)            # texts encoded
        if missing:
            languages = [language_of(key, forms.get(key)) for key in missing]
            vectors = encoder.encode(missing, languages)
            with self._lock:
                for key, language, vector in zip(missing, languages, vectors, strict=True):
                    found[key] = self._items[key] = (language, vector)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        if not keys:
            return [], np.zeros((0, encoder.dim), dtype=np.float32)
        return [found[key][0] for key in keys], np.stack([found[key][1] for key in keys])


class ClaimMatcher:
    """Matching against one registry (one organisation's, or the shared one): see `ScopedMatcher`
    for the two together.

    Two stages: the calibrated first stage (`features`) ranks every candidate; when the calibration
    has a second stage (`Calibration.rerank`) and a reranker is at hand (`jaga.claims.rerank`: the
    bundled one unless `JAGA_CLAIM_RERANKER` says otherwise, or `reranker`), the best `depth` of them
    are read again together with the post, and scored and thresholded by the second stage."""

    def __init__(self, store: FactCheckSource, index_dir: Path | None = None, calibration: Calibration | None = None,
                 encoder: Encoder | None = None, cache: QueryCache | None = None,
                 reranker: Reranker | bool = True) -> None:
        """`reranker`: True for the configured one (`default_reranker`), False for none, or a `Reranker`."""
        self.store = store
        self.index_dir = index_dir or default_index_dir(store)
        self.index = ClaimIndex.open(self.index_dir)
        self.calibration = calibration or Calibration.bundled()
        self.encoder = encoder or Encoder()
        self.cache = cache or QueryCache()
        self.reranker: Reranker | None = None
        stage = self.calibration.rerank
        if stage is not None and reranker is not False:
            self.reranker = default_reranker() if reranker is True else reranker or None
            if self.reranker is not None and self.reranker.version != stage.reranker:
                raise ValueError(f"the calibration's second stage was fitted with reranker {stage.reranker}, not "
                                 f"{self.reranker.version}: run `jaga claims calibrate` with this reranker")

    @property
    def rerank(self) -> RerankCalibration | None:
        """The second stage in use (None: the first stage decides alone)."""
        return self.calibration.rerank if self.reranker is not None else None

    @property
    def registry(self) -> str:
        return str(self.store.org)

    def __len__(self) -> int:
        """Fact-checks indexed."""
        return len(self.index.lexical)

    def sync(self, batch_size: int = 256, save: bool = True, progress: Progress | None = None) -> int:
        """Index what the registry gained or changed since the last sync, `batch_size` fact-checks at
        a time, reporting `progress(done, total)` after each batch; returns how many.

        The encoder is nearly all of a sync's time (on 2 cores, 6,040 claims: 3 s to read them, the
        rest e5), so it reads as little as it can: each distinct text once (`SYNC_MEMO_SIZE`), and
        not at all for a fact-check whose text and language are those already indexed (a new verdict
        or summary: `text_digest`). It runs on a second thread while the batch before is put in the
        indexes (the engine releases the GIL); the indexes are still filled in registry order on
        this thread, so the same registry gives the same index."""
        from datetime import datetime

        since = datetime.fromisoformat(self.index.synced_until) if self.index.synced_until else None
        total = self.store.count_fact_checks(since) if progress else None
        if progress:
            progress(0, total)
        done = 0
        latest = since
        memo: OrderedDict[int, Future[dict[int, np.ndarray]]] = OrderedDict()
        pending: tuple[list[tuple[int, FactCheck]], list[int], np.ndarray] | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="claim-encoder") as pool:
            for batch, updated_at in self._batches(since, batch_size):
                digests = [text_digest(fact_check.claim, fact_check.language) for _, fact_check in batch]
                kept = self.index.lexical.digest_of([key for key, _ in batch]) == np.asarray(digests, dtype=np.int64)
                wanted: dict[int, tuple[str, str]] = {}
                for (_, fact_check), digest, unchanged in zip(batch, digests, kept, strict=True):
                    if unchanged:
                        continue
                    if digest in memo:
                        memo.move_to_end(digest)  # needed again: kept until this batch is indexed
                    else:
                        wanted.setdefault(digest, (fact_check.claim, fact_check.language))
                if wanted:
                    future = pool.submit(self._encode, wanted)
                    for digest in wanted:
                        memo[digest] = future
                    while len(memo) > max(SYNC_MEMO_SIZE, 4 * batch_size):  # never what the batch in hand needs
                        memo.popitem(last=False)
                if pending:
                    done += self._index(*pending, memo)
                    if progress:
                        progress(done, total)
                pending = (batch, digests, kept)
                latest = updated_at
            if pending:
                done += self._index(*pending, memo)
                if progress:
                    progress(done, total)
        if done:
            self.index.synced_until = latest.isoformat() if latest else None
            if save:
                self.index.save(self.index_dir)
        return done

    def _batches(self, since: Any, batch_size: int) -> Iterator[tuple[list[tuple[int, FactCheck]], Any]]:
        """The fact-checks changed since `since`, `batch_size` at a time, each batch with the last
        `updated_at` in it."""
        batch: list[tuple[int, FactCheck]] = []
        latest = since
        for key, fact_check, updated_at in self.store.fact_checks_changed_since(since):
            batch.append((key, fact_check))
            latest = updated_at
            if len(batch) >= batch_size:
                yield batch, latest
                batch = []
        if batch:
            yield batch, latest

    def _encode(self, wanted: dict[int, tuple[str, str]]) -> dict[int, np.ndarray]:
        """Vectors by digest (run on the sync's encoder thread)."""
        texts = [text for text, _ in wanted.values()]
        vectors = self.encoder.encode(texts, [language for _, language in wanted.values()])
        return dict(zip(wanted, vectors, strict=True))

    def _index(self, batch: list[tuple[int, FactCheck]], digests: list[int], kept: np.ndarray,
               memo: OrderedDict[int, Future[dict[int, np.ndarray]]]) -> int:
        """Put one batch in the indexes, with the vectors its texts were given."""
        changed = [digest for digest, unchanged in zip(digests, kept, strict=True) if not unchanged]
        vectors = np.stack([memo[digest].result()[digest] for digest in changed]) if changed \
            else np.zeros((0, self.encoder.dim), dtype=np.float32)
        self.index.add([key for key, _ in batch], [fact_check.claim for _, fact_check in batch], vectors,
                       [fact_check.language for _, fact_check in batch], digests, kept.tolist())
        return len(batch)

    def search(self, text: str, top_k: int = 10) -> list[ClaimMatch]:
        return self.search_many([text], top_k)[0]

    def search_many(self, texts: Sequence[str], top_k: int = 10,
                    canonical: Sequence[str] | None = None) -> list[list[ClaimMatch]]:
        """Best first. Encodes the texts not seen lately in one batch (the encoder is most of the cost).
        `canonical`: the texts already normalised (`jaga.text.normalise`), not normalised again."""
        languages, vectors = self.cache.encode(texts, self.encoder, canonical)
        return self.search_encoded(texts, languages, vectors, top_k, canonical)

    def search_encoded(self, texts: Sequence[str], languages: Sequence[str], vectors: np.ndarray,
                       top_k: int = 10, canonical: Sequence[str] | None = None) -> list[list[ClaimMatch]]:
        """`search_many` for texts already encoded (`QueryCache.encode`): several registries are
        searched with one encoding."""
        if not len(self) or not len(texts):
            return [[] for _ in texts]
        forms = canonical if canonical is not None else [None] * len(texts)
        scored = [self._candidates(text, vector, language, top_k, form)
                  for text, vector, language, form in zip(texts, vectors, languages, forms, strict=True)]
        wanted = sorted({key for candidates in scored for key, *_ in candidates[:top_k]})
        fact_checks = self.store.fact_checks_by_key(wanted) if wanted else {}
        judge: Calibration | RerankCalibration = self.calibration
        read = [True] * len(scored)
        if self.rerank is not None:
            scored, read = self._reranked(texts, scored, fact_checks)
            judge = self.rerank
        results = []
        for candidates, was_read in zip(scored, read, strict=True):
            matches = [ClaimMatch(fact_checks[key], key, score, semantic, lexical,
                                  was_read and judge.is_match(score, crosslingual), self.registry)
                       for key, score, semantic, lexical, crosslingual in candidates[:top_k] if key in fact_checks]
            results.append(matches)
        return results

    def _reranked(self, texts: Sequence[str], scored: list[list[Candidate]],
                  fact_checks: dict[int, FactCheck]) -> tuple[list[list[Candidate]], list[bool]]:
        """Each query's best `depth` candidates scored again by the second stage (the pairs of the
        whole batch read at once), best first; the candidates below keep their order, their scores
        capped at the lowest re-read one so that a list stays sorted by score. A query whose best
        first-stage score is under the stage's `floor` is not read (False in the second list)."""
        stage, reranker = self.rerank, self.reranker
        assert stage is not None and reranker is not None
        read = [bool(candidates) and candidates[0][1] >= stage.floor for candidates in scored]
        heads = [(query, place) for query, candidates in enumerate(scored) if read[query]
                 for place in range(min(stage.depth, len(candidates))) if candidates[place][0] in fact_checks]
        if not heads:
            return scored, read
        logits = reranker.logits([texts[query] for query, _ in heads],
                                 [fact_checks[scored[query][place][0]].claim for query, place in heads])
        first = np.asarray([scored[query][place][1] for query, place in heads])
        crosslingual = np.asarray([scored[query][place][4] for query, place in heads])
        rescored = dict(zip(heads, stage.probability(first, logits, crosslingual).tolist(), strict=True))
        result = []
        for query, candidates in enumerate(scored):
            again = sorted(((rescored[query, place], candidate) for place, candidate in enumerate(candidates)
                            if (query, place) in rescored), key=lambda item: -item[0])
            lowest = again[-1][0] if again else 1.0
            rest = [candidate for place, candidate in enumerate(candidates) if (query, place) not in rescored]
            result.append([_scored(candidate, score) for score, candidate in again]
                          + [_scored(candidate, min(candidate[1], lowest)) for candidate in rest])
        return result, read

    def features(self, text: str, vector: np.ndarray, language: str,
                 canonical: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Candidate keys and their feature rows (see FEATURES), for scoring and for calibration.
        `vector` is the text's, encoded with its `language` (`language_of`); `canonical`: the text
        already normalised (`query_columns`)."""
        lexical = self.index.lexical.search(text, LEXICAL_CANDIDATES, canonical)
        semantic = self.index.semantic.search(vector, SEMANTIC_CANDIDATES)
        keys = np.unique(np.concatenate([lexical.keys, semantic.keys]))
        if not len(keys):
            return keys, np.zeros((0, len(FEATURES)), dtype=np.float32)
        similarity = self.index.semantic.similarity(vector, keys)
        coverage = self.index.lexical.coverage(text, keys, canonical)
        semantic_rank = _reciprocal_rank(keys, semantic.keys)
        # A lexical rank means something only when the words shared are a real part of the post
        # (otherwise it ranks common bigrams or numbers, noise that a cross-script post always has).
        lexical_rank = _reciprocal_rank(keys, lexical.keys) * (coverage >= MIN_LEXICAL_COVERAGE)
        # Encoders score a same-language pair higher than an equally close cross-language one, and a
        # cross-language pair shares no words: such candidates are judged on their own terms.
        crosslingual = (self.index.lexical.language_of(keys) != language).astype(np.float32)
        return keys, np.column_stack([similarity, coverage, semantic_rank, lexical_rank, crosslingual,
                                      crosslingual * similarity]).astype(np.float32)

    def _candidates(self, text: str, vector: np.ndarray, language: str, top_k: int,
                    canonical: str | None = None) -> list[Candidate]:
        """The `top_k` best candidates, as (key, score, semantic, lexical, cross-lingual)."""
        keys, features = self.features(text, vector, language, canonical)
        if not len(keys):
            return []
        scores = self.calibration.probability(features)
        order = np.argsort(-scores, kind="stable")[:top_k]
        return [(int(keys[i]), float(scores[i]), float(features[i, 0]), float(features[i, 1]), bool(features[i, 4]))
                for i in order]


class ScopedMatcher:
    """What an organisation's posts are matched against: the shared regional registry (the ASEAN
    Task Force's, kept under `SHARED_ORG`) and the organisation's own, never another's. Both are
    searched with one encoding of each text; the calibrated scores are probabilities, so the two
    lists merge by score. Each registry keeps its own index (`default_index_dir`)."""

    def __init__(self, matchers: Sequence[ClaimMatcher]) -> None:
        if not matchers:
            raise ValueError("a scope needs at least one registry")
        self.matchers = list(matchers)

    @classmethod
    def for_org(cls, registries: FactCheckRegistries, org: str, encoder: Encoder | None = None,
                cache: QueryCache | None = None) -> ScopedMatcher:
        """The shared registry and `org`'s (just the shared one for the Task Force itself)."""
        encoder = encoder or Encoder()
        cache = cache or QueryCache()
        orgs = dict.fromkeys((SHARED_ORG, org))
        return cls([ClaimMatcher(registries.scoped(name), encoder=encoder, cache=cache) for name in orgs])

    @property
    def org(self) -> str:
        """The organisation whose posts this scope matches."""
        return self.matchers[-1].registry

    @property
    def registries(self) -> list[str]:
        return [matcher.registry for matcher in self.matchers]

    @property
    def calibration(self) -> Calibration:
        return self.matchers[0].calibration

    @property
    def encoder(self) -> Encoder:
        return self.matchers[0].encoder

    @property
    def cache(self) -> QueryCache:
        return self.matchers[0].cache

    def __len__(self) -> int:
        return sum(len(matcher) for matcher in self.matchers)

    def count_fact_checks(self) -> int:
        """Fact-checks in the scope's registries (what a sync would index)."""
        return sum(matcher.store.count_fact_checks() for matcher in self.matchers)

    def sync(self, batch_size: int = 256, save: bool = True, progress: Progress | None = None) -> int:
        return sum(matcher.sync(batch_size, save, progress) for matcher in self.matchers)

    def worth_encoding(self, texts: Sequence[str], canonical: Sequence[str] | None = None) -> list[bool]:
        """Which texts could repeat a registered claim, decided without the encoder (which costs
        more than the rest of moderation): those that are check-worthy (they state figures, name
        authorities, touch health, elections, disasters or money: a claim in another language,
        which shares no words, could be theirs) and those whose rare words overlap a registered
        claim's (`LEXICAL_TRIGGER`). `canonical`: the texts already normalised, which saves
        normalising them again."""
        from jaga.text import normalise

        forms = list(canonical) if canonical is not None else [normalise(text).text for text in texts]
        worth = [check_worthiness(form, text).worthy for text, form in zip(texts, forms, strict=True)]
        rest = [index for index, worthy in enumerate(worth) if not worthy]
        for matcher in self.matchers:
            if not rest or not len(matcher):
                continue
            coverage = matcher.index.lexical.best_coverage([texts[index] for index in rest],
                                                           [forms[index] for index in rest])
            for index, share in zip(rest, coverage, strict=True):
                worth[index] = bool(share >= LEXICAL_TRIGGER)
            rest = [index for index in rest if not worth[index]]
        return worth

    def search(self, text: str, top_k: int = 10) -> list[ClaimMatch]:
        return self.search_many([text], top_k)[0]

    def search_many(self, texts: Sequence[str], top_k: int = 10,
                    canonical: Sequence[str] | None = None) -> list[list[ClaimMatch]]:
        """Best first across the scope's registries. `canonical`: as in `ClaimMatcher.search_many`."""
        languages, vectors = self.matchers[0].cache.encode(texts, self.matchers[0].encoder, canonical)
        return self.search_encoded(texts, languages, vectors, top_k, canonical)

    def search_encoded(self, texts: Sequence[str], languages: Sequence[str], vectors: np.ndarray,
                       top_k: int = 10, canonical: Sequence[str] | None = None) -> list[list[ClaimMatch]]:
        found = [matcher.search_encoded(texts, languages, vectors, top_k, canonical)
                 for matcher in self.matchers if len(matcher)]
        if len(found) == 1:
            return found[0]
        if not found:
            return [[] for _ in texts]
        merged = []
        for per_registry in zip(*found, strict=True):
            best: dict[str, ClaimMatch] = {}  # a fact-check in both registries counts once, at its best
            for match in sorted((match for results in per_registry for match in results), key=lambda match: -match.score):
                best.setdefault(match.fact_check.id, match)
            merged.append(list(best.values())[:top_k])
        return merged


def _scored(candidate: Candidate, score: float) -> Candidate:
    key, _, semantic, lexical, crosslingual = candidate
    return key, score, semantic, lexical, crosslingual


def language_of(text: str, canonical: str | None = None) -> str:
    """The language a query is encoded with: of its first 1,000 characters. `canonical`: the whole
    text already normalised, for a text no longer than that (the same language, one normalisation
    fewer)."""
    from jaga.text import detect_language, normalise

    if canonical is not None and len(text) <= QUERY_KEY_CHARS:
        return detect_language(canonical).code
    return detect_language(normalise(text[:QUERY_KEY_CHARS]).text).code


def _reciprocal_rank(keys: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    """1 / (1-based position in `ranked`) of each key, 0 where absent (a key ranked twice: its last
    place, as a dictionary of positions would give)."""
    result = np.zeros(len(keys), dtype=np.float64)
    if not len(keys) or not len(ranked):
        return result
    ranked = np.asarray(ranked, dtype=np.int64)
    order = np.argsort(ranked, kind="stable")
    ordered = ranked[order]
    place = np.searchsorted(ordered, keys, side="right") - 1
    found = (place >= 0) & (ordered[np.maximum(place, 0)] == keys)
    result[found] = 1.0 / (order[place[found]] + 1)
    return result
