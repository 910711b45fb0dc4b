from __future__ import annotations

import pytest

from jaga.detect.urls import assess_url, extract_urls, load_domain_data, normalise_url
from jaga.types import Category


def _findings(text: str) -> list[tuple[Category, float, str]]:
    data = load_domain_data()
    return [(f.category, f.score, f.reason) for found in extract_urls(text) for f in assess_url(found, data)]


def test_extraction_handles_schemes_bare_domains_and_defanging() -> None:
    urls = [found.url for found in extract_urls("see https://Example.COM/a?utm_source=x&id=3, www.test.org and "
                                                "hxxps://evil[.]xyz/p plus bit.ly/abc.")]
    assert urls == ["https://example.com/a?id=3", "http://www.test.org", "https://evil.xyz/p", "http://bit.ly/abc"]


def test_dotted_words_are_not_urls() -> None:
    assert extract_urls("e.g. file.txt or node.js version 1.2.3") == []


def test_normalise_url_decodes_punycode_and_drops_fragments() -> None:
    assert normalise_url("HTTP://xn--pypal-4ve.com:443/x#frag") == "http://pаypal.com/x"


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        ("https://pаypal.com/login", "look-alike letters"),  # Cyrillic а
        ("http://rnaybank2u.com.my", "look-alike letters"),  # rn for m
        ("www.gcassh.com", "misspelling"),
        ("https://maybank2u-secure.xyz/login", "name inside another domain"),
        ("hxxps://bri[.]co[.]id.secure-update.site/a", "disguise"),
    ],
)
def test_look_alikes_of_protected_brands_are_scam_signals(text: str, reason_part: str) -> None:
    findings = _findings(text)
    assert findings, text
    category, score, reason = findings[0]
    assert category == Category.SCAM_FRAUD
    assert score >= 0.8
    assert reason_part in reason


def test_official_domains_are_clean() -> None:
    assert _findings("https://www.maybank2u.com.my/home and gcash.com and https://www.dbs.com.sg") == []


def test_gambling_domains_and_shorteners() -> None:
    assert _findings("daftar di slotgacor88.vip")[0][0] == Category.ILLEGAL_GAMBLING
    category, score, _ = _findings("bit.ly/3abc")[0]
    assert category == Category.SCAM_FRAUD and score < 0.5


def test_declared_urls_are_checked_too() -> None:
    from jaga.detect import UrlDetector
    from jaga.detect.base import PreparedPost
    from jaga.text import detect_language, normalise
    from jaga.types import Post

    post = Post(id="d", text="look at this", urls=["https://gcash-verify.top/claim"])
    text = normalise(post.text)
    signals = UrlDetector().detect([PreparedPost(post, text, detect_language(text.text))])[0]
    assert [(s.category, s.evidence) for s in signals] == [(Category.SCAM_FRAUD, [])]
    assert signals[0].details["imitates"] == "GCash"


def test_a_port_that_is_no_number_is_no_url() -> None:
    from jaga.detect.urls import extract_urls, normalise_url

    assert normalise_url("http://shop.example.com:sale") is None
    assert normalise_url("shop.example.com:99999") is None
    assert normalise_url("shop.example.com:8080/x") == "http://shop.example.com:8080/x"
    assert extract_urls("promo http://shop.example.com:sale") == []


GOV_SUFFIXES = ["gov.my", "go.id", "gov.ph", "go.th", "gov.vn", "gov.sg", "gov.kh", "gov.la", "gov.mm", "gov.bn"]


@pytest.mark.parametrize("suffix", GOV_SUFFIXES)
def test_every_government_suffix_out_of_place_is_a_scam_signal(suffix: str) -> None:
    dashed = suffix.replace(".", "-")
    for url in (f"https://bantuan-{dashed}.com/daftar", f"{dashed}.top", f"http://{suffix}.verify-xyz.com/x",
                f"https://aid.{suffix}.claim.site"):
        findings = _findings(url)
        assert findings, url
        category, score, reason = findings[0]
        assert category == Category.SCAM_FRAUD and score >= 0.9, url
        assert f"spells .{suffix} but is not under .{suffix}" in reason, url


@pytest.mark.parametrize("suffix", GOV_SUFFIXES)
def test_real_government_portals_are_clean_and_their_look_alikes_are_not(suffix: str) -> None:
    assert _findings(f"https://www.portal.{suffix}/bantuan and https://aid.portal.{suffix}/gov-my-claim") == []
    # "govmy" counts as one word too; "goid", "goth" are words of their own, so those need the hyphen.
    joined = suffix.replace(".", "" if suffix.startswith("gov.") else "-")
    assert _findings(f"https://www.portal-{joined}.com/bantuan")


def test_issue_examples_of_government_and_bank_look_alikes() -> None:
    data = load_domain_data()
    cases = {"https://btr-gov-my.com": "government (MY)", "http://boc-hk-verify.top": "Bank of China",
             "https://govmy-bantuan.com": "government (MY)", "https://bca-verifikasi.com": "BCA",
             "https://ovo-claim.xyz/hadiah": "OVO", "https://zalopay-xacthuc.com": "ZaloPay",
             "https://promptpay-refund.online": "PromptPay (Bank of Thailand)", "https://icbc-secure.net": "ICBC",
             "https://bansos-2026.com": "Kemensos (bansos)", "https://dswd-ayuda.com": "DSWD",
             "https://kbz-login.com": "KBZ Bank", "https://tng-ewallet-update.com": "Touch 'n Go eWallet"}
    for url, imitated in cases.items():
        findings = [f for found in extract_urls(url) for f in assess_url(found, data)]
        assert findings and findings[0].category == Category.SCAM_FRAUD and findings[0].score >= 0.82, url
        assert imitated in {f.brand for f in findings}, (url, findings)


def test_brands_real_domains_and_short_names_without_phishing_context_are_clean() -> None:
    real = ("https://www.boc.cn https://www.bochk.com https://www.icbc.com.cn https://zalopay.vn https://www.bot.or.th "
            "https://www.bca.co.id https://ovo.id https://www.kemensos.go.id https://www.dswd.gov.ph "
            "https://bantuantunai.hasil.gov.my https://www.kbzpay.com https://www.tngdigital.com.my")
    assert _findings(real) == []
    # Short names are common words or initials: without another sign of phishing they say nothing.
    assert _findings("https://bca-alumni.org https://www.boc-consulting.com https://bot-builder.io") == []
    assert _findings("https://bca-alumni.top https://www.boc-consulting.com/login https://boc-login.com")
    # The portal's own institution keeps its name: hasil.gov.my is still LHDN's.
    assert load_domain_data().protected["hasil.gov.my"] == "LHDN"


def test_news_naming_a_portal_without_a_url_is_clean() -> None:
    text = ("Polis nasihat orang ramai: permohonan Bantuan Tunai Rahmah hanya melalui portal rasmi kerajaan, "
            "jangan klik pautan gov-my palsu. DSWD and GCash warn about fake ayuda links.")
    assert _findings(text) == []
    assert _findings(text + " Daftar: bantuan-gov-my.com")
