"""A static multilingual embedding table distilled from multilingual-e5-small: sentence vectors at
n-gram speed.

e5 reads 20-40 posts/s on a core, so it can only ever see a few posts in a hundred. The table holds
one vector per e5 piece, which is e5's own vector for that piece read alone (`jaga distil` builds it,
`jaga.training.distil`); a post's vector is the weighted mean of its pieces' vectors, as in
model2vec, with frequent pieces ("▁the", ",") weighted down by their unigram probability (smooth
inverse frequency). What carries across languages is e5's: "benci", "ghét" and "เกลียด" read alone
land near each other. What is lost is word order and context, which the cue features beside it
(negation, quotation, a group as target) partly give back.

~2,600 posts/s on one core on a slow day (e5 read 62), most of it e5's tokenizer in Python; the
table is 18 MB in the package and ~80 MB in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from jaga.text.pieces import PieceTokenizer, piece_tokenizer

TABLE_FILE = Path(__file__).parent / "data" / "static_e5.npz"
SIF_SMOOTHING = 1e-3
"""a in a / (a + p(piece)): pieces more frequent than about one in a thousand count for little."""


@dataclass
class StaticTable:
    """piece_ids[i] has vectors[i] and weights[i]. Stored as int8 with a scale per row: a quarter
    of float32's size, and a relative error of about 0.4 % on a 256-d vector."""

    name: str
    piece_ids: np.ndarray  # (n,) int32, ascending
    vectors: np.ndarray  # (n, dim) float32
    weights: np.ndarray  # (n,) float32

    def save(self, path: Path) -> None:
        quantised, scale = quantise(self.vectors)
        np.savez_compressed(path, name=np.array(self.name), piece_ids=self.piece_ids.astype(np.int32),
                            vectors=quantised, scale=scale.astype(np.float32), weights=self.weights.astype(np.float32))

    @classmethod
    def load(cls, path: Path) -> StaticTable:
        with np.load(path) as stored:
            vectors = stored["vectors"].astype(np.float32) * stored["scale"][:, None]
            return cls(str(stored["name"]), stored["piece_ids"], vectors, stored["weights"].astype(np.float32))


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and their float32 scales."""
    scale = (np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127.0).astype(np.float32)
    return np.round(vectors / scale[:, None]).astype(np.int8), scale


def fingerprint(vectors: np.ndarray) -> str:
    """A short digest of the stored vectors, part of a table's name: a head trained on one table is
    refused on another (re-distilling changes every vector), instead of reading it as noise."""
    quantised, scale = quantise(vectors)
    return hashlib.sha1(quantised.tobytes() + scale.tobytes()).hexdigest()[:12]


def sif_weights(scores: np.ndarray, smoothing: float = SIF_SMOOTHING) -> np.ndarray:
    """Unigram log-probabilities -> smooth-inverse-frequency weights in (0, 1]."""
    probability = np.exp(scores.astype(np.float64))
    return (smoothing / (smoothing + probability)).astype(np.float32)


class StaticEncoder:
    """Unit sentence vectors from a `StaticTable`. A text with no piece in the table gets the zero
    vector (it carries no evidence either way)."""

    def __init__(self, table: StaticTable | None = None, tokenizer: PieceTokenizer | None = None) -> None:
        self.table = table or StaticTable.load(TABLE_FILE)
        self.tokenizer = tokenizer or piece_tokenizer()
        self.name = self.table.name
        self.dim = int(self.table.vectors.shape[1])
        n_pieces = len(self.tokenizer.vocabulary.pieces)
        self._row = np.full(n_pieces, -1, dtype=np.int64)
        self._row[self.table.piece_ids] = np.arange(len(self.table.piece_ids))
        self._vectors = np.ascontiguousarray(self.table.vectors, dtype=np.float32)
        self._weights = self.table.weights.astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self.mixing(texts) @ self._vectors, dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def mixing(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Row j: text j's weight on each row of the table (its pieces' weights; a piece twice counts
        twice). `jaga distil` fits the vectors through this same matrix."""
        ids = self.tokenizer.encode(texts)
        lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((piece for row in ids for piece in row), dtype=np.int64, count=int(lengths.sum()))
        rows = self._row[flat]
        known = rows >= 0
        owners = np.repeat(np.arange(len(texts)), lengths)[known]
        return sparse.csr_matrix((self._weights[rows[known]], (owners, rows[known])),
                                 shape=(len(texts), len(self.table.piece_ids)))


@lru_cache(maxsize=1)
def static_encoder() -> StaticEncoder:
    return StaticEncoder()


@lru_cache(maxsize=1)
def bundled_table_name() -> str:
    """The bundled table's name, read without loading its vectors or the tokenizer (a model's head
    is checked against it at load, also when the encoder tier is off)."""
    with np.load(TABLE_FILE) as stored:
        return str(stored["name"])
