from __future__ import annotations

from collections import Counter

from jaga.detect.harms import HarmDetector
from jaga.evaluation.harms import SUITE_CATEGORIES, evaluate_harms, load_harm_suites
from jaga.pipeline import Moderator
from jaga.types import LANGUAGES


def test_every_category_and_language_has_a_suite_of_at_least_40_cases_in_two_halves() -> None:
    cases = load_harm_suites()
    per_cell = Counter((case.category, case.language) for case in cases)
    assert set(per_cell) == {(category, language) for category in SUITE_CATEGORIES for language in LANGUAGES}
    assert min(per_cell.values()) >= 40
    halves = Counter((case.half, case.harmful) for case in cases)
    assert set(halves) == {("dev", True), ("dev", False), ("heldout", True), ("heldout", False)}
    assert len({case.text for case in cases}) == len(cases)  # no case written twice


def test_evaluation_reports_recall_and_look_alike_rate_per_cell() -> None:
    cases = load_harm_suites(languages=["en"])
    result = evaluate_harms(cases, Moderator(detectors=[HarmDetector()]))
    rows = {(row["category"], row["half"]): row for row in result["rows"]}
    assert len(rows) == 6
    for row in rows.values():
        assert row["harmful"] + row["benign"] >= 20
        assert row["recall"] == row["caught"] / row["harmful"]
    # Without any detector nothing is caught: the numbers come from the detector, not the suite.
    empty = evaluate_harms(cases, Moderator(detectors=[]))
    assert empty["totals"]["dev"]["recall"] == 0.0
    assert result["totals"]["dev"]["recall"] > 0.9
    assert all(error["language"] == "en" for error in result["errors"])
