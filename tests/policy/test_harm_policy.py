from __future__ import annotations

from datetime import timedelta

import pytest

from jaga.detect.harms import HarmDetector
from jaga.pipeline import Moderator
from jaga.policy.contacts import helpline_texts, report_channel
from jaga.policy.engine import PolicyEngine
from jaga.policy.notices import notice_languages, render_notice
from jaga.types import COUNTRIES, Action, Category, Decision, Post


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator(detectors=[HarmDetector()], policy=PolicyEngine())


def _decide(moderator: Moderator, text: str, lang: str, country: str) -> Decision:
    return moderator.moderate(Post(id="p", text=text, lang=lang, country=country))


def test_child_sexual_exploitation_is_removed_reported_preserved_and_blurred(moderator: Moderator) -> None:
    decision = _decide(moderator, "Jual video bocil SD full no sensor, DM", "id", "ID")
    assert decision.action == Action.REMOVE
    assert decision.categories == [Category.SEXUAL_EXPLOITATION]
    assert {"report_to_authority", "preserve_evidence", "blur_by_default"} <= set(decision.extra_actions)
    assert decision.deadline is not None and decision.deadline - decision.decided_at == timedelta(hours=4)
    assert decision.statement is not None
    assert "aduankonten.id" in decision.statement["report_to"]["channel"]
    assert decision.statement["report_to"]["source"]


def test_own_disclosure_is_not_removed_and_gets_helplines_in_the_users_language(moderator: Moderator) -> None:
    decision = _decide(moderator, "penat dah hidup, rasa nak mati je", "ms", "MY")
    assert decision.action == Action.LABEL
    assert decision.signals[0].details["subtype"] == "ideation"
    assert decision.extra_actions == ["support_notice"]
    assert decision.statement is not None
    notice = decision.statement["user_notice"]
    assert notice["language"] == "ms"
    assert notice["text"].startswith("Anda tidak keseorangan")
    assert "03-7627 2929" in notice["text"]


def test_imminent_risk_goes_to_a_person_within_the_hour(moderator: Moderator) -> None:
    decision = _decide(moderator, "tonight I'm going to end my life, goodbye everyone", "en", "PH")
    assert decision.action == Action.REVIEW
    assert decision.deadline is not None and decision.deadline - decision.decided_at == timedelta(hours=1)
    assert decision.statement is not None and "1553" in decision.statement["user_notice"]["text"]


def test_encouragement_is_removed(moderator: Moderator) -> None:
    decision = _decide(moderator, "nobody likes you, just go hang yourself", "en", "TH")
    assert decision.action == Action.REMOVE
    assert "Encourages or instructs self-harm" in decision.reasons


def test_extremist_threat_removed_but_news_of_a_foiled_plot_allowed(moderator: Moderator) -> None:
    threat = _decide(moderator, "we will bomb the church this Sunday", "en", "PH")
    assert threat.action == Action.REMOVE and threat.categories == [Category.VIOLENT_EXTREMISM]
    assert "preserve_evidence" in threat.extra_actions
    news = _decide(moderator, "Police foiled a plot to bomb a church in Jolo, three arrested", "en", "PH")
    assert news.action == Action.ALLOW


def test_every_jurisdiction_has_a_report_channel_and_a_helpline() -> None:
    for country in (*COUNTRIES, "ASEAN"):
        assert report_channel(country)["name"] and report_channel(country)["hours"] > 0
        assert helpline_texts(country)
    assert helpline_texts("SG")[0].endswith("1767")
    assert report_channel("XX") == report_channel("ASEAN")


@pytest.mark.parametrize("language", ["en", "id", "ms", "tl", "th", "vi"])
def test_support_notice_exists_in_every_notice_language(language: str) -> None:
    assert language in notice_languages()
    used, text = render_notice(language, "label", ["self_harm"], [], "Thailand", ["support_notice"], None,
                               ["internal"], helplines=["Hotline: 1323"])
    assert used == language
    assert text.index("1323") < len(text) // 2  # the offer of help comes first
