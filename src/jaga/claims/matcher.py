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
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from jaga.claims.index import ClaimIndex
from jaga.claims.model import FactCheck
from jaga.claims.source import FactCheckSource
from jaga.config import home_dir
from jaga.text.encoder import Encoder

FEATURES = ("semantic", "lexical", "semantic_rank", "lexical_rank", "crosslingual", "crosslingual_semantic")
LEXICAL_CANDIDATES = 100
SEMANTIC_CANDIDATES = 60
MIN_LEXICAL_COVERAGE = 0.2


@dataclass(frozen=True)
class Calibration:
    """P(match) = sigmoid(w . features + b), with thresholds chosen on the calibration pairs."""

    weights: tuple[float, ...]
    bias: float
    threshold: float               # candidates in the post's own language
    crosslingual_threshold: float  # candidates in another language
    trained_on: str = ""

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
        return cls(tuple(data["weights"]), float(data["bias"]), float(data["threshold"]),
                   float(data["crosslingual_threshold"]), data.get("trained_on", ""))

    def to_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "crosslingual_threshold": self.crosslingual_threshold,
                "trained_on": self.trained_on}


@dataclass(frozen=True)
class ClaimMatch:
    fact_check: FactCheck
    key: int
    score: float       # calibrated probability that the text repeats this claim
    semantic: float    # cosine similarity of the sentence vectors
    lexical: float     # share of the text's IDF mass found in the claim
    is_match: bool

    def to_json(self) -> dict[str, Any]:
        fact_check = self.fact_check
        return {"id": fact_check.id, "claim": fact_check.claim, "language": fact_check.language,
                "country": fact_check.country, "verdict": fact_check.verdict.value, "rating": fact_check.rating,
                "publisher": fact_check.publisher, "url": fact_check.url, "summary": fact_check.summary,
                "score": round(self.score, 4),
                "match": self.is_match, "semantic": round(self.semantic, 4), "lexical": round(self.lexical, 4)}


def default_index_dir(store: FactCheckSource) -> Path:
    """One index folder per database and organisation, under JAGA_HOME."""
    import hashlib

    digest = hashlib.sha256(f"{store.url}\n{store.org}".encode()).hexdigest()[:16]
    return home_dir() / "claim-index" / digest


class ClaimMatcher:
    def __init__(self, store: FactCheckSource, index_dir: Path | None = None, calibration: Calibration | None = None,
                 encoder: Encoder | None = None) -> None:
        self.store = store
        self.index_dir = index_dir or default_index_dir(store)
        self.index = ClaimIndex.open(self.index_dir)
        self.calibration = calibration or Calibration.bundled()
        self.encoder = encoder or Encoder()

    def sync(self, batch_size: int = 256, save: bool = True) -> int:
        """Index what the registry gained or changed since the last sync; returns how many."""
        from datetime import datetime

        since = datetime.fromisoformat(self.index.synced_until) if self.index.synced_until else None
        done = 0
        batch: list[tuple[int, FactCheck]] = []
        latest = since
        for key, fact_check, updated_at in self.store.fact_checks_changed_since(since):
            batch.append((key, fact_check))
            latest = updated_at
            if len(batch) >= batch_size:
                done += self._add(batch)
                batch = []
        done += self._add(batch)
        if done:
            self.index.synced_until = latest.isoformat() if latest else None
            if save:
                self.index.save(self.index_dir)
        return done

    def _add(self, batch: list[tuple[int, FactCheck]]) -> int:
        if batch:
            keys = [key for key, _ in batch]
            texts = [fact_check.claim for _, fact_check in batch]
            languages = [fact_check.language for _, fact_check in batch]
            self.index.add(keys, texts, self.encoder.encode(texts, languages), languages)
        return len(batch)

    def search(self, text: str, top_k: int = 10) -> list[ClaimMatch]:
        return self.search_many([text], top_k)[0]

    def search_many(self, texts: Sequence[str], top_k: int = 10) -> list[list[ClaimMatch]]:
        """Best first. Encodes the texts in one batch (the encoder is most of the cost)."""
        languages = [language_of(text) for text in texts]
        vectors = self.encoder.encode(list(texts), languages)
        scored = [self._candidates(text, vector, language)
                  for text, vector, language in zip(texts, vectors, languages, strict=True)]
        wanted = sorted({key for candidates in scored for key, *_ in candidates[:top_k]})
        fact_checks = self.store.fact_checks_by_key(wanted) if wanted else {}
        results = []
        for candidates in scored:
            matches = [ClaimMatch(fact_checks[key], key, score, semantic, lexical,
                                  self.calibration.is_match(score, crosslingual))
                       for key, score, semantic, lexical, crosslingual in candidates[:top_k] if key in fact_checks]
            results.append(matches)
        return results

    def features(self, text: str, vector: np.ndarray, language: str) -> tuple[np.ndarray, np.ndarray]:
        """Candidate keys and their feature rows (see FEATURES), for scoring and for calibration.
        `vector` is the text's, encoded with its `language` (`language_of`)."""
        lexical = self.index.lexical.search(text, LEXICAL_CANDIDATES)
        semantic = self.index.semantic.search(vector, SEMANTIC_CANDIDATES)
        keys = np.unique(np.concatenate([lexical.keys, semantic.keys]))
        if not len(keys):
            return keys, np.zeros((0, len(FEATURES)), dtype=np.float32)
        similarity = self.index.semantic.similarity(vector, keys)
        coverage = self.index.lexical.coverage(text, keys)
        semantic_rank = _reciprocal_rank(keys, semantic.keys)
        # A lexical rank means something only when the words shared are a real part of the post
        # (otherwise it ranks common bigrams or numbers, noise that a cross-script post always has).
        lexical_rank = _reciprocal_rank(keys, lexical.keys) * (coverage >= MIN_LEXICAL_COVERAGE)
        # Encoders score a same-language pair higher than an equally close cross-language one, and a
        # cross-language pair shares no words: such candidates are judged on their own terms.
        crosslingual = (self.index.lexical.language_of(keys) != language).astype(np.float32)
        return keys, np.column_stack([similarity, coverage, semantic_rank, lexical_rank, crosslingual,
                                      crosslingual * similarity]).astype(np.float32)

    def _candidates(self, text: str, vector: np.ndarray, language: str) -> list[tuple[int, float, float, float, bool]]:
        keys, features = self.features(text, vector, language)
        if not len(keys):
            return []
        scores = self.calibration.probability(features)
        order = np.argsort(-scores, kind="stable")
        return [(int(keys[i]), float(scores[i]), float(features[i, 0]), float(features[i, 1]), bool(features[i, 4]))
                for i in order]


def language_of(text: str) -> str:
    from jaga.text import detect_language, normalise

    return detect_language(normalise(text[:1_000]).text).code


def _reciprocal_rank(keys: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    position = {int(key): rank for rank, key in enumerate(ranked, start=1)}
    return np.asarray([1.0 / position[int(key)] if int(key) in position else 0.0 for key in keys])
