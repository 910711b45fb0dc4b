"""Bounded cost per post (issue 21): the worst 50,000-character posts we know of
(`bench/worst_posts.py`) cost time in proportion to their length and under 50 MB of memory. Before,
a 50,000-character word of mixed scripts took 15-29 s and 5.3 GB (the spelling-variant search was
quadratic), and several other steps were quadratic too.

What is checked here does not depend on the host: a post costs at most 25 times its first 5,000
characters (linear is about 10, less with the fixed cost of a post; quadratic is 100), and the
memory it allocates. The time budget itself (200 ms a post on the benchmark host) is measured by
`bench/bench_worst_case.py`: on a shared two-core host without VNNI the same tree read 153 ms in one
round and 218 in the next, and CI hosts differ by 2x, so an absolute bound in a unit test failed on
the host, not the code. A ceiling of 1 s (five times the budget) still stops any slip back to a
quadratic step, which cost seconds.

Time is CPU time of this process, the least of five runs (timeit's reading: noise only ever adds).
The moderator's heap is frozen first, as every door freezes its own (`freeze_loaded_heap`): late in
the suite the heap holds what a thousand tests left, and a full collection inside a timed run walked it.
"""

from __future__ import annotations

import importlib.util
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from jaga.detect import DETECTORS
from jaga.detect.classifier import ClassifierDetector
from jaga.pipeline import Moderator, freeze_loaded_heap
from jaga.text.e5.engine import Encoder
from jaga.types import MAX_TEXT_CHARS, Post

_SPEC = importlib.util.spec_from_file_location("worst_posts", Path(__file__).resolve().parents[1] / "bench" / "worst_posts.py")
assert _SPEC is not None and _SPEC.loader is not None
worst_posts = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(worst_posts)
WORST = worst_posts.WORST
N = MAX_TEXT_CHARS
PREFIX = 5_000
CEILING = 1.0


@pytest.fixture(scope="module")
def fast_moderator() -> Moderator:
    """The fast tier and every other registered detector (the contextual tier reads at most the first 1,000
    characters, 128 pieces, of any post: a cost of its own, measured below), with whatever each
    case reaches first (a language's model, a word list) loaded: a cost paid once per process."""
    moderator = Moderator([ClassifierDetector(escalate=False) if name == ClassifierDetector.name else make()
                           for name, make in DETECTORS.items()])
    moderator.moderate_batch([Post(id=case, text=make()[:2_000]) for case, make in WORST.items()])
    freeze_loaded_heap()
    return moderator


def cost(moderator: Moderator, post: Post, memory: bool = True, bound: float | None = None) -> tuple[float, float]:
    """(least CPU seconds of five runs, peak bytes allocated while moderating it once; 0 when
    `memory` is False). With `bound`, a reading above it is taken again, up to four times, two
    seconds apart: on a shared 2-core machine a neighbour slowed every run of a one-second round by
    1.6x (here, on the same tree: "many URLs" 152 ms in one round, 268 in the next; a CI run read 202 ms
    for the Zawgyi-like post that cost 166 ms here the same hour, after two re-reads a second apart),
    while a post that really costs more reads high in every round."""
    peak = 0
    if memory:
        tracemalloc.start()
        moderator.moderate(post)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    least = float("inf")
    for round_ in range(5):
        if round_:
            time.sleep(2.0)
        for _ in range(5):
            started = time.process_time()
            moderator.moderate(post)
            least = min(least, time.process_time() - started)
        if bound is None or least < bound:
            break
    return least, peak


@pytest.mark.parametrize("case", list(WORST))
def test_a_worst_case_post_costs_in_proportion_to_its_length_and_under_50_mb(fast_moderator: Moderator,
                                                                              case: str) -> None:
    text = WORST[case]()
    assert len(text) == N
    prefix, _ = cost(fast_moderator, Post(id="prefix", text=text[:PREFIX]), memory=False)
    seconds, peak = cost(fast_moderator, Post(id="worst", text=text), bound=min(25 * prefix, CEILING))
    assert seconds < 25 * prefix, f"{case}: {seconds * 1000:.0f} ms, {seconds / prefix:.1f}x its first {PREFIX:,} characters"
    assert seconds < CEILING, f"{case}: {seconds * 1000:.0f} ms"
    assert peak < 50_000_000, f"{case}: {peak / 1e6:.1f} MB"


def test_the_encoder_reads_as_much_of_a_long_post_as_of_its_opening(moderator: Moderator,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The full cascade on a long post the fast tier cannot settle (hostile words throughout): the
    contextual tier reads the first 1,000 characters, its evidence (occlusion of three candidate
    words) is looked for there, and the exploitation heads read the same opening, so e5 encodes for
    a 50,000-character post exactly what it encodes for those 1,000 characters, never a share of the
    length. Counted in pieces, not timed: the count does not depend on the host."""
    encoded: list[int] = []
    batched = Encoder._batched

    def counting(self: Encoder, sequences: Sequence[Sequence[int]], forward: Any, shape: tuple[int, ...]) -> Any:
        encoded.extend(len(sequence) for sequence in sequences)
        return batched(self, sequences, forward, shape)

    post = Post(id="worst", text=WORST["many short words"]())
    opening = Post(id="opening", text=post.text[:1_000])
    moderator.moderate(opening)
    monkeypatch.setattr(Encoder, "_batched", counting)
    moderator.moderate(opening)
    for_opening, encoded[:] = list(encoded), []
    moderator.moderate(post)
    assert for_opening and sorted(encoded) == sorted(for_opening)
    monkeypatch.undo()
    full, peak = cost(moderator, post, bound=CEILING)
    assert full < CEILING and peak < 50_000_000, f"{full * 1000:.0f} ms, {peak / 1e6:.1f} MB"
