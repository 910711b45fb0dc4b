"""`jaga train` and `jaga language-offsets`: fit the models that ship in the package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from jaga.cli.common import err, fail, out

if TYPE_CHECKING:
    from collections.abc import Callable

    from jaga.training.train import Corpus


def train(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Artifact directory (default: the bundled "
                                                "model's).")] = None,
    licence: Annotated[list[str] | None, typer.Option(help="Licence classes to train on (repeatable): permissive, "
                                                      "non-commercial, copyleft, unknown. Default: all.")] = None,
    dataset: Annotated[list[str] | None, typer.Option(help="Only these datasets (repeatable).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the datasets are (default: JAGA_DATA_DIR).")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    card: Annotated[Path | None, typer.Option(help="Write the model card here (default: docs/MODEL_CARD.md "
                                              "when training the bundled model).")] = None,
    heads: Annotated[bool, typer.Option(help="Train the exploitation heads (child sexual exploitation, self-harm, "
                                        "violent extremism, scams, gambling): e5-small's eight upper layers "
                                        "fine-tuned on Jaga's own material; needs `pip install '.[train]'`; "
                                        "about 30 minutes on 2 cores (CUDA when present).")] = False,
    claim_encoder: Annotated[bool, typer.Option(help="Train the claim encoder (e5-small's upper layers, "
                                                "contrastively, on the authored claim pairs' training claims "
                                                "against the public fact-check sets; needs `pip install "
                                                "'.[train]'`; about 15 minutes on 2 cores). Then run `jaga "
                                                "claims calibrate`.")] = False,
    claim_reranker: Annotated[bool, typer.Option(help="Train the claim reranker (the claim encoder's upper layers "
                                                 "reading a post and a candidate fact-check together, on the "
                                                 "authored pairs' training claims and the first stage's near "
                                                 "misses; needs `pip install '.[train]'`; about 15 minutes on 2 "
                                                 "cores). Then run `jaga claims calibrate`.")] = False,
    contextual: Annotated[bool, typer.Option(help="Train the contextual tier (e5-small's layers fine-tuned; needs "
                                             "`pip install '.[train]'`; minutes on a GPU, hours on 2 cores) "
                                             "instead of the fast tier.")] = False,
    functional_weight: Annotated[float, typer.Option(help="Contextual tier: a functional-corpus case's weight "
                                                     "against a real post's.")] = 2.0,
    epochs: Annotated[int, typer.Option(help="Contextual tier: passes over the training rows.")] = 3,
    bundle: Annotated[Path | None, typer.Option(help="Contextual tier: keep the training bundle here (reusable "
                                                "on a GPU machine: python -m jaga.training.contextual BUNDLE OUT).")] = None,
    continue_from: Annotated[Path | None, typer.Option("--continue-from", help="Contextual tier: start from this "
                                                     "trained contextual.npz (e.g. the bundled one) instead of "
                                                     "e5's pretrained layers: continued training, which a CPU "
                                                     "can do in minutes with --freeze-layers and --focus, at "
                                                     "the lower learning rates a continuation uses.")] = None,
    freeze_layers: Annotated[int, typer.Option(min=0, max=12, help="Contextual tier: keep the embeddings and this "
                                               "many lowest layers fixed.")] = 0,
    focus: Annotated[str | None, typer.Option(help="Contextual tier: train on these languages' functional cases "
                                              "(comma-separated, e.g. zh,th) plus --replay other rows.")] = None,
    replay: Annotated[int, typer.Option(min=0, help="Contextual tier, with --focus: other training rows drawn at "
                                        "random and rehearsed, so the other languages are not forgotten; with "
                                        "--new-since: real posts rehearsed.")] = 20_000,
    new_since: Annotated[Path | None, typer.Option(help="Contextual tier: train on the functional cases written "
                                                   "since the bundle whose rows.jsonl this is (kept with --bundle), "
                                                   "plus --replay real posts and --replay-functional older cases.")] = None,
    replay_functional: Annotated[int, typer.Option(min=0, help="Contextual tier, with --new-since: older functional "
                                                   "cases rehearsed.")] = 12_000,
    max_new: Annotated[int, typer.Option(min=0, help="Contextual tier, with --new-since: train on this many of the "
                                         "new cases drawn at random (0: all of them).")] = 0,
    focus_source: Annotated[list[str] | None, typer.Option(help="Contextual tier: train on every training row of "
                                                           "this dataset (repeatable, e.g. jaga_exploitation: "
                                                           "everyday posts), plus --replay real posts and "
                                                           "--replay-functional functional cases.")] = None,
    source_weight: Annotated[float, typer.Option(min=0.0, help="Contextual tier, with --focus-source: those rows' "
                                                 "weight against a real post's.")] = 1.0,
    functionality_weights: Annotated[str | None, typer.Option(help="Contextual tier: weigh these functionalities' "
                                                              "cases more, e.g. counter_quote_nh=2,counter_ref_nh=2.")] = None,
) -> None:
    """Train the fast tier (n-gram classifier), with --contextual the contextual tier, or with --heads
    the exploitation heads, from the labelled datasets and Jaga's own corpora (reproducible for a
    given seed)."""
    from jaga.training.datasets import LICENCE_CLASSES, select

    try:
        datasets = select(tuple(licence or LICENCE_CLASSES), tuple(dataset) if dataset else None)
    except ValueError as error:
        raise fail(str(error)) from error
    missing = [d.name for d in datasets if not d.available(data_dir)]
    if missing:
        raise fail(f"datasets not found under {data_dir or 'JAGA_DATA_DIR'}: {', '.join(missing)}")
    if heads:
        _train_heads(output, data_dir, seed, datasets)
        return
    if claim_encoder:
        _train_claim_encoder(output, seed)
        return
    if claim_reranker:
        _train_claim_reranker(output, seed)
        return
    if contextual:
        warm = {"init": str(continue_from or ""), "freeze_layers": freeze_layers, "focus_languages": focus or "",
                "new_since": str(new_since or ""), "focus_sources": ",".join(focus_source or []),
                "source_weight": source_weight,
                "replay_rows": replay if focus or new_since or focus_source else 0,
                "replay_functional": replay_functional if new_since or focus_source else 0,
                "max_train_rows": max_new if new_since else 0,
                "functionality_weights": functionality_weights or ""}
        _train_contextual(datasets, output, data_dir, seed, functional_weight, epochs, bundle, warm)
        return
    from jaga.detect.classifier import bundled_model_dir
    from jaga.training.card import write_model_card
    from jaga.training.train import default_functional_suites
    from jaga.training.train import train as run_training

    target = output or bundled_model_dir()
    with err.status("training") as status:
        metrics = run_training(datasets, target, seed=seed, root=data_dir, progress=lambda message: status.update(message),
                               functional_suites=default_functional_suites(data_dir))
    card_path = card or (Path("docs/MODEL_CARD.md") if output is None else target / "MODEL_CARD.md")
    write_model_card(metrics, card_path)
    out.print(f"model {metrics['version']} written to {target} in {metrics['train_seconds']} s; card: {card_path}")
    table = Table(title="held-out test split")
    for column in ("category", "precision", "recall", "f1", "positives"):
        table.add_column(column)
    for category, values in metrics["test"]["overall"].items():
        table.add_row(category, f"{values['precision']:.3f}", f"{values['recall']:.3f}", f"{values['f1']:.3f}",
                      str(values["support"]))
    out.print(table)


def _train_contextual(datasets: list[Any], output: Path | None, data_dir: Path | None, seed: int,
                      functional_weight: float, epochs: int, bundle: Path | None, warm: dict[str, Any]) -> None:
    import tempfile
    from datetime import UTC, datetime

    from jaga.contextual.model import bundled_dir
    from jaga.training.contextual import fit
    from jaga.training.contextual_data import collect, prepare
    from jaga.training.contextual_eval import finish
    from jaga.training.corpus import load_corpus

    target = output or bundled_dir()
    work = bundle or Path(tempfile.mkdtemp(prefix="jaga-contextual-"))
    with err.status("contextual tier") as status:
        rows = collect(datasets, root=data_dir, progress=status.update)
        summary = prepare(rows, work, progress=status.update)
        status.update(f"fine-tuning on {summary['splits']['train']} rows")
        fitted = fit(work / "bundle.npz", work / "fit", {"seed": seed, "functional_weight": functional_weight,
                                                         "epochs": epochs, **warm}, log=status.update)
    trained = {"trained_at": datetime.now(UTC).isoformat(timespec="seconds"), "settings": fitted["settings"],
               "corpus_cases": len(load_corpus()),
               "hardware": f"{fitted['device_name']}: {fitted['train_seconds']} s for {epochs} epochs over "
                           f"{fitted['train_examples']} rows",
               "datasets": [{"name": d.name, "licence": d.licence} for d in datasets]}
    if warm["init"]:
        trained["continued_from"] = _lineage(Path(warm["init"]).parent)
        # a model continued from another carries what that one learnt: its data stay in the provenance
        trained["datasets"] = _merged(trained["datasets"], _init_datasets(Path(warm["init"]).parent))
    metrics = finish(work, work / "fit", target, datetime.now(UTC).strftime("contextual-%Y%m%d"), trained)
    out.print(f"contextual tier written to {target} ({trained['hardware']})")
    table = Table(title="functional corpus, held-back test split (macro-F1, hate speech)")
    for column in ("language", "macro-F1"):
        table.add_column(column)
    for language, value in metrics["test"]["functional"].items():
        table.add_row(language, f"{value:.1f}")
    out.print(table)


def _merged(*lists: list[dict[str, str]]) -> list[dict[str, str]]:
    """Dataset lists joined, each name once (the first list's entry wins)."""
    seen: dict[str, dict[str, str]] = {}
    for entry in (entry for datasets in lists for entry in datasets):
        seen.setdefault(entry["name"], entry)
    return list(seen.values())


def _train_heads(output: Path | None, data_dir: Path | None, seed: int, datasets: list[Any]) -> None:
    from jaga.detect.heads import bundled_dir
    from jaga.training.heads import train as train_heads

    target = output or bundled_dir()
    with err.status("exploitation heads") as status:
        meta = train_heads(target, seed=seed, root=data_dir, progress=status.update,
                           licences=tuple(sorted({dataset.licence for dataset in datasets})))
    out.print(f"heads {meta['version']} written to {target} (e5's layers {meta['fine_tuned_layers'][0]}-11 fine-tuned "
              f"on {meta['device']} in {meta['train_seconds']} s; {meta['examples']['total']} posts, {meta['fit_seconds']} s "
              "in all)")
    table = Table(title="material's test split: recall / look-alikes flagged (%)")
    for column in ("category", "rules", "rules + heads", "head alone"):
        table.add_column(column)
    for category, alone in meta["metrics"].items():
        rules, both = meta["on_test"]["rules"][category], meta["on_test"]["rules_and_heads"][category]
        table.add_row(category, *(f"{100 * m['test_recall']:.0f} / {100 * m['test_look_alikes_flagged']:.1f}"
                                  for m in (rules, both, alone)))
    out.print(table)


def _train_claim_encoder(output: Path | None, seed: int) -> None:
    from jaga.claims.authored import load_pairs
    from jaga.cli.claims import _evaluation_matcher
    from jaga.text.encoder import CLAIM_ENCODER_DIR
    from jaga.training.claim_encoder import DEFAULTS, fit, near_misses, training_set

    target = output or CLAIM_ENCODER_DIR
    with err.status("claim encoder: indexing the public fact-check sets") as status:
        matcher = _evaluation_matcher(reranker=False)
        status.update("claim encoder: finding the current matcher's near misses for the training messages")
        pairs = load_pairs()
        mined = near_misses(matcher, pairs, DEFAULTS["mined_negatives"])
        data = training_set({item.id: item.claim for item in matcher.store.iter_fact_checks()}, pairs, mined)
        status.update(f"claim encoder: {len(data.examples)} messages against {len(data.registry)} fact-checks")
        summary = fit(data, target, {"seed": seed}, log=lambda message: status.update(f"claim encoder: {message}"))
    out.print(f"claim encoder written to {target}: {summary['steps']} steps in {summary['seconds']} s on "
              f"{summary['device']}; next: jaga claims calibrate (claim indexes rebuild on their next sync)")


def _train_claim_reranker(output: Path | None, seed: int) -> None:
    from jaga.claims.authored import load_pairs
    from jaga.cli.claims import _evaluation_matcher
    from jaga.text.encoder import CLAIM_ENCODER_DIR
    from jaga.training.claim_reranker import fit, training_set

    target = output or CLAIM_ENCODER_DIR
    with err.status("claim reranker: indexing the public fact-check sets") as status:
        matcher = _evaluation_matcher(reranker=False)
        status.update("claim reranker: finding the first stage's near misses for the training messages")
        data = training_set(matcher, load_pairs())
        summary = fit(data, target, {"seed": seed}, log=lambda message: status.update(f"claim reranker: {message}"))
    out.print(f"claim reranker written to {target}: {summary['examples']} pairs, {summary['steps']} steps in "
              f"{summary['seconds']} s on {summary['device']}; next: jaga claims calibrate")


def _init_datasets(directory: Path) -> list[dict[str, str]]:
    """The datasets a model continued from was trained on (its `contextual.json`); one of unknown
    licence where it does not list them."""
    import json

    from jaga.contextual.model import META_FILE

    path = directory / META_FILE
    listed = json.loads(path.read_text(encoding="utf-8")).get("datasets") if path.is_file() else None
    return list(listed) if listed else [{"name": f"the data of {directory} (not listed)", "licence": "unknown"}]


def _lineage(directory: Path) -> dict[str, Any]:
    """What a continued training started from (the model card says both runs): the version, hardware
    and settings of the model in `directory`, as its metrics file records them."""
    import json

    path = directory / "contextual_metrics.json"
    if not path.is_file():
        return {"version": directory.name}
    base = json.loads(path.read_text(encoding="utf-8"))
    return {key: base[key] for key in ("version", "hardware", "settings", "continued_from") if key in base}


def _available_corpus(data_dir: Path | None, seed: int, progress: Callable[[str], None]) -> Corpus:
    """Every dataset found under `data_dir` (default: JAGA_DATA_DIR), deduplicated and split as
    `jaga train` does."""
    from jaga.training.datasets import select
    from jaga.training.train import build_corpus

    datasets = [dataset for dataset in select() if dataset.available(data_dir)]
    if not datasets:
        raise fail(f"no datasets under {data_dir or 'JAGA_DATA_DIR'}")
    return build_corpus(datasets, seed=seed, root=data_dir, progress=progress)


def language_offsets_command(
    output: Annotated[Path | None, typer.Option(help="Offsets file (default: the bundled one).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the datasets are (default: JAGA_DATA_DIR).")] = None,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Fit the language offsets that claim matching removes from e5's vectors (about a minute; then
    re-index: claim indexes rebuild by themselves on the next sync)."""
    from jaga.text.encoder import LANGUAGE_OFFSETS_FILE
    from jaga.training.offsets import fit_language_offsets, save_language_offsets

    with err.status("fitting language offsets") as status:
        corpus = _available_corpus(data_dir, seed, status.update)
        rows = corpus.indices("train")
        offsets = fit_language_offsets([corpus.texts[row] for row in rows], [corpus.languages[row] for row in rows],
                                       seed=seed)
    save_language_offsets(offsets, output or LANGUAGE_OFFSETS_FILE)
    out.print(f"offsets for {', '.join(sorted(offsets))}, written to {output or LANGUAGE_OFFSETS_FILE}")
