"""`jaga train`: build the harm classifier from the registry's datasets, reproducibly.

Steps: load -> normalise -> deduplicate across datasets (the same tweet appears in several) ->
split by a hash of the canonical text (so a text is in the same split whichever dataset it came
from, and reruns give the same split) -> fit on train -> calibrate on the calibration split ->
measure on the held-out test split, per dataset, language and category -> write the artifact, its
metrics and the model card.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from jaga.config import data_dir
from jaga.detect.classifier import HarmClassifier
from jaga.text import detect_language, normalise
from jaga.training.datasets import MODELLED, Dataset, Example
from jaga.types import Category

SPLITS = ("train", "calibration", "test")


def split_of(canonical: str, seed: int = 0) -> str:
    """80 / 10 / 10 by a stable hash of the canonical text."""
    bucket = int(hashlib.sha256(f"{seed}:{canonical}".encode()).hexdigest()[:8], 16) % 10
    return "test" if bucket == 0 else "calibration" if bucket == 1 else "train"


@dataclass
class Corpus:
    """Deduplicated examples with their canonical text, split, and a label matrix."""

    texts: list[str]
    languages: list[str]
    datasets: list[str]
    splits: list[str]
    labels: np.ndarray  # (n, len(MODELLED)): 1, 0, -1 unknown
    weights: np.ndarray  # (n,) sample weight from the dataset
    duplicates_removed: int
    conflicts: int

    def subset(self, split: str) -> tuple[list[str], list[str], list[str], np.ndarray]:
        index = self.indices(split)
        return ([self.texts[i] for i in index], [self.languages[i] for i in index],
                [self.datasets[i] for i in index], self.labels[index])

    def indices(self, split: str) -> list[int]:
        return [i for i, name in enumerate(self.splits) if name == split]


def build_corpus(datasets: Sequence[Dataset], seed: int = 0, root: Path | None = None,
                 progress: Callable[[str], None] | None = None) -> Corpus:
    merged: dict[str, tuple[Example, dict[Category, int]]] = {}
    duplicates = conflicts = 0
    for dataset in datasets:
        if progress:
            progress(f"loading {dataset.name}")
        for example in dataset.examples(root):
            canonical = normalise(example.text).text
            if not canonical:
                continue
            if canonical in merged:
                duplicates += 1
                _, kept = merged[canonical]
                for category, value in example.labels.items():
                    if category in kept and kept[category] != value:
                        kept[category] = -1
                        conflicts += 1
                    elif category not in kept:
                        kept[category] = value
                continue
            merged[canonical] = (example, dict(example.labels))
    texts = list(merged)
    splits = [merged[text][0].split or split_of(text, seed) for text in texts]
    labels = np.full((len(texts), len(MODELLED)), -1, dtype=np.int8)
    for row, canonical in enumerate(texts):
        for column, category in enumerate(MODELLED):
            labels[row, column] = merged[canonical][1].get(category, -1)
    return Corpus(
        texts=texts,
        languages=[merged[text][0].language for text in texts],
        datasets=[merged[text][0].dataset for text in texts],
        splits=splits,
        labels=labels,
        weights=np.array([merged[text][0].weight for text in texts], dtype=np.float32),
        duplicates_removed=duplicates,
        conflicts=conflicts,
    )


def prf(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float | int]:
    true_positive = int(((truth == 1) & (predicted == 1)).sum())
    false_positive = int(((truth == 0) & (predicted == 1)).sum())
    false_negative = int(((truth == 1) & (predicted == 0)).sum())
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 0.0
    recall = true_positive / (true_positive + false_negative) if true_positive + false_negative else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "support": int((truth == 1).sum()), "n": len(truth)}


def evaluate(model: HarmClassifier, texts: list[str], languages: list[str], datasets: list[str],
             labels: np.ndarray, threshold: float = 0.5) -> dict[str, Any]:
    """Precision, recall and F1 per category, overall and by language and by dataset. Languages are
    the *detected* language of each text where the dataset spans several (sg_online_attacks)."""
    probabilities = model.predict_proba(texts, languages)
    predicted = (probabilities >= threshold).astype(np.int8)
    report: dict[str, Any] = {"threshold": threshold, "overall": {}, "by_language": defaultdict(dict),
                              "by_dataset": defaultdict(dict)}
    language_array, dataset_array = np.asarray(languages), np.asarray(datasets)
    for column, category in enumerate(model.categories):
        known = labels[:, column] >= 0
        report["overall"][category.value] = prf(labels[known, column], predicted[known, column])
        for language in sorted(set(languages)):
            mask = known & (language_array == language)
            if (labels[mask, column] == 1).sum() >= 5:
                report["by_language"][language][category.value] = prf(labels[mask, column], predicted[mask, column])
        for dataset in sorted(set(datasets)):
            mask = known & (dataset_array == dataset)
            if (labels[mask, column] == 1).sum() >= 5:
                report["by_dataset"][dataset][category.value] = prf(labels[mask, column], predicted[mask, column])
    report["by_language"] = dict(report["by_language"])
    report["by_dataset"] = dict(report["by_dataset"])
    return report


def train(datasets: Sequence[Dataset], output: Path, seed: int = 0, C: float = 4.0, root: Path | None = None,
          progress: Callable[[str], None] | None = None,
          functional_suites: Sequence[tuple[str, Path, str | None]] = ()) -> dict[str, Any]:
    """Train, calibrate, evaluate and write the artifact to `output`. Returns the metrics."""
    started = time.perf_counter()
    corpus = build_corpus(datasets, seed=seed, root=root, progress=progress)
    # Calibrate on the language a text *is in* as Jaga would detect it at run time.
    corpus.languages = [_runtime_language(text, language) for text, language in zip(corpus.texts, corpus.languages,
                                                                                        strict=True)]
    train_texts, train_languages, _, train_labels = corpus.subset("train")
    if progress:
        progress(f"fitting on {len(train_texts)} texts")
    model = HarmClassifier(categories=MODELLED, C=C)
    model.fit(train_texts, train_labels, random_state=seed, sample_weight=corpus.weights[corpus.indices("train")],
              languages=train_languages)
    calibration_texts, calibration_languages, _, calibration_labels = corpus.subset("calibration")
    model.calibrate(calibration_texts, calibration_labels, calibration_languages)
    if progress:
        progress("evaluating on the held-out split")
    test_texts, test_languages, test_datasets, test_labels = corpus.subset("test")
    metrics = evaluate(model, test_texts, test_languages, test_datasets, test_labels)
    version = datetime.now(UTC).strftime("harm-%Y%m%d")
    licences = sorted({dataset.licence for dataset in datasets})
    counts = {split: corpus.splits.count(split) for split in SPLITS}
    per_dataset = {dataset.name: {split: 0 for split in SPLITS} for dataset in datasets}
    for name, split in zip(corpus.datasets, corpus.splits, strict=True):
        per_dataset[name][split] += 1
    model.metadata = {
        "version": version,
        "seed": seed,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "datasets": [{"name": d.name, "licence": d.licence, "languages": list(d.languages)} for d in datasets],
        "licence_classes": licences,
    }
    model.save(output)
    if progress and functional_suites:
        progress("functional suites")
    functional = evaluate_functional(model, functional_suites) if functional_suites else {}
    summary = {
        "version": version,
        "seed": seed,
        "C": C,
        "licence_classes": licences,
        "datasets": {d.name: {"licence": d.licence, "languages": list(d.languages), "description": d.description,
                              "examples": per_dataset[d.name]} for d in datasets},
        "split_sizes": counts,
        "duplicates_removed": corpus.duplicates_removed,
        "label_conflicts": corpus.conflicts,
        "train_seconds": round(time.perf_counter() - started, 1),
        "test": metrics,
        "functional": functional,
    }
    (output / "metrics.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def default_functional_suites(root: Path | None = None) -> list[tuple[str, Path, str | None]]:
    """The development suites that exist on this machine: (name, path, language)."""
    base = root or data_dir()
    candidates = [
        ("hatecheck_en", base / "hatecheck_en" / "test_suite_cases.csv", "en"),
        ("hatecheck_zh", base / "multilingual_hatecheck" / "hatecheck_cases_final_mandarin.csv", "zh"),
        ("sea_probes", Path("eval") / "sea_probes.csv", None),
    ]
    return [candidate for candidate in candidates if candidate[1].is_file()]


def evaluate_functional(model: HarmClassifier, suites: Sequence[tuple[str, Path, str | None]]) -> dict[str, Any]:
    """Functional results of the full detection stack (this classifier plus lexicons and URLs), as
    production would score the cases."""
    from jaga.detect import ClassifierDetector, LexiconDetector, UrlDetector
    from jaga.evaluation.functional import evaluate_suite, load_suite
    from jaga.pipeline import Moderator

    moderator = Moderator(detectors=[ClassifierDetector(model, evidence=False), LexiconDetector(), UrlDetector()])
    return {name: evaluate_suite(load_suite(path, language), moderator) for name, path, language in suites}


def _runtime_language(text: str, dataset_language: str) -> str:
    detected = detect_language(text)
    return detected.code if detected.code in ("en", "id", "ms") and dataset_language in ("en", "id", "ms") \
        else dataset_language
