"""Generates the functional training material in `functional/*.yaml` (see its README)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import yaml

from jaga.types import Category

NOISE_SHARE = 0.3
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}


def template_dir() -> Path:
    return Path(str(resources.files("jaga.training") / "functional"))


def _noisy(text: str, rng: random.Random) -> str:
    """One spelling variation of the kind used to dodge filters: a dropped letter, two swapped
    letters, spaces inside a word, or leetspeak."""
    words = text.split(" ")
    candidates = [index for index, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    kind = rng.randrange(4)
    position = rng.randrange(1, len(word) - 1)
    if kind == 0:
        word = word[:position] + word[position + 1:]
    elif kind == 1:
        word = word[:position - 1] + word[position] + word[position - 1] + word[position + 1:]
    elif kind == 2:
        word = " ".join(word)
    else:
        word = "".join(LEET.get(char, char) for char in word)
    words[index] = word
    return " ".join(words)


def generate(directory: Path | None = None, seed: int = 0) -> Iterator[tuple[str, str, dict[Category, int], float]]:
    """(text, language, labels, weight) for every template x target, plus seeded noisy copies.

    Non-hateful cases are weighted so that, per language, they weigh as much as the hateful ones:
    otherwise the identity terms themselves (which appear in every hateful template) would learn
    to signal hate, and "my neighbours are Muslims" would be flagged."""
    for path in sorted((directory or template_dir()).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        language = data["language"]
        rng = random.Random(f"{seed}:{language}")
        hateful: list[str] = []
        for target in data["targets"]:
            for template in data.get("hateful", []):
                text = template.replace("{t}", target)
                hateful.append(text)
                if rng.random() < NOISE_SHARE:
                    hateful.append(_noisy(text, rng))
        not_hateful = [template.replace("{t}", target) for target in data["targets"]
                       for template in data.get("not_hateful", [])]
        balance = len(hateful) / max(len(not_hateful), 1)
        for text in hateful:
            yield text, language, {Category.HATE_SPEECH: 1}, 1.0
        for text in not_hateful:
            yield text, language, {Category.HATE_SPEECH: 0, Category.HARASSMENT: 0}, balance
        for text in data.get("abuse_individual", []):
            yield text, language, {Category.HATE_SPEECH: 0, Category.HARASSMENT: 1}, 1.0
        for text in data.get("not_abusive", []):
            yield text, language, {Category.HATE_SPEECH: 0, Category.HARASSMENT: 0}, 1.0
