from __future__ import annotations

import random

import numpy as np
import pytest

from jaga.campaigns.features import matching_text
from jaga.campaigns.minhash import LshParams, distinct, group_texts, jaccard, signatures
from jaga.text.icu import zawgyi_transliterator


def test_signature_agreement_estimates_jaccard() -> None:
    rng = random.Random(3)
    alphabet = "abcdefghij klmnop"
    base = "".join(rng.choice(alphabet) for _ in range(300))
    variants = []
    for edits in (0, 5, 20, 60, 150):
        chars = list(base)
        for _ in range(edits):
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        variants.append("".join(chars))
    params = LshParams(bands=64, rows=2)  # 128 values: a tight estimate
    signature = signatures([base, *variants], params)
    for index, variant in enumerate(variants, start=1):
        estimate = float((signature[0] == signature[index]).mean())
        assert estimate == pytest.approx(jaccard(base, variant), abs=0.12)


def test_paraphrases_group_and_strangers_do_not() -> None:
    texts = [
        "Pemerintah bagi bantuan tunai 5 juta untuk semua warga, daftar sekarang sebelum ditutup!",
        "PENTING: pemerintah bagi bantuan tunai 5 juta untuk semua warga, daftar sekarang sebelum ditutup 😱🔥",
        "pemerintah bagi tunai bantuan 5 juta untuk warga semua, daftar sekarang sebelum ditutup",
        "Harga cabai di pasar induk naik dua kali lipat minggu ini karena musim hujan panjang",
        "รัฐบาลแจกเงินช่วยเหลือคนละ 5,000 บาท ลงทะเบียนด่วนภายในวันนี้ก่อนระบบปิด",
        "‼️ รัฐบาลแจกเงินช่วยเหลือคนละ 5,000 บาท ลงทะเบียนด่วนภายในวันนี้ก่อนระบบปิด กดเลย",
        "ok",
    ]
    groups = group_texts([matching_text(text) for text in texts])
    assert groups[0] == groups[1] == groups[2]
    assert groups[4] == groups[5]
    assert len({groups[0], groups[3], groups[4]}) == 3
    assert groups[6] == -1  # too short to compare


def test_zawgyi_and_unicode_copies_are_one_group() -> None:
    unicode = "ရွေးကောက်ပွဲမှာ မဲလိမ်မှုတွေ အများကြီးရှိတယ်၊ အထောက်အထားတွေ ဒီမှာကြည့်ပါ"
    import icu

    zawgyi = icu.Transliterator.createInstance("my-Zawgyi").transliterate(unicode)
    assert zawgyi != unicode
    assert zawgyi_transliterator().transliterate(zawgyi) == unicode
    groups = group_texts([matching_text(zawgyi), matching_text(unicode + " 🙏")])
    assert groups[0] == groups[1] >= 0


def test_signatures_do_not_depend_on_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    import jaga.campaigns.minhash as minhash

    texts = [f"post number {index} with some words in it" for index in range(50)] + ["", "abc"]
    whole = signatures(texts)
    monkeypatch.setattr(minhash, "CHUNK_CHARS", 40)
    assert np.array_equal(whole, signatures(texts))


def test_distinct_matches_numpy_unique() -> None:
    values = np.random.default_rng(1).integers(0, 50, size=1000)
    assert np.array_equal(distinct(values), np.unique(values))
    assert len(distinct(np.empty(0, dtype=np.int64))) == 0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        LshParams(threshold=0)
