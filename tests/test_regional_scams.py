"""Regional scam families of issue 22 through the whole pipeline (`Moderator.moderate`): government-aid
and bank phishing with look-alike domains, and text-only pinjol, task and Macau scams."""

from __future__ import annotations

import pytest

from jaga import Moderator, Post
from jaga.types import Action, Category

LOOK_ALIKE_WITH_SCAM_WORDING = [
    ("MY", "Bantuan Tunai Rahmah RM1,500 telah diluluskan. Sila isi maklumat bank anda di https://btr-gov-my.com"),
    ("MY", "【中国银行】您的账户存在异常，请立即点击 http://boc-hk-verify.top"),
    ("SG", "Your DBS account has been suspended. Verify your account at https://dbs-verify.top"),
]
LOOK_ALIKE_ONLY = [
    ("ID", "Bansos 2026 cair Rp600.000 cek nama di https://bansos-go-id.top"),
    ("PH", "Ayuda ng DSWD P5,000 i-claim na sa https://dswd-gov-ph.xyz"),
    ("TH", "ลงทะเบียนรับเงินช่วยเหลือที่ https://go-th-help.site"),
]
TEXT_ONLY = [
    ("MY", "Pinjaman tanpa penjamin, lulus dalam 5 minit, WhatsApp admin"),
    ("ID", "Tugas like dan subscribe dibayar 10rb per video, hubungi admin"),
    ("MY", "Ini polis, akaun anda terlibat pengubahan wang haram, sila pindahkan wang ke akaun selamat"),
    ("SG", "This is the police. Your account is involved in money laundering, transfer to a safe account now."),
    ("TH", "บัญชีของท่านเกี่ยวข้องกับการฟอกเงิน กรุณาโอนเงินไปยังบัญชีปลอดภัย"),
    ("VN", "Tài khoản của bạn liên quan đến rửa tiền, hãy chuyển tiền vào tài khoản an toàn"),
    ("MY", "您涉嫌洗钱，请将资金转入安全账户"),
    ("PH", "Mag-like ng video kikita ng P500 kada araw, sali na"),
    ("ID", "Paket anda tertahan di bea cukai, bayar bea cukai Rp150.000 ke rekening berikut"),
    ("MY", "Your parcel is held at customs, pay the customs fee today"),
]


def _scam_action(moderator: Moderator, country: str, text: str) -> Action:
    decision = moderator.moderate(Post(id="scam", text=text, country=country))
    assert any(signal.category == Category.SCAM_FRAUD for signal in decision.signals), text
    return decision.action


@pytest.mark.parametrize(("country", "text"), LOOK_ALIKE_WITH_SCAM_WORDING)
def test_look_alike_link_with_scam_wording_is_removed(moderator: Moderator, country: str, text: str) -> None:
    assert _scam_action(moderator, country, text) == Action.REMOVE


@pytest.mark.parametrize(("country", "text"), LOOK_ALIKE_ONLY)
def test_government_look_alike_link_alone_goes_to_review(moderator: Moderator, country: str, text: str) -> None:
    assert _scam_action(moderator, country, text) == Action.REVIEW


@pytest.mark.parametrize(("country", "text"), TEXT_ONLY)
def test_text_only_scam_families_get_an_action(moderator: Moderator, country: str, text: str) -> None:
    assert _scam_action(moderator, country, text) >= Action.LABEL


@pytest.mark.parametrize(("country", "text", "look_alike"), [
    ("MY", "Semak status Bantuan Tunai Rahmah di https://bantuantunai.hasil.gov.my sahaja.", "https://hasil-gov-my.com"),
    ("ID", "Cek penerima bansos di https://cekbansos.kemensos.go.id", "https://cekbansos-kemensos.top"),
    ("PH", "Tingnan ang DSWD advisory sa https://www.dswd.gov.ph/ayuda", "https://www-dswd-gov-ph.com/ayuda"),
    ("MY", "Berita: Kerajaan umum Bantuan Tunai Rahmah fasa 2 bermula esok.", "https://btr.gov.my.semak.site"),
])
def test_real_portals_and_news_are_allowed_but_look_alikes_are_not(moderator: Moderator, country: str, text: str,
                                                                   look_alike: str) -> None:
    assert moderator.moderate(Post(id="ok", text=text, country=country)).action == Action.ALLOW
    assert _scam_action(moderator, country, f"{text} {look_alike}") >= Action.REVIEW


def test_awareness_post_quoting_a_scam_link_is_not_removed_automatically(moderator: Moderator) -> None:
    text = ("PDRM: polis tidak akan minta anda pindahkan wang ke akaun selamat. Jangan isi maklumat bank di laman "
            "palsu seperti btr-gov-my.com")
    assert moderator.moderate(Post(id="warn", text=text, country="MY")).action == Action.REVIEW
