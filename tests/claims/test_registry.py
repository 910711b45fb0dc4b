"""Fact-checks in and out: verdict normalisation, ClaimReview, CSV, the public sets, the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaga.claims.claimreview import from_claimreview, to_claimreview
from jaga.claims.model import FactCheck, Verdict, verdict_from_rating
from jaga.claims.registry import export_fact_checks, import_dataset, import_path
from jaga.claims.sources import (
    DATASETS,
    Rejected,
    read_claimreview,
    read_csv,
    turnbackhoax_narrative,
    turnbackhoax_summary,
)
from jaga.config import data_dir
from jaga.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "claims.jsonl"
needs_data = pytest.mark.skipif(not (data_dir() / "claims").is_dir(), reason="shared datasets not present")


@pytest.mark.parametrize(("rating", "verdict"), [
    ("Hoaks", Verdict.FALSE), ("[SALAH]", Verdict.FALSE), ("ข่าวปลอม", Verdict.FALSE), ("ข่าวบิดเบือน", Verdict.MISLEADING),
    ("Sai sự thật", Verdict.FALSE), ("Missing context.", Verdict.MISLEADING), ("Partly false information", Verdict.PARTLY_FALSE),
    ("Konten yang Menyesatkan", Verdict.MISLEADING), ("Satire", Verdict.SATIRE), ("ข่าวจริง", Verdict.TRUE),
    ("Altered photo/video.", Verdict.MISLEADING), ("Fact News", Verdict.TRUE),
])
def test_ratings_in_the_regions_languages_map_to_one_scale(rating: str, verdict: Verdict) -> None:
    assert verdict_from_rating(rating) == verdict


def test_an_unknown_rating_is_not_guessed() -> None:
    assert verdict_from_rating("Four Pinocchios") is None


def test_claimreview_round_trip_is_exact() -> None:
    for item in read_claimreview(FIXTURE):
        assert isinstance(item, FactCheck), item
        assert from_claimreview(json.loads(json.dumps(to_claimreview(item)))) == item


def test_foreign_claimreview_without_jaga_terms() -> None:
    """A ClaimReview as fact-checkers publish it for search engines."""
    document = {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://example.org/fc/1",
                "claimReviewed": "Minum air kelapa menyembuhkan COVID-19", "inLanguage": "id-ID",
                "datePublished": "2021-03-02", "author": {"@type": "Organization", "name": "Cek Fakta"},
                "reviewRating": {"@type": "Rating", "ratingValue": "1", "worstRating": "1", "bestRating": "5",
                                 "alternateName": "SALAH"},
                "itemReviewed": {"@type": "Claim", "appearance": [{"@type": "CreativeWork", "url": "https://x.test/p"}]}}
    fact_check = from_claimreview(document)
    assert fact_check.verdict == Verdict.FALSE and fact_check.rating == "SALAH" and fact_check.language == "id"
    assert fact_check.id.startswith("fc_") and fact_check.appearances[0].url == "https://x.test/p"
    assert str(fact_check.review_date) == "2021-03-02"
    numeric_only = {**document, "reviewRating": {"ratingValue": 5, "worstRating": 1, "bestRating": 5}}
    assert from_claimreview(numeric_only).verdict == Verdict.TRUE


def test_bad_claimreview_lines_are_rejected_with_their_line(tmp_path: Path) -> None:
    good = FIXTURE.read_text(encoding="utf-8").splitlines()[0]
    no_author = json.loads(good)
    no_author.pop("author")
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([good, "{not json", json.dumps(no_author), json.dumps({"@type": "Article"})]) + "\n",
                    encoding="utf-8")
    items = list(read_claimreview(path))
    assert isinstance(items[0], FactCheck)
    rejected = [(item.line, item.reason) for item in items if isinstance(item, Rejected)]
    assert [line for line, _ in rejected] == [2, 3, 4]
    assert "malformed JSON" in rejected[0][1] and "author" in rejected[1][1] and "ClaimReview" in rejected[2][1]


def test_csv_rejects_unknown_ratings_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text("claim,language,rating,publisher\n"
                    "\"Vaksin mengandung\nmicrochip\",id,Hoaks,Cek Fakta\n"
                    "Bumi datar,id,Four Pinocchios,Cek Fakta\n"
                    ",id,Hoaks,Cek Fakta\n", encoding="utf-8")
    items = list(read_csv(path))
    assert isinstance(items[0], FactCheck) and items[0].verdict == Verdict.FALSE
    assert [(item.line, item.reason.split(" ")[0]) for item in items[1:]] == [(4, "unknown"), (5, "claim:")]


def test_import_export_round_trip_through_the_store(database_url: str, tmp_path: Path) -> None:
    store = Store(database_url)
    report = import_path(store, FIXTURE)
    assert (report.read, report.written, report.rejected) == (28, 28, [])
    assert import_path(store, FIXTURE).written == 0  # unchanged records are not rewritten
    original = sorted(store.iter_fact_checks(), key=lambda item: item.id)
    for suffix in (".jsonld", ".jsonl", ".csv"):
        exported = tmp_path / f"registry{suffix}"
        assert export_fact_checks(store, exported) == 28
        other = Store(f"sqlite:///{tmp_path / f'other{suffix}.db'}")
        assert import_path(other, exported).rejected == []
        assert sorted(other.iter_fact_checks(), key=lambda item: item.id) == original, suffix


def test_registry_is_scoped_by_organisation(database_url: str) -> None:
    import_path(Store(database_url, org="afnc"), FIXTURE)
    other = Store(database_url, org="mafindo")
    assert other.count_fact_checks() == 0 and other.fact_check("afnc_th:74441") is None


@needs_data
@pytest.mark.parametrize(("name", "usable", "rejected"), [
    ("afnc_th_opendata", 222, 69), ("turnbackhoax_id_2021", 1116, 0), ("fake_news_filipino", 3206, 0),
    ("indo_hoax_pratiwi", 850, 0), ("limesoda_th", 378, 0), ("vfnd_vi", 449, 0), ("semeval2025_task7_trial", 43, 7),
])
def test_every_public_set_imports_with_rejects_reported(name: str, usable: int, rejected: int, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    report = import_dataset(store, name, data_dir() / "claims")
    assert (report.read - len(report.rejected), len(report.rejected)) == (usable, rejected)
    assert all(reject.line >= 2 and reject.reason for reject in report.rejected)
    exported = tmp_path / "out.jsonld"
    export_fact_checks(store, exported)
    again = Store(f"sqlite:///{tmp_path / 'again.db'}")
    assert import_path(again, exported).rejected == []
    assert list(again.iter_fact_checks()) == list(store.iter_fact_checks())


@needs_data
def test_turnbackhoax_keeps_the_circulating_message() -> None:
    items = [item for item in DATASETS["turnbackhoax_id_2021"](data_dir() / "claims" / "turnbackhoax_id_2021")
             if isinstance(item, FactCheck) and item.appearances]
    assert len(items) > 300
    assert all("NARASI" not in (item.appearances[0].text or "")[:20] for item in items)
    # The message ends where the fact-checker's explanation starts: it is the evaluation's query.
    assert not [item.id for item in items if "PENJELASAN" in (item.appearances[0].text or "")]


def test_turnbackhoax_message_ends_at_the_next_block_whatever_its_punctuation() -> None:
    message = "Gunung Galunggung meletus melontarkan batu batu yang cukup besar"
    for explanation in ("PENJELASAN Gunung itu terakhir meletus pada 1982.", "=PENJELASAN= (1) Foto lama.",
                        "PENJELASANHoax lama yang kembali beredar.", "(PENJELASAN): Foto lama.",
                        "ANALISA: video dari Bolivia.", "FAKTA Gambar diambil di Solo.",
                        "REFERENSIhttps://goo.gl/x", "SUMBER: Facebook"):
        body = f"KATEGORI: Hoaks NARASI: “{message}” {explanation}"
        assert turnbackhoax_narrative(body) == message, explanation
    assert turnbackhoax_narrative("NARASI: PENJELASAN : Belakangan ini banyak beredar tulisan.") is None


def test_turnbackhoax_summary_is_the_fact_checkers_words_not_the_message() -> None:
    body = ("Foto: x.com Polisi memastikan tidak ada korban muazin dan pelaku orang gila. Beredar pesan: terjadi lagi "
            "pembunuhan terhadap muadzin di desa Sindang kemarin malam. ====== (KATEGORI): Hoaks ====== (NARASI): "
            "Terjadi lagi pembunuhan terhadap muadzin di desa Sindang kemarin malam, pemerintah gagal total. "
            "====== (PENJELASAN): Hasil penyidikan polisi.")
    assert turnbackhoax_summary(body, turnbackhoax_narrative(body)) == \
        "Polisi memastikan tidak ada korban muazin dan pelaku orang gila."
    no_opening = ("SUMBER : MEDIA SOSIAL NARASI : ALLAHU AKBAR GUDANG SENJATA MILIK ISRAEL MELEDAK PENJELASAN : Ledakan "
                  "tersebut tidak terjadi di Israel melainkan di Tianjin, Tiongkok pada tahun 2015 lalu.")
    assert turnbackhoax_summary(no_opening, turnbackhoax_narrative(no_opening)) == \
        "Ledakan tersebut tidak terjadi di Israel melainkan di Tianjin, Tiongkok pada tahun 2015 lalu."
    assert turnbackhoax_summary("KATEGORI: Hoaks NARASI: pesan berantai yang panjang sekali") is None


@needs_data
def test_turnbackhoax_summaries_never_repeat_the_circulating_message() -> None:
    """The evaluation's queries are the messages: a summary quoting one would be found by its own words."""
    import re

    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.casefold())
        return {tuple(words[i:i + 6]) for i in range(len(words) - 5)}

    items = [item for item in DATASETS["turnbackhoax_id_2021"](data_dir() / "claims" / "turnbackhoax_id_2021")
             if isinstance(item, FactCheck) and item.summary]
    assert len(items) > 450
    assert not any(runs(item.summary or "") & runs(item.appearances[0].text or "") for item in items if item.appearances)


@needs_data
def test_afnc_records_carry_the_fact_checkers_finding_without_links() -> None:
    items = {item.id: item for item in DATASETS["afnc_th_opendata"](data_dir() / "claims" / "afnc_th_opendata")
             if isinstance(item, FactCheck)}
    summary = items["afnc_th:74850"].summary or ""
    assert summary.startswith("ยืนยัน! เป็นข่าวปลอม") and "http" not in summary
    assert all(len(item.summary or "") <= 600 for item in items.values())
