"""`Moderator`: the one object that runs a post through every stage, in one direction:
normalise -> language -> detectors -> policy -> `Decision`.

Library users, the CLI and the HTTP service all go through it, so a post is judged the same way
whatever door it came in by.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence

from jaga.claims.checkworthy import check_worthiness
from jaga.detect.base import Detector, PreparedPost
from jaga.policy.reasons import Policy
from jaga.privacy import pseudonymise
from jaga.text import detect_language, normalise
from jaga.types import Decision, LanguageInfo, Post, Signal

DEFAULT_JURISDICTION = "ASEAN"


def default_detectors() -> list[Detector]:
    """The built-in detectors and installed plugins', without a store (no reference data)."""
    from jaga.detect import DETECTORS
    from jaga.detect.extensions import DetectorContext, build_detectors

    return build_detectors(DetectorContext(), DETECTORS)


def default_policy() -> Policy:
    from jaga.policy.engine import PolicyEngine

    return PolicyEngine()


def freeze_loaded_heap() -> None:
    """Takes everything alive now out of the cyclic garbage collector's reach, for a process about
    to moderate for a long time: a `Moderator`'s models, lexicons, word lists and compiled policies
    (about 500,000 objects) live as long as the process, and every full collection walked them again
    (measured, contextual tier off: 1,950 -> 2,240 posts/s). Garbage made so far is collected first;
    objects made later are collected as usual. The doors call it once their moderator is built and
    warm (`jaga scan`, `jaga consume`, `jaga serve`, a Ray actor); a library user may too."""
    gc.collect()
    gc.freeze()


def pseudonymised(post: Post) -> Post:
    """The post with its author id replaced by the keyed pseudonym (unchanged when it already is one)."""
    pseudonym = pseudonymise(post.author_id)
    return post if pseudonym == post.author_id else post.model_copy(update={"author_id": pseudonym})


class Moderator:
    """Moderates posts. Construct once (loading models takes a moment) and reuse; thread-safe for
    reading.

    Picklable, so that Ray, Spark or multiprocessing can ship it: what cannot be pickled is pickled
    as how to build it again (the policy engine as its directory, its CEL programs compiled again on
    load; the bundled classifier as where its model is, loaded again from the worker's own install;
    an ONNX session as its weights). A pickled default moderator is about 0.2 MB."""

    def __init__(self, detectors: Sequence[Detector] | None = None, policy: Policy | None = None,
                 jurisdiction: str | None = None) -> None:
        self.detectors = list(detectors) if detectors is not None else default_detectors()
        self.policy: Policy = policy or default_policy()
        self.jurisdiction = jurisdiction

    def prepare(self, post: Post, org: str | None = None) -> PreparedPost:
        """`org`: the organisation the post came from, when the door knows it (see `PreparedPost.org`)."""
        post = pseudonymised(post)
        text = normalise(post.text)
        if post.lang is not None:  # the platform's word; outside LANGUAGES it tells the detectors so
            detected = detect_language(text.text, post.country)
            language = LanguageInfo(code=post.lang, confidence=1.0,
                                    mixed=[code for code in detected.mixed if code != post.lang],
                                    variety=detected.variety if detected.code == post.lang else None,
                                    script=detected.script)
        else:
            language = detect_language(text.text, post.country)
        return PreparedPost(post=post, text=text, language=language, org=org)

    def signals(self, prepared: Sequence[PreparedPost]) -> list[list[Signal]]:
        collected: list[list[Signal]] = [[] for _ in prepared]
        for detector in self.detectors:
            for index, found in enumerate(detector.detect(prepared)):
                collected[index].extend(found)
        return collected

    def moderate(self, post: Post, jurisdiction: str | None = None, org: str | None = None) -> Decision:
        return self.moderate_batch([post], jurisdiction, org)[0]

    def moderate_batch(self, posts: Iterable[Post], jurisdiction: str | None = None,
                       org: str | None = None) -> list[Decision]:
        prepared = [self.prepare(post, org) for post in posts]
        all_signals = self.signals(prepared)
        return [
            self.policy.decide(item, signals, self._jurisdiction_for(item.post, jurisdiction))
            .model_copy(update={"check_worthy": check_worthiness(item.text.text, item.post.text).score})
            for item, signals in zip(prepared, all_signals, strict=True)
        ]

    def _jurisdiction_for(self, post: Post, override: str | None) -> str:
        """An explicit jurisdiction wins; otherwise the post's own country; otherwise the baseline."""
        return (override or self.jurisdiction or post.country or DEFAULT_JURISDICTION).upper()
