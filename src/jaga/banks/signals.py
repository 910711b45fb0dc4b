"""Signal types: how a kind of content is hashed, how two hashes compare, and the index that finds
a hash's matches in a bank.

Modelled on python-threatexchange's `SignalType`: a signal type names the content it reads and its
index class, so adding one (TMK for video, TLSH for text) is one class here plus its entry in
`SIGNAL_TYPES`; the battery in `tests/banks/test_signals.py` then runs over it unchanged.

Distances are integers and a match is `distance <= threshold`: Hamming bits for PDQ, percentage
points of dissimilarity for text, always 0 for the exact hashes.
"""

from __future__ import annotations

import hashlib
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar

import numpy as np

from jaga.text.normalise import canonical_key


class ContentType(StrEnum):
    MEDIA = "media"  # the bytes of a file (any format)
    PHOTO = "photo"  # a decoded image
    TEXT = "text"  # a post's text


class SignalIndex(ABC):
    """Finds the entries whose signal lies within a threshold of a query. Built once from a bank's
    entries (signal, key), read by many threads."""

    @abstractmethod
    def query(self, signal: str, threshold: int) -> list[tuple[int, int]]:
        """(entry key, distance) for every entry within `threshold` of `signal`."""

    @abstractmethod
    def __len__(self) -> int: ...


class SignalType(ABC):
    """One kind of hash. Class methods only: a signal type has no state."""

    name: ClassVar[str]
    content_type: ClassVar[ContentType]
    default_threshold: ClassVar[int] = 0
    exchange_name: ClassVar[str]
    """The name ThreatExchange and HMA give this signal type (written on export)."""
    aliases: ClassVar[tuple[str, ...]] = ()
    """Other names read on import (python-threatexchange and HMA spellings)."""

    @classmethod
    @abstractmethod
    def validate(cls, signal: str) -> str:
        """The canonical form of a signal string; ValueError when it is not one."""

    @classmethod
    @abstractmethod
    def distance(cls, first: str, second: str) -> int: ...

    @classmethod
    @abstractmethod
    def index(cls, entries: Sequence[tuple[str, int]]) -> SignalIndex: ...

    @classmethod
    def from_bytes(cls, data: bytes) -> str | None:
        """The signal of a media file's bytes, or None when this type cannot hash such content."""
        return None

    @classmethod
    def from_text(cls, text: str) -> str | None:
        return None


class ExactIndex(SignalIndex):
    def __init__(self, entries: Sequence[tuple[str, int]]) -> None:
        self.keys: dict[str, list[int]] = {}
        for signal, key in entries:
            self.keys.setdefault(signal, []).append(key)
        self.size = len(entries)

    def query(self, signal: str, threshold: int) -> list[tuple[int, int]]:
        return [(key, 0) for key in self.keys.get(signal, ())]

    def __len__(self) -> int:
        return self.size


class _HexDigest(SignalType):
    content_type = ContentType.MEDIA
    digits: ClassVar[int]

    @classmethod
    def validate(cls, signal: str) -> str:
        value = signal.strip().lower()
        if not re.fullmatch(f"[0-9a-f]{{{cls.digits}}}", value):
            raise ValueError(f"not a {cls.name} hash ({cls.digits} hexadecimal digits): {signal[:80]!r}")
        return value

    @classmethod
    def distance(cls, first: str, second: str) -> int:
        return 0 if first == second else 1

    @classmethod
    def index(cls, entries: Sequence[tuple[str, int]]) -> SignalIndex:
        return ExactIndex(entries)


class Md5Signal(_HexDigest):
    """MD5 of the file's bytes: finds exact re-uploads only (one changed byte is a new hash)."""

    name = "md5"
    digits = 32
    exchange_name = "video_md5"  # HMA's only MD5 type; the hash is of bytes whatever the format
    aliases = ("video_md5", "photo_md5", "hash_md5", "vmd5")

    @classmethod
    def from_bytes(cls, data: bytes) -> str | None:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Sha256Signal(_HexDigest):
    name = "sha256"
    digits = 64
    exchange_name = "video_sha256"
    aliases = ("video_sha256", "photo_sha256", "hash_sha256")

    @classmethod
    def from_bytes(cls, data: bytes) -> str | None:
        return hashlib.sha256(data).hexdigest()


PDQ_QUALITY_THRESHOLD = 50
"""Below this PDQ quality (flat or tiny images) the hash is too unreliable to match on (Meta's
reference and python-threatexchange use the same cut-off)."""
MAX_IMAGE_PIXELS = 50_000_000
"""Larger images are not decoded (decompression bombs); their exact hashes still match."""


class PdqSignal(SignalType):
    """Meta's PDQ perceptual hash: 256 bits, robust to resizing, recompression and small edits.
    Compared by Hamming distance; 31 is HMA's default match threshold."""

    name = "pdq"
    content_type = ContentType.PHOTO
    default_threshold = 31
    exchange_name = "pdq"
    aliases = ("hash_pdq", "photo_pdq")

    @classmethod
    def validate(cls, signal: str) -> str:
        value = signal.strip().lower()
        if not re.fullmatch("[0-9a-f]{64}", value):
            raise ValueError(f"not a PDQ hash (64 hexadecimal digits): {signal[:80]!r}")
        return value

    @classmethod
    def distance(cls, first: str, second: str) -> int:
        return (int(first, 16) ^ int(second, 16)).bit_count()

    @classmethod
    def index(cls, entries: Sequence[tuple[str, int]]) -> SignalIndex:
        return PdqIndex(entries)

    @classmethod
    def from_bytes(cls, data: bytes) -> str | None:
        """None for bytes that are not an image Pillow can decode, or of too low quality."""
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                pixels = np.asarray(image.convert("RGB"))
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            return None
        return pdq_of_pixels(pixels)


def pdq_of_pixels(pixels: np.ndarray) -> str | None:
    """PDQ hex (bit 0 of the hash vector is the most significant, as in python-threatexchange) of
    an RGB array, or None when its quality is below PDQ_QUALITY_THRESHOLD."""
    import pdqhash  # type: ignore[import-untyped]

    vector, quality = pdqhash.compute(np.ascontiguousarray(pixels, dtype=np.uint8))
    if quality < PDQ_QUALITY_THRESHOLD:
        return None
    return np.packbits(vector.astype(np.uint8)).tobytes().hex()


def pdq_words(signals: Sequence[str]) -> np.ndarray:
    """(n, 4) uint64 words of PDQ hex strings, most significant word first."""
    if not signals:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = np.frombuffer(bytes.fromhex("".join(signals)), dtype=">u8").reshape(-1, 4)
    return raw.astype(np.uint64)


class PdqIndex(SignalIndex):
    """Exact Hamming range search over 256-bit hashes, fast enough for millions of entries.

    Multi-index hashing (Norouzi et al., 2012): the hash is cut into 16 chunks of 16 bits, and two
    hashes within distance d agree to within d // 16 bits on at least one chunk (pigeonhole). So
    for d < 32 the candidates are the entries that share one chunk with the query exactly or up to
    one flipped bit: 16 x 17 bucket lookups in sorted chunk tables, a few thousand candidates in a
    million random hashes, each verified with a popcount. Larger thresholds scan every entry (two
    words first, the other two only for the entries still within reach).
    """

    CHUNKS = 16

    def __init__(self, entries: Sequence[tuple[str, int]]) -> None:
        self.keys = np.fromiter((key for _, key in entries), dtype=np.int64, count=len(entries))
        self.words = pdq_words([signal for signal, _ in entries])
        self.columns = np.ascontiguousarray(self.words.T)  # (4, n): a scan reads one word of every entry at a time
        n = len(self.keys)
        chunks = self.words.view(np.uint16).reshape(n, self.CHUNKS) if n else np.zeros((0, 16), np.uint16)
        chunks = np.ascontiguousarray(chunks.T)  # (16, n); chunk order does not matter, only that queries agree
        self.order = np.argsort(chunks, axis=1, kind="stable").astype(np.int32).ravel()
        counts = np.zeros((self.CHUNKS, 65537), dtype=np.int64)
        for chunk in range(self.CHUNKS):
            counts[chunk, 1:] = np.cumsum(np.bincount(chunks[chunk], minlength=65536))
        self.offsets = (counts + np.arange(self.CHUNKS, dtype=np.int64)[:, None] * n).ravel()  # into `order`
        flips = (1 << np.arange(16)).astype(np.uint16)
        self.neighbours = np.concatenate([np.zeros(1, np.uint16), flips])  # XOR masks of distance 0 and 1

    def __len__(self) -> int:
        return len(self.keys)

    def query(self, signal: str, threshold: int) -> list[tuple[int, int]]:
        if not len(self.keys):
            return []
        words = pdq_words([signal])[0]
        rows = self._candidates(words) if threshold < 2 * self.CHUNKS else self._scan(words, threshold)
        distances = np.bitwise_count(self.words[rows] ^ words).sum(axis=1) if len(rows) else np.zeros(0, np.int64)
        keep = distances <= threshold
        return [(int(key), int(distance)) for key, distance in zip(self.keys[rows[keep]], distances[keep], strict=True)]

    def _candidates(self, words: np.ndarray) -> np.ndarray:
        chunks = words[None].view(np.uint16).ravel()  # the same chunking as the table
        probes = (chunks[:, None] ^ self.neighbours[None, :]).astype(np.int64)  # (16, 17)
        slots = probes + (np.arange(self.CHUNKS, dtype=np.int64) * 65537)[:, None]
        starts, ends = self.offsets[slots].ravel(), self.offsets[slots + 1].ravel()
        lengths = ends - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(0, dtype=np.int64)
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return np.unique(self.order[shift + np.arange(total)])

    def _scan(self, words: np.ndarray, threshold: int) -> np.ndarray:
        columns = self.columns
        half = np.bitwise_count(columns[0] ^ words[0]).astype(np.uint16)
        half += np.bitwise_count(columns[1] ^ words[1])
        rows = np.flatnonzero(half <= threshold)
        return rows


TEXT_MIN_FUZZY_CHARS = 20
"""Shorter texts match exactly or not at all: a few characters of difference in a short text is
another text."""


class TextSignal(SignalType):
    """A post's text in Jaga's canonical form (`jaga.text.canonical_key`: Unicode, Zawgyi, look-alike
    letters, leetspeak and spacing undone, lower case). Near-duplicates match by the Indel
    similarity of the canonical texts (rapidfuzz): distance = 100 - similarity in percent, so the
    default threshold 10 matches texts at least 90 % alike. Exact matches are a dictionary lookup."""

    name = "text"
    content_type = ContentType.TEXT
    default_threshold = 10
    exchange_name = "raw_text"
    aliases = ("raw_text",)

    @classmethod
    def validate(cls, signal: str) -> str:
        value = canonical_key(signal)
        if not value:
            raise ValueError("empty text")
        return value

    @classmethod
    def distance(cls, first: str, second: str) -> int:
        from rapidfuzz import fuzz

        return 0 if first == second else 100 - int(fuzz.ratio(first, second))

    @classmethod
    def index(cls, entries: Sequence[tuple[str, int]]) -> SignalIndex:
        return TextIndex(entries)

    @classmethod
    def from_text(cls, text: str) -> str | None:
        return canonical_key(text) or None


class TextIndex(SignalIndex):
    def __init__(self, entries: Sequence[tuple[str, int]]) -> None:
        self.exact = ExactIndex(entries)
        self.texts = [signal for signal, _ in entries]
        self.keys = [key for _, key in entries]

    def __len__(self) -> int:
        return len(self.keys)

    def query(self, signal: str, threshold: int) -> list[tuple[int, int]]:
        found = dict(self.exact.query(signal, threshold))
        if threshold > 0 and len(signal) >= TEXT_MIN_FUZZY_CHARS:
            from rapidfuzz import fuzz, process

            for _, score, position in process.extract(signal, self.texts, scorer=fuzz.ratio, limit=None,
                                                      score_cutoff=100 - threshold):
                if len(self.texts[position]) >= TEXT_MIN_FUZZY_CHARS:
                    found.setdefault(self.keys[position], 100 - int(score))
        return sorted(found.items())


SIGNAL_TYPES: dict[str, type[SignalType]] = {kind.name: kind for kind in (Md5Signal, Sha256Signal, PdqSignal, TextSignal)}
"""Every signal type by its Jaga name."""

_BY_ALIAS = {alias: kind for kind in SIGNAL_TYPES.values() for alias in (kind.name, *kind.aliases)}


def signal_type(name: str) -> type[SignalType]:
    """The signal type called `name` in Jaga, ThreatExchange or HMA; ValueError for unknown names."""
    found = _BY_ALIAS.get(name.strip().lower())
    if found is None:
        raise ValueError(f"unknown signal type {name!r} (known: {', '.join(sorted(_BY_ALIAS))})")
    return found
