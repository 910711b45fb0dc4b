"""The claim encoder's training: what it trains on (never a held-back claim), how batches are made,
and, where PyTorch is installed, a short run whose layers the run-time engine reads back."""

from pathlib import Path

import numpy as np
import pytest

from jaga.claims.authored import AuthoredPair, load_pairs
from jaga.training.claim_encoder import Example, TrainingSet, _batches, training_set

CLAIMS = {"afnc_th:1": "จีนผลิตเนื้อกระป๋องจากศพมนุษย์", "turnbackhoax_id_2021:2": "Vaksin mengandung microchip",
          "turnbackhoax_id_2021:3": "GEMPA BESAR AKAN TERJADI BESOK PAGI DI JAKARTA"}


def test_the_training_set_holds_only_training_claims_and_their_hard_negatives() -> None:
    pairs = load_pairs()
    registry = {fact_check: f"claim {fact_check}" for pair in pairs for fact_check in pair.fact_checks}
    data = training_set(registry, pairs)
    held_back = {pair.claim_key for pair in pairs if pair.split == "test"}
    assert data.examples and not {example.claim_key for example in data.examples} & held_back
    assert {example.language for example in data.examples if example.claim} == {
        "id", "ms", "tl", "th", "vi", "km", "lo", "my", "en", "zh", "ta"}
    assert sum(not example.claim for example in data.examples) == data.sources["hard negatives"] > 0
    assert len(data.registry) == len(set(registry.values()))


def test_a_message_pairs_with_a_claim_the_registry_holds_and_shouted_text_is_lowered() -> None:
    pair = AuthoredPair("id-1", "id", "GEMPA BESAR BESOK!!! SEBARKAN SEBELUM TERLAMBAT", ("turnbackhoax_id_2021:3",), "forward")
    unknown = AuthoredPair("id-2", "id", "Ada yang tahu?", ("turnbackhoax_id_2021:11",), "retell")
    held_back = AuthoredPair("id-3", "id", "Vaksin ada chipnya", ("turnbackhoax_id_2021:2",), "retell")
    assert pair.split == unknown.split == "train" and held_back.split == "test"
    data = training_set(CLAIMS, [pair, unknown, held_back])
    (example,) = data.examples
    # The claims it reads (and the Thai one among the registry negatives) name their sets' licences.
    assert [entry["name"] for entry in data.datasets] == ["jaga_claim_pairs", "afnc_th_opendata", "turnbackhoax_id_2021"]
    assert example.text == "gempa besar besok!!! sebarkan sebelum terlambat"
    assert example.claim == "gempa besar akan terjadi besok pagi di jakarta"


def test_no_batch_holds_two_messages_of_one_claim() -> None:
    rng = np.random.default_rng(0)
    examples = [Example(f"message {i}", "id", f"claim {i % 7}", f"claim {i % 7}") for i in range(70)]
    examples += [Example("hard negative", "id", "claim 1")]
    batches = _batches(examples, 5, rng)
    assert sorted(i for batch in batches for i in batch) == list(range(70))
    for batch in batches:
        assert 1 < len(batch) <= 5
        assert len({examples[i].claim_key for i in batch}) == len(batch)


def test_near_misses_join_their_message_and_survive_a_round_trip(tmp_path: Path) -> None:
    pair = AuthoredPair("id-1", "id", "Vaksin ada chip!!", ("turnbackhoax_id_2021:3",), "forward")
    negative = AuthoredPair("id-2", "id", "Vaksinasi lansia dimulai besok", (), "news", near="turnbackhoax_id_2021:3")
    data = training_set(CLAIMS, [pair, negative], {"id-1": ["Vaksin menyebabkan autisme"], "id-2": ["Gempa besok"]})
    assert [example.negatives for example in data.examples] == [("Vaksin menyebabkan autisme",), ()]
    assert data.sources["near misses"] == 1
    assert data.datasets == [{"name": "jaga_claim_pairs", "licence": "permissive"},
                             {"name": "afnc_th_opendata", "licence": "unknown"},
                             {"name": "turnbackhoax_id_2021", "licence": "unknown"}]
    data.save(tmp_path / "set.json")
    assert TrainingSet.load(tmp_path / "set.json") == data


def test_the_training_set_survives_a_round_trip(tmp_path: Path) -> None:
    data = TrainingSet([Example("ข้อความ", "th", "afnc_th:1", "claim")], ["claim", "อีกข้อ"], {"messages th": 1})
    data.save(tmp_path / "set.json")
    assert TrainingSet.load(tmp_path / "set.json") == data


def test_a_short_run_writes_upper_layers_that_the_engine_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    from jaga.text.encoder import Encoder, encoder_name
    from jaga.training.claim_encoder import fit

    examples = [Example(f"pesan nomor {i} tentang klaim {i % 4}", "id", f"k{i % 4}", f"klaim {i % 4}", (f"klaim {i % 4 + 1}",))
                for i in range(16)]
    data = TrainingSet(examples, [f"klaim {i}" for i in range(40)], {"messages id": 16})
    summary = fit(data, tmp_path, {"epochs": 1, "batch_size": 4, "max_pieces": 24, "registry_negatives": 8,
                                   "freeze_layers": 10}, log=lambda message: None, version="test-run")
    assert summary["steps"] >= 1 and np.isfinite(summary["final_loss"])
    with np.load(tmp_path / "encoder.npz") as stored:
        assert {name.split(".")[0] for name in stored.files} == {"l10", "l11"}
    monkeypatch.setenv("JAGA_CLAIM_ENCODER", str(tmp_path))
    assert encoder_name().startswith("claim encoder test-run (multilingual-e5-small, layers 10-11")
    vectors = Encoder().encode(["klaim 1", "pesan nomor 1 tentang klaim 1"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
