"""Platt scaling: a decision value to a probability, shared by both tiers of the cascade."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression


@dataclass
class Platt:
    """Maps a decision value to a probability: sigmoid(a * value + b)."""

    a: float
    b: float

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * values + self.b)))

    @classmethod
    def fit(cls, values: np.ndarray, labels: np.ndarray, balanced: bool = False) -> Platt:
        model = LogisticRegression(C=1e4, class_weight="balanced" if balanced else None)
        model.fit(values.reshape(-1, 1), labels)
        return cls(float(model.coef_[0, 0]), float(model.intercept_[0]))
