from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jaga import Moderator, Post
from jaga.policy.notices import notice_languages, render_notice


def test_notices_exist_in_the_required_languages() -> None:
    assert set(notice_languages()) >= {"en", "id", "ms", "tl", "th", "vi"}


@pytest.mark.parametrize(("language", "fragment"), [
    ("ms", "Kami telah memadam hantaran anda"), ("id", "Kami menghapus unggahan Anda"),
    ("tl", "Tinanggal namin ang iyong post"), ("th", "เราได้ลบโพสต์ของคุณแล้ว"),
    ("vi", "Chúng tôi đã gỡ bài viết của bạn"), ("en", "We removed your post"), ("km", "We removed your post"),
])
def test_notice_in_the_post_language_with_english_fallback(language: str, fragment: str) -> None:
    used, text = render_notice(language, "remove", ["scam_fraud"], ["Online Safety Act 2025 (Act 866)"], "Malaysia",
                               [], None, ["internal", "online_safety_appeal_tribunal"])
    assert fragment in text
    assert used == (language if language != "km" else "en")
    assert "Act 866" in text


def test_review_notice_gives_the_deadline_and_geo_restriction() -> None:
    _, text = render_notice("en", "review", ["illegal_gambling"], [], "Indonesia", ["geo_restrict"],
                            datetime(2026, 12, 1, 8, 0, tzinfo=UTC), ["internal"])
    assert "2026-12-01 08:00 UTC" in text and "hidden only in Indonesia" in text


def test_scan_under_malaysia_gives_malay_notices_and_deadlines() -> None:
    decision = Moderator().moderate(Post(id="m", text="Akaun Maybank anda telah dibekukan. Sila klik pautan "
                                         "https://maybank2u-secure.xyz/login untuk kemaskini akaun."), "MY")
    assert decision.jurisdiction == "MY"
    assert decision.deadline is not None
    notice = decision.statement["user_notice"]
    assert notice["language"] == "ms"
    assert "Online Safety Act 2025" in notice["text"] and "rayuan" in notice["text"]
