"""A model's data licences: said at load, refused where `JAGA_LICENCES` does not accept them."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from jaga import provenance
from jaga.config import ConfigError, settings
from jaga.provenance import ModelLicenceError, check, licence_classes

PERMISSIVE = {"version": "m-1", "datasets": [{"name": "jaga_functional", "licence": "permissive"},
                                             {"name": "cold_zh", "licence": "permissive"}]}
MIXED = {"version": "m-2", "datasets": [*PERMISSIVE["datasets"], {"name": "vihsd", "licence": "non-commercial"},
                                        {"name": "tamil_hasoc2021", "licence": "unknown"}]}


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "_said", set())
    monkeypatch.delenv("JAGA_LICENCES", raising=False)


def test_licence_classes_group_the_datasets_and_an_unlisted_model_is_unknown() -> None:
    assert licence_classes(MIXED) == {"permissive": ["jaga_functional", "cold_zh"], "non-commercial": ["vihsd"],
                                      "unknown": ["tamil_hasoc2021"]}
    assert set(licence_classes({"version": "old"})) == {"unknown"}


def test_restricted_data_are_said_once_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="jaga.provenance"):
        check("the fast tier (m-2)", MIXED)
        check("the contextual tier (c-2)", MIXED)  # the same data: said again only at info level
        check("a permissive model", PERMISSIVE)
    levels = [(record.levelno, record.getMessage()) for record in caplog.records]
    assert [level for level, _ in levels] == [logging.WARNING, logging.INFO]
    assert "the fast tier (m-2)" in levels[0][1] and "vihsd" in levels[0][1] and "tamil_hasoc2021" in levels[0][1]
    assert "jaga train --licence permissive" in levels[0][1]


def test_a_deployment_that_accepts_permissive_data_alone_refuses_other_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAGA_LICENCES", "permissive")
    check("a permissive model", PERMISSIVE)
    with pytest.raises(ModelLicenceError, match=r"non-commercial data \(vihsd\).*unknown data \(tamil_hasoc2021\)"):
        check("the fast tier (m-2)", MIXED)
    with pytest.raises(ModelLicenceError, match="does not list its training data"):
        check("an old model", {"version": "old"})
    monkeypatch.setenv("JAGA_LICENCES", "permissive,unknown,non-commercial")
    check("the fast tier (m-2)", MIXED)


def test_an_unknown_licence_class_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAGA_LICENCES", "permissive,free-ish")
    with pytest.raises(ConfigError, match="JAGA_LICENCES"):
        settings()


def test_a_permissive_fast_tier_does_not_bring_the_bundled_contextual_tier_in_unchecked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast tier trained with `--licence permissive` and no contextual model beside it would run
    with the bundled contextual model, and that one learnt from non-commercial data."""
    from jaga.detect.classifier import HarmClassifier, bundled_model_dir

    for name in ("model.json", "weights.npz"):
        shutil.copy(bundled_model_dir() / name, tmp_path / name)
    meta = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    meta["datasets"] = PERMISSIVE["datasets"]
    (tmp_path / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    monkeypatch.setenv("JAGA_LICENCES", "permissive")
    assert HarmClassifier.load(tmp_path, contextual=False).contextual is None
    with pytest.raises(ModelLicenceError, match="the contextual tier"):
        HarmClassifier.load(tmp_path, contextual=True)


def test_heads_trained_into_the_model_folder_are_used_instead_of_the_bundled_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jaga.detect.heads import HeadsDetector, bundled_dir

    assert HeadsDetector().directory == bundled_dir()
    for name in ("heads.json", "heads.npz", "ranges.npz"):
        shutil.copy(bundled_dir() / name, tmp_path / name)
    meta = json.loads((tmp_path / "heads.json").read_text(encoding="utf-8"))
    (tmp_path / "heads.json").write_text(json.dumps({**meta, "version": "heads-here"}), encoding="utf-8")
    monkeypatch.setenv("JAGA_MODEL_DIR", str(tmp_path))
    heads = HeadsDetector()
    assert heads.directory == tmp_path and heads.version == "heads-here"


def test_the_bundled_models_list_the_data_they_learnt_from() -> None:
    """Every shipped detection model names its datasets with their licences (the card and the load
    warning read them); none is of unknown provenance."""
    from jaga.claims.sources import LICENCES as CLAIM_SETS
    from jaga.contextual.model import META_FILE
    from jaga.contextual.model import bundled_dir as contextual_dir
    from jaga.detect.classifier import bundled_model_dir
    from jaga.detect.heads import bundled_dir as heads_dir
    from jaga.text.encoder import CLAIM_ENCODER_DIR
    from jaga.training.datasets import LICENCE_CLASSES, REGISTRY

    for path in (bundled_model_dir() / "model.json", contextual_dir() / META_FILE, heads_dir() / "heads.json",
                 CLAIM_ENCODER_DIR / "encoder.json"):
        datasets = json.loads(path.read_text(encoding="utf-8"))["datasets"]
        assert datasets, path
        for dataset in datasets:
            assert dataset["licence"] in LICENCE_CLASSES
            if dataset["name"] in REGISTRY:
                assert dataset["licence"] == REGISTRY[dataset["name"]].licence, (path, dataset)
            if dataset["name"] in CLAIM_SETS:
                assert dataset["licence"] == CLAIM_SETS[dataset["name"]], (path, dataset)


def test_the_claim_encoder_is_checked_when_it_loads_and_says_how_to_run_without_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """It learnt from TurnBackHoax's and AFNC's claims, whose data terms are unstated."""
    from jaga.text.encoder import CLAIM_ENCODER_DIR, _engine

    monkeypatch.setenv("JAGA_LICENCES", "permissive")
    with pytest.raises(ModelLicenceError, match=r"claim encoder.*turnbackhoax_id_2021.*JAGA_CLAIM_ENCODER=pretrained"):
        _engine.__wrapped__(CLAIM_ENCODER_DIR)
    _engine.__wrapped__(None)  # e5 as published: nothing to refuse


def test_a_model_continued_from_another_keeps_that_ones_data(tmp_path: Path) -> None:
    from jaga.cli.train import _init_datasets, _merged

    (tmp_path / "contextual.json").write_text(json.dumps(MIXED), encoding="utf-8")
    merged = _merged(PERMISSIVE["datasets"], _init_datasets(tmp_path))
    assert [entry["name"] for entry in merged] == ["jaga_functional", "cold_zh", "vihsd", "tamil_hasoc2021"]
    unlisted = _init_datasets(tmp_path / "nowhere")
    assert [entry["licence"] for entry in unlisted] == ["unknown"]
