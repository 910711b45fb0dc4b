from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jaga.detect.classifier import ClassifierDetector, HarmClassifier, bundled_model_dir
from jaga.types import Action, Category, Post


def test_bundled_artifact_loads_and_is_small() -> None:
    directory = bundled_model_dir()
    size = sum(path.stat().st_size for path in directory.iterdir())
    assert size < 20 * 1024 * 1024
    model = HarmClassifier.load(directory)
    assert model.categories == (Category.HATE_SPEECH, Category.HARASSMENT, Category.SCAM_FRAUD,
                                Category.ILLEGAL_GAMBLING)
    assert model.metadata["datasets"]


def test_bundled_model_separates_clear_cases() -> None:
    model = HarmClassifier.load(bundled_model_dir())
    texts = ["slot gacor hari ini maxwin depo 10rb wd lancar", "selamat pagi, semoga harimu menyenangkan",
             "congratulations you have won a prize call now to claim", "see you at the meeting tomorrow"]
    probabilities = model.predict_proba(texts, ["id", "id", "en", "en"])
    gambling = model.categories.index(Category.ILLEGAL_GAMBLING)
    scam = model.categories.index(Category.SCAM_FRAUD)
    assert probabilities[0, gambling] > 0.9 > probabilities[1, gambling]
    assert probabilities[2, scam] > 0.5 > probabilities[3, scam]
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_fit_save_load_round_trip(tmp_path: Path) -> None:
    texts = ["you idiot", "lovely day", "stupid moron", "nice work", "dumb idiot", "great job"] * 10
    labels = np.array([[1], [0], [1], [0], [1], [0]] * 10, dtype=np.int8)
    model = HarmClassifier(categories=(Category.HARASSMENT,)).fit(texts, labels)
    model.calibrate(texts, labels, ["en"] * len(texts))
    model.save(tmp_path)
    loaded = HarmClassifier.load(tmp_path)
    np.testing.assert_allclose(model.predict_proba(["idiot"]), loaded.predict_proba(["idiot"], escalate=False), atol=1e-2)
    assert loaded.predict_proba(["you idiot"], escalate=False)[0, 0] > loaded.predict_proba(["lovely day"], escalate=False)[0, 0]


def test_evidence_is_the_words_that_carry_the_contextual_score(moderator) -> None:  # type: ignore[no-untyped-def]
    detector = next(d for d in moderator.detectors if isinstance(d, ClassifierDetector))
    text = "aku akan bunuh semua orang Kristen besok"
    prepared = moderator.prepare(__import__("jaga").Post(id="1", text=text, lang="id"))
    signal = next(s for s in detector.detect([prepared])[0] if s.category == Category.HATE_SPEECH)
    assert signal.score > 0.9 and "encoder_tier" in signal.details
    words = [span.text for span in signal.evidence]
    assert "bunuh" in words and set(words) <= set(text.split())
    assert not {"aku", "akan", "semua"} & set(words)  # function words are never evidence


def test_fast_tier_signals_quote_no_fragments(moderator) -> None:  # type: ignore[no-untyped-def]
    detector = next(d for d in moderator.detectors if isinstance(d, ClassifierDetector))
    prepared = moderator.prepare(__import__("jaga").Post(id="1", text="Slot gacor maxwin hari ini, depo 10rb"))
    signal = next(s for s in detector.detect([prepared])[0] if s.category == Category.ILLEGAL_GAMBLING)
    assert signal.score > 0.9 and signal.evidence == []  # the lexicon detector quotes the terms


def test_char_ngrams_do_not_depend_on_the_batch() -> None:
    from jaga.detect.classifier import char_ngram_counts

    texts = ["slot gacor", "", "สล็อตเว็บตรง", "ကုလား", "a"]
    batch = char_ngram_counts(texts, 16)
    for index, text in enumerate(texts):
        single = char_ngram_counts([text], 16)
        assert (batch[index] != single[0]).nnz == 0
    # " a " has two 2-grams and one 3-gram; " slot gacor " has 11 + 10 + 9 n-grams
    assert batch[4].sum() == 3
    assert batch[0].sum() == 30


def test_jaga_model_dir_replaces_the_bundled_model(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    texts = ["you idiot", "lovely day"] * 10
    model = HarmClassifier(categories=(Category.HARASSMENT,)).fit(texts, np.array([[1], [0]] * 10, dtype=np.int8))
    model.metadata = {"version": "harm-custom"}
    model.save(tmp_path)
    monkeypatch.setenv("JAGA_MODEL_DIR", str(tmp_path))
    assert ClassifierDetector().version == "harm-custom"
    monkeypatch.delenv("JAGA_MODEL_DIR")
    assert ClassifierDetector().version != "harm-custom"


def test_blockwise_scores_equal_the_joined_matrix() -> None:
    """The service scores posts block by block; training reads the joined, normalised matrix."""
    from jaga.detect.classifier import HarmClassifier, bundled_model_dir

    model = HarmClassifier.load(bundled_model_dir())
    texts = ["Muslims are vermin", "", "slot gacor maxwin", "ရခိုင် ကုလား", "我喜欢你", "    "]
    blocks = model.featurizer.blocks(texts, ["en", "en", "id", "my", "zh", "en"])
    assert blocks.cues.any(), "a group and a slur should set cue features"
    joined = np.asarray(blocks.matrix() @ model.coef_)
    assert np.allclose(blocks.decision_values(model.coef_), joined, atol=1e-5)
    assert np.allclose(np.asarray(model.featurizer.transform(texts[:1], ["en"]) @ model.coef_), joined[:1], atol=1e-5)


FRIENDLY_WITH_NAMES = [
    ("Good morning everyone, see you at Jurong Point later", "en"),
    ("Selamat pagi semua, jumpa lagi esok dengan Cikgu Azlan", "ms"),
    ("Selamat pagi, besok ketemu di Grand Indonesia ya kak Rizky", "id"),
    ("Magandang umaga po, kita tayo bukas sa SM Megamall", "tl"),
    ("Chào buổi sáng mọi người, mai gặp ở Vincom nhé", "vi"),
    ("早安大家，明天在Tampines见", "zh"),
    ("Selamat pagi semua zqotherph, jumpa lagi esok", "ms"),
]


@pytest.mark.parametrize(("text", "language"), FRIENDLY_WITH_NAMES)
def test_a_friendly_post_with_a_name_or_a_place_is_allowed(moderator, text: str, language: str) -> None:  # type: ignore[no-untyped-def]
    """Templates that hide a slur in a friendly sentence can teach a model that any unfamiliar word
    there is a slur: a candidate model read "see you at Jurong Point" as hate speech (0.57)."""
    decision = moderator.moderate(Post(id="1", text=text, lang=language))
    assert decision.action == Action.ALLOW, decision.scores

