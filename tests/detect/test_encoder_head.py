from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jaga.detect.classifier import ClassifierDetector, HarmClassifier, bundled_model_dir
from jaga.detect.cues import FEATURE_INDEX, FEATURE_SCALE, FEATURES
from jaga.detect.encoder_head import EncoderHead, escalated
from jaga.text import normalise
from jaga.text.encoder import ENCODER_NAME
from jaga.types import Category


@pytest.fixture(scope="module")
def bundled() -> HarmClassifier:
    return HarmClassifier.load(bundled_model_dir())


def _toy(rng: np.random.Generator, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, 2, n)
    vectors = rng.standard_normal((n, 8)) + labels[:, None] * 1.5
    cue_block = np.zeros((n, len(FEATURES)), dtype=np.float32)
    cue_block[:, FEATURE_INDEX["identity"]] = FEATURE_SCALE
    return EncoderHead.features(vectors, cue_block), labels.reshape(-1, 1).astype(np.int8)


def test_head_learns_calibrates_and_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    features, labels = _toy(rng)
    head = EncoderHead(categories=(Category.HATE_SPEECH,), encoder=ENCODER_NAME, metadata={"train_examples": 200})
    head.fit(features, labels).calibrate(*_toy(rng))
    held_out, truth = _toy(rng)
    probabilities = head.predict_proba(held_out)[:, 0]
    assert ((probabilities > 0.5) == truth[:, 0]).mean() > 0.85
    assert features[:, -len(FEATURES):].max() == 1.0  # cue features back to 0/1 beside the vector
    head.save(tmp_path)
    loaded = EncoderHead.load(tmp_path)
    assert loaded is not None and loaded.metadata == {"train_examples": 200}
    np.testing.assert_allclose(loaded.predict_proba(held_out)[:, 0], probabilities, rtol=1e-5)


def test_a_head_trained_on_another_encoder_is_not_used(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    head = EncoderHead(categories=(Category.HATE_SPEECH,), encoder="some other encoder").fit(*_toy(rng))
    head.save(tmp_path)
    with pytest.warns(RuntimeWarning, match="retrained"):
        assert EncoderHead.load(tmp_path) is None


def test_an_artifact_without_a_head_loads_as_the_fast_tier_alone(tmp_path: Path) -> None:
    assert EncoderHead.load(tmp_path) is None
    texts = ["you idiot", "lovely day"] * 10
    model = HarmClassifier(categories=(Category.HARASSMENT,)).fit(texts, np.array([[1], [0]] * 10, dtype=np.int8))
    model.save(tmp_path)
    assert HarmClassifier.load(tmp_path).head is None


def test_only_posts_about_a_protected_group_that_the_fast_tier_does_not_clear_are_escalated() -> None:
    mentions_group = np.array([False, True, True, False])
    fast = np.array([[0.9], [0.9], [0.1], [0.5]])
    assert escalated(mentions_group, fast, floor=0.2).tolist() == [False, True, False, False]


def test_bundled_cascade_reads_group_statements_with_the_encoder(bundled: HarmClassifier) -> None:
    assert bundled.head is not None and Category.HATE_SPEECH in bundled.head.categories
    texts = [normalise(text).text for text in (
        "Muslims should be banned from entering the country.",
        "Immigrants are not vermin, they are human beings like us.",
        "Muslims are welcome here and we are proud of them.",  # a group, but the fast tier clears it
        "The weather is lovely this morning.",
    )]
    scores = bundled.cascade(texts, ["en"] * len(texts))
    assert scores.escalated.tolist() == [True, True, False, False]
    assert scores.encoder is not None and scores.encoder.shape == (2, len(bundled.head.categories))
    hate = bundled.categories.index(Category.HATE_SPEECH)
    assert scores.probabilities[0, hate] > 0.6 > scores.probabilities[1, hate]
    assert scores.encoder[1, 0] < scores.fast[1, hate]  # the encoder reads the negation the n-grams miss
    np.testing.assert_array_equal(scores.probabilities[2:], scores.fast[2:])  # not escalated: the fast tier's answer
    without = bundled.cascade(texts, ["en"] * len(texts), escalate=False)
    assert not without.escalated.any()
    np.testing.assert_array_equal(without.probabilities, without.fast)


def test_encoder_tier_crosses_to_a_language_without_training_data(bundled: HarmClassifier) -> None:
    """Thai has no hate-speech training data: the encoder, trained on templates and other languages,
    must agree that a dehumanising statement about a group is hateful."""
    texts = [normalise("คนจีนเป็นเชื้อโรคที่ต้องกำจัดออกไปจากประเทศ").text]
    scores = bundled.cascade(texts, ["th"])
    assert scores.escalated.all() and scores.encoder is not None
    assert scores.encoder[0, 0] > 0.6


def test_detector_reports_each_tier_and_can_be_switched_off(moderator, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jaga import Post

    prepared = moderator.prepare(Post(id="1", text="Muslims are vermin and must be exterminated."))
    detector = ClassifierDetector(moderator_model(moderator))
    signal = next(s for s in detector.detect([prepared])[0] if s.category == Category.HATE_SPEECH)
    assert set(signal.details) == {"fast_tier", "encoder_tier"}
    monkeypatch.setenv("JAGA_ENCODER_TIER", "off")
    fast_only = ClassifierDetector(moderator_model(moderator))
    signal = next(s for s in fast_only.detect([prepared])[0] if s.category == Category.HATE_SPEECH)
    assert signal.details == {}


def moderator_model(moderator) -> HarmClassifier:  # type: ignore[no-untyped-def]
    return next(d for d in moderator.detectors if isinstance(d, ClassifierDetector)).model
