"""What a fact-check is: the claim, its verdict on one normalised scale, and where it came from.

Publishers rate claims in their own words and languages ("Hoaks", "ข่าวปลอม", "Sai sự thật",
"Missing context"); policies need one scale. `Verdict` is that scale; the original wording is kept in
`rating` so nothing the fact-checker said is lost.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_CLAIM_CHARS = 2_000
MAX_SUMMARY_CHARS = 5_000


class Verdict(StrEnum):
    FALSE = "false"
    MISLEADING = "misleading"
    PARTLY_FALSE = "partly_false"
    UNPROVEN = "unproven"
    TRUE = "true"
    SATIRE = "satire"

    @property
    def is_disinformation(self) -> bool:
        """Verdicts that make a repeating post a disinformation signal (true and satire do not)."""
        return self in (Verdict.FALSE, Verdict.MISLEADING, Verdict.PARTLY_FALSE)


class Appearance(BaseModel):
    """Somewhere the claim was seen: a URL, the circulating text, or both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(default=None, max_length=2_000)
    text: str | None = Field(default=None, max_length=20_000)


class FactCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=256, description="Stable identifier, e.g. 'afnc_th:74850'.")
    claim: str = Field(max_length=MAX_CLAIM_CHARS, description="The claim as it circulates, in its language.")
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    verdict: Verdict
    rating: str = Field(min_length=1, max_length=200, description="The publisher's own rating, verbatim.")
    publisher: str = Field(min_length=1, max_length=200)
    url: str | None = Field(default=None, max_length=2_000)
    title: str | None = Field(default=None, max_length=1_000, description="The fact-check article's title.")
    summary: str | None = Field(
        default=None, max_length=MAX_SUMMARY_CHARS,
        description="The fact-checker's finding in their own words (ClaimReview `reviewBody`): what circulated "
                    "and why it is rated so. Shown with every match, not searched (see docs/CLAIMS.md); the "
                    "circulating text itself belongs in `appearances`.")
    claim_date: date | None = None
    review_date: date | None = None
    appearances: list[Appearance] = Field(default_factory=list, max_length=100)
    source: str | None = Field(default=None, max_length=64, description="Dataset or feed it was imported from.")

    @field_validator("claim")
    @classmethod
    def _claim_not_blank(cls, claim: str) -> str:
        claim = claim.strip()
        if not claim:
            raise ValueError("claim is empty")
        return claim

    @staticmethod
    def make_id(publisher: str, claim: str, url: str | None = None) -> str:
        """An id for records that bring none: the URL when there is one, else the claim's text."""
        key = f"{publisher}\n{url or unicodedata.normalize('NFKC', claim).casefold()}"
        return "fc_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


@lru_cache(maxsize=1)
def _rating_words() -> dict[str, Verdict]:
    table = yaml.safe_load((resources.files("jaga.claims") / "data" / "ratings.yaml").read_text(encoding="utf-8"))
    return {plain_words(word): Verdict(verdict) for verdict, words in table.items() for word in words}


def plain_words(text: str) -> str:
    """Lower-case words of letters and digits, one space apart (NFKC first): how a rating is looked up,
    and how the evaluation recognises one rumour's twin articles."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def verdict_from_rating(rating: str) -> Verdict | None:
    """The normalised verdict for a publisher's rating in any of the region's languages, or None when
    the wording is unknown (the caller rejects the record rather than guess)."""
    key = plain_words(rating)
    words = _rating_words()
    if key in words:
        return words[key]
    for word, verdict in sorted(words.items(), key=lambda item: -len(item[0])):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", key):
            return verdict
    return None
