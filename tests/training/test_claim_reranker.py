"""The claim reranker's training: what it trains on (never a held-back claim; a fact-check recorded
twice is not its own negative), and where PyTorch is installed, a short run whose layers and head
the run-time reranker reads back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jaga.claims.authored import AuthoredPair
from jaga.claims.matcher import ClaimMatcher
from jaga.claims.model import FactCheck, Verdict
from jaga.claims.registry import import_fact_checks
from jaga.store import Store
from jaga.training.claim_reranker import Example, TrainingSet, training_set

# Four records: the vaccine-chip rumour twice (as fact-checkers record a returning one), a claim on the
# same subject and an unrelated one. The message repeats the first record.
RECORDS = [("turnbackhoax_id_2021:3", "Vaksin COVID-19 mengandung microchip untuk melacak warga"),
           ("turnbackhoax_id_2021:5", "Vaksin Covid-19 mengandung microchip untuk melacak warga!"),
           ("turnbackhoax_id_2021:7", "Vaksin COVID-19 menyebabkan kemandulan pada perempuan"),
           ("turnbackhoax_id_2021:9", "Gempa besar akan terjadi besok pagi di Jakarta")]


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> ClaimMatcher:
    directory = tmp_path_factory.mktemp("registry")
    store = Store(f"sqlite:///{directory / 'r.db'}")
    import_fact_checks(store, [FactCheck(id=key, claim=claim, language="id", country="ID", verdict=Verdict.FALSE,
                                         rating="SALAH", publisher="TurnBackHoax", url=f"https://example.org/{index}")
                               for index, (key, claim) in enumerate(RECORDS)], "test")
    matcher = ClaimMatcher(store, directory / "index", reranker=False)
    matcher.sync()
    return matcher


def test_messages_pair_with_their_claim_and_near_misses_but_never_a_second_record_of_it(matcher: ClaimMatcher) -> None:
    message = AuthoredPair("id-c1", "id", "Hati-hati, vaksin covid ada microchip buat lacak kita semua", ("turnbackhoax_id_2021:3",),
                           "forward")
    negative = AuthoredPair("id-n1", "id", "Vaksin COVID-19 sudah diberikan ke 200 juta warga", (), "news",
                            near="turnbackhoax_id_2021:3")
    held_back = AuthoredPair("id-c2", "id", "Gempa besar besok pagi di Jakarta!!", ("turnbackhoax_id_2021:9",), "forward")
    assert message.split == negative.split == "train" and held_back.split != "train"
    data = training_set(matcher, [message, negative, held_back])
    by_post: dict[str, list[Example]] = {}
    for example in data.examples:
        by_post.setdefault(example.post, []).append(example)
    assert set(by_post) == {message.text, negative.text}
    own = by_post[message.text]
    assert [(example.claim, example.label) for example in own if example.label] == [(RECORDS[0][1], 1)]
    negatives = {example.claim for example in own if not example.label}
    assert RECORDS[1][1] not in negatives and RECORDS[2][1] in negatives
    assert (RECORDS[0][1], 0) in {(example.claim, example.label) for example in by_post[negative.text]}
    assert data.sources["message id"] == 1 and data.sources["hard negative, its claim"] == 1
    assert data.datasets == [{"name": "jaga_claim_pairs", "licence": "permissive"},
                             {"name": "turnbackhoax_id_2021", "licence": "unknown"}]


def test_the_training_set_survives_a_round_trip(tmp_path: Path) -> None:
    data = TrainingSet([Example("ข้อความ", "claim", 1, "th", "afnc_th:1")], {"message th": 1})
    data.save(tmp_path / "set.json")
    assert TrainingSet.load(tmp_path / "set.json") == data


def test_a_short_run_writes_layers_and_a_head_that_the_reranker_reads(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from jaga.claims.rerank import Reranker
    from jaga.training.claim_reranker import fit

    examples = [Example(f"pesan nomor {i} tentang klaim {i % 4}", f"klaim {(i + i % 2) % 4}", 1 - i % 2, "id", f"k{i % 4}")
                for i in range(16)]
    summary = fit(TrainingSet(examples, {"message id": 8}), tmp_path,
                  {"epochs": 1, "batch_size": 4, "post_pieces": 24, "claim_pieces": 16, "freeze_layers": 10},
                  log=lambda message: None, version="test-run")
    assert summary["steps"] == 4 and np.isfinite(summary["final_loss"])
    with np.load(tmp_path / "reranker.npz") as stored:
        assert {name.split(".")[0] for name in stored.files} == {"l10", "l11", "head"}
    reranker = Reranker(tmp_path)
    logits = reranker.logits(["pesan nomor 1 tentang klaim 1", "pesan lain"], ["klaim 1", "klaim 2"])
    assert reranker.version == "test-run" and logits.shape == (2,) and np.isfinite(logits).all()
    # Its layers start from the bundled claim encoder: it carries that one's data too.
    assert {entry["name"] for entry in reranker.meta["datasets"]} == {"jaga_claim_pairs", "afnc_th_opendata",
                                                                       "turnbackhoax_id_2021"}
