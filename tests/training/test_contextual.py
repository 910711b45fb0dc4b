"""The contextual tier's training path: the bundle (no torch needed) and, where PyTorch is installed
(`pip install '.[train]'`), a few steps of fine-tuning whose saved weights the numpy engine reads
back with the same answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jaga.text.e5.engine import to_pieces
from jaga.text.e5.weights import E5File
from jaga.training.contextual_data import SPLIT_CODES, Rows, prepare, read_rows

TEXTS = ["orang Papua itu monyet", "orang Papua itu saudara kita", "you are an idiot", "have a lovely day",
         "slot gacor maxwin", "selamat pagi", "คนพม่าเป็นเชื้อโรค", "我讨厌下雨天"] * 4


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    n = len(TEXTS)
    labels = np.full((n, 4), -1, dtype=np.int8)
    labels[:, 0] = [1, 0, 0, 0, 0, 0, 1, 0] * 4
    labels[:, 1] = [1, 0, 1, 0, 0, 0, 1, 0] * 4
    rows = Rows(texts=list(TEXTS), languages=["id", "id", "en", "en", "id", "id", "th", "zh"] * 4,
                sources=["jaga_functional"] * n, functionalities=["derog_dehum_h"] * n,
                splits=[SPLIT_CODES["train"]] * 16 + [SPLIT_CODES["calibration"]] * 8 + [SPLIT_CODES["test"]] * 8,
                labels=labels, weights=np.ones(n, dtype=np.float32))
    directory = tmp_path_factory.mktemp("bundle")
    summary = prepare(rows, directory)
    assert summary["rows"] == n and summary["splits"]["train"] == 16
    return directory


def test_the_bundle_holds_the_same_pieces_as_run_time(bundle_dir: Path) -> None:
    with np.load(bundle_dir / "bundle.npz") as bundle:
        vocabulary, ids, offsets = bundle["vocabulary"], bundle["ids"], bundle["offsets"]
        assert bundle["word_q4"].shape == (len(vocabulary) * 12, 18)
        assert bundle["l11.fo.w_q4"].shape == (384 * 1536 // 32, 18)
    expected = to_pieces(TEXTS, E5File().config)
    for row, pieces in enumerate(expected):
        assert vocabulary[ids[offsets[row]:offsets[row + 1]]].tolist() == pieces
    assert [record["text"] for record in read_rows(bundle_dir / "rows.jsonl")] == TEXTS


def test_fine_tuning_writes_weights_the_numpy_engine_reads_back(bundle_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from jaga.contextual.model import ContextualModel
    from jaga.training.contextual import fit
    from jaga.training.contextual_eval import finish

    summary = fit(bundle_dir / "bundle.npz", tmp_path / "fit",
                  {"epochs": 1, "batch_size": 8, "max_pieces": 32, "score_with": "torch"}, log=lambda message: None)
    assert summary["train_examples"] == 16
    metrics = finish(bundle_dir, tmp_path / "fit", tmp_path / "model", "test", {"settings": summary["settings"]})
    assert "functional" in metrics["test"]
    model = ContextualModel.load(tmp_path / "model")
    with np.load(tmp_path / "fit" / "logits.npz") as stored:
        rows, expected = stored["rows"], stored["logits"]
    ours = model.logits([TEXTS[row] for row in rows])
    assert np.abs(ours - expected).max() < 0.05  # int8 rows against the float32 model
    meta = json.loads((tmp_path / "model" / "contextual.json").read_text())
    assert meta["layers"] == 12 and "hate_speech" in meta["calibration"]


def test_continued_training_starts_from_the_shipped_model_and_keeps_frozen_layers(bundle_dir: Path,
                                                                                  tmp_path: Path) -> None:
    """`init` loads every trained tensor (no step taken: the bundled model's own logits come back);
    `freeze_layers` leaves the embeddings and the lowest layers exactly as loaded; `focus_languages`
    trains on those languages' functional cases plus the replayed rows."""
    pytest.importorskip("torch")
    from jaga.contextual.model import ContextualModel, bundled_dir
    from jaga.text.e5.weights import dequantise_rows
    from jaga.training.contextual import CONTINUATION_RATES, fit

    shipped = bundled_dir() / "contextual.npz"
    fit(bundle_dir / "bundle.npz", tmp_path / "same",
        {"epochs": 0, "init": str(shipped), "dropout": 0.0, "score_with": "torch"}, log=lambda message: None)
    with np.load(tmp_path / "same" / "logits.npz") as stored:
        rows, logits = stored["rows"], stored["logits"]
    reference = ContextualModel.load(bundled_dir(), int8=False).logits([TEXTS[row] for row in rows])
    assert np.abs(reference - logits).max() < 0.05

    summary = fit(bundle_dir / "bundle.npz", tmp_path / "warm",
                  {"epochs": 1, "batch_size": 4, "max_pieces": 32, "init": str(shipped), "freeze_layers": 10,
                   "focus_languages": "th,zh", "replay_rows": 3, "learning_rate": 1e-3}, log=lambda message: None)
    assert summary["train_examples"] == 4 + 3  # th and zh: two functional cases each in the train rows
    assert summary["settings"]["learning_rate"] == 1e-3  # given: kept
    assert summary["settings"]["head_learning_rate"] == CONTINUATION_RATES["head_learning_rate"]  # not given
    with np.load(shipped) as before, np.load(tmp_path / "warm" / "contextual.npz") as after:
        for name in ("emb.pos", "l0.q.b", "l9.fo.b"):
            assert np.allclose(before[name], after[name], atol=1e-6), name
        old = dequantise_rows(before["l9.fi.w"], before["l9.fi.scale"])
        assert np.abs(dequantise_rows(after["l9.fi.w"], after["l9.fi.scale"]) - old).max() <= np.abs(old).max() / 127
        assert not np.allclose(before["l11.fi.b"], after["l11.fi.b"])


def test_on_a_cpu_the_evaluation_rows_are_scored_by_the_shipped_int8_engine(bundle_dir: Path, tmp_path: Path) -> None:
    """PyTorch on 2 cores scores about 30 rows/s, the int8 engine about 140: a CPU run leaves the
    scoring to `finish`, which gives the weights their input ranges and scores only the evaluation
    rows (never the training rows) with the engine that ships."""
    pytest.importorskip("torch")
    from jaga.contextual.model import ContextualModel, bundled_dir
    from jaga.training.contextual import fit
    from jaga.training.contextual_eval import finish

    fit(bundle_dir / "bundle.npz", tmp_path / "fit", {"epochs": 0, "init": str(bundled_dir() / "contextual.npz"),
                                                      "score_with": "runtime"}, log=lambda message: None)
    assert not (tmp_path / "fit" / "logits.npz").exists()
    metrics = finish(bundle_dir, tmp_path / "fit", tmp_path / "model", "test", {"settings": {}})
    with np.load(tmp_path / "fit" / "logits.npz") as stored:
        rows, logits = stored["rows"], stored["logits"]
    assert rows.tolist() == list(range(16, 32))  # calibration and test rows only
    shipped = ContextualModel.load(bundled_dir()).logits([TEXTS[row] for row in rows])
    # The same model (no step taken); its int8 input ranges measured afresh on this bundle's 16 rows.
    assert np.abs(shipped - logits).mean() < 0.3
    assert np.corrcoef(shipped.ravel(), logits.ravel())[0, 1] > 0.99
    assert "functional" in metrics["test"] and not (tmp_path / "fit" / "contextual.json").exists()


def test_a_second_fit_in_the_same_folder_is_scored_afresh(bundle_dir: Path, tmp_path: Path) -> None:
    """A reused bundle keeps its fit folder: the scores `finish` left there belong to the earlier
    weights, and calibrating new weights on them wrote another model's figures and calibration."""
    pytest.importorskip("torch")
    from jaga.contextual.model import bundled_dir
    from jaga.training.contextual import fit
    from jaga.training.contextual_eval import finish

    settings = {"epochs": 0, "init": str(bundled_dir() / "contextual.npz"), "score_with": "runtime"}
    fit(bundle_dir / "bundle.npz", tmp_path / "fit", settings, log=lambda message: None)
    finish(bundle_dir, tmp_path / "fit", tmp_path / "first", "first", {"settings": {}})
    assert (tmp_path / "fit" / "logits.npz").exists()
    fit(bundle_dir / "bundle.npz", tmp_path / "fit", {**settings, "epochs": 1, "batch_size": 8, "max_pieces": 32},
        log=lambda message: None)
    assert not (tmp_path / "fit" / "logits.npz").exists()
    finish(bundle_dir, tmp_path / "fit", tmp_path / "second", "second", {"settings": {}})
    with np.load(tmp_path / "first" / "contextual.npz") as first, np.load(tmp_path / "second" / "contextual.npz") as second:
        assert any(not np.array_equal(first[name], second[name]) for name in first.files)


def test_new_since_trains_on_the_cases_written_since_with_rehearsal(tmp_path: Path) -> None:
    """`new_since`: every functional training case the earlier bundle lacked, plus the asked-for
    number of older cases and real posts; never an evaluation row. Needs no torch."""
    from jaga.training.contextual import DEFAULTS, _train_rows

    rows = ([{"text": f"old {i}", "source": "jaga_functional", "split": 0} for i in range(6)]
            + [{"text": f"new {i}", "source": "jaga_functional", "split": 0} for i in range(3)]
            + [{"text": "new held back", "source": "jaga_functional", "split": 2}]
            + [{"text": f"real {i}", "source": "vihsd", "split": 0} for i in range(8)])
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps({**row, "language": "vi"}) + "\n" for row in rows))
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text("".join(json.dumps(row) + "\n" for row in rows[:6]))
    bundle = {"split": np.array([row["split"] for row in rows]),
              "functional": np.array([row["source"] == "jaga_functional" for row in rows])}
    chosen = _train_rows(tmp_path / "bundle.npz", bundle, {**DEFAULTS, "new_since": str(earlier), "replay_rows": 5,
                                                           "replay_functional": 2}, np.random.default_rng(0))
    texts = [rows[i]["text"] for i in chosen]
    assert {"new 0", "new 1", "new 2"} <= set(texts) and "new held back" not in texts
    assert sum(text.startswith("old") for text in texts) == 2 and sum(text.startswith("real") for text in texts) == 5
    sampled = _train_rows(tmp_path / "bundle.npz", bundle, {**DEFAULTS, "new_since": str(earlier), "replay_rows": 5,
                                                            "replay_functional": 2, "max_train_rows": 2},
                          np.random.default_rng(0))
    texts = [rows[i]["text"] for i in sampled]
    assert sum(text.startswith("new") for text in texts) == 2 and "new held back" not in texts
    assert sum(text.startswith("old") for text in texts) == 2 and sum(text.startswith("real") for text in texts) == 5


def test_functionality_weights_multiply_the_named_functionalities(tmp_path: Path) -> None:
    """`functionality_weights`: counter-speech weighed double, everything else as before. Needs no torch."""
    from jaga.training.contextual import DEFAULTS, _weights

    rows = [{"functionality": name} for name in ("counter_quote_nh", "slur_h", "", "counter_ref_nh")]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    bundle = {"functional": np.array([True, True, False, True]), "weights": np.ones(4, dtype=np.float32)}
    plain = _weights(tmp_path / "bundle.npz", bundle, {**DEFAULTS, "functional_weight": 2.0})
    assert plain.tolist() == [2.0, 2.0, 1.0, 2.0]
    weighed = _weights(tmp_path / "bundle.npz", bundle, {**DEFAULTS, "functional_weight": 2.0,
                                                         "functionality_weights": "counter_quote_nh=2, counter_ref_nh=1.5"})
    assert weighed.tolist() == [4.0, 2.0, 1.0, 3.0]


def test_focus_sources_train_on_a_dataset_with_rehearsal_and_its_weight(tmp_path: Path) -> None:
    """`focus_sources`: every training row of the named dataset (never an evaluation row), the asked-for
    number of functional cases and other real posts, and `source_weight` on the dataset's rows alone.
    Needs no torch."""
    from jaga.training.contextual import DEFAULTS, _train_rows, _weights

    rows = ([{"text": f"everyday {i}", "source": "jaga_exploitation", "split": 0} for i in range(4)]
            + [{"text": "everyday held back", "source": "jaga_exploitation", "split": 1}]
            + [{"text": f"case {i}", "source": "jaga_functional", "split": 0} for i in range(6)]
            + [{"text": f"real {i}", "source": "vihsd", "split": 0} for i in range(8)])
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps({**row, "language": "vi"}) + "\n" for row in rows))
    bundle = {"split": np.array([row["split"] for row in rows]),
              "functional": np.array([row["source"] == "jaga_functional" for row in rows]),
              "weights": np.ones(len(rows), dtype=np.float32)}
    settings = {**DEFAULTS, "focus_sources": "jaga_exploitation", "source_weight": 3.0, "replay_rows": 5,
                "replay_functional": 2, "functional_weight": 2.0}
    texts = [rows[i]["text"] for i in _train_rows(tmp_path / "bundle.npz", bundle, settings, np.random.default_rng(0))]
    assert {f"everyday {i}" for i in range(4)} <= set(texts) and "everyday held back" not in texts
    assert sum(text.startswith("case") for text in texts) == 2 and sum(text.startswith("real") for text in texts) == 5
    weights = _weights(tmp_path / "bundle.npz", bundle, settings)
    assert weights[:5].tolist() == [3.0] * 5 and weights[5] == 2.0 and weights[-1] == 1.0
