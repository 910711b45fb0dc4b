"""The shipped contextual classifier: fine-tuned e5-small layers (int8 per row), a linear head per
modelled category, and calibration, loaded from plain numpy and JSON (no pickle, no torch).

Calibration: one Platt scale per category, fitted prior-free on the calibration split (both classes
weighted equally, as the fast tier's speech categories are), and per language where the
calibration split holds enough of that language. Thresholds stay in policy.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from jaga.text.e5.engine import Encoder, EncoderWeights, fastest_encoder
from jaga.text.e5.weights import E5File, shipped_layer

WEIGHTS_FILE = "contextual.npz"
OCCLUSION_WORDS = 24
OCCLUSION_MIN_DROP = 1.0
FUNCTION_WORD_ZIPF = 6.0
WORDFREQ_CODES = {"tl": "fil"}
WORDFREQ_SKIPPED = frozenset({"zh", "ja", "ko"})
"""wordfreq reads these only with a segmenter Jaga does not install (jieba, MeCab)."""
_WORD = re.compile(r"\w[\w\u0300-\u036f\u0e31-\u0e4e\u0eb1-\u0ecd\u17b4-\u17d3\u102b-\u103e\u0b82-\u0bcd'’-]*")
META_FILE = "contextual.json"
RANGE_SUFFIX = ".range"
"""Arrays "l{layer}.{matrix}.range" in the weights file: the encoder's `input_ranges`, for int8."""


def bundled_dir() -> Path:
    return Path(str(resources.files("jaga") / "models" / "contextual"))


@dataclass
class ContextualModel:
    categories: tuple[str, ...]
    encoder: Encoder
    head_weight: np.ndarray  # (hidden, n_categories)
    head_bias: np.ndarray
    calibration: dict[str, tuple[float, float]] = field(default_factory=dict)
    """"category" or "category:language" -> (a, b): probability = sigmoid(a * logit + b)."""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.categories)), dtype=np.float32)
        pooled = self.encoder.pool(self.encoder.pieces(texts))
        return pooled @ self.head_weight + self.head_bias

    def calibrate(self, logits: np.ndarray, languages: Sequence[str]) -> np.ndarray:
        return calibrate(logits, languages, self.categories, self.calibration)

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        return self.calibrate(self.logits(texts), languages)

    def content_spans(self, text: str, language: str) -> list[tuple[int, int]]:
        """The words of `text` as [start, end) spans, without function words (a word among the
        language's most frequent, wordfreq Zipf 6 or more: "ako", "na", "itu", "I"): deleting one
        breaks the sentence rather than the meaning, and measured drops for them were as large as
        for the slur."""
        return [span for span in word_spans(text) if not _function_word(text[span[0]:span[1]], language)]

    def occlusion(self, text: str, language: str, spans: Sequence[tuple[int, int]] | None = None,
                  max_words: int = OCCLUSION_WORDS) -> tuple[list[tuple[int, int]], np.ndarray]:
        """How far removing each word lowers each category's calibrated log-odds: (spans, drops of
        shape (n_words, n_categories)). `spans`: the words to try (default: the content words). One
        forward pass per word, at most `max_words` words (the longest): a post's cost stays bounded."""
        chosen = list(spans) if spans is not None else self.content_spans(text, language)
        if len(chosen) > max_words:
            chosen = sorted(sorted(chosen, key=lambda span: span[0] - span[1])[:max_words])
        base = self.predict_proba([text], [language])[0]
        return chosen, self.occlusion_many([(text, language, chosen, base)])[0]

    def occlusion_many(self, items: Sequence[tuple[str, str, Sequence[tuple[int, int]], np.ndarray]]
                       ) -> list[np.ndarray]:
        """`occlusion` for many posts: each item is (text, language, the spans to try, the post's own
        calibrated scores, already known). The variants of every post run together
        (`Encoder.pool_groups`); a post's evidence does not depend on the other posts of the request,
        since no engine's vectors depend on their batch."""
        groups = [[(text[:start] + text[end:]).strip() or "-" for start, end in spans]
                  for text, _, spans, _ in items if spans]
        pooled = iter(self.encoder.pool_groups([self.encoder.pieces(group) for group in groups]))
        drops = []
        for _, language, spans, base in items:
            if not spans:
                drops.append(np.zeros((0, len(self.categories)), dtype=np.float32))
                continue
            logits = next(pooled) @ self.head_weight + self.head_bias
            odds = _log_odds(self.calibrate(logits, [language] * len(spans)))
            drops.append(_log_odds(np.asarray(base, dtype=np.float32))[None, :] - odds)
        return drops

    def evidence(self, spans: list[tuple[int, int]], drops: np.ndarray, category: str,
                 min_drop: float = OCCLUSION_MIN_DROP, keep: int = 3) -> list[tuple[int, int]]:
        """The words whose removal lowers `category`'s calibrated log-odds by at least `min_drop`
        (odds divided by e), largest drop first, at most `keep`; empty when no single word carries the decision: then
        no evidence is shown, rather than fragments."""
        if not spans:
            return []
        column = drops[:, self.categories.index(category)]
        return [spans[int(i)] for i in np.argsort(-column) if column[i] >= min_drop][:keep]

    @classmethod
    def load(cls, directory: Path | None = None, source: E5File | None = None, int8: bool | None = None) -> ContextualModel:
        """The model in `directory` (default: the bundled one). `int8` (default: `JAGA_CONTEXTUAL_INT8`,
        on): run the layers on int8 kernels when the file carries their input ranges."""
        from jaga.config import contextual_int8

        int8 = contextual_int8() if int8 is None else int8
        directory = directory or bundled_dir()
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        source = source or E5File()
        with np.load(directory / WEIGHTS_FILE) as stored:
            arrays = {name: stored[name] for name in stored.files}
        layers = [shipped_layer(arrays, index) for index in range(int(meta["layers"]))]
        embeddings = {"pos": arrays["emb.pos"], "type": arrays["emb.type"].reshape(-1),
                      "ln.w": arrays["emb.ln.w"], "ln.b": arrays["emb.ln.b"]}
        weights = EncoderWeights(source.config, embeddings, layers)
        ranges = {name.removesuffix(RANGE_SUFFIX): values for name, values in arrays.items() if name.endswith(RANGE_SUFFIX)}
        return cls(
            categories=tuple(meta["categories"]),
            encoder=fastest_encoder(weights, source, ranges if ranges and int8 else None),
            head_weight=np.ascontiguousarray(arrays["head.w"].T),
            head_bias=arrays["head.b"],
            calibration={key: (float(a), float(b)) for key, (a, b) in meta.get("calibration", {}).items()},
            metadata={key: value for key, value in meta.items() if key not in ("categories", "calibration")},
        )



def word_spans(text: str) -> list[tuple[int, int]]:
    """Words as [start, end) spans: ICU's dictionary word breaks, so Thai, Lao, Khmer, Burmese and
    Chinese, written without spaces, are cut into words too; punctuation and spaces are not words."""
    from jaga.text.icu import word_breaks

    spans = []
    boundaries = word_breaks(text)
    for start, end in itertools.pairwise(boundaries):
        if _WORD.match(text[start:end]):
            spans.append((start, end))
    return spans


def calibrate(logits: np.ndarray, languages: Sequence[str], categories: Sequence[str],
              calibration: dict[str, tuple[float, float]]) -> np.ndarray:
    """Probabilities from logits: per category, the language's Platt scale where there is one, else
    the category's, else the plain sigmoid. One vector operation per (category, language) present."""
    language_array = np.asarray(languages)
    scale = np.ones_like(logits)
    shift = np.zeros_like(logits)
    for column, category in enumerate(categories):
        for language in set(languages):
            a, b = calibration.get(f"{category}:{language}") or calibration.get(category) or (1.0, 0.0)
            rows = language_array == language
            scale[rows, column], shift[rows, column] = a, b
    return 1.0 / (1.0 + np.exp(-(scale * logits + shift)))


def _log_odds(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return np.log(clipped / (1 - clipped))


@lru_cache(maxsize=4096)
def _function_word(word: str, language: str) -> bool:
    from wordfreq import available_languages, zipf_frequency

    code = WORDFREQ_CODES.get(language, language)
    if code in WORDFREQ_SKIPPED or code not in available_languages():
        return False
    return zipf_frequency(word, code) >= FUNCTION_WORD_ZIPF


@lru_cache(maxsize=1)
def bundled_model() -> ContextualModel | None:
    """The contextual model inside the package, or None if this build has none."""
    directory = bundled_dir()
    if not (directory / WEIGHTS_FILE).is_file():
        return None
    return ContextualModel.load(directory)


def write_input_ranges(directory: Path, texts: Sequence[str]) -> int:
    """Measure the float32 model's `input_ranges` on `texts` (a few hundred posts of every language
    the model serves, from its training split) and add them to its weights file, so that it runs on
    int8 kernels. Returns how many range vectors were written."""
    encoder = ContextualModel.load(directory, int8=False).encoder
    ranges = encoder.input_ranges(encoder.pieces(texts))
    path = directory / WEIGHTS_FILE
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files if not name.endswith(RANGE_SUFFIX)}
    arrays.update({f"{name}{RANGE_SUFFIX}": values.astype(np.float32) for name, values in ranges.items()})
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    return len(ranges)
