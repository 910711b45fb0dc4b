"""Campaign signals: a post that repeats a known coordinated campaign's text or pushes its link gets
a `campaign:<id>` signal, so that policy can act on it (label, reduce, send to a person).

The campaigns are indicators (`jaga.campaigns.indicators`): the organisation's own, from
`jaga campaigns`, and those partners shared through the exchange. The category is disinformation,
the harm the campaigns in scope push (issue 25); the details say how the post matched, and policies
can tell these signals apart by their source. Not in `DETECTORS`: it needs indicators, handed in by
whoever wires the stages, as the bank detector needs banks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from jaga.campaigns.indicators import CampaignMatcher
from jaga.detect.base import Detector, PreparedPost
from jaga.types import Category, Signal


class CampaignDetector(Detector):
    name: ClassVar[str] = "campaigns"
    categories: ClassVar[tuple[Category, ...]] = (Category.DISINFORMATION,)

    def __init__(self, matcher: CampaignMatcher) -> None:
        self.matcher = matcher

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        if not len(self.matcher) or not batch:
            return [[] for _ in batch]
        found = self.matcher.match_many([item.post.text for item in batch], [item.post.urls for item in batch])
        return [[Signal(source=f"campaign:{match.campaign}", category=Category.DISINFORMATION, score=match.score,
                        details=match.to_json(), model_version=self.version) for match in matches]
                for matches in found]


def campaign_detector(indicators: Iterable[Mapping[str, Any]]) -> CampaignDetector:
    """A detector over indicators in the exchange format (`CampaignIndicator.model_dump(mode="json")`
    or `jaga.campaigns.indicators.indicator(campaign)`)."""
    return CampaignDetector(CampaignMatcher(indicators))
