from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from jaga import Action, Category, Decision, Moderator, Post
from jaga.detect.base import read_by_encoder_tier
from jaga.privacy import pseudonymise


def test_moderate_returns_an_explained_decision(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="a", text="Slot gacor hari ini, maxwin! daftar di slotgacor88.vip",
                                       country="ID"))
    assert decision.action == Action.REMOVE
    assert Category.ILLEGAL_GAMBLING in decision.categories
    assert decision.jurisdiction == "ID"
    assert "illegal gambling" in decision.reasons
    assert {signal.source.split(":")[0] for signal in decision.signals} >= {"classifier", "lexicon", "url"}


def test_benign_posts_are_allowed_in_many_languages(moderator: Moderator) -> None:
    texts = ["Selamat pagi semua, jangan lupa sarapan ya!", "Thanks for the update, see you tomorrow.",
             "วันนี้อากาศดีมาก ไปเที่ยวทะเลกันไหม", "Hôm nay trời đẹp quá, cả nhà đi chơi công viên nhé.",
             "今天天气很好，我们去公园散步吧。", "ថ្ងៃនេះអាកាសធាតុល្អណាស់"]
    decisions = moderator.moderate_batch([Post(id=str(i), text=t) for i, t in enumerate(texts)])
    assert [d.action for d in decisions] == [Action.ALLOW] * len(texts)


def test_speech_categories_never_removed_automatically(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="h", text="Tangina mo gago ka talaga, bobo! ulol"))
    assert decision.action == Action.REVIEW
    assert decision.review_status == "pending"


def test_phishing_with_homoglyph_domain_is_removed(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="p", text="Login to your PayPal at https://pаypal.com/secure now"))
    assert decision.action == Action.REMOVE
    url_signal = next(s for s in decision.signals if s.source == "url:domains")
    assert url_signal.details["imitates"] == "PayPal"
    assert url_signal.evidence[0].text == "https://pаypal.com/secure"


def test_jurisdiction_precedence(moderator: Moderator) -> None:
    post = Post(id="j", text="hello", country="th")
    assert moderator.moderate(post).jurisdiction == "TH"
    assert moderator.moderate(post, jurisdiction="my").jurisdiction == "MY"
    assert moderator.moderate(Post(id="k", text="hello")).jurisdiction == "ASEAN"


def test_declared_language_is_respected(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="l", text="Saya suka makan nasi", lang="ms"))
    assert decision.language.code == "ms" and decision.language.confidence == 1.0


@pytest.mark.parametrize(("declared", "code"), [("fil", "tl"), ("in", "id"), ("zh-Hant-TW", "zh"), ("en_SG", "en"),
                                              ("zsm", "ms"), ("de", "de"), ("und", None), ("", None),
                                              ("sg", None), ("la", None)])
def test_platform_language_tags_become_jagas_codes(declared: str, code: str | None) -> None:
    # Platforms send BCP 47 tags, ISO 639-2/3 codes and X's withdrawn "in" for Indonesian.
    assert Post(id="t", text="x", lang=declared).lang == code


@pytest.mark.parametrize("declared", ["english", "z1", "-", "中文"])
def test_what_is_not_a_language_tag_is_refused(declared: str) -> None:
    with pytest.raises(ValidationError, match="language code"):
        Post(id="t", text="x", lang=declared)


def test_a_declared_language_outside_the_region_sends_the_post_to_the_contextual_tier(moderator: Moderator) -> None:
    # Taken for English, this German post was settled as benign by the fast tier, which has never
    # seen German. Declared as German, it is read by the contextual tier whatever the fast tier says.
    text = "Behinderte sind einfach so ekelhaft."
    decision = moderator.moderate(Post(id="g", text=text, lang="de"))
    assert decision.language.code == "de"
    assert read_by_encoder_tier(decision.signals) and Category.HATE_SPEECH in decision.categories
    assert moderator.moderate(Post(id="g2", text=text)).language.code == "de"  # identified as well


def test_author_ids_are_pseudonymised(moderator: Moderator) -> None:
    prepared = moderator.prepare(Post(id="x", text="hi", author_id="alice"))
    assert prepared.post.author_id == pseudonymise("alice")
    assert prepared.post.author_id != "alice" and prepared.post.author_id.startswith("anon_")
    assert pseudonymise(prepared.post.author_id) == prepared.post.author_id  # idempotent


def test_decision_json_round_trip(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="r", text="Tangina mo gago ka"))
    data = json.loads(json.dumps(decision.to_json_dict()))
    assert data["action"] == "review"
    assert Decision.model_validate(data) == decision


@pytest.mark.parametrize("bad", [{"id": "", "text": "x"}, {"id": "a", "text": "   "}, {"id": "a", "text": "x" * 50_001},
                                 {"id": "a", "text": "x", "country": "Thailand"}, {"id": "a", "text": "x", "extra": 1}])
def test_invalid_posts_are_refused_with_a_reason(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Post.model_validate(bad)


def test_batch_with_every_language_and_obfuscation(moderator: Moderator) -> None:
    posts = [Post(id="z", text="ကုလားေတြ ႏိုင္ငံကထြက္သြား"),  # Zawgyi
             Post(id="o", text="J\u200bU\u200bD\u200bI 𝐎𝐍𝐋𝐈𝐍𝐄 b0nus new member 100%"),
             Post(id="t", text="สล็อตเว็บตรง ฝากถอนไม่มีขั้นต่ำ เครดิตฟรี 100"),
             Post(id="v", text="Việc nhẹ lương cao, làm nhiệm vụ nhận hoa hồng, chuyển khoản trước")]
    decisions = {d.post_id: d for d in moderator.moderate_batch(posts)}
    assert decisions["z"].language.code == "my" and Category.HATE_SPEECH in decisions["z"].categories
    assert Category.ILLEGAL_GAMBLING in decisions["o"].categories
    assert Category.ILLEGAL_GAMBLING in decisions["t"].categories
    assert Category.SCAM_FRAUD in decisions["v"].categories


def test_the_contextual_tier_overrules_a_slur_quoted_to_condemn_it(moderator: Moderator) -> None:
    """A term list flags a slur wherever it stands; the contextual tier, having read the sentence,
    clears a post that names the slur to condemn it, and still flags the slur used as one."""
    from jaga.detect.classifier import ClassifierDetector
    from jaga.detect.lexicon import LexiconDetector
    from jaga.policy.reasons import OVERRULED_BELOW

    condemned = Post(id="c", text="People who call my brother a retard will get blocked, no second chances.", lang="en")
    used = Post(id="u", text="Those kelings should go back to India.", lang="en")
    term_list = LexiconDetector()
    assert all(any(signal.category == Category.HATE_SPEECH for signal in found)
               for found in term_list.detect([moderator.prepare(condemned), moderator.prepare(used)]))
    without_tier = Moderator(detectors=[ClassifierDetector(escalate=False), term_list])
    assert all(Category.HATE_SPEECH in decision.categories
               for decision in without_tier.moderate_batch([condemned, used]))
    cleared, flagged = moderator.moderate_batch([condemned, used])
    assert cleared.scores.get(Category.HATE_SPEECH, 0.0) < OVERRULED_BELOW
    assert Category.HATE_SPEECH not in cleared.categories
    assert Category.HATE_SPEECH in flagged.categories
