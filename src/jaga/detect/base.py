"""The detector extension point.

A detector is a small object with a `name`, the `categories` it can emit and `detect(batch)`. Adding a
signal type (a new hash bank, a new classifier) is one new class and its factory (`jaga.detect.extensions`); nothing
else in the pipeline changes. Detectors receive posts already prepared (canonical text, language,
extracted URLs) so that no detector repeats the text work.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from jaga.text.normalise import NormalisedText
from jaga.types import Category, LanguageInfo, Post, Signal, Span

ENCODER_DETAIL = "encoder_tier"
"""The key of a classifier signal's `details` that holds the contextual (encoder) tier's score, when
it read the post: the policy stage reads it to let that tier overrule a term list
(`jaga.policy.reasons.aggregate_scores`)."""


def read_by_encoder_tier(signals: Iterable[Signal]) -> bool:
    """Whether the cascade's encoder tier read the post these signals are about."""
    return any(ENCODER_DETAIL in signal.details for signal in signals)


@dataclass(frozen=True)
class PreparedPost:
    """A post after the text stage: what every detector reads."""

    post: Post
    text: NormalisedText
    language: LanguageInfo
    org: str | None = None
    """The organisation (tenant) the post came from, when the door knows it: reference data that is
    per organisation (fact-check registries) is read in its scope; None means the store's own."""

    def span(self, start: int, end: int) -> Span:
        """Evidence span in the original text for a [start, end) range of the canonical text."""
        ostart, oend = self.text.to_original(start, end)
        return Span(start=ostart, end=oend, text=self.text.original[ostart:oend])


class Detector(ABC):
    """Finds one kind of evidence of harm. Stateless after construction and safe to share."""

    name: ClassVar[str]
    categories: ClassVar[tuple[Category, ...]]

    @abstractmethod
    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        """One list of signals per post, in the order of `batch` (empty when nothing is found)."""

    @property
    def version(self) -> str:
        return "1"
