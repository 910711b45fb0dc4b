"""Training the exploitation heads (`jaga.training.heads`): the examples it draws and the artifact
it writes, on a small sample (the full run fine-tunes e5's upper layers on about 23,000 posts:
about 20 minutes on 2 CPU cores)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from jaga.detect.harms import HarmDetector
from jaga.detect.heads import RANGES_FILE, HeadsDetector, vectors
from jaga.training.exploitation import CATEGORIES
from jaga.training.heads import FROZEN, GATE_RECALL, GATED, HEADS, HeadExamples, collect, fit, fit_gate, save


@pytest.fixture(scope="module")
def examples() -> HeadExamples:
    """The material and friendly negatives (40 s to read: once for the module)."""
    return collect(real=False)


def test_collect_draws_the_material_and_friendly_negatives_in_their_splits(examples: HeadExamples) -> None:
    assert {"material", "functional"} == set(examples.sources)
    assert {"train", "dev", "test"} == set(examples.splits)
    labels = set(examples.labels)
    assert {"sexual_exploitation", "self_harm", "violent_extremism", "scam", "gambling", "benign"} <= labels
    assert all(label == "benign" for label, source in zip(examples.labels, examples.sources, strict=True)
               if source == "functional")


def test_the_learned_gate_lets_its_share_of_dev_posts_through_and_few_others(examples: HeadExamples) -> None:
    """`fit_gate` needs no torch: a logistic regression on hashed n-grams per gated category, its threshold
    at `GATE_RECALL` of the dev split's posts of the category; scams have none (+inf)."""
    from jaga.detect.heads import gate_features

    gate = fit_gate(examples)
    assert gate["gate_weight"].shape[1] == len(HEADS) and gate["gate_weight"].dtype == np.float16
    scores = gate_features(examples.texts).decision_values(gate["gate_weight"].astype(np.float32)) + gate["gate_bias"]
    labels, splits = np.array(examples.labels), np.array(examples.splits)
    label_of = {category: label for label, category in CATEGORIES.items()}
    for column, category in enumerate(HEADS):
        if category not in GATED:
            assert gate["gate_threshold"][column] == np.inf
            continue
        passed = scores[:, column] > gate["gate_threshold"][column]
        assert passed[(splits == "dev") & (labels == label_of[category])].mean() == pytest.approx(GATE_RECALL, abs=0.02)
        # the friendly corpus posts (greetings, names, neutral mentions) pass far less often (13 % or less,
        # without the real posts a full training draws as negatives)
        assert passed[(splits == "test") & (np.array(examples.sources) == "functional")].mean() < 0.25
        assert gate["gate_metrics"][category.value]["test_passed"] > 0.75


def test_fit_and_save_write_heads_the_detector_loads(tmp_path: Path, examples: HeadExamples) -> None:
    pytest.importorskip("torch")
    rng = random.Random(0)
    by_label: dict[str, list[int]] = {}
    for index, (label, split) in enumerate(zip(examples.labels, examples.splits, strict=True)):
        if split == "train" or label == "benign":
            by_label.setdefault(label, []).append(index)
    keep = sorted(index for label, rows in by_label.items()
                  for index in rng.sample(rows, 160 if label == "benign" else 40))
    small = HeadExamples(*([values[i] for i in keep] for values in (examples.texts, examples.labels,
                                                                   examples.languages, examples.splits,
                                                                   examples.sources)))
    result = fit(small, tmp_path, epochs=3)
    assert result["weight"].shape == (384, len(HEADS)) and result["threshold"].shape == (len(HEADS),)
    assert (result["strict_threshold"] >= result["learned_threshold"]).all()
    assert (result["learned_threshold"] >= result["threshold"]).all()
    assert np.isfinite(result["weight"]).all()
    assert {f"l{index}.q.w" for index in range(FROZEN, 12)} <= set(result["layers"])
    assert f"l{FROZEN - 1}.q.w" not in result["layers"]
    meta = save(result, tmp_path)
    assert set(meta["metrics"]) == {category.value for category in HEADS}
    detector = HeadsDetector(tmp_path, gate=HarmDetector())
    assert (tmp_path / RANGES_FILE).is_file()
    assert detector.head_categories == HEADS
    # Each column is its category's head: on the training posts, a category's own posts score
    # highest in its column (the columns once followed another order than the names saved).
    x = vectors([text for text, split in zip(small.texts, small.splits, strict=True) if split == "train"], tmp_path)
    scores = x @ detector.weight + detector.bias
    labels = np.array([label for label, split in zip(small.labels, small.splits, strict=True) if split == "train"])
    label_of = {category: label for label, category in CATEGORIES.items()}
    for column, category in enumerate(detector.head_categories):
        own = scores[labels == label_of[category], column].mean()
        assert all(own > scores[labels == label_of[other], column].mean() for other in HEADS if other != category)


def test_heads_without_their_fine_tuned_layers_are_refused_with_the_way_out(tmp_path: Path) -> None:
    (tmp_path / "heads.json").write_text(json.dumps({"categories": ["self_harm"], "version": "old"}), encoding="utf-8")
    np.savez(tmp_path / "heads.npz", weight=np.zeros((384, 1), np.float32), bias=np.zeros(1, np.float32),
             threshold=np.zeros(1, np.float32))
    with pytest.raises(ValueError, match="jaga train --heads"):
        vectors(["any post"], tmp_path)
