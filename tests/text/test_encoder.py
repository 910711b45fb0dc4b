from jaga.text.encoder import E5, E5_NAMES, MAX_ENCODED_CHARS, clip, encoder_kind


def test_clip_collapses_whitespace_and_is_never_empty() -> None:
    assert clip("  Vaksin\n\tmengandung   chip ") == "Vaksin mengandung chip"
    assert clip("") == "-" and clip(" \n ") == "-"
    assert len(clip("kata " * 1_000)) <= MAX_ENCODED_CHARS


def test_clip_lowers_shouted_text_and_keeps_acronyms() -> None:
    assert clip("NYALAKAN AC TANPA BUKA KACA BISA SEBABKAN KANKER") == "nyalakan ac tanpa buka kaca bisa sebabkan kanker"
    assert clip("Fatwa MUI soal vaksin COVID-19 dan WHO") == "Fatwa MUI soal vaksin COVID-19 dan WHO"
    assert clip("HOAKS! Cek dulu") == "HOAKS! Cek dulu"  # under 8 capitals: an acronym's worth
    assert clip("ไทยลักลอบส่งออกนมสด") == "ไทยลักลอบส่งออกนมสด"  # uncased scripts are untouched


def test_heads_trained_on_the_previous_e5_vectors_still_load() -> None:
    assert all(encoder_kind(name) == E5 for name in E5_NAMES)
