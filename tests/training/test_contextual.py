"""The contextual tier's training path: the bundle (no torch needed) and, where PyTorch is installed
(`pip install '.[train]'`), a few steps of fine-tuning whose saved weights the numpy engine reads
back with the same answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jaga.contextual.engine import to_pieces
from jaga.contextual.weights import E5File
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

    summary = fit(bundle_dir / "bundle.npz", tmp_path / "fit", {"epochs": 1, "batch_size": 8, "max_pieces": 32},
                  log=lambda message: None)
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
