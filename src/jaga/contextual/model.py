"""The shipped contextual classifier: fine-tuned e5-small layers (int8 per row), a linear head per
modelled category, and calibration, loaded from plain numpy and JSON (no pickle, no torch).

Calibration: one Platt scale per category, fitted prior-free on the calibration split (both classes
weighted equally, as the fast tier's speech categories are), and per language where the
calibration split holds enough of that language. Thresholds stay in policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from jaga.contextual.engine import Encoder, EncoderWeights
from jaga.contextual.weights import LAYER_MATRICES, E5File, dequantise_rows

WEIGHTS_FILE = "contextual.npz"
OCCLUSION_WORDS = 24
OCCLUSION_MIN_DROP = 0.1
_WORD = re.compile(r"\w[\w\u0300-\u036f\u0e31-\u0e4e\u0eb1-\u0ecd\u17b4-\u17d3\u102b-\u103e\u0b82-\u0bcd'’-]*")
META_FILE = "contextual.json"


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
        probabilities = 1.0 / (1.0 + np.exp(-logits))
        for column, category in enumerate(self.categories):
            for row, language in enumerate(languages):
                a, b = self.calibration.get(f"{category}:{language}") or self.calibration.get(category) or (1.0, 0.0)
                probabilities[row, column] = 1.0 / (1.0 + np.exp(-(a * logits[row, column] + b)))
        return probabilities

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        return self.calibrate(self.logits(texts), languages)

    def occlusion(self, text: str, language: str, category: str, max_words: int = OCCLUSION_WORDS,
                  min_drop: float = OCCLUSION_MIN_DROP, keep: int = 3) -> list[tuple[int, int]]:
        """Evidence for a score: the words (as [start, end) spans of `text`) whose removal lowers the
        calibrated score of `category` by at least `min_drop`, largest drop first, at most `keep`.
        Empty when no single word carries the decision (then no evidence is shown, rather than
        fragments). Costs one forward pass per word, so only flagged posts pay it, up to `max_words`
        words (the longest, when a post has more)."""
        spans = word_spans(text)
        if not spans:
            return []
        if len(spans) > max_words:
            spans = sorted(sorted(spans, key=lambda span: span[0] - span[1])[:max_words])
        column = self.categories.index(category)
        variants = [text] + [(text[:start] + text[end:]).strip() or "-" for start, end in spans]
        probabilities = self.predict_proba(variants, [language] * len(variants))[:, column]
        drops = probabilities[0] - probabilities[1:]
        order = [int(i) for i in np.argsort(-drops) if drops[i] >= min_drop][:keep]
        return [spans[i] for i in order]

    @classmethod
    def load(cls, directory: Path | None = None, source: E5File | None = None) -> ContextualModel:
        directory = directory or bundled_dir()
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        source = source or E5File()
        with np.load(directory / WEIGHTS_FILE) as stored:
            arrays = {name: stored[name] for name in stored.files}
        layers = []
        for index in range(int(meta["layers"])):
            layer = {}
            for name in LAYER_MATRICES:
                matrix = dequantise_rows(arrays[f"l{index}.{name}.w"], arrays[f"l{index}.{name}.scale"])
                layer[f"{name}.w"] = np.ascontiguousarray(matrix.T)
                layer[f"{name}.b"] = arrays[f"l{index}.{name}.b"]
            for name in ("aln", "oln"):
                layer[f"{name}.w"], layer[f"{name}.b"] = arrays[f"l{index}.{name}.w"], arrays[f"l{index}.{name}.b"]
            layers.append(layer)
        embeddings = {"pos": arrays["emb.pos"], "type": arrays["emb.type"].reshape(-1),
                      "ln.w": arrays["emb.ln.w"], "ln.b": arrays["emb.ln.b"]}
        weights = EncoderWeights(source.config, embeddings, layers)
        return cls(
            categories=tuple(meta["categories"]),
            encoder=Encoder(weights, source),
            head_weight=np.ascontiguousarray(arrays["head.w"].T),
            head_bias=arrays["head.b"],
            calibration={key: (float(a), float(b)) for key, (a, b) in meta.get("calibration", {}).items()},
            metadata={key: value for key, value in meta.items() if key not in ("categories", "calibration")},
        )

    def save_meta(self, directory: Path) -> None:
        meta = {**self.metadata, "categories": list(self.categories),
                "calibration": {key: [round(a, 6), round(b, 6)] for key, (a, b) in sorted(self.calibration.items())}}
        (directory / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def word_spans(text: str) -> list[tuple[int, int]]:
    """Words as [start, end) spans: ICU's dictionary word breaks, so Thai, Lao, Khmer, Burmese and
    Chinese, written without spaces, are cut into words too; punctuation and spaces are not words."""
    from jaga.text.icu import word_breaks

    spans = []
    boundaries = word_breaks(text)
    for start, end in zip(boundaries, boundaries[1:], strict=False):
        if _WORD.match(text[start:end]):
            spans.append((start, end))
    return spans


@lru_cache(maxsize=1)
def bundled_model() -> ContextualModel | None:
    """The contextual model inside the package, or None if this build has none."""
    directory = bundled_dir()
    if not (directory / WEIGHTS_FILE).is_file():
        return None
    return ContextualModel.load(directory)
