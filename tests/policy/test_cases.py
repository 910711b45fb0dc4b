"""The bundled case files: one per jurisdiction, written from each law's own terms."""

from pathlib import Path

import pytest

from jaga.policy import PolicyEngine
from jaga.policy.cases import BUNDLED_CASES, iter_cases, run_case, run_cases
from jaga.policy.loader import bundled_policy_dir


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    return PolicyEngine()


def test_every_jurisdiction_has_a_case_file_with_several_cases() -> None:
    policies = {path.stem for path in bundled_policy_dir().glob("*.yaml")}
    cases = {path.stem for path in BUNDLED_CASES.glob("*.yaml")}
    assert policies == cases
    for stem in cases:
        assert len(list(iter_cases(BUNDLED_CASES / f"{stem}.yaml"))) >= 2, stem


@pytest.mark.parametrize("source", sorted(BUNDLED_CASES.glob("*.yaml")), ids=lambda path: path.stem)
def test_case_file_passes(engine: PolicyEngine, source: Path) -> None:
    failures = [(outcome.name, outcome.problems) for outcome in run_cases(engine, source) if outcome.problems]
    assert not failures


def test_a_typo_in_an_expectation_is_refused(engine: PolicyEngine) -> None:
    case = {"post": {"id": "t", "text": "x"}, "signals": [], "expect": {"action": "allow", "deadlin_hours": 4}}
    assert "unknown expectation" in run_case(engine, case)[0]


def test_a_case_catches_a_policy_change(engine: PolicyEngine, tmp_path: Path) -> None:
    """The Indonesian urgent deadline case fails once the file's 4 h becomes 6 h: the cases guard edits."""
    for path in bundled_policy_dir().glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    edited = tmp_path / "id.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("hours: 4}", "hours: 6}"), encoding="utf-8")
    outcomes = run_cases(PolicyEngine(tmp_path), BUNDLED_CASES / "id.yaml")
    failed = {outcome.name: outcome.problems for outcome in outcomes if outcome.problems}
    assert any("deadline 6.0 h != 4 h" in problem for problems in failed.values() for problem in problems)
