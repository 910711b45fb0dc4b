"""Calibrating and measuring a trained contextual model from its logits on the bundle's evaluation
rows (what `jaga.training.contextual.fit` writes to `logits.npz`), so that the figures of a GPU run
can be read on any machine.

Calibration: Platt per category on the calibration split (real posts' calibration split plus the
functional corpus's dev split), prior-free for the speech categories (as the fast tier), and per
language where that language has at least 150 calibration rows with 15 of each class.

Measures: macro-F1 on the functional corpus's test split per language (templates never trained on),
on every functional suite (HateCheck, Multilingual HateCheck: never trained on), and precision,
recall and F1 per category and dataset on the real datasets' test split.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jaga.contextual.model import calibrate
from jaga.detect.calibration import Platt
from jaga.evaluation.functional import macro_f1
from jaga.training.datasets import FUNCTIONAL_DATASET
from jaga.training.train import prf

PRIOR_FREE = ("hate_speech", "harassment")
RANGE_POSTS_PER_LANGUAGE = 48
"""Training posts per language measured for the int8 input ranges (`finish`): enough that every
language's outlier channels are seen, a few seconds of float32 forward passes."""
MIN_ROWS, MIN_CLASS = 150, 15


def fit_calibration(logits: np.ndarray, labels: np.ndarray, languages: Sequence[str],
                    categories: Sequence[str]) -> dict[str, tuple[float, float]]:
    calibration: dict[str, tuple[float, float]] = {}
    language_array = np.asarray(languages)
    for column, category in enumerate(categories):
        known = labels[:, column] >= 0
        if len(np.unique(labels[known, column])) < 2:
            continue
        balanced = category in PRIOR_FREE
        platt = Platt.fit(logits[known, column], labels[known, column], balanced)
        calibration[category] = (platt.a, platt.b)
        for language in sorted(set(language_array[known])):
            mask = known & (language_array == language)
            positives = int(labels[mask, column].sum())
            if mask.sum() >= MIN_ROWS and MIN_CLASS <= positives <= mask.sum() - MIN_CLASS:
                platt = Platt.fit(logits[mask, column], labels[mask, column], balanced)
                calibration[f"{category}:{language}"] = (platt.a, platt.b)
    return calibration


def measure(rows: list[dict[str, Any]], row_index: np.ndarray, probabilities: np.ndarray, labels: np.ndarray,
            categories: Sequence[str], threshold: float = 0.6, split: int = 2) -> dict[str, Any]:
    """Figures on the evaluation rows (`row_index` into `rows`; `probabilities` and `labels` aligned
    with it). `split` 2 measures the test splits, 1 the calibration/dev splits (model selection)."""
    hate = categories.index("hate_speech")
    report: dict[str, Any] = {"functional": {}, "functional_by_functionality": {}, "suites": {}, "real": {}}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, row in enumerate(row_index):
        record = rows[row]
        if record["split"] == split and record["source"] == FUNCTIONAL_DATASET:
            groups[("functional", record["language"])].append(position)
            groups[("functionality", record["functionality"])].append(position)
        elif record["split"] == 3:
            groups[("suite", record["source"])].append(position)
            groups[("suite_functionality", f"{record['source']}:{record['functionality']}")].append(position)
        elif record["split"] == split:
            groups[("real", record["source"])].append(position)
    for (kind, name), positions in sorted(groups.items()):
        index = np.array(positions)
        truth, scores = labels[index, hate], probabilities[index, hate]
        if kind == "functional":
            report["functional"][name] = round(100 * macro_f1(list(truth == 1), list(scores >= threshold)), 1)
        elif kind == "functionality":
            report["functional_by_functionality"][name] = round(
                100 * float(((scores >= threshold).astype(int) == truth).mean()), 1)
        elif kind == "suite":
            report["suites"][name] = round(100 * macro_f1(list(truth == 1), list(scores >= threshold)), 1)
        elif kind == "suite_functionality":
            report.setdefault("suite_functionalities", {})[name] = round(
                100 * float(((scores >= threshold).astype(int) == truth).mean()), 1)
        else:
            report["real"][name] = {}
            for column, category in enumerate(categories):
                known = labels[index, column] >= 0
                if (labels[index[known], column] == 1).sum() >= 5:
                    report["real"][name][category] = prf(labels[index[known], column],
                                                        (probabilities[index[known], column] >= 0.5).astype(int))
    functional = list(report["functional"].values())
    report["functional_mean"] = round(float(np.mean(functional)), 1) if functional else None
    report["functional_worst"] = round(float(np.min(functional)), 1) if functional else None
    return report


def range_texts(texts: Sequence[str], languages: Sequence[str], splits: Sequence[int],
                per_language: int = RANGE_POSTS_PER_LANGUAGE, seed: int = 0) -> list[str]:
    """Training-split posts (split code 0) for measuring the int8 input ranges: `per_language` of
    every language, drawn with a fixed seed, so that every language's activation outliers are seen."""
    by_language: dict[str, list[str]] = {}
    for text, language, split in zip(texts, languages, splits, strict=True):
        if split == 0:
            by_language.setdefault(language, []).append(text)
    rng = np.random.default_rng(seed)
    chosen = []
    for language in sorted(by_language):
        pool = by_language[language]
        chosen += [pool[i] for i in sorted(rng.choice(len(pool), min(per_language, len(pool)), replace=False))]
    return chosen


def add_input_ranges(model_dir: Path) -> int:
    """Give an already trained model its int8 input ranges (what `finish` does for a new one),
    from the training registry's train split in `JAGA_DATA_DIR`."""
    from jaga.contextual.model import write_input_ranges
    from jaga.training.contextual_data import collect
    from jaga.training.datasets import select

    rows = collect(select(), suites=False)
    return write_input_ranges(model_dir, range_texts(rows.texts, rows.languages, rows.splits))


def score_with_runtime(rows: list[dict[str, Any]], fit_dir: Path, config: dict[str, Any],
                       progress: Callable[[str], None] | None = None, chunk: int = 2048) -> None:
    """Score the evaluation rows (split codes 1-3) with the int8 engine that ships and write them to
    `fit_dir/logits.npz`: what a CPU-trained model is calibrated and measured with. The fitted
    weights get their int8 input ranges first (as the shipped file will)."""
    import json

    from jaga.contextual.model import META_FILE, ContextualModel, write_input_ranges

    meta = fit_dir / META_FILE
    meta.write_text(json.dumps({"version": "unscored", "layers": config["layers"],
                                "categories": config["categories"]}) + "\n", encoding="utf-8")
    write_input_ranges(fit_dir, range_texts([row["text"] for row in rows], [row["language"] for row in rows],
                                            [row["split"] for row in rows]))
    model = ContextualModel.load(fit_dir, int8=True)
    index = np.array([i for i, row in enumerate(rows) if row["split"] != 0], dtype=np.int64)
    logits = np.zeros((len(index), len(config["categories"])), dtype=np.float32)
    for start in range(0, len(index), chunk):
        logits[start:start + chunk] = model.logits([rows[i]["text"] for i in index[start:start + chunk]])
        if progress:
            progress(f"scored {min(start + chunk, len(index))}/{len(index)} evaluation rows")
    np.savez_compressed(fit_dir / "logits.npz", rows=index, logits=logits)
    meta.unlink()


def finish(bundle_dir: Path, fit_dir: Path, output: Path, version: str, trained: dict[str, Any]) -> dict[str, Any]:
    """Calibrate a fitted model on its calibration rows, measure it on the test rows and suites, and
    write the shipped artifact (`contextual.npz`, `contextual.json`, `contextual_metrics.json`) to
    `output`. `trained` describes the run (hardware, settings, time) for the model card."""
    import json
    import shutil

    from jaga.contextual.model import META_FILE, WEIGHTS_FILE, write_input_ranges
    from jaga.training.contextual_data import read_rows

    rows = read_rows(bundle_dir / "rows.jsonl")
    with np.load(bundle_dir / "bundle.npz") as bundle:
        labels_all = bundle["labels"]
        config = json.loads(str(bundle["config"]))
    categories = config["categories"]
    if not (fit_dir / "logits.npz").is_file():
        score_with_runtime(rows, fit_dir, config)
    with np.load(fit_dir / "logits.npz") as stored:
        index, logits = stored["rows"], stored["logits"]
    languages = [rows[i]["language"] for i in index]
    labels = labels_all[index]
    calibration_rows = np.array([rows[i]["split"] == 1 for i in index])
    calibration = fit_calibration(logits[calibration_rows], labels[calibration_rows],
                                  [language for language, keep in zip(languages, calibration_rows, strict=True) if keep],
                                  categories)
    probabilities = calibrate(logits, languages, categories, calibration)
    metrics = {"version": version, **trained, "test": measure(rows, index, probabilities, labels, categories, split=2),
               "dev": measure(rows, index, probabilities, labels, categories, split=1)}
    output.mkdir(parents=True, exist_ok=True)
    if fit_dir.resolve() != output.resolve():
        shutil.copyfile(fit_dir / WEIGHTS_FILE, output / WEIGHTS_FILE)
    meta = {"version": version, "layers": config["layers"], "categories": categories, **trained,
            "calibration": {key: [round(a, 6), round(b, 6)] for key, (a, b) in sorted(calibration.items())}}
    (output / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_input_ranges(output, range_texts([row["text"] for row in rows], [row["language"] for row in rows],
                                           [row["split"] for row in rows]))
    (output / "contextual_metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n",
                                                    encoding="utf-8")
    return metrics


def stack_metrics(progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The whole detection stack as production runs it (every detector, the cascade, the model that
    `JAGA_MODEL_DIR` or the package holds), for the model card: `full_stack` is `jaga eval` on the
    functional corpus's test split and on every functional suite; `real_cascade` is precision,
    recall and F1 at 0.5 per category on the real datasets' test split."""
    from jaga.evaluation.functional import evaluate_suite, load_suite, scoring_moderator
    from jaga.training.contextual_data import collect, suite_files
    from jaga.training.corpus_cases import corpus_cases
    from jaga.training.datasets import MODELLED, select
    from jaga.types import Post

    moderator = scoring_moderator()
    full: dict[str, Any] = {"jaga corpus test split": evaluate_suite(corpus_cases(), moderator)}
    for name, path, language in suite_files():
        label = "HateCheck en" if name == "hatecheck_en" else f"MHC {name.removeprefix('mhc_')}"
        if progress:
            progress(f"whole stack on {label}")
        full[label] = evaluate_suite(load_suite(path, SUITE_LANGUAGES.get(language, language)), moderator)
    for path in sorted(BLIND_DIR.glob("*.csv")):
        if progress:
            progress(f"whole stack on the blind suite {path.stem}")
        full[f"blind {path.stem}"] = evaluate_suite(load_suite(path), moderator)
    rows = collect(select(), suites=False)
    test = [i for i, split in enumerate(rows.splits) if split == SPLIT_TEST and rows.sources[i] != FUNCTIONAL_DATASET]
    if progress:
        progress(f"cascade on {len(test)} real test posts")
    decisions = moderator.moderate_batch([Post(id=str(i), text=rows.texts[i], lang=rows.languages[i] or None)
                                          for i in test])
    scores = np.array([[decision.scores.get(category, 0.0) for category in MODELLED] for decision in decisions])
    real: dict[str, Any] = {}
    for dataset in sorted({rows.sources[i] for i in test}):
        mine = np.array([position for position, i in enumerate(test) if rows.sources[i] == dataset])
        labels = rows.labels[np.array(test)[mine]]
        real[dataset] = {}
        for column, category in enumerate(MODELLED):
            known = labels[:, column] >= 0
            if (labels[known, column] == 1).sum() >= 5:  # too few positives say nothing
                real[dataset][category.value] = prf(labels[known, column],
                                                    (scores[mine[known], column] >= 0.5).astype(int))
    return {"full_stack": full, "real_cascade": real}


SPLIT_TEST = 2
BLIND_DIR = Path("eval") / "blind"
"""Jaga's blind suites (`eval/blind/README.md`: written by writers who never read the training corpus,
never trained on), read from the checkout the stack is measured in."""
SUITE_LANGUAGES = {"arabic": "ar", "dutch": "nl", "french": "fr", "german": "de", "hindi": "hi", "italian": "it",
                   "mandarin": "zh", "polish": "pl", "portuguese": "pt", "spanish": "es"}
"""Multilingual HateCheck's file names -> ISO 639-1, the language its cases are given as posts."""


if __name__ == "__main__":
    import json
    import sys

    usage = ("usage: python -m jaga.training.contextual_eval ranges MODEL_DIR\n"
             "       python -m jaga.training.contextual_eval stack MODEL_DIR  (adds the whole-stack figures to its "
             "metrics; set JAGA_MODEL_DIR to a directory holding that model beside a fast tier)")
    if len(sys.argv) != 3 or sys.argv[1] not in ("ranges", "stack"):
        sys.exit(usage)
    if sys.argv[1] == "ranges":
        print(f"{add_input_ranges(Path(sys.argv[2]))} input ranges written to {sys.argv[2]}")
    else:
        path = Path(sys.argv[2]) / "contextual_metrics.json"
        metrics = json.loads(path.read_text(encoding="utf-8"))
        metrics.update(stack_metrics(progress=lambda message: print(message, file=sys.stderr, flush=True)))
        path.write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"whole-stack figures written to {path}")
