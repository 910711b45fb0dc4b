"""Burmese typed in the Zawgyi font encoding.

Zawgyi reuses Unicode's Myanmar code points with different meanings, so the same bytes read as
garbage (or as different words) under Unicode rules. Most of Myanmar typed Zawgyi until 2019 and much
content still is. We detect it with Google's model (myanmartools) and convert with ICU's
Zawgyi-my transliterator, the two references the industry uses.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jaga.text.icu import zawgyi_transliterator

ZAWGYI_THRESHOLD = 0.95
_MYANMAR = re.compile(r"[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")


@lru_cache(maxsize=1)
def _detector() -> object:
    from myanmartools import ZawgyiDetector

    return ZawgyiDetector()


ZAWGYI_SAMPLE = 5_000
"""Characters the detector reads, from the first Burmese one: its verdict is settled long before
(certain at 500), and the model is pure Python (50,000 characters took 50 ms)."""


def zawgyi_probability(text: str) -> float:
    """Probability that the Burmese in `text` is Zawgyi-encoded (0 when there is no Burmese)."""
    first = _MYANMAR.search(text)
    if not first:
        return 0.0
    sample = text[first.start():first.start() + ZAWGYI_SAMPLE]
    return float(_detector().get_zawgyi_probability(sample))  # type: ignore[attr-defined]


def looks_like_zawgyi(text: str) -> bool:
    return zawgyi_probability(text) >= ZAWGYI_THRESHOLD


def to_unicode(text: str) -> str:
    """Convert Zawgyi to standard Unicode Burmese; text without Burmese is returned unchanged."""
    if not _MYANMAR.search(text):
        return text
    return zawgyi_transliterator().transliterate(text)
