from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from jaga.detect.harms import HarmDetector
from jaga.evaluation.harms import SUITE_CATEGORIES, SuiteError, evaluate_harms, expected_half, load_harm_suites
from jaga.pipeline import Moderator
from jaga.types import LANGUAGES, Category


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
    assert len(rows) == 2 * len(SUITE_CATEGORIES)
    for row in rows.values():
        assert row["harmful"] + row["benign"] >= 20
        assert row["recall"] == row["caught"] / row["harmful"]
    # Without any detector nothing is caught: the numbers come from the detector, not the suite.
    empty = evaluate_harms(cases, Moderator(detectors=[]))
    assert empty["totals"]["dev"]["recall"] == 0.0
    assert result["totals"]["dev"]["recall"] > 0.9
    assert all(error["language"] == "en" for error in result["errors"])


def test_scam_and_gambling_cases_carry_a_family_and_alternate_halves_within_it() -> None:
    cases = load_harm_suites(categories=[Category.SCAM_FRAUD, Category.ILLEGAL_GAMBLING])
    assert cases and all(case.family for case in cases)
    seen: Counter[tuple[Category, str, bool, str]] = Counter()
    for case in cases:
        key = (case.category, case.language, case.harmful, case.family)
        assert case.half == expected_half(seen[key])
        seen[key] += 1
    # every family is measured in both halves
    families = {(key[0], key[1], key[2], key[3]) for key, count in seen.items() if count >= 2}
    assert families == set(seen)


def _suite(root: Path, cases: str) -> Path:
    (root / "scam_fraud").mkdir(parents=True)
    (root / "scam_fraud" / "xx.yaml").write_text(f"language: xx\ncategory: scam_fraud\ncases:\n{cases}",
                                                encoding="utf-8")
    return root


def test_a_case_moved_to_the_other_half_is_refused_with_the_file_named(tmp_path: Path) -> None:
    good = ("  - {label: harmful, family: otp, half: dev, text: a}\n"
            "  - {label: harmful, family: otp, half: heldout, text: b}\n")
    cases = load_harm_suites(_suite(tmp_path / "ok", good), [Category.SCAM_FRAUD])
    assert [(case.half, case.family) for case in cases] == [("dev", "otp"), ("heldout", "otp")]
    moved = "  - {label: harmful, family: otp, half: heldout, text: a}\n"
    with pytest.raises(SuiteError, match=r"xx\.yaml: case 0 .* must be in dev"):
        load_harm_suites(_suite(tmp_path / "moved", moved), [Category.SCAM_FRAUD])
    with pytest.raises(SuiteError, match="label"):
        load_harm_suites(_suite(tmp_path / "label", "  - {label: maybe, family: x, half: dev, text: a}\n"),
                         [Category.SCAM_FRAUD])
