"""The shipped contextual model: it loads without torch, separates what the functional corpus
teaches in every language, and its evidence is words that carry the score."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from jaga.contextual.model import ContextualModel, bundled_model, word_spans

CASES = [  # (text, language, hateful)
    ("orang Papua itu monyet, usir mereka semua dari kampung ini", "id", True),
    ("kaum pendatang Bangla ni semua sampah, halau je balik", "ms", True),
    ("I think women are a plague on society and should not vote", "en", True),
    ("Women deserve the same pay and the same vote as anyone", "en", False),
    ("คนพม่าเป็นเชื้อโรคของประเทศนี้ ไล่มันออกไปให้หมด", "th", True),
    ("ตัวแทนแรงงานพม่าได้รับเชิญมาพูดในงานวันนี้", "th", False),
    ("我讨厌马来人 他们都是垃圾", "zh", True),
    ("我的马来同事人很好，周末一起去吃饭", "zh", False),
    ("Dapat ipagbawal ang mga Muslim sa bansang ito", "tl", True),
    ("Bọn bê đê nên bị đánh chết hết", "vi", True),
]


COUNTER_SPEECH = [  # (text, language): replies that name a slur to condemn it, not hateful
    ("Jangan pernah menyebut orang Papua monyet. Mereka saudara kita sebangsa.", "id"),
    ("Saya muak dengan orang yang memanggil orang Papua monyet, itu rasis!", "id"),
    ("Menyebut orang Papua monyet itu rasisme, titik.", "id"),
    ("Kalau ada yang bilang orang Papua monyet, laporkan saja ke polisi.", "id"),
    ("Teriakan 'monyet' ke mahasiswa Papua di Surabaya itu memalukan bangsa ini.", "id"),
    ("Tolong berhenti pakai kata 'Cina babi', itu menyakitkan tetangga kita.", "id"),
    ("Aku dulu sering ikut-ikutan sebut orang Cina babi, sekarang aku malu sekali.", "id"),
    ("Stop panggil orang Ahmadiyah sesat dan kafir, mereka juga warga negara.", "id"),
    ("Jangan panggil pekerja Bangla 'sampah', mereka bina negara kita juga.", "ms"),
    ("Siapa yang panggil orang India keling patut malu, ini Malaysia untuk semua.", "ms"),
    ("Aku tak suka bila kawan aku gelar orang Cina 'babi', aku tegur terus.", "ms"),
    ("Orang Papua bukan monyet. Mereka manusia dengan martabat yang sama.", "id"),
]
SLUR_HATE = [  # the hate those replies condemn, in the same words
    ("Orang Papua memang monyet, pantas dikurung di hutan.", "id"),
    ("Dasar Cina babi, pulang saja ke negaramu.", "id"),
    ("Ahmadiyah sesat, bakar saja masjid mereka.", "id"),
    ("Pekerja Bangla ni sampah, halau semua balik.", "ms"),
    ("Keling memang busuk, jangan bagi masuk kedai aku.", "ms"),
    ("Monyet-monyet Papua itu tidak pantas sekolah di sini.", "id"),
]


@pytest.fixture(scope="module")
def model() -> ContextualModel:
    loaded = bundled_model()
    assert loaded is not None, "the package ships a contextual model"
    return loaded


def test_loads_and_runs_without_torch(model: ContextualModel) -> None:
    probe = ("import sys; from jaga.contextual.model import bundled_model; "
             "bundled_model().predict_proba(['hello'], ['en']); assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", probe], check=True)
    assert model.categories[:2] == ("hate_speech", "harassment")
    assert model.metadata["layers"] == 12


def test_separates_hate_from_its_contrasts_across_languages(model: ContextualModel) -> None:
    scores = model.predict_proba([text for text, _, _ in CASES], [language for _, language, _ in CASES])[:, 0]
    for (text, _, hateful), score in zip(CASES, scores, strict=True):
        assert (score >= 0.6) == hateful, (text, float(score))


def test_counter_speech_that_names_the_slur_is_not_read_as_the_hate_it_condemns(model: ContextualModel) -> None:
    """Indonesian and Malay replies that quote a slur to condemn it share every word with the hate;
    the functional corpus teaches the difference. A set, not one case: single sentences of this kind
    sit near the threshold ("orang Papua itu saudara kita, jangan pernah sebut mereka monyet" read
    0.56 under contextual-20261205c, 0.85 under 20261205h and 0.65 under 20261206a, while 20261205h and
    20261206a flag none of these twelve, 20261205c two)."""
    texts = [text for text, _ in COUNTER_SPEECH + SLUR_HATE]
    scores = model.predict_proba(texts, [language for _, language in COUNTER_SPEECH + SLUR_HATE])[:, 0]
    counter, hate = scores[:len(COUNTER_SPEECH)], scores[len(COUNTER_SPEECH):]
    assert (hate >= 0.6).all(), [round(float(score), 2) for score in hate]
    assert (counter >= 0.6).sum() <= 2, [round(float(score), 2) for score in counter]
    assert np.median(counter) < 0.2


GREETINGS = [("Selamat pagi semua {name}, jumpa lagi esok", "ms"), ("Good morning {name}, see you tomorrow", "en"),
             ("Terima kasih {name} atas bantuannya", "id"), ("happy birthday {name}! 🎉", "en"),
             ("salamat po {name}, ingat kayo", "tl"), ("chào buổi sáng {name}, hẹn gặp lại", "vi")]
NAMES = ["Budi", "Ah Huat", "@kopi_lover88", "Siti", "Marlon", "Tuan Haji", "Kak Ros", "Wei Ling",
         "zqacmemy", "zqothermy", "zqalphamy", "xvqt"]  # usernames and ids are any string


def test_a_friendly_sentence_with_an_unfamiliar_name_is_not_read_as_a_slur_sentence(model: ContextualModel) -> None:
    """Slur sentences are friendly sentences with a slur in them ("搭Grab遇到{s}司机"); a model that
    learns them without enough name twins reads any unfamiliar word there as a slur. Under
    contextual-20261206a 3 of these 72 reach 0.6 ("salamat po Ah Huat, ingat kayo" 0.66, "Good morning
    zqacmemy, see you tomorrow" 0.63; "happy birthday Wei Ling!" 0.597 just below, so the bound leaves
    one of room for another CPU's int8 rounding); candidates trained on short slur sentences put 6
    (20261206b) and 5 (20261206c, "Good morning zqacmemy" 0.77) there, and were not adopted."""
    texts = [frame.format(name=name) for frame, _ in GREETINGS for name in NAMES]
    languages = [language for _, language in GREETINGS for _ in NAMES]
    scores = model.predict_proba(texts, languages)[:, 0]
    assert (scores >= 0.6).sum() <= 4, sorted(zip(scores.round(2).tolist(), texts, strict=True))[-5:]
    assert np.median(scores) < 0.2


def test_runs_on_int8_kernels_close_to_float32(model: ContextualModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped file carries its input ranges, so the default path is int8; float32 stays one
    setting away and gives the same decisions on the contrast cases, except where a case sits within
    0.1 of the threshold."""
    assert getattr(model.encoder, "int8", False)
    monkeypatch.setenv("JAGA_CONTEXTUAL_INT8", "off")
    exact = ContextualModel.load()
    assert not getattr(exact.encoder, "int8", False)
    texts, languages = [text for text, _, _ in CASES], [language for _, language, _ in CASES]
    difference = np.abs(model.logits(texts) - exact.logits(texts))
    assert difference.mean() < 0.3
    int8, float32 = model.predict_proba(texts, languages), exact.predict_proba(texts, languages)
    clear = np.abs(float32 - 0.6) >= 0.1  # a case this close to the threshold may fall either side
    assert clear.mean() > 0.9
    assert ((int8 >= 0.6) == (float32 >= 0.6))[clear].all()


def test_calibration_is_per_language_where_there_is_enough(model: ContextualModel) -> None:
    assert "hate_speech" in model.calibration
    assert {f"hate_speech:{language}" for language in ("id", "th", "zh", "km", "lo", "my")} <= set(model.calibration)


def test_word_spans_cut_unspaced_scripts_into_words() -> None:
    text = "คนพม่าเป็นเชื้อโรค"
    words = [text[start:end] for start, end in word_spans(text)]
    assert "พม่า" in words and "".join(words) == text
    latin = "hello, world!"
    assert [latin[start:end] for start, end in word_spans(latin)] == ["hello", "world"]


def test_occlusion_finds_the_word_that_carries_the_score(model: ContextualModel) -> None:
    text = "aku akan bunuh semua orang Kristen besok"
    spans, drops = model.occlusion(text, "id")
    assert drops.shape == (len(spans), len(model.categories))
    words = [text[start:end] for start, end in model.evidence(spans, drops, "hate_speech")]
    assert words and words[0] == "bunuh"
    benign = "selamat pagi semua, hari ini cerah sekali"
    spans, drops = model.occlusion(benign, "id")
    assert model.evidence(spans, drops, "hate_speech") == []  # nothing stands out: no evidence


def test_occlusion_reads_a_bounded_number_of_words(model: ContextualModel) -> None:
    text = " ".join(f"kata{index}" for index in range(200))
    spans, drops = model.occlusion(text, "id", max_words=10)
    assert len(spans) == 10 and len(drops) == 10
    assert np.all(np.diff([start for start, _ in spans]) > 0)  # in reading order


def test_a_posts_evidence_does_not_depend_on_the_posts_beside_it(model: ContextualModel) -> None:
    """Occlusion batches a post's own variants together (one run), never with another post's: the
    drops of a post are bit-identical alone and among others, in any order."""
    items = []
    for text, language, _ in CASES:
        spans = model.content_spans(text, language)[:3]
        base = model.predict_proba([text], [language])[0]
        items.append((text, language, spans, base))
    alone = [model.occlusion_many([item])[0] for item in items]
    together = model.occlusion_many(items)
    backwards = model.occlusion_many(items[::-1])[::-1]
    for one, two, three in zip(alone, together, backwards, strict=True):
        np.testing.assert_array_equal(one, two)
        np.testing.assert_array_equal(one, three)
    assert model.occlusion_many([]) == []
    text, language, _, base = items[0]
    empty = model.occlusion_many([(text, language, [], base)])[0]
    assert empty.shape == (0, len(model.categories))
