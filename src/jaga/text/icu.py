"""The two ICU services Jaga relies on, created once per process (they are costly to build and
safe to share for read-only use)."""

from __future__ import annotations

from functools import lru_cache

import icu


@lru_cache(maxsize=1)
def _spoof_checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


@lru_cache(maxsize=1)
def zawgyi_transliterator() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Zawgyi-my")


def skeleton(text: str) -> str:
    """Unicode TR39 confusable skeleton: two strings that look alike have the same skeleton."""
    return _spoof_checker().getSkeleton(0, text)


@lru_cache(maxsize=1)
def _word_iterator() -> icu.BreakIterator:
    return icu.BreakIterator.createWordInstance(icu.Locale.getRoot())


def word_breaks(text: str) -> list[int]:
    """Word boundaries (code-point offsets, 0 and len(text) included), by ICU's rules and
    dictionaries, which segment scripts written without spaces (Thai, Lao, Khmer, Burmese, Chinese)."""
    iterator = _word_iterator()
    iterator.setText(text)
    units = [0, *iter(iterator)]
    if all(ord(char) < 0x10000 for char in text):
        return units
    # ICU counts UTF-16 units: map them back to code points where the text has astral characters.
    positions, unit = {0: 0}, 0
    for index, char in enumerate(text):
        unit += 2 if ord(char) >= 0x10000 else 1
        positions[unit] = index + 1
    return [positions[value] for value in units if value in positions]
