"""How a post says what it says: quoting, counter-speech, news reporting, satire, political debate.

These facts feed the policy safeguards: the words of hate and of its condemnation are the same, so a
post with such cues may be reviewed but is never removed automatically. Cue phrases are data in
`context_cues.yaml`."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from jaga.text.normalise import canonical_key

_QUOTES = re.compile(r"[\"“”„«»「」『』‘’']([^\"“”„«»「」『』‘’']{2,})[\"“”„«»「」『』‘’']")


@lru_cache(maxsize=1)
def _cue_patterns() -> dict[str, re.Pattern[str]]:
    data = yaml.safe_load((resources.files("jaga.policy") / "context_cues.yaml").read_text(encoding="utf-8"))
    patterns = {}
    for name, phrases in data.items():
        keys = sorted({canonical_key(str(phrase)) for phrase in phrases}, key=len, reverse=True)
        patterns[name] = re.compile("|".join(re.escape(key) for key in keys if key))
    return patterns


def context_cues(canonical_text: str) -> dict[str, bool]:
    """Which cue families appear in the canonical text."""
    return {name: bool(pattern.search(canonical_text)) for name, pattern in _cue_patterns().items()}


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the original text that sit inside quotation marks."""
    return [(match.start(1), match.end(1)) for match in _QUOTES.finditer(text)]
