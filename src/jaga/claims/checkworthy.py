"""Check-worthiness: does a post make a factual claim that a fact-checker could verify?

Fact-checkers cannot read everything; they need the posts that state figures, name authorities,
and touch health, elections, disasters or money, especially when pushed to be shared. Those posts
are worth checking even when no fact-check matches yet. The score is a transparent sum of cue
groups (`data/checkworthy.yaml`, per language) plus figures, so a fact-checker can see why a post
was queued; it triages and never decides an action on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from jaga.text.alternation import any_term

_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u4e00-\u9fff]")
_FIGURE = re.compile(r"(?<![\w.])(?:\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)\s*(?:%|persen|percent|phần trăm|เปอร์เซ็นต์|"
                     r"juta|ribu|miliar|triliun|million|billion|triệu|tỷ|ล้าน|พัน|万|亿|rp|rm|usd|baht|บาท|đồng|₱|peso|"
                     r"orang|people|người|คน|人|kali|times)?", re.IGNORECASE)
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b(?:19|20|25)\d{2}\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")  # two or more capitalised words: a person or a body
WEIGHTS = {"authority": 0.25, "topic": 0.3, "spread": 0.2, "figure": 0.25, "date": 0.1, "name": 0.15}
THRESHOLD = 0.35


@dataclass(frozen=True)
class CheckWorthiness:
    score: float            # in [0, 1]
    cues: tuple[str, ...]   # which groups fired, for the reviewer

    @property
    def worthy(self) -> bool:
        return self.score >= THRESHOLD


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    groups = yaml.safe_load((resources.files("jaga.claims") / "data" / "checkworthy.yaml").read_text(encoding="utf-8"))
    patterns = {}
    for group, words in groups.items():
        spaced = {str(word).casefold() for word in words if not _UNSPACED.search(str(word))}
        unspaced = {str(word) for word in words if _UNSPACED.search(str(word))}
        # One word-boundary check around all the spaced words: a lookbehind on each alternative
        # made the regex engine try every word at every position (and see `any_term`).
        patterns[group] = re.compile(r"(?<!\w)" + any_term(spaced) + r"(?!\w)|" + any_term(unspaced))
    return patterns


@lru_cache(maxsize=4_096)
def check_worthiness(canonical_text: str, original: str | None = None) -> CheckWorthiness:
    """Score the canonical (normalised) text of a post; the original text, when given, shows names
    by their capitals (the canonical text is case-folded). Cached: moderation scores every post
    and claim matching asks again of the same texts (and reposts repeat them)."""
    text = canonical_text.casefold()
    cues = [group for group, pattern in _patterns().items() if pattern.search(text)]
    figures = [match.group(0) for match in _FIGURE.finditer(text) if len(match.group(0).strip()) >= 2]
    if figures:
        cues.append("figure")
    if _DATE.search(text):
        cues.append("date")
    if original and len(_NAME.findall(original[:2_000])) >= 1 and not original.isupper():
        cues.append("name")
    return CheckWorthiness(round(min(1.0, sum(WEIGHTS[cue] for cue in cues)), 3), tuple(cues))
