"""Known campaigns as signals on new posts: indicators from detected campaigns, matched by the
campaign detector inside a real Moderator and its policy engine."""

from __future__ import annotations

from jaga.campaigns import detect_campaigns
from jaga.campaigns.indicators import SCHEME, CampaignMatcher, indicator
from jaga.detect.campaigns import campaign_detector
from jaga.pipeline import Moderator
from jaga.types import Action, Post

from .posts import MESSAGES, campaign_posts


def campaign_indicator() -> dict[str, object]:
    posts = [post.model_copy(update={"text": f"{post.text} https://kabar.example/chip"}) for post in campaign_posts()]
    return indicator(detect_campaigns(posts).campaigns[0])


def test_an_indicator_has_what_the_exchange_format_asks_and_no_accounts() -> None:
    found = campaign_indicator()
    assert found["accounts"] == 6 and found["posts"] == 18 and found["urls"] == ["kabar.example/chip"]
    assert len(found["text_hashes"]) == 3  # type: ignore[arg-type]
    assert found["minhash"]["scheme"] == SCHEME and len(found["minhash"]["hashvalues"]) == 24  # type: ignore[index]
    assert "acct0" not in str(found)


def test_new_posts_match_by_copy_near_copy_and_link() -> None:
    matcher = CampaignMatcher([campaign_indicator()])
    exact, near, link, other = matcher.match_many([
        MESSAGES[0], "Baca ini: " + MESSAGES[0].upper() + " 😱😱", "lihat https://www.kabar.example/chip/?utm_source=x",
        "Harga cabai di pasar induk naik dua kali lipat minggu ini karena musim hujan"])
    assert [(m.how, m.score) for m in exact] == [("text", 0.9)]
    assert [m.how for m in near] == ["near_text"] and 0.7 <= near[0].score < 0.9
    assert [(m.how, m.value) for m in link] == [("url", "kabar.example/chip")]
    assert other == []


def test_signatures_made_another_way_are_not_compared() -> None:
    foreign = {**campaign_indicator(), "text_hashes": [], "urls": []}
    foreign["minhash"] = {**foreign["minhash"], "scheme": "datasketch"}  # type: ignore[dict-item]
    assert CampaignMatcher([foreign]).match_many([MESSAGES[0]]) == [[]]


def test_policy_acts_on_the_campaign_signal() -> None:
    moderator = Moderator([campaign_detector([campaign_indicator()])])
    copy, unrelated = moderator.moderate_batch([
        Post(id="new1", text=MESSAGES[0] + " 🙏", author_id="someone-new"),
        Post(id="new2", text="Selamat pagi semua, hari ini cerah sekali di Bandung")])
    assert [signal.source for signal in copy.signals] == [f"campaign:{campaign_indicator()['id']}"]
    assert copy.action >= Action.LABEL  # 0.9 for an exact copy reaches review in the ASEAN baseline
    assert unrelated.signals == [] and unrelated.action is Action.ALLOW
