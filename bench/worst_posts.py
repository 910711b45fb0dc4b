"""The worst 50,000-character posts we know of (issue 21), shared by `bench_worst_case.py` and
`tests/test_pipeline_cost.py`: each once made some step quadratic (a word of mixed scripts in the
spelling-variant search: 15-29 s and 5.3 GB; negations in questions, unclosed quotation marks,
defanged dots in the URL pattern, a base letter under a flood of combining marks)."""

from __future__ import annotations

import random
from collections.abc import Callable

from jaga.types import MAX_TEXT_CHARS

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
