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
