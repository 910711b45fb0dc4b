"""The battery every signal type passes: hash, parse, exchange round trip, match, no match and the
threshold's edge. A new signal type adds its entry to `CASES` (content to hash, and a
near-duplicate when it matches more than exact copies) and gets the whole battery."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from jaga.banks.exchange import FORMATS, dumps, read_entries
from jaga.banks.model import BankEntry
from jaga.banks.signals import SIGNAL_TYPES, PdqIndex, PdqSignal, SignalType, signal_type

from .images import altered, png

WORDS = ["pinjaman", "segera", "tanpa", "dokumen", "hubungi", "admin", "sekarang", "hadiah", "tunai", "menang",
         "klik", "pautan", "akaun", "bank", "anda", "disekat", "sahkan", "kata", "laluan", "hari", "ini"]


def text_of(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "!"


def text_near(seed: int) -> str:
    """The same text as a re-post would write it: capitals, a zero-width space, an elongated word
    (all undone by the normaliser), and one more word (not undone)."""
    words = text_of(seed).split()
    words[1] = words[1].upper() + "\u200b"
    words[2] = words[2] + words[2][-1] * 3
    return " ".join([*words, "ok"])


@dataclass(frozen=True)
class Case:
    content: Callable[[int], bytes | str]
    near: Callable[[int], bytes | str] | None = None
    """A near-duplicate of `content(seed)`, for signal types that match more than exact copies."""


CASES: dict[str, Case] = {
    "md5": Case(png),
    "sha256": Case(png),
    "pdq": Case(png, altered),
    "text": Case(text_of, text_near),
}
BAD: dict[str, list[str]] = {"text": ["", "   ", "\u200b"]}
HEX_BAD = ["", "xyz", "0" * 31, "g" * 64, "0" * 65]


def signal_of(kind: type[SignalType], content: bytes | str) -> str:
    signal = kind.from_text(content) if isinstance(content, str) else kind.from_bytes(content)
    assert signal is not None
    return signal


def test_every_signal_type_has_a_case() -> None:
    assert set(CASES) == set(SIGNAL_TYPES)


KINDS = [pytest.param(kind, id=name) for name, kind in SIGNAL_TYPES.items()]


@pytest.mark.parametrize("kind", KINDS)
def test_hash_is_canonical_deterministic_and_tells_contents_apart(kind: type[SignalType]) -> None:
    case = CASES[kind.name]
    first = signal_of(kind, case.content(1))
    assert kind.validate(first) == first
    assert signal_of(kind, case.content(1)) == first
    assert signal_of(kind, case.content(2)) != first
    assert signal_type(kind.name) is kind and signal_type(kind.exchange_name) is kind


@pytest.mark.parametrize("kind", KINDS)
def test_parse_normalises_and_refuses_what_is_not_a_signal(kind: type[SignalType]) -> None:
    signal = signal_of(kind, CASES[kind.name].content(1))
    assert kind.validate(f"  {signal.upper()} ") == signal
    for bad in BAD.get(kind.name, HEX_BAD):
        with pytest.raises(ValueError):
            kind.validate(bad)


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_exchange_formats_round_trip(kind: type[SignalType], form: str) -> None:
    entries = [BankEntry("KNOWN", kind.name, signal_of(kind, CASES[kind.name].content(seed))) for seed in range(3)]
    result = read_entries(io.StringIO(dumps(form, entries, {})), form, "KNOWN")
    assert result.rejected == [] and result.entries == entries


def _index(kind: type[SignalType]) -> tuple[dict[int, str], object]:
    signals = {seed: signal_of(kind, CASES[kind.name].content(seed)) for seed in range(1, 6)}
    return signals, kind.index([(signal, seed) for seed, signal in signals.items()])


@pytest.mark.parametrize("kind", KINDS)
def test_match_finds_the_banked_content(kind: type[SignalType]) -> None:
    signals, index = _index(kind)
    assert index.query(signals[3], kind.default_threshold) == [(3, 0)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_no_match_for_other_content(kind: type[SignalType]) -> None:
    _, index = _index(kind)
    assert index.query(signal_of(kind, CASES[kind.name].content(99)), kind.default_threshold) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_threshold_is_inclusive_and_near_duplicates_match_by_default(kind: type[SignalType]) -> None:
    case = CASES[kind.name]
    signals, index = _index(kind)
    if case.near is None:  # exact types: one changed byte is another content
        content = case.content(3)
        assert isinstance(content, bytes)
        other = signal_of(kind, content[:-1] + bytes([content[-1] ^ 1]))
        assert index.query(other, kind.default_threshold) == []  # type: ignore[attr-defined]
        return
    near = signal_of(kind, case.near(3))
    distance = kind.distance(signals[3], near)
    assert 0 < distance <= kind.default_threshold
    assert index.query(near, kind.default_threshold) == [(3, distance)]  # type: ignore[attr-defined]
    assert index.query(near, distance) == [(3, distance)]  # type: ignore[attr-defined]
    assert index.query(near, distance - 1) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("threshold", [0, 8, 31, 40, 70])
def test_pdq_index_agrees_with_brute_force(threshold: int) -> None:
    """Multi-index hashing below 32, the two-stage scan above: both exact, checked against the
    plain pairwise distance on hashes planted at every distance around the threshold."""
    rng = np.random.default_rng(threshold)
    bank = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(3_000)]
    queries = []
    for _ in range(40):
        base = int(bank[int(rng.integers(len(bank)))], 16)
        flips = rng.choice(256, size=int(rng.integers(0, threshold + 6)), replace=False)
        queries.append(f"{base ^ sum(1 << int(bit) for bit in flips):064x}")
    index = PdqIndex([(signal, key) for key, signal in enumerate(bank)])
    for query in queries:
        expected = sorted((key, PdqSignal.distance(signal, query)) for key, signal in enumerate(bank)
                          if PdqSignal.distance(signal, query) <= threshold)
        assert sorted(index.query(query, threshold)) == expected
