"""The retrieval pairs built from the public sets (`jaga.claims.evaluation`)."""

from __future__ import annotations

from pathlib import Path

from jaga.claims.evaluation import turnbackhoax_pairs

NARRATIVE = "Pesan berantai: minum air es setelah makan menyebabkan kanker, sebarkan ke keluarga"


def _write_turnbackhoax(root: Path, rows: list[tuple[str, str, str]]) -> Path:
    directory = root / "turnbackhoax_id_2021"
    directory.mkdir(parents=True)
    lines = ["Label;Headline;Body;;;;"] + [f"{label};{headline};{body};;;;" for label, headline, body in rows]
    (directory / "Scrapping.csv").write_bytes("\n".join(lines).encode("cp1252"))
    return root


def _hoax(narrative: str) -> str:
    return f"Beredar pesan di WhatsApp. ====== (KATEGORI): HOAKS ====== (NARASI): “{narrative}” ====== (PENJELASAN): Tidak benar."


def test_a_rumour_debunked_twice_has_both_articles_as_answers(tmp_path: Path) -> None:
    root = _write_turnbackhoax(tmp_path, [
        ("0", "Air Es Menyebabkan Kanker", _hoax(NARRATIVE)),
        ("1", "AIR ES MENYEBABKAN KANKER!", "Klarifikasi dokter: air es tidak menyebabkan kanker, kata ahli gizi di Jakarta."),
        ("0", "Vaksin Mengandung Chip", _hoax("Vaksin covid mengandung chip pelacak dari luar negeri, jangan mau disuntik")),
        ("0", "Minum Air Es Sebabkan Kanker (Lagi)", _hoax(NARRATIVE + ".")),
    ])
    pairs = {pair.query: pair.gold for pair in turnbackhoax_pairs(root)}
    first, twin, other, again = (f"turnbackhoax_id_2021:{number}" for number in (1, 2, 3, 4))
    # the same title in other capitals and punctuation, and the same narrative under another title
    assert pairs[NARRATIVE] == {first, twin, again}
    assert pairs[NARRATIVE + "."] == {first, again}
    assert set(pairs.values()) >= {frozenset({other})}
