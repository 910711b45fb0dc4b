"""Matching content against an organisation's banks.

`BankMatcher` keeps one index per signal type over every entry of the organisation's banks, loaded
from the store and reloaded when the banks change (checked at most every `refresh_seconds`).
Enabling or disabling a bank needs no rebuild: the state of banks is applied when matching.

A post's content is its text and its media. A media item is the path of a local file (or a
file:// URL), or a hash the platform computed itself (`md5:<hex>`, `sha256:<hex>`, `pdq:<hex>`).
Jaga never fetches http(s) URLs; an item it cannot read is a `MediaError`, which the scan and the
service turn into a reject of that post alone.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import numpy as np

from jaga.banks.model import Bank
from jaga.banks.signals import SIGNAL_TYPES, ContentType, SignalIndex, signal_type
from jaga.types import Category

if TYPE_CHECKING:
    from jaga.store import Store

MAX_MEDIA_BYTES = 200 * 1024 * 1024
"""Larger files are refused (a reject, with the reason): they are not images, and hashing them would
hold up the batch."""
_GIVEN_HASH = re.compile(r"^([A-Za-z_0-9]{2,16}):(?!//)(.*)$", re.DOTALL)


MEDIA_TYPE_NAMES = frozenset(name for kind in SIGNAL_TYPES.values() if kind.content_type != ContentType.TEXT
                             for name in (kind.name, *kind.aliases))
"""The prefixes of a hash given as media (`pdq:<hex>`)."""


class MediaError(ValueError):
    """A media item of a post that cannot be read: a reason to reject the post, not the batch."""


@dataclass(frozen=True)
class BankMatch:
    """One piece of a post's content found in a block bank."""

    bank: str
    label: str
    category: Category
    signal_type: str
    signal: str
    """The banked signal that matched."""
    distance: int
    threshold: int
    content: str
    """Which content matched: `text` or `media[<index>]`."""
    content_id: str | None = None

    @property
    def score(self) -> float:
        """1.0 for an exact match; near-duplicates lose up to 0.1 as they approach the threshold. A
        bank entry is a person's judgement of that content, so any match within the threshold is
        strong evidence."""
        if self.distance == 0:
            return 1.0
        return round(1.0 - 0.1 * self.distance / max(self.threshold, 1), 4)

    def to_json(self) -> dict[str, Any]:
        return {"bank": self.bank, "label": self.label, "category": self.category.value,
                "signal_type": self.signal_type, "signal": self.signal if self.signal_type != "text" else None,
                "distance": self.distance, "threshold": self.threshold, "content": self.content,
                "content_id": self.content_id, "score": self.score}


class BankMatcher:
    """Thread-safe for matching; `refresh()` swaps in new indexes atomically."""

    def __init__(self, store: Store, thresholds: dict[str, int] | None = None,
                 media_roots: Sequence[Path] | None = None, refresh_seconds: float = 2.0) -> None:
        """`media_roots`: the folders whose files may be read (None: any local file; empty: none,
        only given hashes)."""
        self.store = store
        self.thresholds = {name: kind.default_threshold for name, kind in SIGNAL_TYPES.items()}
        for name, value in (thresholds or {}).items():
            self.thresholds[signal_type(name).name] = int(value)
        self.media_roots = None if media_roots is None else [Path(root).resolve() for root in media_roots]
        self.refresh_seconds = refresh_seconds
        self._state: tuple[dict[str, SignalIndex], tuple[np.ndarray, np.ndarray, list[str]], dict[str, Bank]] = (
            {}, (np.zeros(0, np.int64), np.zeros(0, np.int32), []), {})
        self._revision: tuple[Any, ...] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.refresh(force=True)

    # -- loading -----------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Reload when the banks changed since the last load (or always with `force`). Returns
        whether it reloaded. Between checks (`refresh_seconds`) it does not touch the store."""
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return False
        with self._lock:
            self._checked = now
            revision = self.store.bank_revision()
            banks = {bank.name: bank for bank in self.store.banks()}
            if not force and revision == self._revision:
                return False
            grouped: dict[str, list[tuple[str, int]]] = {}
            keys: list[int] = []
            codes: list[int] = []
            names = sorted(banks)
            position = {name: index for index, name in enumerate(names)}
            for key, bank, kind, signal in self.store.bank_signals():
                grouped.setdefault(kind, []).append((signal, key))
                keys.append(key)
                codes.append(position.get(bank, -1))
            indexes = {kind: SIGNAL_TYPES[kind].index(entries) for kind, entries in grouped.items()
                       if kind in SIGNAL_TYPES}
            bank_of = (np.asarray(keys, dtype=np.int64), np.asarray(codes, dtype=np.int32), names)
            # one assignment: a match running meanwhile sees the old state or the new, never a mix
            self._state = (indexes, bank_of, banks)
            self._revision = revision
            return True

    def refresh_if_due(self) -> None:
        self.refresh(force=False)

    @property
    def indexes(self) -> dict[str, SignalIndex]:
        return self._state[0]

    @property
    def banks(self) -> dict[str, Bank]:
        return self._state[2]

    @property
    def active(self) -> bool:
        """Whether any enabled bank holds entries (otherwise matching is skipped)."""
        return any(bank.enabled for bank in self.banks.values()) and any(len(index) for index in self.indexes.values())

    # -- content -> signals --------------------------------------------------------------------
    def media_signals(self, item: str) -> list[tuple[str, str]]:
        """(signal type, signal) of one media item: the hash it is, or those of the file it names."""
        given = _GIVEN_HASH.match(item.strip())
        if given and given.group(1).lower() in MEDIA_TYPE_NAMES:
            given_type = signal_type(given.group(1))
            try:
                return [(given_type.name, given_type.validate(given.group(2)))]
            except ValueError as error:
                raise MediaError(f"media {item[:100]!r}: {error}") from None
        data = read_media(item, self.media_roots)
        wanted = {kind for kind in self.indexes if SIGNAL_TYPES[kind].content_type in (ContentType.MEDIA,
                                                                                        ContentType.PHOTO)}
        found: list[tuple[str, str]] = []
        for kind in sorted(wanted):
            signal = SIGNAL_TYPES[kind].from_bytes(data)
            if signal is not None:
                found.append((kind, signal))
        return found

    # -- matching -------------------------------------------------------------------------------
    def match(self, text: str | None = None, media: Sequence[str] = ()) -> list[BankMatch]:
        """The block-bank matches of a post's text and media, after allow-lists. Media are read
        only when some bank holds media signals."""
        contents: list[tuple[str, list[tuple[str, str]]]] = []
        if text is not None and "text" in self.indexes:
            signal = SIGNAL_TYPES["text"].from_text(text)
            if signal:
                contents.append(("text", [("text", signal)]))
        if media and any(SIGNAL_TYPES[kind].content_type != ContentType.TEXT for kind in self.indexes):
            for index, item in enumerate(media):
                contents.append((f"media[{index}]", self.media_signals(item)))
        return self.match_signals(contents)

    def match_signals(self, contents: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> list[BankMatch]:
        """Matches for each (content label, its signals). A content found in an enabled allow-list
        bank yields no matches at all; disabled banks are ignored."""
        indexes, bank_of, banks = self._state
        found: list[tuple[str, str, int, int, int]] = []  # content, signal type, key, distance, threshold
        for content, signals in contents:
            hits = []
            for kind, signal in signals:
                index = indexes.get(kind)
                if index is None:
                    continue
                threshold = self.thresholds[kind]
                hits += [(content, kind, key, distance, threshold) for key, distance in index.query(signal, threshold)]
            owners = [banks.get(_bank_name(bank_of, key) or "") for _, _, key, _, _ in hits]
            if any(bank is not None and bank.enabled and bank.allow for bank in owners):
                continue
            found += [hit for hit, bank in zip(hits, owners, strict=True)
                      if bank is not None and bank.enabled and not bank.allow]
        if not found:
            return []
        entries = self.store.bank_entries_by_key(key for _, _, key, _, _ in found)
        matches = []
        for content, kind, key, distance, threshold in found:
            entry = entries.get(key)
            bank = banks.get(entry.bank) if entry else None
            if entry is None or bank is None or bank.category is None:
                continue  # removed since the index was built
            matches.append(BankMatch(bank=bank.name, label=bank.label, category=bank.category, signal_type=kind,
                                     signal=entry.signal, distance=distance, threshold=threshold, content=content,
                                     content_id=entry.content_id))
        return sorted(matches, key=lambda match: (match.content, match.distance, match.bank))


def _bank_name(bank_of: tuple[np.ndarray, np.ndarray, list[str]], key: int) -> str | None:
    keys, codes, names = bank_of
    position = int(np.searchsorted(keys, key))
    if position >= len(keys) or keys[position] != key or codes[position] < 0:
        return None
    return names[codes[position]]


def read_media(item: str, roots: Sequence[Path] | None = None) -> bytes:
    """The bytes of a local file named by a path or a file:// URL, if it lies under one of `roots`
    (anywhere when None); MediaError otherwise."""
    path = _local_path(item)
    try:
        resolved = path.resolve(strict=True)
        if roots is not None and not any(resolved.is_relative_to(root) for root in roots):
            raise MediaError(f"media {item[:200]!r} is outside the folders Jaga may read "
                             f"(JAGA_MEDIA_ROOTS); send its hashes (md5:..., sha256:..., pdq:...) instead")
        with open(resolved, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise MediaError(f"media {item[:200]!r} is not a regular file")
            if info.st_size > MAX_MEDIA_BYTES:
                raise MediaError(f"media {item[:200]!r} is larger than {MAX_MEDIA_BYTES} bytes")
            return handle.read(MAX_MEDIA_BYTES + 1)
    except OSError as error:
        raise MediaError(f"media {item[:200]!r} cannot be read: {error.strerror or error}") from None


def _local_path(item: str) -> Path:
    parts = urlsplit(item)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise MediaError(f"media {item[:200]!r} names another host: Jaga reads only local files")
        return Path(unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:  # one letter: a Windows drive
        raise MediaError(f"media {item[:200]!r} is a {parts.scheme} URL: Jaga never fetches media; send the "
                         "path of a local file or its hashes (md5:..., sha256:..., pdq:...)")
    if not item.strip():
        raise MediaError("media item is empty")
    return Path(item)

