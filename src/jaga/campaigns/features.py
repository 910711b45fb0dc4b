"""What a post did, as comparable keys: its text for near-duplicate matching, its links, hashtags.

Links are compared after normalisation (scheme, "www.", tracking parameters, fragments and a final
slash do not make two links different) and after expanding *visible* shorteners: when a post shows
a shortened link next to exactly one full link ("bit.ly/x3 → news.example/story"), the batch learns
that bit.ly/x3 means news.example/story. Nothing is ever fetched: resolving a shortener would tell
the campaign's operator that someone is looking, and Jaga sends nothing out unasked (see
`jaga.outbound`). A shortener seen only on its own stays as it is, which is still a shared link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

from jaga.text import canonical_key, zawgyi

SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "s.id", "cutt.ly", "shorturl.at", "t.ly", "rb.gy", "is.gd", "goo.gl", "tiny.cc",
    "ow.ly", "t.co", "rebrand.ly", "bitly.ws", "buff.ly", "shorte.st", "lnkd.in", "v.gd", "urlz.fr", "fb.me",
})
"""Hosts whose links only redirect. Kept here rather than read from the URL detector's data because
campaigns sit before detection in the import order; a shortener missing from this list is still
matched as a link, only never expanded."""

_SHORTENER_HOSTS = "|".join(re.escape(host) for host in sorted(SHORTENERS))
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+|\b(?:" + _SHORTENER_HOSTS + r")/[^\s<>\"'`]+"
                    r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+[a-z]{2,24}/[^\s<>\"'`]*", re.I)
"""Links with a scheme or "www.", shortened links, and bare "host.tld/path" (how an expansion is
usually written beside a shortened link)."""
MENTION_RE = re.compile(r"(?<![\w@])@\w+")
HASHTAG_RE = re.compile(r"(?<![\w&#])#([^\s#.,!?;:()\[\]{}\"'<>/\\|@`~*+=%^$]+)")
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|si|ref_src|ref|mc_cid|mc_eid|s|feature)$", re.I)
_TRAILING = ".,;:!?)]}'\"…>"
_ZAWGYI_HINT = re.compile(
    "[\u1060-\u1097]"  # Zawgyi's stacked and variant letters (Mon, Shan and Karen letters in Unicode)
    "|\u1039(?![\u1000-\u1021])"  # Zawgyi's asat; in Unicode U+1039 only stacks a consonant
    "|(?:^|[^\u1000-\u1021\u1023-\u102a\u103b-\u103f\u104e\u1050-\u1055\u105a-\u105d])[\u1031\u103b]")
"""Signs of Zawgyi, checked before Google's detector (pure Python, ~4 us a character: 400 us for a
Burmese post). On myHateSpeech round-tripped through ICU's my-Zawgyi it passes 99.6% of the Zawgyi
posts the detector recognises (the rest are a few words long) and 1.6% of the Unicode ones."""
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u20e3\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]")
_COMPATIBILITY = re.compile("[\u00a0-\u00bf\u1d00-\u1dbf\u2000-\u209f\u2100-\u24ff\u2c7c-\u2c7d\u3000\u3200-\u33ff"
                            "\ufb00-\ufb4f\ufe30-\ufe6f\uff00-\uffef\U0001d400-\U0001d7ff\U0001f100-\U0001f1ff]+")
_COMBINING = re.compile("[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff]")
MAX_URLS = 20
"""Links taken from one post: a post with more is spam with a link list, and each costs a parse."""


def normalise_url(raw: str) -> str | None:
    """The comparable form of a link: host lower-cased without "www.", path without a final slash,
    tracking parameters and the fragment dropped, the scheme left out (http and https are the same
    page for this purpose). None when it is not a link with a dotted host."""
    url = raw.strip().rstrip(_TRAILING)
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not host or "." not in host or len(host) > 253:
        return None
    host = host.removeprefix("www.")
    query = urlencode(sorted((key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(key)))
    path = parts.path.rstrip("/")
    return host + path + ("?" + query if query else "")


def is_shortened(url: str) -> bool:
    """Whether a normalised link is on a known shortener."""
    return url.partition("/")[0] in SHORTENERS


def links(text: str, declared: Iterable[str] = ()) -> list[str]:
    """Normalised links of a post: those the platform declared and those written in the text, each once,
    in order of appearance."""
    found: dict[str, None] = {}
    written = URL_RE.finditer(text) if _may_have_links(text) else ()
    for raw in [*declared, *(match.group() for match in written)][:MAX_URLS]:
        url = normalise_url(raw)
        if url:
            found[url] = None
    return list(found)


def hashtags(text: str, declared: Iterable[str] = ()) -> list[str]:
    """Case-folded hashtags of a post (written in the text or declared by the platform), each once."""
    found: dict[str, None] = {}
    for tag in [*declared, *HASHTAG_RE.findall(text)]:
        key = tag.lstrip("#").casefold()
        if key:
            found[key] = None
    return list(found)


def matching_text(text: str, thorough: bool = False) -> str:
    """The text compared for near-duplicates: links and @mentions removed (a campaign varies them
    per account; links are compared on their own), Zawgyi converted to Unicode, NFC, NFKC where
    it matters (styled and full-width letters), invisible characters removed, case folded,
    whitespace collapsed.

    `thorough` uses Jaga's full canonical form instead (`jaga.text.canonical_key`, which also
    undoes homoglyphs, leetspeak, elongation and mojibake). It is 3-10 times slower (100-550 us a post on the
    shared data sets, against 10-60), which is minutes per million posts; MinHash over character
    shingles already tolerates a few substituted characters, so the fast form is the default."""
    if _may_have_links(text):
        text = URL_RE.sub(" ", text)
    if "@" in text:
        text = MENTION_RE.sub(" ", text)
    if thorough:
        return canonical_key(text)
    if not text.isascii():
        if _ZAWGYI_HINT.search(text) and zawgyi.looks_like_zawgyi(text):
            text = zawgyi.to_unicode(text)
        if _COMBINING.search(text):
            text = unicodedata.normalize("NFC", text)  # decomposed accents (common in typed Vietnamese)
        # NFKC only where it matters: styled, full-width, circled letters and ligatures (NFKC over
        # a whole Thai post costs ~1 us a character, for SARA AM alone)
        if _COMPATIBILITY.search(text):
            text = _COMPATIBILITY.sub(lambda match: unicodedata.normalize("NFKC", match.group()), text)
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
    return " ".join(text.casefold().split())


def _may_have_links(text: str) -> bool:
    """A cheap test before the link pattern, which costs ~40 us a post when run everywhere."""
    return "/" in text or "www." in text


def shortener_expansions(posts_links: Iterable[list[str]]) -> dict[str, str]:
    """Shortened link -> full link, learnt from posts that show both: a post with shortened links
    and exactly one full link. A shortened link seen beside two different full links (in one post
    or in several) is ambiguous and left unexpanded."""
    return {short: full for short, full in shortener_evidence(posts_links).items() if full is not None}


def shortener_evidence(posts_links: Iterable[list[str]],
                       seen: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Shortened link -> the one full link shown beside it, or None where posts disagree; added to
    `seen`. Merging the evidence of parts of a batch (`merge_evidence`) gives that of the whole, so
    a distributed run learns the same expansions as `shortener_expansions` on all posts at once."""
    seen = {} if seen is None else seen
    for urls in posts_links:
        short = [url for url in urls if is_shortened(url)]
        if not short:
            continue
        full = [url for url in urls if not is_shortened(url)]
        if len(full) != 1:
            continue
        for url in short:
            seen[url] = full[0] if seen.get(url, full[0]) == full[0] else None
    return seen


def merge_evidence(seen: dict[str, str | None], more: dict[str, str | None]) -> dict[str, str | None]:
    """`more` merged into `seen`: a shortened link keeps its full link only where every part agrees."""
    for url, full in more.items():
        seen[url] = full if full is not None and seen.get(url, full) == full else None
    return seen
