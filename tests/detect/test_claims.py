"""Claim matching inside moderation: a post repeating a debunked claim carries the fact-check."""

from __future__ import annotations

from pathlib import Path

import pytest

from jaga.claims.registry import import_path
from jaga.detect.claims import ClaimDetector, registry_detector
from jaga.moderation import registry_moderator
from jaga.pipeline import Moderator
from jaga.store import Store
from jaga.types import Action, Category, Post

FIXTURE = Path(__file__).parents[1] / "claims" / "fixtures" / "claims.jsonl"


@pytest.fixture(scope="module")
def moderator(tmp_path_factory: pytest.TempPathFactory) -> Moderator:
    url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'jaga.db'}"
    import_path(Store(url), FIXTURE)
    return registry_moderator(url)


def test_no_registry_means_no_claim_detector(tmp_path: Path) -> None:
    absent = registry_moderator(f"sqlite:///{tmp_path / 'absent.db'}")
    assert not any(isinstance(detector, ClaimDetector) for detector in absent.detectors)
    assert not (tmp_path / "absent.db").exists()  # looking does not create a database
    with Store(f"sqlite:///{tmp_path / 'empty.db'}") as empty:
        assert registry_detector(empty) is None


def test_a_debunked_claim_carries_its_fact_check(moderator: Moderator) -> None:
    assert any(isinstance(detector, ClaimDetector) for detector in moderator.detectors)
    decision = moderator.moderate(Post(id="p1", country="ID",
                                       text="Awas! Tiongkok produksi kornet dari tubuh manusia, jangan beli kornet kalengan"))
    # The baseline labels a match and sends a near-certain one (>= 0.9) to a person; never removal.
    assert decision.action == Action.REVIEW and Category.DISINFORMATION in decision.categories
    fact_check = decision.statement["fact_checks"][0]
    assert fact_check["fact_check_id"] == "turnbackhoax_id_2021:564" and fact_check["verdict"] == "false"
    assert fact_check["summary"].startswith("Foto-foto tentang daging")  # what the fact-checker found
    assert any(signal.source == "claim:turnbackhoax_id_2021:564" for signal in decision.signals)


def test_singapore_attaches_a_correction(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="p2", country="SG",
                                       text="OR IPO: open a portfolio with 5,000 baht and receive 1,480 baht dividend every day"))
    assert decision.action in (Action.LABEL, Action.REVIEW) and "correction_notice" in decision.extra_actions
    assert decision.statement["fact_checks"][0]["publisher"] == "Anti-Fake News Center Thailand"


def test_true_verdicts_and_chatter_do_not_label(moderator: Moderator) -> None:
    chatter = moderator.moderate(Post(id="p3", text="Selamat pagi semua, have a good weekend ya"))
    assert chatter.action == Action.ALLOW and chatter.check_worthy == 0.0


def test_check_worthiness_is_recorded_on_every_decision(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="p4", text="BREAKING: Kemenkes confirms vaccine causes cancer in 30% of children, "
                                                     "share before it is deleted"))
    assert decision.check_worthy is not None and decision.check_worthy >= 0.5


def test_a_long_summary_is_quoted_by_its_opening() -> None:
    from jaga.detect.claims import _opening

    summary = "Polisi memastikan tidak ada korban. " * 30
    quoted = _opening(summary)
    assert quoted is not None and len(quoted) <= 504 and quoted.endswith(" ...") and summary.startswith(quoted[:-4])
    assert _opening("Pendek.") == "Pendek." and _opening(None) is None
