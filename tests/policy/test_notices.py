from __future__ import annotations

import string
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest
import yaml

from jaga import Action, Moderator, Post
from jaga.policy.notices import notice_languages, render_notice, render_outcome_notice

LANGUAGES = ["en", "id", "ms", "tl", "th", "vi", "km", "lo", "my", "zh", "ta"]
TEXTS: dict[str, dict[str, Any]] = yaml.safe_load(
    (resources.files("jaga.policy") / "notices.yaml").read_text(encoding="utf-8"))


def _leaves(block: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Every text of a block by its dotted key (`actions.remove`, `categories.scam_fraud`)."""
    found: dict[str, str] = {}
    for key, value in block.items():
        if isinstance(value, dict):
            found.update(_leaves(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def _placeholders(text: str) -> list[str]:
    return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field is not None)


def test_notices_exist_in_the_required_languages() -> None:
    assert set(notice_languages()) >= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_english_text_with_the_same_placeholders(language: str) -> None:
    """A missing key would silently show English in the middle of the notice, and a missing or renamed
    placeholder would drop the law, the deadline or the helplines from it."""
    english, own = _leaves(TEXTS["en"]), _leaves(TEXTS[language])
    assert sorted(own) == sorted(english)
    for key, text in own.items():
        assert isinstance(text, str) and text.strip(), key
        assert _placeholders(text) == _placeholders(english[key]), key
        if language != "en":
            assert text != english[key], f"{key} is still in English"


@pytest.mark.parametrize(("language", "fragment"), [
    ("ms", "Kami telah memadam hantaran anda"), ("id", "Kami menghapus unggahan Anda"),
    ("tl", "Tinanggal namin ang iyong post"), ("th", "เราได้ลบโพสต์ของคุณแล้ว"),
    ("vi", "Chúng tôi đã gỡ bài viết của bạn"), ("en", "We removed your post"), ("km", "យើងបានលុបការបង្ហោះរបស់អ្នក"),
    ("lo", "ພວກເຮົາໄດ້ລຶບໂພສຂອງທ່ານແລ້ວ"), ("my", "သင့်ပို့စ်ကို ဖျက်လိုက်ပါပြီ"), ("zh", "我们已删除你的帖子"),
    ("ta", "உங்கள் பதிவை நீக்கிவிட்டோம்"), ("ja", "We removed your post"),
])
def test_notice_in_the_post_language_with_english_fallback(language: str, fragment: str) -> None:
    used, text = render_notice(language, "remove", ["scam_fraud"], ["Online Safety Act 2025 (Act 866)"], "Malaysia",
                               [], None, ["internal", "online_safety_appeal_tribunal"])
    assert fragment in text
    assert used == (language if language != "ja" else "en")
    assert "Act 866" in text


def test_review_notice_gives_the_deadline_and_geo_restriction() -> None:
    _, text = render_notice("en", "review", ["illegal_gambling"], [], "Indonesia", ["geo_restrict"],
                            datetime(2026, 12, 1, 8, 0, tzinfo=UTC), ["internal"])
    assert "2026-12-01 08:00 UTC" in text and "hidden only in Indonesia" in text


def test_scan_under_malaysia_gives_malay_notices_and_deadlines(moderator: Moderator) -> None:
    decision = moderator.moderate(Post(id="m", text="Akaun Maybank anda telah dibekukan. Sila klik pautan "
                                         "https://maybank2u-secure.xyz/login untuk kemaskini akaun."), "MY")
    assert decision.jurisdiction == "MY"
    assert decision.deadline is not None and decision.statement is not None
    notice = decision.statement["user_notice"]
    assert notice["language"] == "ms"
    assert "Online Safety Act 2025" in notice["text"] and "rayuan" in notice["text"]


@pytest.mark.parametrize(("language", "country", "text", "scam"), [
    ("km", "KH", "គណនី ABA របស់អ្នកត្រូវបានបិទ។ សូមចុចតំណ https://aba-bank-secure.xyz/login "
                 "ដើម្បីធ្វើបច្ចុប្បន្នភាពគណនី។", "ការបោកប្រាស់"),
    ("lo", "LA", "ບັນຊີ BCEL ຂອງທ່ານຖືກລະງັບ. ກະລຸນາກົດລິ້ງ https://bcel-secure.xyz/login ເພື່ອອັບເດດບັນຊີ.",
     "ການຫຼອກລວງ"),
    ("my", "MM", "သင့် KBZPay အကောင့် ပိတ်ခံထားရပါသည်။ https://kbzpay-secure.xyz/login လင့်ခ်ကို နှိပ်ပြီး "
                 "အကောင့်ကို အပ်ဒိတ်လုပ်ပါ။", "လိမ်လည်မှု"),
    ("zh", "SG", "您的银行账户已被冻结，请立即点击以下链接验证身份并更新账户资料，否则账户将被永久关闭："
                 "https://dbs-verify.xyz/login", "诈骗内容"),
    ("ta", "MY", "உங்கள் Maybank கணக்கு முடக்கப்பட்டுள்ளது. கணக்கைப் புதுப்பிக்க https://maybank2u-secure.xyz/login "
                 "இணைப்பைக் கிளிக் செய்யவும்.", "மோசடி"),
], ids=["km", "lo", "my", "zh", "ta"])
def test_a_decision_tells_the_poster_in_the_post_language(moderator: Moderator, language: str, country: str,
                                                          text: str, scam: str) -> None:
    decision = moderator.moderate(Post(id=f"{language}-scam", text=text), country)
    assert decision.action in (Action.REVIEW, Action.REMOVE) and decision.statement is not None
    notice = decision.statement["user_notice"]
    assert notice["language"] == language
    own = TEXTS[language]
    assert notice["text"].startswith(own["actions"][str(decision.action)])
    assert scam in notice["text"] and own["appeal_paths"]["internal"] in notice["text"]
    assert not any(sentence in notice["text"] for sentence in (*TEXTS["en"]["actions"].values(), "Why:", "appeal:"))


@pytest.mark.parametrize("language", ["km", "lo", "my", "zh", "ta"])
def test_support_notice_opens_with_help_in_the_new_languages(language: str) -> None:
    used, text = render_notice(language, "label", ["self_harm"], [], "Malaysia", ["support_notice"], None,
                               ["internal"], helplines=["Befrienders KL: 03-7627 2929"])
    assert used == language
    assert text.startswith(TEXTS[language]["support"].split("{helplines}")[0])
    assert text.index("03-7627 2929") < text.index(TEXTS[language]["actions"]["label"])


def test_chinese_notice_runs_on_without_spaces_but_keeps_them_around_latin_words() -> None:
    _, text = render_notice("zh", "review", ["scam_fraud"], [], "Malaysia", [],
                            datetime(2026, 12, 1, 8, 0, tzinfo=UTC), ["internal", "mcmc_review", "online_safety_appeal_tribunal"])
    assert "。 " not in text and "工作人员会查看你的帖子。目前还没有删除任何内容。原因：" in text
    assert "可以在应用内或向通讯及多媒体委员会（MCMC）或向网络安全上诉庭提出申诉。" in text
    _, english = render_notice("en", "review", ["scam_fraud"], [], "Malaysia", [], None, ["internal", "mcmc_review"])
    assert "Nothing has been removed yet. Why:" in english and "in the app or a review by MCMC." in english
    _, rejected = render_outcome_notice("zh", "appeal_rejected", "remove", ["scam_fraud"], [], "Malaysia", [],
                                        ["internal"])
    assert rejected.startswith("工作人员已经查看了你的申诉。我们维持原来的决定。我们已删除你的帖子。")
