"""Text handling: canonical form with an offset map, and language identification."""

from jaga.text.language import detect_language, script_counts
from jaga.text.normalise import NormalisedText, canonical_key, normalise
from jaga.text.zawgyi import looks_like_zawgyi, zawgyi_probability

__all__ = [
    "NormalisedText",
    "canonical_key",
    "detect_language",
    "looks_like_zawgyi",
    "normalise",
    "script_counts",
    "zawgyi_probability",
]
