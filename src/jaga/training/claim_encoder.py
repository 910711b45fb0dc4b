"""Fine-tuning e5-small's upper layers for claim matching: a circulating message and the fact-check it
repeats should be each other's nearest neighbours, in whatever pair of the region's languages.

Needs PyTorch (`pip install '.[train]'`); CUDA when there is a GPU, the CPU otherwise (the shipped
encoder: 504 s on 2 cores, see `docs/CLAIMS.md`). Nothing at run time imports this module:
the result is `jaga/models/claims/encoder.npz`, read by `jaga.text.encoder` on the ordinary e5 engine.

Why these choices (measured on the authored pairs, `jaga/claims/pairs`, split by claim: docs/CLAIMS.md):
- Only the upper layers train (`freeze_layers`, default 6 of 12). The lower ones, like the 250k-row
  word table, stay the wheel's and are not shipped again, so the package grows by half a model, and a
  CPU step costs less (the lower half runs without gradients).
- Contrastive loss both ways with in-batch negatives: message -> claim, against the batch's other
  claims plus `registry_negatives` real fact-checks drawn from `NEGATIVE_SETS` each step (the
  distractors retrieval really meets); claim -> message, against the batch's other messages plus the
  hard negatives written near the batch's claims (same topic, no claim), so that a topic alone does
  not make a match: with 1,106 of them instead of 50, right first answers flagged while 5 % of the
  calibration claims' hard negatives match went from 0.490 to 0.595.
- A batch never holds two messages of one claim (they would be each other's false negatives).
- Each message also meets, on its claim side, `mined_negatives` of its near misses: the registry
  claims the current matcher ranks highest for it, wrongly (`near_misses`, mined before training with
  the bundled encoder): the same-topic claims its errors are made of.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jaga.text.e5.weights import E5File

DEFAULTS: dict[str, Any] = {
    "epochs": 4,
    "batch_size": 32,
    "max_pieces": 96,
    "learning_rate": 3e-5,
    "weight_decay": 0.01,
    "warmup": 0.1,
    "temperature": 0.05,
    "freeze_layers": 6,
    "registry_negatives": 64,
    "hard_negatives": 32,
    "mined_negatives": 2,
    "seed": 0,
    "max_steps": 0,
}
"""`max_steps` > 0 stops early (smoke tests)."""

ENCODER_FILE = "encoder.npz"
META_FILE = "encoder.json"


@dataclass(frozen=True)
class Example:
    """A message that repeats a claim (`claim` set) or a hard negative near one (`claim` empty)."""

    text: str
    language: str
    claim_key: str
    claim: str = ""
    negatives: tuple[str, ...] = ()   # registry claims the current matcher ranks high for it, wrongly


@dataclass(frozen=True)
class TrainingSet:
    examples: list[Example]
    registry: list[str]           # every fact-check's claim text: where extra negatives are drawn from
    sources: dict[str, int]
    datasets: list[dict[str, str]] = field(default_factory=list)  # {"name", "licence"}: `jaga.provenance`

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"examples": [asdict(example) for example in self.examples],
                                    "registry": self.registry, "sources": self.sources, "datasets": self.datasets},
                                   ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TrainingSet:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls([Example(**(example | {"negatives": tuple(example.get("negatives", ()))}))
                    for example in data["examples"]], data["registry"], data["sources"], data.get("datasets", []))


PAIRS_DATASET = {"name": "jaga_claim_pairs", "licence": "permissive"}
"""The authored messages (`jaga/claims/pairs`): the project's own work."""


def claim_datasets(fact_check_ids: Iterable[str]) -> list[dict[str, str]]:
    """A claim model's training data as its metadata lists them: the authored pairs and the public
    sets whose claims it read (their licences, `jaga.claims.sources.LICENCES`)."""
    from jaga.claims.sources import datasets_of

    return [PAIRS_DATASET, *datasets_of(fact_check_ids)]


NEGATIVE_SETS = ("turnbackhoax_id_2021", "afnc_th", "limesoda_th")
"""The registries whose claims the extra negatives are drawn from: the three the authored messages
repeat (Indonesian and Thai, whose claims every message must be told apart from; LimeSoda's Thai
health claims since round 8 of the pairs, CC BY 4.0). Not the other public sets: Vietnamese VFND is
GPL-3.0 and the Filipino set's licence is unknown, and a model shipped under Apache-2.0 is not trained on them."""


MINED_DEPTH = 20
"""How deep in the current matcher's list near misses are looked for (`near_misses`)."""
SAME_CLAIM = 80
"""rapidfuzz `token_set_ratio` at or above which a candidate's claim is the gold claim recorded again
(fact-checkers record a returning rumour more than once): never a negative."""


def near_misses(matcher: Any, pairs: Sequence[Any], per_pair: int, split: str = "train") -> dict[str, list[str]]:
    """For each authored pair of `split` (id -> claim texts): the wrong candidates the current matcher
    (`ClaimMatcher`, first stage) ranks highest, best first, up to `per_pair`: what a model that
    must tell a claim from its neighbours learns most from. For a hard negative, the claim it was
    written near is wrong too but is left to the caller. Only `NEGATIVE_SETS` claims, never one whose
    text is nearly the gold's (`SAME_CLAIM`)."""
    from rapidfuzz import fuzz

    from jaga.claims.matcher import language_of

    chosen = [pair for pair in pairs if pair.split == split]
    if not chosen:
        return {}
    claims = {item.id: item.claim for item in matcher.store.iter_fact_checks()}
    key_of = {item.id: key for key, item in matcher.store.fact_checks_by_key(
        [int(key) for key in matcher.index.lexical.keys]).items()}
    languages = [language_of(pair.text) for pair in chosen]
    vectors = matcher.encoder.encode([pair.text for pair in chosen], languages)
    found: dict[str, list[str]] = {}
    for pair, vector, language in zip(chosen, vectors, languages, strict=True):
        own = [*pair.fact_checks, *([pair.near] if pair.near else [])]
        gold = [claims[fact_check] for fact_check in own if fact_check in claims]
        gold_keys = {key_of.get(fact_check) for fact_check in own}
        keys, features = matcher.features(pair.text, vector, language)
        order = np.argsort(-matcher.calibration.probability(features), kind="stable")[:MINED_DEPTH]
        candidates = [int(keys[i]) for i in order if int(keys[i]) not in gold_keys]
        texts = matcher.store.fact_checks_by_key(candidates)
        found[pair.id] = []
        for key in candidates:
            if len(found[pair.id]) >= per_pair:
                break
            if key not in texts or texts[key].id.split(":")[0] not in NEGATIVE_SETS:
                continue
            if not any(fuzz.token_set_ratio(texts[key].claim, known) >= SAME_CLAIM for known in gold):
                found[pair.id].append(texts[key].claim)
    return found


def training_set(claims: dict[str, str], pairs: Sequence[Any], mined: dict[str, list[str]] | None = None) -> TrainingSet:
    """Examples from the authored pairs on the training side of the split by claim (`claims`: fact-check
    id -> claim text, the registry). A message naming several records of one claim is paired with the
    first the registry holds. Extra negatives: the claims of `NEGATIVE_SETS`, and per message its
    near misses (`mined`, from `near_misses`)."""
    from jaga.text.encoder import clip

    mined = mined or {}

    examples: list[Example] = []
    read: list[str] = []   # the fact-checks whose claims are read
    sources: defaultdict[str, int] = defaultdict(int)
    for pair in pairs:
        if pair.split != "train":
            continue
        if pair.negative:
            examples.append(Example(clip(pair.text), pair.language, pair.claim_key))
            sources["hard negatives"] += 1
            continue
        known = [fact_check for fact_check in pair.fact_checks if fact_check in claims]
        if known:
            negatives = tuple(clip(text) for text in mined.get(pair.id, ()))
            examples.append(Example(clip(pair.text), pair.language, pair.claim_key, clip(claims[known[0]]), negatives))
            read.append(known[0])
            sources[f"messages {pair.language}"] += 1
            if negatives:
                sources["near misses"] += len(negatives)
    negative_ids = [fact_check for fact_check in claims if fact_check.split(":")[0] in NEGATIVE_SETS]
    registry = sorted({clip(claims[fact_check]) for fact_check in negative_ids})
    return TrainingSet(examples, registry, dict(sorted(sources.items())), claim_datasets([*read, *negative_ids]))


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:  # pragma: no cover - depends on the extra
        raise SystemExit("the claim encoder trains with PyTorch: pip install '.[train]'") from error
    return torch


def _bundle(source: E5File) -> dict[str, Any]:
    """What `contextual.build_model` starts from, with the whole word table (ids are e5's own)."""
    from jaga.training.contextual_data import pretrained_arrays

    config = source.config
    return {**pretrained_arrays(source), "word_q4": source.q4_blocks("emb.word"),
            "config": np.array(json.dumps({"hidden": config.hidden, "layers": config.layers, "heads": config.heads,
                                           "intermediate": config.intermediate, "eps": config.eps}))}


def _batches(examples: list[Example], batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    """Shuffled batches of messages, no two of one claim in a batch."""
    positives = [i for i, example in enumerate(examples) if example.claim]
    batches: list[list[int]] = []
    keys: list[set[str]] = []
    for i in rng.permutation(positives):
        key = examples[i].claim_key
        slot = next((b for b, seen in enumerate(keys) if key not in seen and len(batches[b]) < batch_size), None)
        if slot is None:
            batches.append([])
            keys.append(set())
            slot = len(batches) - 1
        batches[slot].append(int(i))
        keys[slot].add(key)
    return [batch for batch in batches if len(batch) > 1]


def fit(data: TrainingSet, output: Path, overrides: dict[str, Any] | None = None, log: Any = print,
        version: str | None = None) -> dict[str, Any]:
    """Train, write `encoder.npz` and `encoder.json` to `output`, return the run's summary."""
    torch = _torch()
    from jaga.text.e5.engine import to_pieces

    settings, rng, device = start_run(DEFAULTS, overrides)
    started = time.perf_counter()
    source = E5File()
    model = upper_model(source, settings["freeze_layers"])
    model.head = torch.nn.Identity()
    model.to(device)
    config = source.config
    max_pieces = settings["max_pieces"]

    def encode(texts: Sequence[str]) -> Any:
        sequences = to_pieces(texts, config, max_pieces)
        length = max(len(sequence) for sequence in sequences)
        ids = torch.zeros((len(sequences), length), dtype=torch.long)
        for row, sequence in enumerate(sequences):
            ids[row, :len(sequence)] = torch.tensor(sequence)
        lengths = torch.tensor([len(sequence) for sequence in sequences])
        return torch.nn.functional.normalize(model(ids.to(device), lengths.to(device)), dim=-1)

    examples = data.examples
    negatives_near: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(examples):
        if not example.claim:
            negatives_near[example.claim_key].append(i)
    trained = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimiser = torch.optim.AdamW(trained, lr=settings["learning_rate"], weight_decay=settings["weight_decay"])
    steps_per_epoch = len(_batches(examples, settings["batch_size"], np.random.default_rng(0)))
    total = steps_per_epoch * settings["epochs"]
    if settings["max_steps"]:
        total = min(total, settings["max_steps"])
    scheduler = warm_cosine(optimiser, total, settings["warmup"])
    scale = 1.0 / settings["temperature"]
    step, losses = 0, []
    model.train()
    for epoch in range(settings["epochs"]):
        for batch in _batches(examples, settings["batch_size"], rng):
            if step >= total:
                break
            messages = [examples[i] for i in batch]
            near = [j for example in messages for j in negatives_near.get(example.claim_key, [])]
            near = list(rng.permutation(near)[:settings["hard_negatives"]]) if near else []
            queries = encode([example.text for example in messages] + [examples[j].text for j in near])
            own = set(example.claim for example in messages)
            misses = [text for example in messages for text in example.negatives[:settings["mined_negatives"]]
                      if text not in own]
            claims = encode([example.claim for example in messages] + misses)
            with torch.no_grad():
                drawn = rng.choice(len(data.registry), settings["registry_negatives"], replace=False)
                others = encode([data.registry[j] for j in drawn])
            keep = torch.tensor([data.registry[j] not in own for j in drawn], device=device)
            targets = torch.arange(len(messages), device=device)
            forward = queries[:len(messages)] @ torch.cat([claims, others]).T * scale
            forward[:, len(claims):] = forward[:, len(claims):].masked_fill(~keep, -1e4)
            claims = claims[:len(messages)]
            backward = claims @ queries.T * scale
            loss = (torch.nn.functional.cross_entropy(forward, targets)
                    + torch.nn.functional.cross_entropy(backward, targets)) / 2
            losses.append(take_step(loss, optimiser, scheduler, trained))
            step += 1
            if step % 10 == 0 or step == total:
                log(f"epoch {epoch + 1} step {step}/{total} loss {np.mean(losses[-10:]):.3f} "
                    f"({time.perf_counter() - started:.0f} s)")
    output.mkdir(parents=True, exist_ok=True)
    save_layers(model, settings["freeze_layers"], output / ENCODER_FILE)
    summary = {"settings": settings, "examples": len(examples), "sources": data.sources, "steps": step,
               "final_loss": float(np.mean(losses[-10:])) if losses else None,
               "device": str(device), "seconds": round(time.perf_counter() - started, 1)}
    (output / "fit.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    layers = source.config.layers
    meta = {"version": version or time.strftime("claims-%Y%m%d-%H%M"),
            "trained_layers": f"{settings['freeze_layers']}-{layers - 1}", "trained_on": data.sources,
            "datasets": data.datasets, "settings": settings}
    (output / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return summary


def upper_model(source: E5File, frozen: int, labels: int = 1, dropout: float = 0.0) -> Any:
    """e5-small as `contextual.build_model` makes it (with `labels` outputs), with the embeddings and
    the lowest `frozen` layers fixed (they run without gradients): what the claim encoder, the
    reranker and the exploitation heads train."""
    from jaga.training.contextual import build_model

    model = build_model(_bundle(source), labels, dropout)
    model.frozen = frozen
    for parameter in [model.pos, model.token_type, *model.ln.parameters()]:
        parameter.requires_grad_(False)
    for layer in model.layers[:frozen]:
        for parameter in layer.parameters():
            parameter.requires_grad_(False)
    return model


def start_run(defaults: dict[str, Any], overrides: dict[str, Any] | None) -> tuple[dict[str, Any], Any, Any]:
    """A training run's settings (`overrides` over `defaults`; an unknown name is refused), torch and
    numpy seeded from them, and the device (CUDA when present): (settings, numpy generator, device)."""
    torch = _torch()
    settings = {**defaults, **(overrides or {})}
    unknown = set(settings) - set(defaults)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    torch.manual_seed(settings["seed"])
    return settings, np.random.default_rng(settings["seed"]), torch.device("cuda" if torch.cuda.is_available() else "cpu")


def take_step(loss: Any, optimiser: Any, scheduler: Any, parameters: list[Any]) -> float:
    """One optimiser step on `loss` (gradients clipped at norm 1), the schedule advanced; the loss."""
    optimiser.zero_grad()
    loss.backward()
    _torch().nn.utils.clip_grad_norm_(parameters, 1.0)
    optimiser.step()
    scheduler.step()
    return float(loss.detach())


def warm_cosine(optimiser: Any, total: int, warmup_share: float) -> Any:
    """Linear warm-up over `warmup_share` of `total` steps, then cosine decay."""
    torch = _torch()
    warmup = max(1, int(warmup_share * total))
    return torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, 0.5 * (1 + math.cos(math.pi * min(1.0, step / total)))))


def upper_layers(model: Any, first: int) -> dict[str, np.ndarray]:
    """The trained layers (`first` and up) as the contextual tier ships its own: matrices int8 with one
    scale per output row, the rest float32. The layers below are the wheel's and are not written."""
    from jaga.training.contextual import layer_arrays

    arrays: dict[str, np.ndarray] = {}
    for index, layer in enumerate(model.layers[first:], start=first):
        arrays.update(layer_arrays(layer, index))
    return arrays


def save_layers(model: Any, first: int, path: Path) -> None:
    np.savez_compressed(path, **upper_layers(model, first))  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    """`python -m jaga.training.claim_encoder TRAINING_SET.json OUT [key=value ...]`."""
    if len(argv) < 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    from jaga.training.contextual import overrides_from

    print(json.dumps(fit(TrainingSet.load(Path(argv[0])), Path(argv[1]), overrides_from(argv[2:], DEFAULTS))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
