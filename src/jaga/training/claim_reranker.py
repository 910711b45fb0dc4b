"""Training the claim reranker: e5-small reading a post and a candidate fact-check together and saying
whether the post repeats that claim (`jaga.claims.rerank` runs it; `jaga train --claim-reranker`).

The claim encoder places a message and its fact-check near each other, but a vector per text cannot
tell "the cervical-cancer vaccine causes early menopause" from another vaccine rumour that shares
its words and topic: among its errors on the calibration claims, the right fact-check was second or
third, a few hundredths of cosine below a claim on the same subject. Read together, the two texts'
pieces attend to each other, which is what separates those.

Needs PyTorch (`pip install '.[train]'`); CUDA when there is a GPU, the CPU otherwise. Nothing at run
time imports this module: the result is `jaga/models/claims/reranker.npz` (the upper layers and the
head), read by `jaga.claims.rerank` on the ordinary e5 engine.

Why these choices (docs/CLAIMS.md has the figures):
- The layers start from the claim encoder's (the lower six, like the word table, stay the wheel's and
  are not shipped), so the model starts out knowing which texts say the same thing across languages.
- Examples come from the authored pairs' training claims only (`jaga/claims/pairs`), so the
  calibration and test claims stay unseen: each message with its fact-check (1), with the wrong
  candidates the first stage ranks highest for it (0: the near misses the reranker is there for),
  and each hard negative (same topic, no claim) with the claim it was written near and its own top
  candidates (0).
- Those candidates are the claim encoder's `near_misses`: never a claim whose text is nearly the
  gold one's (a rumour recorded twice), and only TurnBackHoax and AFNC claims (licences).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jaga.text.e5.weights import E5File

DEFAULTS: dict[str, Any] = {
    "epochs": 2,
    "batch_size": 32,
    "post_pieces": 96,
    "claim_pieces": 64,
    "learning_rate": 3e-5,
    "weight_decay": 0.01,
    "warmup": 0.1,
    "head_learning_rate": 1e-3,
    "freeze_layers": 6,
    "seed": 0,
    "max_steps": 0,
}
"""`max_steps` > 0 stops early (smoke tests)."""

MINED_NEGATIVES = 4
"""Wrong candidates per message (half that per hard negative), the first stage's best first."""
RERANKER_FILE = "reranker.npz"
META_FILE = "reranker.json"


@dataclass(frozen=True)
class Example:
    post: str
    claim: str
    label: int         # 1: the post repeats the claim
    language: str
    claim_key: str     # the authored pair's claim (the split's key)


@dataclass(frozen=True)
class TrainingSet:
    examples: list[Example]
    sources: dict[str, int]
    datasets: list[dict[str, str]] = field(default_factory=list)  # {"name", "licence"}: `jaga.provenance`

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"examples": [asdict(example) for example in self.examples],
                                    "sources": self.sources, "datasets": self.datasets}, ensure_ascii=False),
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TrainingSet:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls([Example(**example) for example in data["examples"]], data["sources"], data.get("datasets", []))


def training_set(matcher: Any, pairs: Sequence[Any], mined: int = MINED_NEGATIVES) -> TrainingSet:
    """Examples from the authored pairs on the training side of the split (`pairs`: `AuthoredPair`s),
    the negatives mined with `matcher` (a `ClaimMatcher` over the registry the pairs name;
    `claim_encoder.near_misses`)."""
    from jaga.text.encoder import clip
    from jaga.training.claim_encoder import claim_datasets, near_misses

    fact_checks = list(matcher.store.iter_fact_checks())
    claims = {item.id: item.claim for item in fact_checks}
    ids_of: defaultdict[str, list[str]] = defaultdict(list)
    for item in fact_checks:
        ids_of[item.claim].append(item.id)
    misses = near_misses(matcher, pairs, mined)
    read: list[str] = []   # the fact-checks whose claims are read
    examples: list[Example] = []
    sources: defaultdict[str, int] = defaultdict(int)
    for pair in pairs:
        if pair.split != "train":
            continue
        gold = [claims[fact_check] for fact_check in pair.fact_checks if fact_check in claims]
        if pair.negative and pair.near in claims:
            examples.append(Example(clip(pair.text), clip(claims[pair.near]), 0, pair.language, pair.claim_key))
            sources["hard negative, its claim"] += 1
            read.append(pair.near)
            wrong = misses.get(pair.id, [])[:mined // 2]
        elif gold:
            examples.append(Example(clip(pair.text), clip(gold[0]), 1, pair.language, pair.claim_key))
            sources[f"message {pair.language}"] += 1
            read.append(next(fact_check for fact_check in pair.fact_checks if fact_check in claims))
            wrong = misses.get(pair.id, [])
        else:
            continue
        for claim in wrong:
            examples.append(Example(clip(pair.text), clip(claim), 0, pair.language, pair.claim_key))
            sources["hard negative, a candidate" if pair.negative else "message, a wrong candidate"] += 1
            read += ids_of[claim][:1]
    return TrainingSet(examples, dict(sorted(sources.items())), claim_datasets(read))


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:  # pragma: no cover - depends on the extra
        raise SystemExit("the claim reranker trains with PyTorch: pip install '.[train]'") from error
    return torch


def _batches(examples: list[Example], batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    """Shuffled batches of examples, each post's examples spread over the epoch."""
    order = rng.permutation(len(examples))
    return [order[start:start + batch_size].tolist() for start in range(0, len(order), batch_size)]


def fit(data: TrainingSet, output: Path, overrides: dict[str, Any] | None = None, log: Any = print,
        version: str | None = None, start_from: Path | None = None) -> dict[str, Any]:
    """Train, write `reranker.npz` and `reranker.json` to `output`, return the run's summary.
    `start_from`: a claim encoder's folder whose layers the reranker starts from (default: the one
    the claim matcher uses; e5's own layers when that is `pretrained`)."""
    torch = _torch()
    from jaga.text.e5.engine import to_pair_pieces
    from jaga.text.encoder import claim_encoder_dir
    from jaga.training.claim_encoder import start_run, take_step, upper_model, warm_cosine

    settings, rng, device = start_run(DEFAULTS, overrides)
    started = time.perf_counter()
    source = E5File()
    model = upper_model(source, settings["freeze_layers"])
    initial = start_from if start_from is not None else claim_encoder_dir()
    if initial is not None:
        _load_layers(model, initial / "encoder.npz")
    model.head = make_head(torch)
    model.to(device)
    config = source.config
    examples = data.examples

    def logits(batch: list[Example]) -> Any:
        sequences = to_pair_pieces([example.post for example in batch], [example.claim for example in batch], config,
                                   settings["post_pieces"], settings["claim_pieces"])
        length = max(len(sequence) for sequence in sequences)
        ids = torch.full((len(sequences), length), config.pad, dtype=torch.long)
        for row, sequence in enumerate(sequences):
            ids[row, :len(sequence)] = torch.tensor(sequence)
        lengths = torch.tensor([len(sequence) for sequence in sequences], device=device)
        cuts = torch.tensor([sequence.index(config.eos) + 1 for sequence in sequences], device=device)
        return model.head(*_segment_means(model, ids.to(device), lengths, cuts))

    layers = [parameter for name, parameter in model.named_parameters()
              if parameter.requires_grad and not name.startswith("head.")]
    trained = [*layers, *model.head.parameters()]
    optimiser = torch.optim.AdamW([{"params": layers, "lr": settings["learning_rate"]},
                                   {"params": list(model.head.parameters()), "lr": settings["head_learning_rate"],
                                    "weight_decay": 0.0}], weight_decay=settings["weight_decay"])
    steps_per_epoch = math.ceil(len(examples) / settings["batch_size"])
    total = steps_per_epoch * settings["epochs"]
    if settings["max_steps"]:
        total = min(total, settings["max_steps"])
    scheduler = warm_cosine(optimiser, total, settings["warmup"])
    positives = sum(example.label for example in examples)
    weight = torch.tensor((len(examples) - positives) / max(positives, 1), device=device)  # classes weigh the same
    step, losses = 0, []
    model.train()
    for epoch in range(settings["epochs"]):
        for batch in _batches(examples, settings["batch_size"], rng):
            if step >= total:
                break
            chosen = [examples[i] for i in batch]
            labels = torch.tensor([float(example.label) for example in chosen], device=device)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits(chosen), labels, pos_weight=weight)
            losses.append(take_step(loss, optimiser, scheduler, trained))
            step += 1
            if step % 10 == 0 or step == total:
                log(f"epoch {epoch + 1} step {step}/{total} loss {np.mean(losses[-10:]):.3f} "
                    f"({time.perf_counter() - started:.0f} s)")
    output.mkdir(parents=True, exist_ok=True)
    save(model, settings["freeze_layers"], output / RERANKER_FILE)
    summary = {"settings": settings, "examples": len(examples), "positives": positives, "sources": data.sources,
               "steps": step, "final_loss": float(np.mean(losses[-10:])) if losses else None,
               "device": str(device), "seconds": round(time.perf_counter() - started, 1)}
    (output / "reranker_fit.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    meta = {"version": version or time.strftime("reranker-%Y%m%d-%H%M"),
            "trained_layers": f"{settings['freeze_layers']}-{config.layers - 1}",
            "started_from": _started_from(initial), "trained_on": data.sources,
            "datasets": _merged_datasets(data.datasets, initial),
            "post_pieces": settings["post_pieces"], "claim_pieces": settings["claim_pieces"], "settings": settings}
    (output / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return summary


INITIAL_SCALE, INITIAL_COSINE = 20.0, 0.6
"""The head starts as the claim encoder's own judgement, `scale * (cosine - 0.6)` (logit 0 at the
cosine where a match starts to be likely, temperature 0.05 as in its training), so training refines
a working matcher rather than starting from a random one."""


def make_head(torch: Any) -> Any:
    """logit = scale * cos(u, v) + w . (u_n * v_n) + bias, from the two texts' mean states after
    reading both (`_segment_means`); `w` starts at 0."""
    nn: Any = torch.nn

    class _Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.tensor(INITIAL_SCALE))
            self.bias = nn.Parameter(torch.tensor(-INITIAL_SCALE * INITIAL_COSINE))
            self.w = nn.Parameter(torch.zeros(384))

        def forward(self, u: Any, v: Any) -> Any:
            u, v = nn.functional.normalize(u, dim=-1), nn.functional.normalize(v, dim=-1)
            product = u * v
            return self.scale * product.sum(-1) + product @ self.w + self.bias

    return _Head()


def _segment_means(model: Any, ids: Any, lengths: Any, cuts: Any) -> tuple[Any, Any]:
    """The model's final states averaged over each text of the pair (the post up to its `</s>`, then
    the claim), as the run-time engine's `pool_pairs` does."""
    torch = _torch()
    x, keep = model.states(ids, lengths)
    positions = torch.arange(ids.shape[1], device=ids.device)[None, :]
    first = (keep & (positions < cuts[:, None])).float()[:, :, None]
    second = (keep & (positions >= cuts[:, None])).float()[:, :, None]
    return (x * first).sum(1) / first.sum(1), (x * second).sum(1) / second.sum(1)


def _started_from(directory: Path | None) -> str:
    if directory is None:
        return "multilingual-e5-small"
    meta = json.loads((directory / "encoder.json").read_text(encoding="utf-8"))
    return f"claim encoder {meta['version']}"


def _merged_datasets(own: list[dict[str, str]], initial: Path | None) -> list[dict[str, str]]:
    """The reranker's data and, since its layers start from it, the claim encoder's (an encoder that
    does not list its data is of unknown provenance)."""
    inherited: list[dict[str, str]] = []
    if initial is not None:
        meta = json.loads((initial / "encoder.json").read_text(encoding="utf-8"))
        inherited = meta.get("datasets") or [{"name": f"claim encoder {meta['version']}", "licence": "unknown"}]
    merged: dict[str, dict[str, str]] = {}
    for entry in [*own, *inherited]:
        merged.setdefault(entry["name"], entry)
    return list(merged.values())


def _load_layers(model: Any, path: Path) -> None:
    """The layers a claim encoder's `encoder.npz` holds, into `model` (the rest stay the wheel's)."""
    from jaga.training.contextual import load_layer

    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    for index, layer in enumerate(model.layers):
        if f"l{index}.q.w" in arrays:
            load_layer(layer, arrays, index)


def save(model: Any, first: int, path: Path) -> None:
    """The trained layers (`first` and up) as the claim encoder ships its own, and the head."""
    from jaga.training.claim_encoder import upper_layers
    from jaga.training.contextual import _array

    arrays = upper_layers(model, first)
    arrays["head.w"], arrays["head.scale"], arrays["head.b"] = (
        _array(model.head.w), _array(model.head.scale), _array(model.head.bias))
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    """`python -m jaga.training.claim_reranker TRAINING_SET.json OUT [key=value ...]`."""
    if len(argv) < 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    from jaga.training.contextual import overrides_from

    print(json.dumps(fit(TrainingSet.load(Path(argv[0])), Path(argv[1]), overrides_from(argv[2:], DEFAULTS))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
