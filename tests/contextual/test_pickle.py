"""A contextual model held in memory (a freshly trained one, handed to a Ray or Spark job) crosses a
process boundary: its ONNX Runtime session is built again from the weights, its e5 file re-opened."""

from __future__ import annotations

import pickle

import numpy as np

from jaga.contextual.model import bundled_model

TEXTS = ["orang Papua itu monyet, usir mereka semua dari kampung ini", "Women deserve the same pay and the same vote"]


def test_a_pickled_contextual_model_scores_the_same() -> None:
    model = bundled_model()
    assert model is not None
    copy = pickle.loads(pickle.dumps(model))
    assert type(copy.encoder) is type(model.encoder) and copy.encoder is not model.encoder
    assert copy.encoder.source.path == model.encoder.source.path
    np.testing.assert_array_equal(copy.predict_proba(TEXTS, ["id", "en"]), model.predict_proba(TEXTS, ["id", "en"]))
