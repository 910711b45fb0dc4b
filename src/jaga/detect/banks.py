"""Hash-bank signals: a post whose text or media is found in one of the organisation's enabled
block banks (and in no allow-list) gets a `bank:<bank name>` signal in the bank's category, with the
match (signal type, distance, the banked entry's id) in its details and the statement of reasons."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from jaga.banks.matcher import BankMatch, BankMatcher
from jaga.detect.base import Detector, PreparedPost
from jaga.types import Category, Signal

if TYPE_CHECKING:  # the store is handed in; detection never imports it to run
    from jaga.store import Store


class BankDetector(Detector):
    name: ClassVar[str] = "banks"
    categories: ClassVar[tuple[Category, ...]] = tuple(Category)

    def __init__(self, matcher: BankMatcher) -> None:
        self.matcher = matcher

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        """Raises `MediaError` for a post whose media cannot be read: the doors (scan, service) then
        moderate the batch post by post and reject only that post, with the reason."""
        self.matcher.refresh_if_due()
        if not self.matcher.active:
            return [[] for _ in batch]
        return [self._signals(self.matcher.match(item.post.text, item.post.media)) for item in batch]

    def _signals(self, matches: list[BankMatch]) -> list[Signal]:
        best: dict[str, BankMatch] = {}  # one signal per bank: its closest match
        for match in matches:
            if match.bank not in best or match.score > best[match.bank].score:
                best[match.bank] = match
        return [Signal(source=f"bank:{match.bank}", category=match.category, score=match.score,
                       details={**match.to_json(), "matches": sum(1 for other in matches if other.bank == match.bank)},
                       model_version=self.version)
                for match in best.values()]


def bank_detector(store: Store, media_roots: Sequence[Path] | None = None) -> BankDetector:
    """A BankDetector over `store`'s banks, handed in by whoever wires the stages
    (`jaga.moderation.registry_moderator`): detection opens no database of its own. Media files are
    read only under `media_roots` (default: JAGA_MEDIA_ROOTS, else anywhere). It stays in the
    pipeline with no banks, so that banks added later (API, CLI) take effect."""
    from jaga.config import media_roots as configured_roots

    roots = media_roots if media_roots is not None else configured_roots()
    return BankDetector(BankMatcher(store, media_roots=roots))
