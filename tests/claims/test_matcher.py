"""Claim matching on real fact-checks (tests/claims/fixtures/claims.jsonl), with the real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from jaga.claims.index import LexicalIndex, tokens
from jaga.claims.matcher import ClaimMatcher
from jaga.claims.registry import import_path
from jaga.cli import app
from jaga.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "claims.jsonl"


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> ClaimMatcher:
    directory = tmp_path_factory.mktemp("registry")
    store = Store(f"sqlite:///{directory / 'r.db'}")
    import_path(store, FIXTURE)
    matcher = ClaimMatcher(store, directory / "index")
    assert matcher.sync() == 28
    return matcher


@pytest.mark.parametrize(("thai_post", "indonesian_fact_check"), [
    # TurnBackHoax debunked "Menteri Energi Jepang Membungkuk Selama 20 Menit sebagai Bentuk
    # Permintaan Maaf" (Japan's energy minister bowed for 20 minutes to apologise); the same, in Thai:
    ("รัฐมนตรีพลังงานญี่ปุ่นก้มหัวขอโทษนานถึง 20 นาที", "turnbackhoax_id_2021:907"),
    # "Keajaiban terjadi hari ini: Amerika dan Kanada melihat dua matahari" (two suns seen):
    ("ปาฏิหาริย์เกิดขึ้นแล้ววันนี้ คนในอเมริกาและแคนาดาเห็นพระอาทิตย์สองดวงบนท้องฟ้า", "turnbackhoax_id_2021:694"),
])
def test_a_thai_post_matches_the_indonesian_fact_check_of_the_same_claim(
        matcher: ClaimMatcher, thai_post: str, indonesian_fact_check: str) -> None:
    found = matcher.search(thai_post)
    best = found[0]
    assert best.fact_check.id == indonesian_fact_check and best.fact_check.language == "id"
    assert best.fact_check.verdict.is_disinformation
    assert best.score > 10 * found[1].score  # far ahead of the next candidate
    # Whether it is also flagged `is_match` (and so labels the post) depends on the cross-language
    # threshold, calibrated for 80% precision: see docs/CLAIMS.md for how often that happens.


@pytest.mark.parametrize(("text", "expected"), [
    ("Thailand is secretly smuggling fresh milk into Cambodia", "afnc_th:74441"),            # en -> th
    ("600 ribu orang Thailand terinfeksi HIV, rata-rata 2 orang setiap jam", "afnc_th:74250"),  # id -> th
    ("Bộ trưởng Năng lượng Nhật Bản cúi đầu suốt 20 phút để xin lỗi", "turnbackhoax_id_2021:907"),  # vi -> id
    ("Ustaz Abdul Somad dihadiahkan sebuah kereta Alphard", "turnbackhoax_id_2021:760"),    # ms -> id
])
def test_matches_across_the_regions_languages(matcher: ClaimMatcher, text: str, expected: str) -> None:
    assert expected in [match.fact_check.id for match in matcher.search(text, 3)]


def test_a_repeated_claim_is_flagged_as_a_match(matcher: ClaimMatcher) -> None:
    best = matcher.search("Awas! Tiongkok produksi kornet dari tubuh manusia, jangan beli kornet kalengan")[0]
    assert best.fact_check.id == "turnbackhoax_id_2021:564" and best.is_match


def test_unrelated_text_matches_nothing(matcher: ClaimMatcher) -> None:
    assert not any(match.is_match for match in matcher.search("Selamat ulang tahun, semoga panjang umur ya kak!"))


def test_results_are_best_first_and_serialise(matcher: ClaimMatcher) -> None:
    matches = matcher.search("OR IPO shares: open a portfolio with 5000 baht, 1480 baht dividend every day", 5)
    scores = [match.score for match in matches]
    assert scores == sorted(scores, reverse=True) and len(matches) == 5
    document = matches[0].to_json()
    assert {"claim", "language", "verdict", "publisher", "url", "score", "match"} <= set(document)


def test_index_grows_incrementally_and_persists(matcher: ClaimMatcher, tmp_path: Path) -> None:
    from jaga.claims.model import FactCheck, Verdict

    new = FactCheck(id="test:durian", claim="Makan durian dengan minuman bersoda menyebabkan kematian mendadak",
                    language="id", verdict=Verdict.FALSE, rating="Hoaks", publisher="Cek Fakta")
    matcher.store.save_fact_checks([new])
    assert matcher.sync() == 1 and matcher.sync() == 0
    assert matcher.search("Eating durian and drinking soda together causes sudden death")[0].fact_check.id == "test:durian"
    changed = new.model_copy(update={"claim": "Minum air es setelah makan menyebabkan kanker"})
    matcher.store.save_fact_checks([changed])
    assert matcher.sync() == 1  # an edited claim is re-indexed under the same key
    assert matcher.search("Drinking iced water after meals causes cancer")[0].fact_check.id == "test:durian"
    reopened = ClaimMatcher(matcher.store, matcher.index_dir)
    assert reopened.sync() == 0 and len(reopened.index.lexical) == 29


def test_the_semantic_index_is_the_same_whenever_it_is_rebuilt() -> None:
    from jaga.claims.index import SemanticIndex

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((1_500, 384)).astype(np.float32)
    queries = vectors[:50] + 0.5 * rng.standard_normal((50, 384)).astype(np.float32)

    def build() -> list[np.ndarray]:
        index = SemanticIndex()
        for start in range(0, len(vectors), 256):  # as a sync adds them
            index.add(list(range(start, min(start + 256, len(vectors)))), vectors[start:start + 256])
        return [index.search(query, 30).keys for query in queries]

    assert all(np.array_equal(first, second) for first, second in zip(build(), build(), strict=True))


def test_tokens_cover_unspaced_scripts_and_dropped_diacritics() -> None:
    assert tokens("ข่าวปลอม")[:2] == ["ข่", "่า"] and "ปล" in tokens("ข่าวปลอม")
    assert {"người", "nguoi"} <= set(tokens("người Thái"))
    assert tokens("V4KSIN") == tokens("vaksin")  # leetspeak folded before indexing


def test_lexical_index_scores_rare_terms_and_forgets_removed_documents() -> None:
    index = LexicalIndex()
    index.add([1, 2, 3], ["harga BBM naik malam ini", "harga cabai naik", "vaksin mengandung chip"])
    hits = index.search("BBM naik", 3)
    assert hits.keys[0] == 1 and hits.coverage[0] == pytest.approx(1.0)
    index.remove([1])
    assert 1 not in index.search("BBM naik", 3).keys
    np.testing.assert_allclose(index.coverage("vaksin chip", np.array([3, 2])), [1.0, 0.0])


def test_best_coverage_is_the_largest_coverage_with_any_document() -> None:
    from jaga.text import normalise

    index = LexicalIndex()
    claims = ["harga BBM naik malam ini", "harga cabai naik", "vaksin mengandung chip", "ไทยลักลอบส่งนมสดไปขายกัมพูชา"]
    index.add([1, 2, 3, 4], claims)
    index.remove([3])
    texts = ["BBM naik lagi", "vaksin chip", "นมสดไปขายกัมพูชา", "selamat pagi", "cabai"]
    keys = np.array([1, 2, 4])
    expected = [float(index.coverage(text, keys).max()) for text in texts]
    np.testing.assert_allclose(index.best_coverage(texts), expected, rtol=1e-6)
    assert expected[1] == 0.0 and expected[3] == 0.0 and expected[2] == 1.0  # a removed claim is not found
    np.testing.assert_allclose(index.best_coverage(texts, [normalise(text).text for text in texts]), expected, rtol=1e-6)


def test_a_text_is_encoded_once_however_often_it_is_searched(matcher: ClaimMatcher) -> None:
    from jaga.claims.matcher import QueryCache

    cache = matcher.cache = QueryCache()
    first = matcher.search_many(["Awas! Tiongkok produksi kornet dari tubuh manusia"] * 3, 3)
    assert cache.misses == 1 and cache.hits == 2 and len(cache) == 1
    again = matcher.search("Awas! Tiongkok produksi kornet dari tubuh manusia", 3)
    assert cache.misses == 1 and [match.key for match in again] == [match.key for match in first[0]]


def test_sync_reports_progress_in_batches(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    import_path(store, FIXTURE)
    seen: list[tuple[int, int | None]] = []
    assert ClaimMatcher(store, tmp_path / "index").sync(batch_size=10, progress=lambda done, total: seen.append((done, total))) == 28
    assert seen == [(0, 28), (10, 28), (20, 28), (28, 28)]


def test_cli_import_search_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["claims", "import", str(FIXTURE), "--rejects", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["claims", "search", "ไทยลักลอบส่งนมสดไปขายกัมพูชา", "--json", "-k", "2"])
    assert result.exit_code == 0, result.output
    matches = json.loads(result.stdout)
    assert matches[0]["id"] == "afnc_th:74441" and matches[0]["verdict"] == "false" and len(matches) == 2
    assert runner.invoke(app, ["claims", "export", str(tmp_path / "out.csv")]).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"@type": "ClaimReview"}\n', encoding="utf-8")
    result = runner.invoke(app, ["claims", "import", str(bad), "--rejects", str(tmp_path / "bad.rejects.jsonl")])
    assert result.exit_code == 3
    assert json.loads((tmp_path / "bad.rejects.jsonl").read_text(encoding="utf-8"))["line"] == 1
    # Registries are per organisation: another one's is empty, and searching it says so.
    empty = runner.invoke(app, ["claims", "search", "ไทยลักลอบส่งนมสดไปขายกัมพูชา", "--org", "other"])
    assert empty.exit_code == 1 and "registries of asean-taskforce and of other are empty" in " ".join(empty.output.split())
