"""Jaga's blind hate-speech suites (`eval/blind`): well formed, in all eleven languages, and sharing
no text with what the models learn from: they are worth something only while nothing is trained on
them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from jaga.evaluation.functional import load_suite

BLIND = Path(__file__).resolve().parents[2] / "eval" / "blind"
LANGUAGES = ("en", "id", "km", "lo", "ms", "my", "ta", "th", "tl", "vi", "zh")


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_suite_covers_the_functionalities_with_consistent_labels(language: str) -> None:
    cases = load_suite(BLIND / f"{language}.csv")
    assert len(cases) >= 250
    assert {case.language for case in cases} == {language}
    assert all(case.hateful == case.functionality.endswith("_h") for case in cases)
    per_functionality = Counter(case.functionality for case in cases)
    assert len([name for name, count in per_functionality.items() if count >= 6]) >= 28, per_functionality
    assert len({case.text for case in cases}) == len(cases)
    assert 0.4 <= sum(case.hateful for case in cases) / len(cases) <= 0.75


def test_no_blind_case_is_a_training_text() -> None:
    """Not one case's text (normalised) is a functional-corpus case or an exploitation post."""
    from jaga.text import normalise
    from jaga.training.corpus import load_corpus
    from jaga.training.exploitation import load_material

    trained = {normalise(case.text).text for case in load_corpus()}
    trained |= {normalise(case.text).text for case in load_material()}
    blind = [case.text for path in sorted(BLIND.glob("*.csv")) for case in load_suite(path)]
    assert len(blind) >= 250 * len(LANGUAGES)
    assert [text for text in blind if normalise(text).text in trained] == []
