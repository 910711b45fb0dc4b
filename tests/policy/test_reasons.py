"""How signals combine into a category's score (`jaga.policy.reasons.aggregate_scores`): the strongest
signal, except a term list's hit that the contextual tier, having read the post, overrules."""

from __future__ import annotations

import pytest

from jaga.detect.base import ENCODER_DETAIL
from jaga.policy.reasons import OVERRULED_BELOW, aggregate_scores, overruled_categories
from jaga.types import Category, Signal, Span

HATE = Category.HATE_SPEECH


def term_hit(category: Category = HATE, score: float = 0.6) -> Signal:
    return Signal(source="lexicon:en", category=category, score=score,
                  evidence=[Span(start=0, end=6, text="slur")], details={"terms": ["slur"]})


def classifier(category: Category, score: float, read: bool = True) -> Signal:
    details = {"fast_tier": 0.3, ENCODER_DETAIL: score} if read else {}
    return Signal(source=f"classifier:{category.value}", category=category, score=score, details=details)


def test_the_strongest_signal_is_the_score() -> None:
    signals = [classifier(Category.SCAM_FRAUD, 0.2, read=False),
               Signal(source="urls", category=Category.SCAM_FRAUD, score=0.7)]
    assert aggregate_scores(signals) == {Category.SCAM_FRAUD: 0.7}


@pytest.mark.parametrize("reading", [0.0, 0.05, OVERRULED_BELOW - 0.01])
def test_a_confident_contextual_reading_overrules_a_term_list(reading: float) -> None:
    signals = [term_hit(), classifier(HATE, reading)]
    assert overruled_categories(signals) == {HATE}
    assert aggregate_scores(signals) == {HATE: reading}


@pytest.mark.parametrize("reading", [OVERRULED_BELOW, 0.35, 0.9])
def test_an_unsure_or_agreeing_reading_leaves_the_term_list_its_say(reading: float) -> None:
    signals = [term_hit(), classifier(HATE, reading)]
    assert overruled_categories(signals) == set()
    assert aggregate_scores(signals)[HATE] == max(0.6, reading)


def test_without_the_contextual_tier_the_term_list_counts() -> None:
    """The fast tier alone (tier off or post settled) says nothing about context."""
    assert aggregate_scores([term_hit(), classifier(HATE, 0.1, read=False)]) == {HATE: 0.6}
    assert aggregate_scores([term_hit()]) == {HATE: 0.6}


def test_a_reading_below_the_classifier_floor_counts_as_low() -> None:
    """The classifier drops a category it scores below its floor; its other signal shows it read the post."""
    signals = [term_hit(), classifier(Category.HARASSMENT, 0.3)]
    assert aggregate_scores(signals) == {Category.HARASSMENT: 0.3}


def test_only_the_overrulable_categories_are_overruled() -> None:
    signals = [term_hit(Category.HARASSMENT, 0.55), classifier(Category.HARASSMENT, 0.05), classifier(HATE, 0.05)]
    assert aggregate_scores(signals)[Category.HARASSMENT] == 0.55
