"""schema.org ClaimReview (JSON-LD), the format fact-checkers already publish and search engines read.

Export keeps everything Jaga knows, so export then import gives back the same records: the standard
properties carry what they can (claimReviewed, reviewRating.alternateName, author, reviewBody,
itemReviewed's appearances and dates); Jaga's normalised verdict, id and source travel as `jaga:` terms declared in
the @context, which other consumers ignore. Import reads ClaimReview from any publisher: without a
`jaga:verdict`, the verdict comes from the textual rating.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jaga.claims.model import MAX_SUMMARY_CHARS, Appearance, FactCheck, Verdict, verdict_from_rating

JAGA_NS = "https://jaga.readthedocs.io/ns#"
CONTEXT: list[Any] = ["https://schema.org", {"jaga": JAGA_NS}]

#: Numeric ratings on a 1 (worst) to 5 (best) scale, for consumers that only read ratingValue.
_RATING_VALUE = {Verdict.FALSE: 1, Verdict.MISLEADING: 2, Verdict.PARTLY_FALSE: 3, Verdict.UNPROVEN: 4,
                 Verdict.TRUE: 5}


def to_claimreview(fact_check: FactCheck) -> dict[str, Any]:
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": fact_check.rating}
    if fact_check.verdict in _RATING_VALUE:
        rating |= {"ratingValue": _RATING_VALUE[fact_check.verdict], "worstRating": 1, "bestRating": 5}
    item: dict[str, Any] = {"@type": "Claim"}
    if fact_check.claim_date:
        item["datePublished"] = fact_check.claim_date.isoformat()
    if fact_check.appearances:
        item["appearance"] = [{"@type": "CreativeWork", **appearance.model_dump(exclude_none=True)}
                              for appearance in fact_check.appearances]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "identifier": fact_check.id,
        "claimReviewed": fact_check.claim,
        "inLanguage": fact_check.language,
        "author": {"@type": "Organization", "name": fact_check.publisher},
        "reviewRating": rating,
        "itemReviewed": item,
        "jaga:verdict": fact_check.verdict.value,
    }
    if fact_check.url:
        document["url"] = fact_check.url
    if fact_check.title:
        document["name"] = fact_check.title
    if fact_check.summary:
        document["reviewBody"] = fact_check.summary
    if fact_check.review_date:
        document["datePublished"] = fact_check.review_date.isoformat()
    if fact_check.country:
        document["spatialCoverage"] = {"@type": "Place", "address": {"@type": "PostalAddress",
                                                                     "addressCountry": fact_check.country}}
    if fact_check.source:
        document["jaga:source"] = fact_check.source
    return document


def from_claimreview(document: dict[str, Any]) -> FactCheck:
    """A FactCheck from one ClaimReview; raises ValueError saying what is missing or unusable."""
    if not isinstance(document, dict):
        raise ValueError("expected a JSON object")
    if "ClaimReview" not in _types(document):
        raise ValueError(f"@type is {document.get('@type')!r}, not ClaimReview")
    claim = document.get("claimReviewed")
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError("claimReviewed is missing")
    rating: Any = document.get("reviewRating") or {}  # a dict, or a list of them
    rating = rating[0] if isinstance(rating, list) and rating else rating
    textual = str(rating.get("alternateName") or rating.get("name") or "").strip()
    verdict = _verdict(document.get("jaga:verdict") or document.get(f"{JAGA_NS}verdict"), textual, rating)
    publisher = _name(document.get("author")) or _name(document.get("publisher"))
    if not publisher:
        raise ValueError("author (the fact-checker) is missing")
    url = document.get("url")
    item = document.get("itemReviewed") or {}
    language = _language(document.get("inLanguage") or item.get("inLanguage"))
    fact_id = str(document.get("identifier") or document.get("@id") or FactCheck.make_id(publisher, claim, url))
    appearances = [Appearance(url=entry.get("url"), text=entry.get("text"))
                   for entry in _as_list(item.get("appearance")) + _as_list(item.get("firstAppearance"))
                   if isinstance(entry, dict) and (entry.get("url") or entry.get("text"))]
    return FactCheck(id=fact_id, claim=claim, language=language, country=_country(document), verdict=verdict,
                     rating=textual or verdict.value, publisher=publisher, url=url, title=document.get("name"),
                     summary=_summary(document.get("reviewBody")),
                     claim_date=_date(item.get("datePublished")), review_date=_date(document.get("datePublished")),
                     appearances=appearances, source=document.get("jaga:source") or document.get(f"{JAGA_NS}source"))


def _summary(value: Any) -> str | None:
    """A review body longer than the registry keeps is cut, not refused: its opening states the finding."""
    text = value.strip()[:MAX_SUMMARY_CHARS] if isinstance(value, str) else ""
    return text or None


def _types(document: dict[str, Any]) -> list[str]:
    return [str(kind).rsplit("/", 1)[-1] for kind in _as_list(document.get("@type"))]


def _verdict(explicit: Any, textual: str, rating: dict[str, Any]) -> Verdict:
    if explicit:
        return Verdict(explicit)
    if textual and (found := verdict_from_rating(textual)):
        return found
    try:  # a numeric rating alone: place it on the worst..best scale
        value, worst, best = (float(rating[key]) for key in ("ratingValue", "worstRating", "bestRating"))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"unknown rating {textual!r} and no numeric ratingValue") from None
    position = (value - worst) / (best - worst) if best != worst else 0.0
    return Verdict.FALSE if position < 0.2 else Verdict.MISLEADING if position < 0.5 else \
        Verdict.PARTLY_FALSE if position < 0.7 else Verdict.TRUE


def _name(value: Any) -> str | None:
    value = _as_list(value)[0] if _as_list(value) else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("url")
    return str(value).strip() if value else None


def _language(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    code = str(value or "").strip().lower().split("-")[0]
    if not code:
        raise ValueError("inLanguage is missing")
    return code


def _country(document: dict[str, Any]) -> str | None:
    place = document.get("spatialCoverage") or (document.get("itemReviewed") or {}).get("contentLocation")
    if isinstance(place, dict):
        address = place.get("address")
        place = address.get("addressCountry") if isinstance(address, dict) else place.get("name")
    return str(place).upper() if isinstance(place, str) and len(place) == 2 else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []
