"""The claim reranker and the matcher's second stage (`jaga.claims.rerank`), on a reranker folder
made here without PyTorch: the claim encoder's layers with the head training starts from
(`scale * (cos - 0.6)`), i.e. the claim encoder's own judgement of the two texts read together.
Calibrated on real fact-checks (tests/claims/fixtures/claims.jsonl) with the real engine."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from jaga.claims.evaluation import Pair, fit_calibration
from jaga.claims.matcher import Calibration, ClaimMatcher
from jaga.claims.registry import import_path
from jaga.claims.rerank import RerankCalibration, Reranker, default_reranker, reranker_dir
from jaga.store import Store
from jaga.text.encoder import CLAIM_ENCODER_DIR
from jaga.training.claim_reranker import INITIAL_COSINE, INITIAL_SCALE

FIXTURE = Path(__file__).parent / "fixtures" / "claims.jsonl"
# Posts repeating fixture claims in other languages (TurnBackHoax 907: Japan's energy minister bowed
# for 20 minutes; 694: two suns seen over America and Canada), posts on nothing registered.
REPEATS = [("รัฐมนตรีพลังงานญี่ปุ่นก้มหัวขอโทษนานถึง 20 นาที", "turnbackhoax_id_2021:907"),
           ("Japan's energy minister bowed for twenty minutes to say sorry", "turnbackhoax_id_2021:907"),
           ("ปาฏิหาริย์ คนในอเมริกาและแคนาดาเห็นพระอาทิตย์สองดวงบนท้องฟ้า", "turnbackhoax_id_2021:694"),
           ("Two suns appeared in the sky over the US and Canada today, a miracle", "turnbackhoax_id_2021:694")]
UNRELATED = ["Harga beras naik lagi minggu ini", "Selamat ulang tahun, semoga sehat selalu",
             "ร้านกาแฟใหม่เปิดแล้วที่เชียงใหม่", "Trận đấu tối nay thật hấp dẫn"]


@pytest.fixture(scope="module")
def reranker(tmp_path_factory: pytest.TempPathFactory) -> Reranker:
    directory = tmp_path_factory.mktemp("reranker")
    with np.load(CLAIM_ENCODER_DIR / "encoder.npz") as stored:
        arrays = {name: stored[name] for name in stored.files}
    np.savez(directory / "reranker.npz", **arrays, **{"head.w": np.zeros(384, np.float32),
                                                       "head.scale": np.float32(INITIAL_SCALE),
                                                       "head.b": np.float32(-INITIAL_SCALE * INITIAL_COSINE)})
    (directory / "reranker.json").write_text(json.dumps({"version": "untrained", "post_pieces": 96, "claim_pieces": 64}))
    return Reranker(directory)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    directory = tmp_path_factory.mktemp("registry")
    store = Store(f"sqlite:///{directory / 'r.db'}")
    import_path(store, FIXTURE)
    return store


@pytest.fixture(scope="module")
def calibrated(store: Store, reranker: Reranker, tmp_path_factory: pytest.TempPathFactory) -> Calibration:
    first = ClaimMatcher(store, tmp_path_factory.mktemp("index"), reranker=False)
    first.sync()
    pairs = [Pair(text, "und", frozenset({gold}), frozenset({"id"}), "authored") for text, gold in REPEATS]
    pairs += [Pair(text, "und", frozenset(), frozenset(), "unrelated") for text in UNRELATED]
    return fit_calibration(first, pairs, reranker=reranker, depth=3)


def test_the_reranker_scores_a_claim_above_an_unrelated_one_and_is_bounded(reranker: Reranker) -> None:
    post = "ปาฏิหาริย์ คนในอเมริกาและแคนาดาเห็นพระอาทิตย์สองดวงบนท้องฟ้า"
    logits = reranker.logits([post, post, "x" * 50_000], ["Amerika dan Kanada melihat dua matahari",
                                                          "Harga beras naik", "Amerika dan Kanada melihat dua matahari"])
    assert logits.shape == (3,) and np.isfinite(logits).all() and logits[0] > logits[1]
    assert reranker.logits([], []).shape == (0,)


def test_a_calibration_with_a_second_stage_survives_a_round_trip(calibrated: Calibration) -> None:
    stage = calibrated.rerank
    assert stage is not None and stage.reranker == "untrained" and stage.depth == 3 and 0 <= stage.floor < 1
    assert Calibration.from_json(json.loads(json.dumps(calibrated.to_json()))) == calibrated
    first_only = replace(calibrated, rerank=None)
    assert "rerank" not in first_only.to_json() and Calibration.from_json(first_only.to_json()) == first_only
    with pytest.raises(ValueError, match="3 weights"):
        RerankCalibration.from_json({**stage.to_json(), "weights": [1.0, 2.0]})


def test_the_second_stage_rises_with_the_reranker_s_logit() -> None:
    stage = RerankCalibration((1.0, 2.0, -0.5), -1.0, 0.6, 0.5, 5, "x")
    probability = stage.probability(np.array([0.3, 0.3, 0.3]), np.array([-2.0, 0.0, 2.0]), np.array([True, True, True]))
    assert np.all(np.diff(probability) > 0) and np.all((probability > 0) & (probability < 1))
    assert stage.is_match(0.55, crosslingual=True) and not stage.is_match(0.55, crosslingual=False)


def test_reranked_results_stay_sorted_and_only_read_candidates_can_match(
        store: Store, reranker: Reranker, calibrated: Calibration, tmp_path: Path) -> None:
    matcher = ClaimMatcher(store, tmp_path / "index", calibrated, reranker=reranker)
    matcher.sync()
    stage = matcher.rerank
    assert stage is not None
    for text, gold in REPEATS:
        found = matcher.search(text)
        assert found[0].fact_check.id == gold
        scores = [match.score for match in found]
        assert scores == sorted(scores, reverse=True)
        assert not any(match.is_match for match in found[stage.depth:])
    low = replace(calibrated, rerank=replace(stage, floor=1.0))   # nothing reaches the floor: nothing is read
    assert not any(match.is_match for match in ClaimMatcher(store, tmp_path / "index", low, reranker=reranker).search(
        REPEATS[0][0]))


def test_a_calibration_for_another_reranker_is_refused_and_off_means_the_first_stage(
        store: Store, reranker: Reranker, calibrated: Calibration, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert calibrated.rerank is not None
    other = replace(calibrated, rerank=replace(calibrated.rerank, reranker="another"))
    with pytest.raises(ValueError, match="jaga claims calibrate"):
        ClaimMatcher(store, tmp_path / "index", other, reranker=reranker)
    assert ClaimMatcher(store, tmp_path / "index", other, reranker=False).rerank is None
    monkeypatch.setenv("JAGA_CLAIM_RERANKER", str(reranker.directory))
    assert reranker_dir() == reranker.directory and ClaimMatcher(store, tmp_path / "index", calibrated).rerank is not None
    monkeypatch.setenv("JAGA_CLAIM_RERANKER", "off")
    assert reranker_dir() is None and default_reranker() is None
    assert ClaimMatcher(store, tmp_path / "index", calibrated).rerank is None
