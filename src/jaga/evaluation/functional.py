"""Functional evaluation on HateCheck-style suites: templated cases that each test one capability
(counter-speech, negation, slurs with spelling variations, threats, ...).

Held-out splits measure how well a model fits its datasets; functional suites measure whether it
makes the distinctions moderation needs. A case is predicted hateful when the post's aggregated
`hate_speech` score (every detector, as in production) reaches the threshold.

Suite format (CSV): a text column (`text` or `test_case`), a label column (`label` or `label_gold`:
hateful / non-hateful, or 1 / 0), `functionality`, optionally `target` (or `target_ident`) and
`language`. Without a language column, `--lang` names it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jaga.detect.base import read_by_encoder_tier
from jaga.pipeline import Moderator
from jaga.policy.loader import load_policy
from jaga.types import Category, Post

TEXT_COLUMNS = ("text", "test_case")
LABEL_COLUMNS = ("label", "label_gold")
TARGET_COLUMNS = ("target", "target_ident")
HATEFUL = {"hateful", "1", "true", "hate"}
NOT_HATEFUL = {"non-hateful", "0", "false", "not-hateful", "non_hateful"}


class SuiteError(ValueError):
    """A suite file that cannot be evaluated, with the file and line in the message."""


@dataclass(frozen=True)
class Case:
    text: str
    hateful: bool
    functionality: str
    target: str
    language: str


def load_suite(path: Path, language: str | None = None) -> list[Case]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        text_column = next((name for name in TEXT_COLUMNS if name in columns), None)
        label_column = next((name for name in LABEL_COLUMNS if name in columns), None)
        target_column = next((name for name in TARGET_COLUMNS if name in columns), None)
        if text_column is None or label_column is None or "functionality" not in columns:
            raise SuiteError(f"{path}: needs columns text (or test_case), label (or label_gold) and functionality; "
                             f"found {', '.join(columns)}")
        if "language" not in columns and not language:
            raise SuiteError(f"{path}: no language column; pass --lang")
        cases = []
        for row in reader:
            label = (row[label_column] or "").strip().lower()
            if label not in HATEFUL | NOT_HATEFUL:
                raise SuiteError(f"{path}:{reader.line_num}: label must be hateful or non-hateful, got {label!r}")
            cases.append(Case(
                text=row[text_column],
                hateful=label in HATEFUL,
                functionality=row["functionality"],
                target=(row.get(target_column) if target_column else None) or "",
                language=(row.get("language") or language or "").strip().lower(),
            ))
    return cases


def scoring_moderator() -> Moderator:
    """The default detectors, with the classifier's occlusion evidence off: scores do not depend on
    it, and a suite of thousands of mostly flagged cases would pay a pass per word for nothing."""
    from jaga.detect import DETECTORS
    from jaga.detect.classifier import ClassifierDetector

    return Moderator(detectors=[ClassifierDetector(evidence=False) if name == ClassifierDetector.name else factory()
                                for name, factory in DETECTORS.items()])


def macro_f1(truth: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean F1 of the hateful and the non-hateful class (HateCheck's headline metric)."""
    scores = []
    for positive in (True, False):
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == positive and p == positive)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != positive and p == positive)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == positive and p != positive)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return sum(scores) / 2


DEFAULT_THRESHOLD = load_policy("asean").policy.categories[Category.HATE_SPEECH].thresholds.label
"""The regional baseline's threshold for labelling hate speech: evaluate what production would do."""


def evaluate_suite(cases: Sequence[Case], moderator: Moderator, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Macro-F1 overall and per language; accuracy per functionality and per target (a
    functionality holds one gold class, so accuracy is what it can report)."""
    posts = [Post(id=str(index), text=case.text, lang=case.language or None) for index, case in enumerate(cases)]
    decisions = moderator.moderate_batch(posts)
    scores = [decision.scores.get(Category.HATE_SPEECH, 0.0) for decision in decisions]
    predicted = [score >= threshold for score in scores]
    truth = [case.hateful for case in cases]
    # The encoder tier's share says what these cases cost: a suite of statements about groups
    # escalates far more than platform traffic does.
    escalated = [read_by_encoder_tier(decision.signals) for decision in decisions]

    def group(key: str) -> dict[str, list[int]]:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, case in enumerate(cases):
            groups[getattr(case, key)].append(index)
        return dict(sorted(groups.items()))

    by_language = {
        language: {"macro_f1": round(macro_f1([truth[i] for i in rows], [predicted[i] for i in rows]), 4),
                   "n": len(rows), "escalated": round(sum(escalated[i] for i in rows) / len(rows), 4)}
        for language, rows in group("language").items()
    }
    by_functionality = {
        functionality: {"accuracy": round(sum(truth[i] == predicted[i] for i in rows) / len(rows), 4),
                        "gold": "hateful" if truth[rows[0]] else "non-hateful", "n": len(rows)}
        for functionality, rows in group("functionality").items()
    }
    by_target = {
        target or "(none)": {"accuracy": round(sum(truth[i] == predicted[i] for i in rows) / len(rows), 4),
                             "n": len(rows)}
        for target, rows in group("target").items()
    }
    return {
        "threshold": threshold,
        "n": len(cases),
        "macro_f1": round(macro_f1(truth, predicted), 4),
        "accuracy": round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(len(cases), 1), 4),
        "escalated": round(sum(escalated) / max(len(cases), 1), 4),
        "by_language": by_language,
        "by_functionality": by_functionality,
        "by_target": by_target,
    }
