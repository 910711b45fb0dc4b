"""The second tier of the detection cascade: a small head over multilingual sentence vectors.

Functional suites showed what the n-gram tier cannot learn: hate phrased in words it never saw with
a group ("<group> should not be allowed to vote"), praise it must not flag ("I admire <group>"),
negated or quoted hate. Sentence vectors read those as sentences and carry them to languages with
no training data; a network with one hidden layer over the vector and the cue features
(`jaga.detect.cues`) learns them from Jaga's functional templates and from real posts.

The vectors come from the encoder the head was trained on (`jaga.text.encoder.sentence_encoder`):
by default the static table distilled from multilingual-e5-small (`jaga.text.static`, well under a
millisecond a post), or e5 itself (`jaga train --encoder e5`: more accurate on the functional suites, 20-40
posts/s a core). Either way the cascade sends the head only the posts that are about a protected
group (a group cue in the post's own language) and that the fast tier does not already clear:
statements about groups are where hate speech lives and where the fast tier errs.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from jaga.detect.calibration import Platt
from jaga.detect.cues import FEATURE_SCALE
from jaga.text.encoder import SentenceEncoder, encoder_kind, sentence_encoder
from jaga.types import Category

HEAD_FILE = "encoder_head.npz"
HEAD_META = "encoder_head.json"


@dataclass
class EncoderHead:
    """One small neural network per category (a hidden ReLU layer) over [sentence vector, cue
    features]; calibrated once for all languages (prior-free, as the fast tier calibrates hate
    speech), and blended with the fast tier's probability by `blend` (the encoder's share).

    Why a hidden layer: a logistic regression over the same inputs gave nearly the same functional
    gains but over-flagged real posts; the hidden layer can condition what a sentence vector means on
    the cues (a group, a negation). Measured with `jaga train` (linear -> hidden layer): held-out hate
    speech F1 0.776 -> 0.791 (the fast tier alone: 0.792), HateCheck en 71.3 -> 72.4, zh 71.9 -> 72.4."""

    categories: tuple[Category, ...]
    hidden: int = 128
    alpha: float = 1e-2  # L2 penalty
    epochs: int = 40
    blend: float = 0.5
    floor: float = 0.2
    """Posts the fast tier scores below this are not escalated: at a blend of 0.5, even a certain
    encoder could not lift them to 0.6, the lowest threshold at which the bundled policies act on
    these categories (label). A policy that acts lower should lower it."""
    hidden_coef_: np.ndarray | None = None  # (n_categories, n_inputs, hidden)
    hidden_intercept_: np.ndarray | None = None  # (n_categories, hidden)
    coef_: np.ndarray | None = None  # (n_categories, hidden)
    intercept_: np.ndarray | None = None  # (n_categories,)
    calibration_: dict[str, Platt] = field(default_factory=dict)
    encoder: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def features(vectors: np.ndarray, cue_features: np.ndarray) -> np.ndarray:
        """Cue features arrive scaled for the n-gram block; here they stand beside a unit vector, so
        back to 0/1."""
        return np.hstack([vectors, cue_features / FEATURE_SCALE]).astype(np.float32)

    def fit(self, features: np.ndarray, labels: np.ndarray, sample_weight: np.ndarray | None = None,
            random_state: int = 0) -> EncoderHead:
        weights = np.ones(len(features), dtype=np.float32) if sample_weight is None else sample_weight
        n_categories, n_inputs = len(self.categories), features.shape[1]
        self.hidden_coef_ = np.zeros((n_categories, n_inputs, self.hidden), dtype=np.float32)
        self.hidden_intercept_ = np.zeros((n_categories, self.hidden), dtype=np.float32)
        self.coef_ = np.zeros((n_categories, self.hidden), dtype=np.float32)
        self.intercept_ = np.zeros(n_categories, dtype=np.float32)
        for index, _category in enumerate(self.categories):
            known = labels[:, index] >= 0
            if len(np.unique(labels[known, index])) < 2:
                continue  # no data for this category: it scores at even odds, and calibration leaves it
            model = MLPClassifier((self.hidden,), alpha=self.alpha, max_iter=self.epochs, random_state=random_state)
            with warnings.catch_warnings():  # a fixed number of epochs is the regulariser, not a failure
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(features[known], labels[known, index], sample_weight=weights[known])
            self.hidden_coef_[index], self.hidden_intercept_[index] = model.coefs_[0], model.intercepts_[0]
            self.coef_[index], self.intercept_[index] = model.coefs_[1][:, 0], model.intercepts_[1][0]
        return self

    def decision_function(self, features: np.ndarray) -> np.ndarray:
        """Log-odds per category, shape (n, n_categories)."""
        if self.coef_ is None or self.intercept_ is None or self.hidden_coef_ is None \
                or self.hidden_intercept_ is None:
            raise RuntimeError("EncoderHead is not fitted")
        values = np.empty((len(features), len(self.categories)), dtype=np.float32)
        for index in range(len(self.categories)):
            hidden = np.maximum(features @ self.hidden_coef_[index] + self.hidden_intercept_[index], 0.0)
            values[:, index] = hidden @ self.coef_[index] + self.intercept_[index]
        return values

    def calibrate(self, features: np.ndarray, labels: np.ndarray) -> EncoderHead:
        values = self.decision_function(features)
        for index, category in enumerate(self.categories):
            known = labels[:, index] >= 0
            if len(np.unique(labels[known, index])) == 2:
                self.calibration_[category.value] = Platt.fit(values[known, index], labels[known, index],
                                                              balanced=True)
        return self

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        values = self.decision_function(features)
        for index, category in enumerate(self.categories):
            values[:, index] = self.calibration_.get(category.value, Platt(1.0, 0.0))(values[:, index])
        return values

    # -- persistence beside the fast tier's artifact: numpy and JSON, no pickle --------------------
    def save(self, directory: Path) -> None:
        assert self.coef_ is not None and self.hidden_coef_ is not None
        np.savez_compressed(directory / HEAD_FILE, hidden_coef=self.hidden_coef_,
                            hidden_intercept=self.hidden_intercept_, coef=self.coef_, intercept=self.intercept_)
        meta = {"categories": [category.value for category in self.categories], "hidden": self.hidden,
                "alpha": self.alpha, "epochs": self.epochs, "blend": self.blend, "floor": self.floor,
                "calibration": {key: [platt.a, platt.b] for key, platt in self.calibration_.items()},
                "encoder": self.encoder, **self.metadata}
        (directory / HEAD_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> EncoderHead | None:
        """The head saved in `directory`, or None for an artifact trained without one, or for one
        trained on another encoder's vectors (they would be read as noise): then with a warning, and
        the fast tier decides alone until `jaga train` is run again."""
        if not (directory / HEAD_META).is_file():
            return None
        meta = json.loads((directory / HEAD_META).read_text(encoding="utf-8"))
        if encoder_kind(meta.get("encoder", "")) is None:
            warnings.warn(f"{directory / HEAD_META}: trained on {meta.get('encoder')!r}, which this version of Jaga "
                          "does not have; the encoder tier is off until the model is retrained", RuntimeWarning,
                          stacklevel=2)
            return None
        with np.load(directory / HEAD_FILE) as stored:
            arrays = {name: stored[name].astype(np.float32) for name in stored.files}
        return cls(categories=tuple(Category(name) for name in meta.pop("categories")), hidden=meta.pop("hidden"),
                   alpha=meta.pop("alpha"), epochs=meta.pop("epochs"), blend=meta.pop("blend"),
                   floor=meta.pop("floor"), hidden_coef_=arrays["hidden_coef"],
                   hidden_intercept_=arrays["hidden_intercept"], coef_=arrays["coef"], intercept_=arrays["intercept"],
                   calibration_={key: Platt(*values) for key, values in meta.pop("calibration").items()},
                   encoder=meta.pop("encoder", ""), metadata=meta)

    def sentence_encoder(self) -> SentenceEncoder:
        """The encoder this head was trained on (its vectors mean nothing to another)."""
        encoder = sentence_encoder(self.encoder)
        if encoder is None:
            raise RuntimeError(f"no sentence encoder named {self.encoder!r}")
        return encoder

    def read(self, texts: Sequence[str], cue_features: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for texts, from their sentence vectors and cue features."""
        return self.predict_proba(self.features(self.sentence_encoder().encode(texts), cue_features))

    def column(self, category: Category) -> int | None:
        return self.categories.index(category) if category in self.categories else None


def escalated(mentions_group: np.ndarray, fast: np.ndarray, floor: float) -> np.ndarray:
    """Which posts the cascade sends to the encoder: those that mention a protected group and that the
    fast tier scores at `floor` or above in at least one of the head's categories (`fast`: n x k)."""
    return mentions_group & (fast >= floor).any(axis=1)


def blend(fast: np.ndarray, encoder: np.ndarray, share: float) -> np.ndarray:
    return share * encoder + (1.0 - share) * fast


