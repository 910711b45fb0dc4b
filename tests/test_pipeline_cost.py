"""Bounded cost per post (issue 21): the worst 50,000-character posts we know of are moderated in
under 200 ms of CPU and 50 MB of memory. Before, a 50,000-character word of mixed scripts took
15-29 s and 5.3 GB (the spelling-variant search was quadratic), and several other steps were
quadratic too (negations in questions, unclosed quotation marks, defanged dots in the URL pattern,
a base letter under a flood of combining marks).

Time is CPU time of this process, the least of five runs (timeit's reading: noise only ever adds):
what the post costs, whatever else the machine (two cores, shared) is doing meanwhile; on an idle
core the wall-clock time is the same. The moderator's heap is frozen first, as every door freezes
its own (`freeze_loaded_heap`): late in the suite the heap holds what a thousand tests left, and a
full collection inside a timed run walked it (a CI run read 233 ms for a post that costs 110).
"""

from __future__ import annotations

import random
import time
import tracemalloc
from collections.abc import Callable

import pytest

from jaga.detect import DETECTORS
from jaga.detect.classifier import ClassifierDetector
from jaga.pipeline import Moderator, freeze_loaded_heap
from jaga.types import MAX_TEXT_CHARS, Post

N = MAX_TEXT_CHARS


def _fill(unit: str) -> str:
    return (unit * (N // len(unit) + 1))[:N]


def _words(seed: int, vocabulary: list[str], separator: str = " ") -> str:
    rng = random.Random(seed)
    return _fill(separator.join(rng.choice(vocabulary) for _ in range(N // 2)))


def _random_word(seed: int, alphabet: str, length: int = N) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


WORST: dict[str, Callable[[], str]] = {
    "one word of mixed scripts": lambda: _random_word(1, "aеоpсxуАВСΑΒΓабвгдкл" "กขคລກកខကခ中文字தமிழ்ăâđêôơư"),
    "many short words": lambda: _words(2, ["a", "to", "ng", "is", "hate", "you", "not", "di", "ya", "lah", "kill", "?"]),
    "many rare words": lambda: _fill(" ".join(_random_word(seed, "abcdefghijklmnopqrstuvwxyz", 8)
                                              for seed in range(N // 9))),
    "repeated emoji": lambda: _fill("😀🔥💯👍🏽🇲🇾"),
    "combining marks": lambda: "a" + "\u0301" * 9_999 + _fill("a" + "\u0301\u0308\u0323\u0330" * 20)[10_000:],
    "many URLs": lambda: "".join(f"a{index}.co maybank2u-verify{index}.top/x " for index in range(N))[:N],
    "defanged dots": lambda: _fill("a[.]"),
    "Zawgyi-like Burmese": lambda: _words(3, ["ေျမန္မာ", "ၾကည့္", "ဖ်က္ဆီး", "ႀကီး", "ေကာင္း", "မ်ား", "ျပည္", "သူ႔"]),
    "CJK without spaces": lambda: _random_word(4, "".join(chr(code) for code in range(0x4E00, 0x4E00 + 3000))),
    "Thai without spaces": lambda: _fill("ฉันเกลียดพวกมันมากที่สุดในโลกนี้ไอ้พวกโง่"),
    "negations, questions, open quotes": lambda: _fill("not? “a ‘b «c "),
}


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
def test_a_worst_case_post_costs_under_200_ms_and_50_mb(fast_moderator: Moderator, case: str) -> None:
    text = WORST[case]()
    assert len(text) == N
    seconds, peak = cost(fast_moderator, Post(id="worst", text=text), bound=0.2)
    assert seconds < 0.2, f"{case}: {seconds * 1000:.0f} ms"
    assert peak < 50_000_000, f"{case}: {peak / 1e6:.1f} MB"


def test_the_contextual_tier_adds_as_much_to_a_long_post_as_to_its_opening(moderator: Moderator,
                                                                          fast_moderator: Moderator) -> None:
    """The full cascade on a long post the fast tier cannot settle (hostile words throughout): the
    contextual tier reads the first 1,000 characters, and its evidence (occlusion of three candidate
    words) is looked for there, so it adds to a 50,000-character post what it adds to those 1,000
    characters (measured: 30-110 ms), never a share of the length. The whole stays under 350 ms."""
    post = Post(id="worst", text=WORST["many short words"]())
    opening = Post(id="opening", text=post.text[:1_000])
    moderator.moderate(opening)
    full, peak = cost(moderator, post, bound=0.35)
    def least(of: Moderator, item: Post) -> float:
        return cost(of, item, memory=False)[0]

    added = least(moderator, post) - least(fast_moderator, post)
    added_to_opening = least(moderator, opening) - least(fast_moderator, opening)
    assert added < added_to_opening + 0.05, f"{added * 1000:.0f} ms added, {added_to_opening * 1000:.0f} to the opening"
    assert full < 0.35 and peak < 50_000_000, f"{full * 1000:.0f} ms, {peak / 1e6:.1f} MB"
