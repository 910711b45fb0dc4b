"""What a sync encodes (the encoder is nearly all of its time) and the vectorised look-ups behind a
search, on real fact-checks (tests/claims/fixtures/claims.jsonl) with the real encoder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from jaga.claims.index import LexicalIndex, text_digest
from jaga.claims.matcher import ClaimMatcher, _reciprocal_rank, language_of
from jaga.claims.model import FactCheck, Verdict
from jaga.claims.registry import import_path
from jaga.store import Store
from jaga.text import normalise
from jaga.text.encoder import Encoder

FIXTURE = Path(__file__).parent / "fixtures" / "claims.jsonl"


class CountingEncoder(Encoder):
    """The real encoder, keeping the texts it was given (to see what a sync encodes)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> np.ndarray:
        self.texts.extend(texts)
        return super().encode(texts, languages)

    def during(self, sync: Callable[[], int]) -> tuple[int, list[str]]:
        """What `sync` returned, and the texts encoded while it ran."""
        start = len(self.texts)
        return sync(), self.texts[start:]


@pytest.fixture
def registry(tmp_path: Path) -> tuple[Store, ClaimMatcher, CountingEncoder]:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    import_path(store, FIXTURE)
    encoder = CountingEncoder()
    matcher = ClaimMatcher(store, tmp_path / "index", encoder=encoder)
    assert encoder.during(lambda: matcher.sync(batch_size=10)) == (28, [fact_check.claim for fact_check in
                                                                   store.iter_fact_checks()])
    return store, matcher, encoder


def vector_of(matcher: ClaimMatcher, fact_check_id: str, claim: str) -> np.ndarray:
    """The stored vector of a fact-check (found by searching its own claim)."""
    key = next(match.key for match in matcher.search(claim, 5) if match.fact_check.id == fact_check_id)
    return np.asarray(matcher.index.semantic.index.get(np.asarray([key], dtype=np.uint64))).reshape(-1)


def test_a_fact_check_whose_text_is_unchanged_is_not_encoded_again(
        registry: tuple[Store, ClaimMatcher, CountingEncoder]) -> None:
    store, matcher, encoder = registry
    query = "Awas! Tiongkok produksi kornet dari tubuh manusia, jangan beli kornet kalengan"
    before = [(match.key, match.score) for match in matcher.search(query, 5)]
    fact_check = store.fact_check("turnbackhoax_id_2021:564")
    assert fact_check is not None
    vector = vector_of(matcher, fact_check.id, fact_check.claim)
    store.save_fact_checks([fact_check.model_copy(update={"summary": "Rated again: still a hoax."})])
    assert encoder.during(matcher.sync) == (1, [])  # re-indexed (a new summary), not encoded again
    assert [(match.key, match.score) for match in matcher.search(query, 5)] == before
    assert matcher.search(query, 1)[0].fact_check.summary == "Rated again: still a hoax."
    np.testing.assert_array_equal(vector_of(matcher, fact_check.id, fact_check.claim), vector)

    # the digests are saved with the index: a matcher opened later knows the texts too
    reopened = ClaimMatcher(store, matcher.index_dir, encoder=encoder)
    store.save_fact_checks([fact_check.model_copy(update={"rating": "Misleading", "verdict": Verdict.MISLEADING})])
    assert encoder.during(reopened.sync) == (1, [])
    store.save_fact_checks([fact_check.model_copy(update={"claim": "Minum air es setelah makan menyebabkan kanker"})])
    assert encoder.during(reopened.sync) == (1, ["Minum air es setelah makan menyebabkan kanker"])
    assert reopened.search("Drinking iced water after meals causes cancer", 1)[0].fact_check.id == "turnbackhoax_id_2021:564"


def test_a_claim_repeated_in_the_registry_is_encoded_once(registry: tuple[Store, ClaimMatcher, CountingEncoder]) -> None:
    store, matcher, encoder = registry
    claim = "Makan durian dengan minuman bersoda menyebabkan kematian mendadak"
    store.save_fact_checks([FactCheck(id=f"test:durian:{number}", claim=claim, language="id", verdict=Verdict.FALSE,
                                      rating="Hoaks", publisher=f"Cek Fakta {number}") for number in range(3)])
    assert encoder.during(matcher.sync) == (3, [claim])
    found = matcher.search("Eating durian and drinking soda together causes sudden death", 3)
    assert {match.fact_check.id for match in found} == {"test:durian:0", "test:durian:1", "test:durian:2"}
    stored = np.asarray(matcher.index.semantic.index.get(np.asarray([match.key for match in found], dtype=np.uint64)))
    assert (stored == stored[0]).all()  # one vector, under each key


def test_the_same_text_in_another_language_is_encoded_again() -> None:
    """The vector depends on the language too (`shift_languages`)."""
    assert text_digest("Vaksin COVID-19", "id") != text_digest("Vaksin COVID-19", "ms")
    assert text_digest("Vaksin  COVID-19 ", "id") == text_digest("Vaksin COVID-19", "id")  # what e5 reads is the same


def test_an_index_saved_before_digests_were_kept_still_opens(tmp_path: Path) -> None:
    index = LexicalIndex()
    index.add([1, 2], ["harga BBM naik", "vaksin mengandung chip"], ["id", "id"],
              [text_digest("harga BBM naik", "id"), text_digest("vaksin mengandung chip", "id")])
    index.save(tmp_path / "lexical.npz")
    assert LexicalIndex.load(tmp_path / "lexical.npz").digest_of([2, 1, 9]).tolist() == [
        text_digest("vaksin mengandung chip", "id"), text_digest("harga BBM naik", "id"), 0]
    with np.load(tmp_path / "lexical.npz") as stored:
        old = {name: stored[name] for name in stored.files if name != "digests"}
    np.savez(tmp_path / "old.npz", **old)
    loaded = LexicalIndex.load(tmp_path / "old.npz")
    assert loaded.digest_of([1, 2]).tolist() == [0, 0]  # unknown: encoded again when they change
    assert loaded.search("BBM naik", 1).keys.tolist() == [1]


def test_keys_are_looked_up_for_all_candidates_at_once() -> None:
    index = LexicalIndex()
    index.add([10, 3, 7], ["harga BBM naik", "vaksin chip", "ไทยลักลอบส่งนม"], ["id", "id", "th"])
    index.remove([3])
    index.add([5], ["harga cabai naik"], ["ms"])
    keys = np.array([3, 5, 7, 10, 99])
    assert index.rows_of(keys).tolist() == [-1, 3, 2, 0, -1]
    assert index.language_of(keys).tolist() == ["und", "ms", "th", "id", "und"]
    assert index.language_of(np.zeros(0, dtype=np.int64)).tolist() == []
    np.testing.assert_array_equal(index.coverage("vaksin chip", keys), [0.0, 0.0, 0.0, 0.0, 0.0])
    assert index.coverage("harga cabai", keys)[1] == pytest.approx(1.0)


def test_reciprocal_rank_is_one_over_the_place_in_the_list() -> None:
    ranked = np.array([40, 7, 12, 7], dtype=np.int64)  # a key listed twice counts at its last place
    keys = np.array([3, 7, 12, 40], dtype=np.int64)
    position = {int(key): rank for rank, key in enumerate(ranked, start=1)}
    expected = [1.0 / position[int(key)] if int(key) in position else 0.0 for key in keys]
    np.testing.assert_array_equal(_reciprocal_rank(keys, ranked), expected)
    assert _reciprocal_rank(keys, np.zeros(0, dtype=np.int64)).tolist() == [0.0] * 4


def test_a_search_given_normalised_texts_finds_what_it_finds_without(
        registry: tuple[Store, ClaimMatcher, CountingEncoder]) -> None:
    """The claim stage hands the text stage's normalised text on; nothing may change but the work."""
    _, matcher, _ = registry
    texts = ["รัฐมนตรีพลังงานญี่ปุ่นก้มหัวขอโทษนานถึง 20 นาที", "V4KSIN covid mengandung chip 5G!!",
             "Thailand is secretly smuggling fresh milk into Cambodia", "x" * 1_200 + " vaksin chip"]
    canonical = [normalise(text).text for text in texts]
    assert [language_of(text, form) for text, form in zip(texts, canonical, strict=True)] == \
        [language_of(text) for text in texts]
    plain = matcher.search_many(texts, 5)
    given = matcher.search_many(texts, 5, canonical)
    assert [[(match.key, match.score, match.lexical) for match in found] for found in given] == \
        [[(match.key, match.score, match.lexical) for match in found] for found in plain]
