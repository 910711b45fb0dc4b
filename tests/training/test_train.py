from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaga.config import data_dir
from jaga.detect.classifier import HarmClassifier
from jaga.training.card import write_model_card
from jaga.training.datasets import REGISTRY, select
from jaga.training.train import build_corpus, split_of, train
from jaga.types import Category

needs_data = pytest.mark.skipif(not (data_dir() / "id_sms_spam").is_dir(), reason="shared datasets not present")


def test_split_is_stable_and_roughly_80_10_10() -> None:
    splits = [split_of(f"text {i}") for i in range(5000)]
    assert splits == [split_of(f"text {i}") for i in range(5000)]
    assert 0.07 < splits.count("test") / 5000 < 0.13
    assert 0.07 < splits.count("calibration") / 5000 < 0.13


def test_licence_selection() -> None:
    permissive = select(("permissive",))
    assert permissive and all(d.licence == "permissive" for d in permissive)
    assert "vihsd" not in {d.name for d in permissive}
    with pytest.raises(ValueError, match="licence"):
        select(("public-domain",))
    with pytest.raises(ValueError, match="unknown dataset"):
        select(names=("nope",))


def test_functional_suites_are_never_training_data() -> None:
    assert not {"hatecheck_en", "multilingual_hatecheck"} & set(REGISTRY)


@needs_data
def test_corpus_deduplicates_across_datasets() -> None:
    corpus = build_corpus([REGISTRY["id_abusive_2018"], REGISTRY["id_multilabel_hate_abusive"]])
    assert corpus.duplicates_removed > 0
    assert len(set(corpus.texts)) == len(corpus.texts)


@needs_data
def test_train_small_model_end_to_end(tmp_path: Path) -> None:
    datasets = [REGISTRY["id_sms_spam"], REGISTRY["uci_sms_spam_en"]]
    metrics = train(datasets, tmp_path / "model", seed=1)
    assert metrics["test"]["overall"]["scam_fraud"]["f1"] > 0.8
    assert (tmp_path / "model" / "weights.npz").exists()
    model = HarmClassifier.load(tmp_path / "model")
    assert model.metadata["licence_classes"] == ["permissive", "unknown"]
    scam = model.categories.index(Category.SCAM_FRAUD)
    assert model.predict_proba(["WINNER!! claim your prize now, call 09061701461"])[0, scam] > 0.5
    saved = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert saved["test"] == metrics["test"]
    write_model_card(metrics, tmp_path / "CARD.md")
    card = (tmp_path / "CARD.md").read_text()
    assert "uci_sms_spam_en" in card and "Per language" in card and "not covered" in card
