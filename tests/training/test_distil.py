"""Distillation's arithmetic, on problems small enough to check by hand."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from jaga.text.pieces import piece_tokenizer
from jaga.text.static import StaticEncoder, StaticTable, sif_weights
from jaga.training.distil import fit_to_sentences, mixing_matrix, piece_text, sentence_sample


def test_conjugate_gradients_reach_the_ridge_solution():
    rng = np.random.default_rng(0)
    mixing = sparse.random(40, 15, density=0.3, random_state=1, format="csr")
    targets, initial = rng.normal(size=(40, 4)), rng.normal(size=(15, 4))
    exact = np.linalg.solve(mixing.T @ mixing + 0.1 * np.eye(15), mixing.T @ targets + 0.1 * initial)
    assert np.allclose(fit_to_sentences(initial, mixing, targets, ridge=0.1, iterations=60), exact, atol=1e-6)


def test_mixing_matrix_mixes_as_the_encoder_does():
    tokenizer = piece_tokenizer()
    texts = ["good morning world", "hello", "ສະບາຍດີ"]
    ids = np.array(sorted({piece for row in tokenizer.encode(texts[:2]) for piece in row}), dtype=np.int32)
    weights = sif_weights(tokenizer.vocabulary.scores[ids])
    vectors = np.random.default_rng(0).normal(size=(len(ids), 6)).astype(np.float32)
    mixing = mixing_matrix(texts, ids, weights, tokenizer)
    assert np.allclose(np.asarray(mixing.sum(axis=1)).ravel(), [1.0, 1.0, 0.0])
    mixed = mixing @ vectors
    expected = StaticEncoder(StaticTable("t", ids, vectors, weights), tokenizer).encode(texts)
    assert np.allclose(mixed[:2] / np.linalg.norm(mixed[:2], axis=1, keepdims=True), expected[:2], atol=1e-5)


def test_sentence_sample_keeps_templates_and_caps_languages():
    texts = [f"t{i}" for i in range(20)]
    languages = ["id"] * 12 + ["th"] * 8
    templates = [i >= 16 for i in range(20)]
    sample = sentence_sample(texts, languages, templates, per_language=5, seed=0)
    assert {"t16", "t17", "t18", "t19"} <= set(sample)
    assert sum(text in sample for text in texts[:12]) == 5 and sum(text in sample for text in texts[12:16]) == 4
    assert sample == sentence_sample(texts, languages, templates, per_language=5, seed=0)


def test_piece_text():
    assert piece_text("▁hello") == "hello" and piece_text("ing") == "ing" and piece_text("▁") == "▁"
