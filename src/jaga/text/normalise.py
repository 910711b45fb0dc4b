"""Canonical text for detection, with a map back to the original for evidence.

Harmful posts are written to evade filters: zero-width joiners inside slurs, Cyrillic letters in
"pаypаl", "j4ckp0t", "bodohhhhh", styled letters from the mathematical alphabets, and Burmese in the
Zawgyi encoding that most of Myanmar still types. Detectors see one canonical form; evidence spans are
mapped back to the text the user wrote, because a statement of reasons must quote the post itself.

Every transformation works on *pieces*: a piece is a short output string plus the half-open range of
original characters it came from. Steps replace pieces with pieces, so the offset map survives any
number of steps without bookkeeping in each step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import ftfy
import ftfy.badness

from jaga.text import chaizi, zawgyi

Piece = tuple[str, int, int]  # (output text, original start, original end)

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s",
         "!": "i", "|": "l", "€": "e"}
_LEET_SYMBOLS = {"@", "$", "!", "|", "€"}
_ASCII_LETTER = re.compile("[A-Za-z]")
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")  # white space that is not one plain space (\s is str.isspace())
_CONFUSABLE_SCRIPTS_RE = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u0531-\u058f\u13a0-\u13ff\u2c00-\u2c7f\ua640-\ua69f]")
_LEET_PATTERN = r"[^\W\d_][0-9]|[0-9][^\W\d_]|[^\W\d_][@$!|€][^\W\d_]"
_LEET_CANDIDATE = re.compile(_LEET_PATTERN)
_ELONGATION = re.compile(r"(\D)\1\1")
_SPACED_PATTERN = r"(?<!\w)[^\W\d_](?: [^\W\d_]){2,}(?!\w)"
_SPACED_LETTERS = re.compile(_SPACED_PATTERN)
_RADICAL_PATTERN = "[" + "".join(sorted(chaizi.SIDE_RADICALS)) + "]"
_SIDE_RADICAL = re.compile(_RADICAL_PATTERN)
_NEEDS_SLOW_PATH = re.compile(r"(\D)\1\1|" + _LEET_PATTERN + "|" + _SPACED_PATTERN + "|" + _RADICAL_PATTERN)
_RUN = re.compile(r"(.)\1{2,}", re.DOTALL)
_SPECIAL = re.compile(r"[\ufe00-\ufe0f\u20e3\U0001F130-\U0001F1FF]")
_NON_SPACE = re.compile(r"\S+")
_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class NormalisedText:
    """The canonical form of a post and how to get back to the original."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    transforms: frozenset[str] = field(default_factory=frozenset)
    """Which tricks were undone: zawgyi, mojibake, invisible, homoglyph, styled, leet, elongation,
    spaced, chaizi (a Chinese character written as a side radical and the rest).
    Several of them in one short post is itself a sign of evasion (used by the scam detectors)."""

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the canonical text to the original text."""
        if not self.text or end <= start:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        end = min(end, len(self.text))
        return self.starts[start], self.ends[end - 1]

    def original_span(self, start: int, end: int) -> str:
        ostart, oend = self.to_original(start, end)
        return self.original[ostart:oend]


def normalise(text: str) -> NormalisedText:
    """Canonical, lower-cased form of `text` for detection. Never raises on odd input.

    Most posts need none of the repairs, so each step runs only when a cheap check says it can
    change something; a post with nothing to undo takes the identity path (C-speed checks only).
    """
    transforms: set[str] = set()
    folded: str | None = None
    if zawgyi.looks_like_zawgyi(text):
        pieces = _clusters(_map_tokens([(text, 0, len(text))], zawgyi.to_unicode), transforms)
        transforms.add("zawgyi")
    elif not text.isascii() and ftfy.badness.is_bad(text):
        pieces = _clusters(_map_tokens([(text, 0, len(text))], lambda token: _fix_mojibake(token, transforms)),
                           transforms)
    else:
        folded = _simple_fold(text)
        if folded is None:
            pieces = _clusters([(text, 0, len(text))], transforms, plain=False)
        elif not _NEEDS_SLOW_PATH.search(folded) and not _has_confusable_script(folded):
            return _identity(text, folded)
        else:  # only leetspeak, elongation, spacing, radicals or look-alikes to undo: no per-cluster work
            pieces = [(char, index, index + 1) for index, char in enumerate(folded)]
    joined = folded if folded is not None else "".join(piece[0] for piece in pieces)
    pieces = _fold_homoglyphs(pieces, transforms)
    if _LEET_CANDIDATE.search(joined):
        pieces = _fold_leet(pieces, transforms)
    if _ELONGATION.search(joined):
        pieces = _squash_elongation(pieces, transforms)
    if _SPACED_LETTERS.search(joined):
        pieces = _join_spaced_letters(pieces, transforms)
    if _SIDE_RADICAL.search(joined):
        pieces = _compose_radicals(pieces, transforms)
    return _assemble(text, pieces, frozenset(transforms))


def _simple_fold(text: str) -> str | None:
    """`text` case-folded, when that is all normalisation would do: already NFKC, no invisible
    or control characters, no styled letters, and folding keeps one character per character."""
    if not text.replace("\n", " ").replace("\t", " ").isprintable() or _SPECIAL.search(text):
        return None
    if not unicodedata.is_normalized("NFKC", text):
        return None
    folded = text.casefold()
    return folded if len(folded) == len(text) else None


def _has_confusable_script(text: str) -> bool:
    return text.isascii() is False and _CONFUSABLE_SCRIPTS_RE.search(text) is not None


def _identity(original: str, folded: str) -> NormalisedText:
    """Offsets for a text whose only change is case and whitespace: runs of whitespace become one
    space that points at the run's first character."""
    text, starts, ends = _collapse_spaces(folded, range(len(folded)), range(1, len(folded) + 1))
    return NormalisedText(original, text, tuple(starts), tuple(ends), frozenset())


def _assemble(original: str, pieces: list[Piece], transforms: frozenset[str]) -> NormalisedText:
    """The text out of its pieces, each run of white space one space, none at either end, with
    every character's original range. With one character per piece (the usual case) the white space
    is collapsed by `_collapse_spaces`; otherwise piece by piece (`_assemble_pieces`), with the same
    answer."""
    text = "".join([piece[0] for piece in pieces])
    if len(text) != len(pieces):
        return _assemble_pieces(original, pieces, transforms)
    text, starts, ends = _collapse_spaces(text, [piece[1] for piece in pieces], [piece[2] for piece in pieces])
    return NormalisedText(original, text, tuple(starts), tuple(ends), transforms)


def _collapse_spaces(text: str, starts: Sequence[int], ends: Sequence[int]) -> tuple[str, list[int], list[int]]:
    """`text` with each run of white space one space (its first character's range) and none at either
    end, with the ranges kept. Only the white space that changes (a run, a tab, a newline) is visited;
    the stretches between are copied whole (a 50,000-character post of short words: 55 -> 10 ms)."""
    begin, finish = len(text) - len(text.lstrip()), len(text.rstrip())
    parts: list[str] = []
    kept_starts: list[int] = []
    kept_ends: list[int] = []
    kept = begin
    for match in _ODD_SPACE.finditer(text, begin, finish):
        space = match.start()
        parts += (text[kept:space], " ")
        kept_starts += starts[kept:space + 1]
        kept_ends += ends[kept:space + 1]
        kept = match.end()
    parts.append(text[kept:finish])
    kept_starts += starts[kept:finish]
    kept_ends += ends[kept:finish]
    return "".join(parts), kept_starts, kept_ends


def _assemble_pieces(original: str, pieces: list[Piece], transforms: frozenset[str]) -> NormalisedText:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for out, start, end in pieces:
        for char in out:
            if char.isspace():
                if not chars or chars[-1] == " ":
                    continue
                char = " "
            chars.append(char)
            starts.append(start)
            ends.append(end)
    while chars and chars[-1] == " ":
        chars.pop()
        starts.pop()
        ends.pop()
    return NormalisedText(original, "".join(chars), tuple(starts), tuple(ends), transforms)


def _split_tokens(pieces: list[Piece]) -> list[list[Piece]]:
    """Group single-character pieces into whitespace-separated tokens (spaces are their own group)."""
    groups: list[list[Piece]] = []
    current: list[Piece] = []
    for piece in pieces:
        if piece[0].isspace():
            if current:
                groups.append(current)
                current = []
            groups.append([piece])
        else:
            current.append(piece)
    if current:
        groups.append(current)
    return groups


def _explode(pieces: list[Piece]) -> list[Piece]:
    """One piece per output character; each keeps its piece's original range. A piece as long as its
    range is split one character per position, unless a neighbour shares that range (the characters
    of a repaired token all share the token's range: mojibake "¬º0" became "¼0", whose "¼" then
    became "1⁄4", three characters over the token's three positions while "0" pointed at them too)."""
    exploded: list[Piece] = []
    last = len(pieces) - 1
    for index, (out, start, end) in enumerate(pieces):
        if len(out) == 1:
            exploded.append((out, start, end))
        elif len(out) == end - start and not (
                (index > 0 and pieces[index - 1][1:] == (start, end))
                or (index < last and pieces[index + 1][1:] == (start, end))):
            exploded.extend((char, start + offset, start + offset + 1) for offset, char in enumerate(out))
        else:
            exploded.extend((char, start, end) for char in out)
    return exploded


def _map_tokens(pieces: list[Piece], convert: Callable[[str], str]) -> list[Piece]:
    """Apply a non-local conversion token by token, so offsets stay exact at token granularity."""
    result: list[Piece] = []
    converted_before: dict[str, str] = {}  # words recur: each is converted once
    for out, start, _end in pieces:
        for match in re.finditer(r"\S+|\s+", out):
            token = match.group()
            token_start = start + match.start()
            token_end = start + match.end()
            if token.isspace():
                result.extend(_explode([(token, token_start, token_end)]))
                continue
            converted = converted_before.get(token)
            if converted is None:
                converted = converted_before[token] = convert(token)
            if converted == token:
                result.extend(_explode([(token, token_start, token_end)]))
            else:
                result.append((converted, token_start, token_end))
    return result


def _fix_mojibake(token: str, transforms: set[str]) -> str:
    """UTF-8 read as Latin-1 or Windows-1252 ("bá»‹ lá»«a" for "bị lừa"), token by token."""
    if token.isascii() or not ftfy.badness.is_bad(token):
        return token
    fixed = ftfy.fix_encoding(token)
    if fixed != token:
        transforms.add("mojibake")
    return fixed


def _is_removed(char: str) -> bool:
    category = unicodedata.category(char)
    if category in ("Cf", "Co", "Cs", "Cn"):
        return True  # zero-width, bidi controls, private use, unassigned
    if category == "Cc":
        return char not in "\t\n\r"
    return "\ufe00" <= char <= "\ufe0f" or char == "\u20e3"  # variation selectors, keycap


def _clusters(pieces: list[Piece], transforms: set[str], plain: bool = True) -> list[Piece]:
    """NFKC and case-folding per grapheme-ish cluster (a base and its combining marks), so that
    composed Vietnamese, decomposed Vietnamese and styled letters all meet in one form while each
    output character still knows where it came from.

    Linear in the text: a cluster's characters are gathered in a list (appending to a string made a
    base with 50,000 combining marks quadratic), and what a character is (removed, styled, a mark)
    and how a one-character cluster folds are looked up once per distinct character.

    `plain`: whether the text may need nothing but lower-casing (False when the caller knows it
    does). Then each cluster would fold to its own characters lower-cased (Burmese converted from
    Zawgyi, repaired mojibake), and no cluster is built: a third of the cost of a long post."""
    exploded = _explode(pieces)
    if plain:
        text = "".join(piece[0] for piece in exploded)
        folded = _simple_fold(text)
        if folded is not None and folded == text.lower() and unicodedata.is_normalized("NFKC", folded):
            return [(char, start, end) for char, (_, start, end) in zip(folded, exploded, strict=True)]
    result: list[Piece] = []
    cluster: list[str] = []
    cluster_start = cluster_end = 0
    for out, start, end in exploded:
        char, styled, combining = _char_role(out)
        if char is None:
            transforms.add("invisible")
            continue
        if styled:
            transforms.add("styled")
        if combining and cluster:
            cluster.append(char)
            cluster_end = end
            continue
        if cluster:
            result.append(_folded_cluster(cluster, cluster_start, cluster_end, transforms))
        cluster, cluster_start, cluster_end = [char], start, end
    if cluster:
        result.append(_folded_cluster(cluster, cluster_start, cluster_end, transforms))
    return _explode(result)


@lru_cache(maxsize=65536)
def _char_role(char: str) -> tuple[str | None, bool, bool]:
    """(the character as it enters a cluster, None when it is removed; whether it was a styled
    letter; whether it is a combining mark)."""
    if _is_removed(char):
        return None, False, False
    styled = _styled_letter(char)
    out = styled if styled is not None else char
    return out, styled is not None, bool(unicodedata.combining(out))


def _folded_cluster(chars: list[str], start: int, end: int, transforms: set[str]) -> Piece:
    folded, styled = _fold_one(chars[0]) if len(chars) == 1 else _fold("".join(chars))
    if styled:
        transforms.add("styled")
    return folded, start, end


def _fold(cluster: str) -> tuple[str, bool]:
    """The cluster's canonical form, and whether that differs from plain lower-casing (styled)."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", cluster).casefold())
    return folded, folded != cluster.lower() and not cluster.isascii()


_fold_one = lru_cache(maxsize=65536)(_fold)
"""`_fold` for one-character clusters (most of them), cached: longer ones are not, since a cache of
long strings of combining marks would grow without bound."""


def _styled_letter(char: str) -> str | None:
    """Letters drawn with emoji-like glyphs that NFKC leaves alone (🅰, 🅟, 🇲)."""
    code = ord(char)
    for first in (0x1F150, 0x1F170, 0x1F130):  # negative circled, negative squared, squared
        if first <= code < first + 26:
            return chr(ord("a") + code - first)
    if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators, used to spell words in spam
        return chr(ord("a") + code - 0x1F1E6)
    return None


@lru_cache(maxsize=4096)
def _skeleton_letter(char: str) -> str | None:
    """The ASCII letter a Cyrillic/Greek/Armenian/Cherokee character imitates (Unicode TR39
    confusables via ICU), or None if it imitates nothing ASCII."""
    from jaga.text.icu import skeleton

    mapped = skeleton(char)
    if mapped.isascii() and mapped.isalnum():
        return mapped.lower()
    return None


def _fold_homoglyphs(pieces: list[Piece], transforms: set[str]) -> list[Piece]:
    """Replace look-alike letters inside Latin words ("pаypаl" with Cyrillic а), and whole words
    written only in look-alikes. Genuine Cyrillic or Greek words keep their letters."""
    text = "".join(piece[0] for piece in pieces)
    if not _CONFUSABLE_SCRIPTS_RE.search(text):
        return pieces
    if len(text) == len(pieces):
        return _fold_homoglyphs_chars(text, pieces, transforms)
    return _fold_homoglyphs_pieces(pieces, transforms)


def _fold_homoglyphs_chars(text: str, pieces: list[Piece], transforms: set[str]) -> list[Piece]:
    """`_fold_homoglyphs_pieces` for one character per piece (nearly every post): words, suspects and
    Latin letters are found by the regex engine, and only the pieces that change are visited."""
    result = list(pieces)
    for word in _NON_SPACE.finditer(text):
        token = word.group()
        suspects = [match.start() for match in _CONFUSABLE_SCRIPTS_RE.finditer(token)]
        if not suspects:
            continue
        replacements = {index: _skeleton_letter(token[index]) for index in suspects}
        if _ASCII_LETTER.search(token) or all(letter is not None for letter in replacements.values()):
            for index, letter in replacements.items():
                if letter is not None:
                    transforms.add("homoglyph")
                    _, start, end = pieces[word.start() + index]
                    result[word.start() + index] = (letter, start, end)
    return result


def _fold_homoglyphs_pieces(pieces: list[Piece], transforms: set[str]) -> list[Piece]:
    result: list[Piece] = []
    for token in _split_tokens(pieces):
        suspects = [index for index, piece in enumerate(token) if _CONFUSABLE_SCRIPTS_RE.match(piece[0])]
        if not suspects:
            result.extend(token)
            continue
        has_latin = any(piece[0].isascii() and piece[0].isalpha() for piece in token)
        replacements = {index: _skeleton_letter(token[index][0]) for index in suspects}
        all_mappable = all(value is not None for value in replacements.values())
        if has_latin or all_mappable:
            for index, piece in enumerate(token):
                letter = replacements.get(index)
                if letter is not None:
                    transforms.add("homoglyph")
                    result.append((letter, piece[1], piece[2]))
                else:
                    result.append(piece)
        else:
            result.extend(token)
    return result


def _fold_leet(pieces: list[Piece], transforms: set[str]) -> list[Piece]:
    """Undo leetspeak ("j4ckp0t", "b0d0h", "4njing") only where a digit or symbol sits inside a
    word: numbers, prices, phone numbers, "covid19" and "2nd" stay as they are."""
    result: list[Piece] = []
    for token in _split_tokens(pieces):
        chars = [piece[0] for piece in token]
        if not _LEET_CANDIDATE.search("".join(chars)):
            result.extend(token)
            continue
        letters = sum(map(str.isalpha, chars))
        if letters < 2:
            result.extend(token)
            continue
        # only the leet characters are visited (a 50,000-character run of URLs cost 36 ms when every
        # character was; the same pieces come out)
        folded = list(token)
        for index in [index for index, char in enumerate(chars) if char in _LEET]:
            char = chars[index]
            left = chars[index - 1] if index > 0 else ""
            right = chars[index + 1] if index + 1 < len(chars) else ""
            inside = left.isalpha() and right.isalpha()
            at_edge = (not left and right.isalpha()) or (not right and left.isalpha())
            if inside or (at_edge and letters >= 4 and char not in _LEET_SYMBOLS):
                transforms.add("leet")
                folded[index] = (_LEET[char], token[index][1], token[index][2])
        result.extend(folded)
    return result


def _squash_elongation(pieces: list[Piece], transforms: set[str]) -> list[Piece]:
    """"bodohhhhh" -> "bodoh", "มากกกก" -> "มาก". Digits are never squashed (amounts, phones)."""
    text = "".join(piece[0] for piece in pieces)
    if len(text) == len(pieces):  # one character per piece (the usual case): only the runs are visited
        result: list[Piece] = []
        done = 0
        for run in _RUN.finditer(text):
            char = run.group(1)
            if char.isdigit() or char.isspace():
                continue
            transforms.add("elongation")
            result.extend(pieces[done:run.start()])
            result.append((char, pieces[run.start()][1], pieces[run.end() - 1][2]))
            done = run.end()
        result.extend(pieces[done:])
        return result
    result = []
    index = 0
    while index < len(pieces):
        char, start, _ = pieces[index]
        run_end = index + 1
        while run_end < len(pieces) and pieces[run_end][0] == char:
            run_end += 1
        if run_end - index >= 3 and not char.isdigit() and not char.isspace():
            transforms.add("elongation")
            result.append((char, start, pieces[run_end - 1][2]))
        else:
            result.extend(pieces[index:run_end])
        index = run_end
    return result


def _join_spaced_letters(pieces: list[Piece], transforms: set[str]) -> list[Piece]:
    """"i h a t e m u s l i m s" -> "i hate muslims": a run of three or more single letters, each
    followed by one space, is one word spelt out to slip past word filters. A leading "i" or "a" is
    usually a word of its own ("I h a t e ..."), so it stays apart when the rest is a word too."""
    text = "".join(piece[0] for piece in pieces)
    if len(text) != len(pieces):  # a piece of several characters: offsets would not line up
        return pieces
    dropped: set[int] = set()
    for match in _SPACED_LETTERS.finditer(text):
        start = match.start()
        if text[start] in "ia" and match.end() - start >= 7:  # "i h a t e": keep "i" apart
            start += 2
        dropped.update(range(start + 1, match.end(), 2))
    if dropped:
        transforms.add("spaced")
    return [piece for index, piece in enumerate(pieces) if index not in dropped]


def _compose_radicals(pieces: list[Piece], transforms: set[str]) -> list[Piece]:
    """"我忄艮他们" -> "我恨他们": a side radical and the character after it, where the two make one
    character (see `jaga.text.chaizi`)."""
    pairs = chaizi.radical_pairs()
    result: list[Piece] = []
    index = 0
    while index < len(pieces):
        if index + 1 < len(pieces):
            composed = pairs.get(pieces[index][0] + pieces[index + 1][0])
            if composed is not None:
                transforms.add("chaizi")
                result.append((composed, pieces[index][1], pieces[index + 1][2]))
                index += 2
                continue
        result.append(pieces[index])
        index += 1
    return result


def canonical_key(text: str) -> str:
    """The canonical form only (for lexicon entries, domain names, dedup keys)."""
    return _SPACE_RUN.sub(" ", normalise(text).text).strip()
