"""URLs in posts: extraction (including defanged and bare domains), normalisation, and checks
against the maintained domain data in `data/domains.yaml`.

Phishing in the region imitates a small set of institutions: banks, e-wallets, postal services and
government portals. So besides known-bad domains we look for look-alikes of known-good ones: the same
skeleton (Unicode TR39: "maybаnk" with Cyrillic а), a small edit distance ("rnaybank", "gcassh"), or
the brand's name inside somebody else's domain ("gcash-verify.top"). Government-aid phishing dresses
up as a portal by spelling a country's government suffix where it does not belong ("btr-gov-my.com",
"gov.ph.verify-xyz.com"): only that government registers under ".gov.my", so the spelling anywhere
else is a disguise.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract
import yaml
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from jaga.detect.base import Detector, PreparedPost
from jaga.text.icu import skeleton
from jaga.types import Category, Signal, Span

_URL = re.compile(
    r"(?:(?:https?|hxxps?|h\*\*ps?)(?::|\[:\])//|www\.)[^\s<>\"'()]+"
    r"|(?<![@\w.\])-])(?:[\w-]+(?:\.|\[\.\]|\(\.\)))+[a-z\u00a1-\uffff]{2,24}(?:/[^\s<>\"'()]*)?",
    re.IGNORECASE,
)
"""A bare domain starts after anything but a character that can be part of one: "]" and ")" close a
defanged dot ("[.]", "(.)"), and without them a long "a[.]a[.]..." was searched again from every
label (quadratic: 50,000 characters took 9 s)."""
MAX_HOST_CHARS = 253
"""The longest name DNS allows; longer is not a host, and the checks on one are linear in its labels
at best."""
_DEFANG = [(re.compile(r"\[\.\]|\(\.\)"), "."), (re.compile(r"^hxxp", re.I), "http"), (re.compile(r"^h\*\*p", re.I), "http"),
           (re.compile(r"\[:\]"), ":")]
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|si|ref_src)$", re.I)
_TRAILING = ".,;:!?)]}'\"…"


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # The snapshot of the Public Suffix List bundled with tldextract: no network at run time.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@dataclass(frozen=True)
class FoundUrl:
    raw: str
    url: str
    host: str
    registered_domain: str
    domain_label: str
    suffix: str
    start: int
    end: int


def normalise_url(raw: str) -> str | None:
    """Canonical URL: scheme added, defanging undone, host lower-cased and IDNA-decoded, default
    ports, fragments and tracking parameters dropped. None when it is not a URL after all."""
    url = raw.rstrip(_TRAILING)
    for pattern, replacement in _DEFANG:
        url = pattern.sub(replacement, url)
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port  # raises for "host:sale" or a port out of range: not a URL after all
    except ValueError:
        return None
    if not host or "." not in host or len(host) > MAX_HOST_CHARS:
        return None
    if "xn--" in host:
        with contextlib.suppress(UnicodeError):  # invalid punycode: keep the ASCII form
            host = host.encode("ascii").decode("idna")
    host = host.lower()
    netloc = f"{host}:{port}" if port not in (None, 80, 443) else host
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING_PARAMS.match(key)])
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "", query, ""))


MAX_URLS = 500
"""URLs read in a post's text: each costs ~25 us to parse and assess, so 50,000 characters of "a1.co
a2.co ..." took 120 ms; a post that needs more links than this to hide a bad one is spam anyway."""
MAX_DECLARED_URL_CHARS = 2_048
"""What is read of each URL the platform declares beside the text (one URL each): the host, which is
all the assessment looks at, comes first."""


def extract_urls(text: str, limit: int | None = None) -> list[FoundUrl]:
    """The URLs in `text`, in order; the first `limit` only, when given."""
    found: list[FoundUrl] = []
    for match in _URL.finditer(text):
        if limit is not None and len(found) >= limit:
            break
        raw = match.group().rstrip(_TRAILING)
        url = normalise_url(raw)
        if url is None:
            continue
        host = urlsplit(url).hostname or ""
        parts = _extractor()(host)
        if not parts.suffix or not parts.domain:
            continue  # "file.txt", "e.g" and other dotted words
        found.append(FoundUrl(raw=raw, url=url, host=host, registered_domain=f"{parts.domain}.{parts.suffix}",
                              domain_label=parts.domain, suffix=parts.suffix,
                              start=match.start(), end=match.start() + len(raw)))
    return found


@dataclass(frozen=True)
class DomainData:
    version: str
    protected: dict[str, str]  # registered domain -> brand name
    brand_labels: dict[str, str]  # distinctive label ("maybank2u") -> brand name
    brand_skeletons: dict[str, str]  # TR39 skeleton -> label, computed once
    brand_in_host: re.Pattern[str]  # any brand label standing as a word inside a host name
    scam_domains: frozenset[str]
    gambling_words: tuple[str, ...]
    shorteners: frozenset[str]
    cheap_tlds: frozenset[str]
    short_labels: dict[str, str]  # brand name under four letters ("bca") -> brand; needs other evidence
    gov_suffixes: dict[str, str]  # government suffix ("gov.my") -> country code
    phishing_words: frozenset[str]


@lru_cache(maxsize=1)
def load_domain_data() -> DomainData:
    text = (resources.files("jaga.detect") / "data" / "domains.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    protected: dict[str, str] = {}
    labels: dict[str, str] = {}
    short_labels: dict[str, str] = {}
    for brand in data["protected"]:
        for domain in brand["domains"]:
            registered = _extractor()(domain)
            # setdefault: a portal under another institution's domain (bantuantunai.hasil.gov.my)
            # does not take that institution's name over.
            protected.setdefault(f"{registered.domain}.{registered.suffix}", brand["name"])
            protected[domain] = brand["name"]
            if len(registered.domain) >= 4:
                labels.setdefault(registered.domain, brand["name"])
        for label in brand.get("labels") or []:
            (labels if len(label) >= 4 else short_labels)[label] = brand["name"]
    return DomainData(
        version=str(data["version"]),
        protected=protected,
        brand_labels=labels,
        brand_skeletons={skeleton(label).lower(): label for label in labels},
        brand_in_host=re.compile(r"(?<![^\W\d_])(" + "|".join(re.escape(label) for label in
                                 sorted(labels, key=len, reverse=True)) + r")(?![^\W\d_])"),
        scam_domains=frozenset(data.get("scam_domains") or []),
        gambling_words=tuple(data.get("gambling_words") or []),
        shorteners=frozenset(data.get("shorteners") or []),
        cheap_tlds=frozenset(data.get("cheap_tlds") or []),
        short_labels=short_labels,
        gov_suffixes={suffix: country for country, suffix in (data.get("gov_suffixes") or {}).items()},
        phishing_words=frozenset(data.get("phishing_words") or []),
    )


@dataclass(frozen=True)
class UrlFinding:
    category: Category
    score: float
    reason: str
    brand: str | None = None


def assess_url(found: FoundUrl, data: DomainData) -> list[UrlFinding]:
    """What is suspicious about one URL, strongest first."""
    findings: list[UrlFinding] = []
    registered = found.registered_domain
    if registered in data.protected or found.host in data.protected:
        return findings
    if registered in data.scam_domains or found.host in data.scam_domains:
        findings.append(UrlFinding(Category.SCAM_FRAUD, 0.97, "reported scam domain"))
    parts = found.host.split(".")
    disguised = next((prefix for prefix in (".".join(parts[:end]) for end in range(2, len(parts)))
                      if prefix in data.protected), None)
    if disguised:
        findings.append(UrlFinding(Category.SCAM_FRAUD, 0.93, f"{disguised} used as a disguise in front of {registered}",
                                   data.protected[disguised]))
    gov = _misplaced_gov_suffix(found.host, data)
    if gov:
        findings.append(UrlFinding(Category.SCAM_FRAUD, 0.93,
                                   f"imitates a government portal: spells .{gov} but is not under .{gov}",
                                   f"government ({data.gov_suffixes[gov]})"))
    findings.extend(_brand_findings(found, data, gov is not None))
    lowered_host = found.host.replace("-", "")
    gambling = [word for word in data.gambling_words if word in lowered_host]
    if gambling:
        findings.append(UrlFinding(Category.ILLEGAL_GAMBLING, 0.8, f"gambling words in domain: {', '.join(gambling)}"))
    if found.host in data.shorteners or registered in data.shorteners:
        findings.append(UrlFinding(Category.SCAM_FRAUD, 0.25, "link shortener hides the destination"))
    if found.host != found.host.encode("ascii", "ignore").decode() and not findings:
        findings.append(UrlFinding(Category.SCAM_FRAUD, 0.5, "internationalised domain name"))
    if found.suffix.split(".")[-1] in data.cheap_tlds and not findings:
        findings.append(UrlFinding(Category.SCAM_FRAUD, 0.2, f"low-cost top-level domain .{found.suffix}"))
    return sorted(findings, key=lambda finding: -finding.score)


def _host_labels(host: str) -> list[str]:
    """A host's words: its labels split again at hyphens ("btr-gov-my.com" -> btr, gov, my, com)."""
    return re.split(r"[.-]", host)


def _misplaced_gov_suffix(host: str, data: DomainData) -> str | None:
    """The government suffix ("gov.my") a host spells out of place, as adjacent words ("gov-my",
    "gov.my.") or one word ("govmy"), when the host is not under that suffix itself."""
    words = _host_labels(host)
    spelled = [f"{first}.{second}" for first, second in pairwise(words)]
    spelled += [f"gov.{word[3:]}" for word in words if word.startswith("gov") and len(word) == 5]
    for suffix in spelled:
        if suffix in data.gov_suffixes and not host.endswith("." + suffix):
            return suffix
    return None


def _brand_findings(found: FoundUrl, data: DomainData, gov_disguise: bool = False) -> list[UrlFinding]:
    """At most one finding per imitated brand, the most specific: its exact name, look-alike
    letters, a misspelling, or its name inside another host name. A short name ("bca") counts only
    as a whole word of a host that otherwise looks like phishing (`gov_disguise` is one such sign)."""
    label = found.domain_label
    cheap = found.suffix.split(".")[-1] in data.cheap_tlds
    by_brand: dict[str, UrlFinding] = {}

    def add(brand: str, score: float, reason: str) -> None:
        if brand not in by_brand:
            by_brand[brand] = UrlFinding(Category.SCAM_FRAUD, score, reason, brand)

    if label in data.brand_labels:
        brand = data.brand_labels[label]
        add(brand, 0.9, f"uses {brand}'s name on another domain")
    imitated = data.brand_skeletons.get(skeleton(label).lower())
    if imitated and imitated != label:
        brand = data.brand_labels[imitated]
        add(brand, 0.95, f"look-alike letters imitating {brand}")
    for brand_label, distance, _ in process.extract(label, list(data.brand_labels), limit=None, score_cutoff=2,
                                                    scorer=DamerauLevenshtein.distance):
        if len(brand_label) >= 5 and 0 < distance <= (1 if len(brand_label) < 8 else 2):
            brand = data.brand_labels[brand_label]
            add(brand, 0.88, f"misspelling of {brand}'s domain")
    for match in data.brand_in_host.finditer(found.host.replace(found.registered_domain, label)):
        brand = data.brand_labels[match.group(1)]
        add(brand, 0.9 if cheap else 0.82, f"{brand}'s name inside another domain")
    words = _host_labels(found.host.replace(found.registered_domain, label))
    if cheap or gov_disguise or data.phishing_words.intersection(words):
        for word in words:
            if word in data.short_labels:
                brand = data.short_labels[word]
                add(brand, 0.9, f"{brand}'s name inside another domain that looks like phishing")
    return list(by_brand.values())


class UrlDetector(Detector):
    name: ClassVar[str] = "url"
    categories: ClassVar[tuple[Category, ...]] = (Category.SCAM_FRAUD, Category.ILLEGAL_GAMBLING)

    def __init__(self) -> None:
        self.data = load_domain_data()

    @property
    def version(self) -> str:
        return self.data.version

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        return [self._detect_one(prepared) for prepared in batch]

    def _detect_one(self, prepared: PreparedPost) -> list[Signal]:
        best: dict[Category, tuple[UrlFinding, FoundUrl | None, str]] = {}
        # URLs in the text carry evidence spans; URLs the platform declared separately do not.
        in_text = [(found, True) for found in extract_urls(prepared.post.text, MAX_URLS)]
        declared = [(found, False) for url in prepared.post.urls
                    for found in extract_urls(url[:MAX_DECLARED_URL_CHARS], limit=1)]
        by_host: dict[str, list[UrlFinding]] = {}  # a finding depends on the host alone
        for found, has_span in in_text + declared:
            if found.host not in by_host:
                by_host[found.host] = assess_url(found, self.data)
            for finding in by_host[found.host]:
                current = best.get(finding.category)
                if current is None or finding.score > current[0].score:
                    best[finding.category] = (finding, found if has_span else None, found.url)
        signals = []
        for category, (finding, spanned, url) in best.items():
            evidence = [Span(start=spanned.start, end=spanned.end, text=spanned.raw)] if spanned else []
            details = {"url": url, "reason": finding.reason}
            if finding.brand:
                details["imitates"] = finding.brand
            signals.append(Signal(source="url:domains", category=category, score=finding.score, evidence=evidence,
                                  details=details, model_version=self.version))
        return signals

