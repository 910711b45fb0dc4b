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
