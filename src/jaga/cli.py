"""The `jaga` command line.

Exit codes scripts can rely on: 0 done; 1 error (nothing or only part was done: read the message);
2 usage error; 3 done, but some input records were rejected (see the rejects file).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from jaga import __version__
from jaga.banks.cli import banks_app as _banks_app

if TYPE_CHECKING:
    from collections.abc import Callable

    from jaga.pipeline import Moderator
    from jaga.training.train import Corpus

EXIT_ERROR = 1
EXIT_REJECTS = 3

app = typer.Typer(help="Jaga: trust and safety for social media in Southeast Asia.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="The database: SQLite by default, PostgreSQL with JAGA_DATABASE_URL.", no_args_is_help=True)
app.add_typer(db_app, name="db")
policy_app = typer.Typer(help="Jurisdiction policies: validate, explain, compare and test them.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
err = Console(stderr=True)
out = Console()


def _claims_app() -> typer.Typer:
    from jaga.claims.cli import claims_app

    return claims_app


app.add_typer(_claims_app(), name="claims")
app.add_typer(_banks_app, name="banks")


def _version(value: bool) -> None:
    if value:
        out.print(f"jaga {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Detect, match, decide and report on harmful content in the region's languages."""


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(EXIT_ERROR)


@app.command()
def scan(
    input: Annotated[str, typer.Argument(help="JSONL, CSV or Parquet file of posts; '-' reads JSONL from stdin.")],
    output: Annotated[str | None, typer.Option("--output", "-o", help="Decisions file (.jsonl or .parquet); "
                                               "'-' for stdout. Default: <input>.decisions.jsonl here.")] = None,
    input_format: Annotated[str | None, typer.Option("--format", help="jsonl, csv or parquet (default: from the "
                                                     "file name).")] = None,
    rejects: Annotated[str | None, typer.Option(help="Where malformed records go (default: beside the output).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted scan of the same input and output.")] = False,
    store: Annotated[bool, typer.Option(help="Also persist posts and decisions in the database.")] = False,
    jurisdiction: Annotated[str | None, typer.Option(help="Decide under this jurisdiction (default: each post's "
                                                     "country, else the ASEAN baseline).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 256,
    claims: Annotated[bool, typer.Option(help="Match posts against the fact-check registry, when the database "
                                         "has one (jaga claims import).")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Reject records with fields Jaga does not know, instead "
                                         "of keeping them in the post's `extra` (returned with its decision).")] = False,
) -> None:
    """Moderate a file of posts: one decision per post, malformed records kept aside."""
    from jaga.ingest.readers import InputError
    from jaga.scan import ScanError, ScanSummary
    from jaga.scan import scan as run_scan
    from jaga.store import Store

    target = output or f"{Path(input).stem if input != '-' else 'stdin'}.decisions.jsonl"
    database = Store() if store else None
    started = time.perf_counter()
    show = not quiet
    with Progress(TextColumn("[bold]scanning"), BarColumn(), TaskProgressColumn(),
                  TextColumn("{task.fields[posts]} posts · {task.fields[rate]} posts/s · {task.fields[rejects]} rejects"),
                  TimeElapsedColumn(), console=err, disable=not show, transient=False) as bar:
        task = bar.add_task("scan", total=None, posts=0, rate="-", rejects=0)

        def on_progress(position: int, total: int | None, summary: ScanSummary) -> None:
            elapsed = max(time.perf_counter() - started, 1e-6)
            bar.update(task, completed=position, total=total, posts=summary.records, rejects=summary.rejects,
                       rate=f"{summary.records / elapsed:,.0f}")

        try:
            summary, paths = run_scan(input, target, moderator=_moderator(claims), input_format=input_format, rejects=rejects,
                                      resume=resume, store=database, jurisdiction=jurisdiction, batch_size=batch_size,
                                      progress=on_progress, strict=strict)
        except (InputError, ScanError, OSError) as error:
            raise _fail(str(error)) from error
        except KeyboardInterrupt:
            err.print(f"[yellow]interrupted[/]: continue with `jaga scan {input} -o {target} --resume`")
            raise typer.Exit(130) from None
        finally:
            if database is not None:
                database.close()
    elapsed = time.perf_counter() - started
    if summary.records == 0:
        err.print(f"[yellow]the input is empty[/]: {input} holds no records, so no decisions were written")
    if show:
        _print_summary(summary, elapsed)
        destination = paths.parquet or paths.output or "stdout"
        err.print(f"decisions: {destination}")
    if summary.rejects:
        err.print(f"[yellow]{summary.rejects} record(s) rejected[/] and kept in {paths.rejects} "
                  "(each with its line number and reason)")
        raise typer.Exit(EXIT_REJECTS)


def _print_summary(summary: object, elapsed: float) -> None:
    from jaga.scan import ScanSummary

    assert isinstance(summary, ScanSummary)
    table = Table(title=f"{summary.decisions} decisions ({summary.authority_requests} on authority requests), "
                        f"{summary.rejects} rejects, "
                        f"{summary.records / max(elapsed, 1e-6):,.0f} records/s this run")
    table.add_column("by")
    table.add_column("value")
    table.add_column("posts", justify="right")
    for label, counter in (("action", summary.by_action), ("category", summary.by_category),
                           ("language", summary.by_language)):
        for value, count in sorted(counter.items(), key=lambda item: -item[1]):
            table.add_row(label, value, str(count))
    err.print(table)


def _moderator(claims: bool) -> Moderator:
    from jaga.moderation import registry_moderator
    from jaga.pipeline import Moderator

    return registry_moderator() if claims else Moderator()


@app.command()
def check(
    text: Annotated[str, typer.Argument(help="The text to moderate ('-' reads it from stdin).")],
    lang: Annotated[str | None, typer.Option(help="Language, if known (ISO 639-1).")] = None,
    country: Annotated[str | None, typer.Option(help="Country of the post (ISO 3166-1 alpha-2).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
    claims: Annotated[bool, typer.Option(help="Match against the fact-check registry, if there is one.")] = True,
) -> None:
    """Moderate one text and print its decision."""
    from pydantic import ValidationError

    from jaga.ingest.readers import describe_validation_error
    from jaga.types import Post

    if text == "-":
        text = sys.stdin.read()
    try:
        post = Post(id="cli", text=text, lang=lang, country=country)
    except ValidationError as error:
        raise _fail(describe_validation_error(error)) from error
    decision = _moderator(claims).moderate(post)
    if as_json:
        out.print_json(json.dumps(decision.to_json_dict(), ensure_ascii=False))
        return
    colour = {"allow": "green", "label": "yellow", "reduce": "yellow", "review": "magenta", "remove": "red"}
    action = str(decision.action)
    out.print(f"[bold {colour[action]}]{action.upper()}[/]  language: {decision.language.code} "
              f"({decision.language.confidence:.2f})"
              + (f", {decision.language.variety}" if decision.language.variety else "")
              + (f", mixed with {', '.join(decision.language.mixed)}" if decision.language.mixed else ""))
    table = Table(show_header=True)
    table.add_column("category")
    table.add_column("score", justify="right")
    for category, score in sorted(decision.scores.items(), key=lambda item: -item[1]):
        table.add_row(category.value, f"{score:.3f}")
    if decision.scores:
        out.print(table)
    out.print(decision.reasons)


@app.command()
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
    contextual: Annotated[bool, typer.Option(help="Train the contextual tier (e5-small's layers fine-tuned; needs "
                                             "`pip install '.[train]'`; minutes on a GPU, hours on 2 cores) "
                                             "instead of the fast tier.")] = False,
    functional_weight: Annotated[float, typer.Option(help="Contextual tier: a functional-corpus case's weight "
                                                     "against a real post's.")] = 2.0,
    epochs: Annotated[int, typer.Option(help="Contextual tier: passes over the training rows.")] = 3,
    bundle: Annotated[Path | None, typer.Option(help="Contextual tier: keep the training bundle here (reusable "
                                                "on a GPU machine: python -m jaga.training.contextual BUNDLE OUT).")] = None,
) -> None:
    """Train the fast tier (n-gram classifier) or, with --contextual, the contextual tier, from the
    labelled datasets and Jaga's functional corpus (reproducible for a given seed)."""
    from jaga.training.datasets import LICENCE_CLASSES, select

    try:
        datasets = select(tuple(licence or LICENCE_CLASSES), tuple(dataset) if dataset else None)
    except ValueError as error:
        raise _fail(str(error)) from error
    missing = [d.name for d in datasets if not d.available(data_dir)]
    if missing:
        raise _fail(f"datasets not found under {data_dir or 'JAGA_DATA_DIR'}: {', '.join(missing)}")
    if contextual:
        _train_contextual(datasets, output, data_dir, seed, functional_weight, epochs, bundle)
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
                      functional_weight: float, epochs: int, bundle: Path | None) -> None:
    import tempfile
    from datetime import UTC, datetime

    from jaga.contextual.model import bundled_dir
    from jaga.training.contextual import fit
    from jaga.training.contextual_data import collect, prepare
    from jaga.training.contextual_eval import finish

    target = output or bundled_dir()
    work = bundle or Path(tempfile.mkdtemp(prefix="jaga-contextual-"))
    with err.status("contextual tier") as status:
        rows = collect(datasets, root=data_dir, progress=status.update)
        summary = prepare(rows, work, progress=status.update)
        status.update(f"fine-tuning on {summary['splits']['train']} rows")
        fitted = fit(work / "bundle.npz", work / "fit", {"seed": seed, "functional_weight": functional_weight,
                                                         "epochs": epochs}, log=status.update)
    trained = {"trained_at": datetime.now(UTC).isoformat(timespec="seconds"), "settings": fitted["settings"],
               "hardware": f"{fitted['device_name']}: {fitted['train_seconds']} s for {epochs} epochs over "
                           f"{fitted['train_examples']} rows",
               "datasets": [{"name": d.name, "licence": d.licence} for d in datasets]}
    metrics = finish(work, work / "fit", target, datetime.now(UTC).strftime("contextual-%Y%m%d"), trained)
    out.print(f"contextual tier written to {target} ({trained['hardware']})")
    table = Table(title="functional corpus, held-back test split (macro-F1, hate speech)")
    for column in ("language", "macro-F1"):
        table.add_column(column)
    for language, value in metrics["test"]["functional"].items():
        table.add_row(language, f"{value:.1f}")
    out.print(table)


def _available_corpus(data_dir: Path | None, seed: int, progress: Callable[[str], None]) -> Corpus:
    """Every dataset found under `data_dir` (default: JAGA_DATA_DIR), deduplicated and split as
    `jaga train` does."""
    from jaga.training.datasets import select
    from jaga.training.train import build_corpus

    datasets = [dataset for dataset in select() if dataset.available(data_dir)]
    if not datasets:
        raise _fail(f"no datasets under {data_dir or 'JAGA_DATA_DIR'}")
    return build_corpus(datasets, seed=seed, root=data_dir, progress=progress)


@app.command("language-offsets")
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


@app.command("eval")
def evaluate(
    suite: Annotated[Path, typer.Argument(help="HateCheck-format CSV (text, label, functionality, target, "
                                          "language); `corpus` for the held-back test split of Jaga's functional "
                                          "corpus (11 languages); `claims` for claim-matching retrieval; `harms` for the "
                                          "sexual exploitation, self-harm and violent extremism suites.")],
    lang: Annotated[str | None, typer.Option(help="Language of every case, when the suite has no language column.")] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="hate_speech score that counts as hateful "
                                                    "(default: the default policy's label threshold).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the full report as JSON here.")] = None,
) -> None:
    """Evaluate a functional suite (macro-F1 per language and functionality) or, with `claims`, claim
    retrieval (success@1, success@10, MRR)."""
    from jaga.evaluation.functional import (
        DEFAULT_THRESHOLD,
        SuiteError,
        evaluate_suite,
        load_suite,
        scoring_moderator,
    )
    from jaga.training.corpus_cases import corpus_cases

    if str(suite) == "claims" and not suite.exists():
        from jaga.claims.cli import evaluate_claims

        evaluate_claims(report)
        return
    if str(suite) == "harms" and not suite.exists():
        _evaluate_harms(lang, report)
        return
    try:
        cases = corpus_cases() if str(suite) == "corpus" and not suite.exists() else load_suite(suite, lang)
    except (SuiteError, OSError) as error:
        raise _fail(str(error)) from error
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    result = evaluate_suite(cases, scoring_moderator(), threshold)
    out.print(f"[bold]{suite.name}[/]: {result['n']} cases, macro-F1 {100 * result['macro_f1']:.1f}, "
              f"accuracy {100 * result['accuracy']:.1f} (threshold {threshold}); "
              f"{100 * result['escalated']:.0f} % read by the contextual tier")
    languages = Table(title="per language")
    for column in ("language", "macro-F1", "cases", "contextual tier"):
        languages.add_column(column)
    for language, values in result["by_language"].items():
        languages.add_row(language or "?", f"{100 * values['macro_f1']:.1f}", str(values["n"]),
                          f"{100 * values['escalated']:.0f} %")
    out.print(languages)
    functionalities = Table(title="per functionality")
    for column in ("functionality", "gold", "accuracy", "cases"):
        functionalities.add_column(column)
    for name, values in result["by_functionality"].items():
        functionalities.add_row(name, values["gold"], f"{100 * values['accuracy']:.1f}", str(values["n"]))
    out.print(functionalities)
    if report:
        report.write_text(json.dumps({"suite": str(suite), **result}, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        out.print(f"report: {report}")


def _evaluate_harms(lang: str | None, report: Path | None) -> None:
    """`jaga eval harms`: recall and look-alike false-positive rate per category, language and half
    of the bundled functional suites (sexual exploitation, self-harm, violent extremism)."""
    from jaga.evaluation.harms import FALSE_POSITIVE_TARGET, RECALL_TARGET, evaluate_harms, load_harm_suites

    cases = load_harm_suites(languages=lang.split(",") if lang else None)
    result = evaluate_harms(cases)
    table = Table(title=f"harm suites: {len(cases)} cases (targets: recall >= {RECALL_TARGET:.0%}, "
                        f"look-alikes flagged <= {FALSE_POSITIVE_TARGET:.0%})")
    for column in ("category", "language", "half", "recall", "look-alikes flagged"):
        table.add_column(column)
    for row in result["rows"]:
        table.add_row(row["category"], row["language"], row["half"],
                      f"{row['caught']}/{row['harmful']} ({100 * row['recall']:.0f} %)",
                      f"{row['flagged']}/{row['benign']} ({100 * row['false_positive_rate']:.0f} %)")
    out.print(table)
    for half, totals in result["totals"].items():
        out.print(f"{half}: recall {100 * totals['recall']:.1f} %, look-alikes flagged "
                  f"{100 * totals['false_positive_rate']:.1f} % (for another category: "
                  f"{100 * totals['other_category_rate']:.1f} %), {totals['cells_meeting_targets']}/{totals['cells']} "
                  "category-language cells meet both targets")
    if report:
        report.write_text(json.dumps({"suite": "harms", **result}, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        out.print(f"report: {report}")


PolicyDirOption = Annotated[Path | None, typer.Option("--policies", help="Directory of policy files "
                                                       "(default: the bundled ones).")]


def _engine(directory: Path | None) -> object:
    from jaga.policy import PolicyEngine, PolicyError

    try:
        return PolicyEngine(directory)
    except PolicyError as error:
        raise _fail(str(error)) from error


@policy_app.command("validate")
def policy_validate(policies: PolicyDirOption = None) -> None:
    """Load every policy file; report the first problem with its file and line."""
    from jaga.policy import PolicyEngine

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    table = Table(title="policies")
    for column in ("jurisdiction", "version", "effective", "instruments", "rules", "appeal path"):
        table.add_column(column)
    for code, loaded in sorted(engine.policies.items()):
        policy = loaded.policy
        table.add_row(code, loaded.version, str(policy.effective), str(len(policy.instruments)), str(len(loaded.rules)),
                      " > ".join(policy.appeal_path))
    out.print(table)
    out.print(f"{len(engine.policies)} policies valid")


@policy_app.command("explain")
def policy_explain(
    post: Annotated[str, typer.Argument(help="A post as JSON, or a path to a JSON file.")],
    jurisdiction: Annotated[str | None, typer.Option(help="Default: the post's country, else ASEAN.")] = None,
    policies: PolicyDirOption = None,
) -> None:
    """Moderate one post and print the decision with its full statement of reasons."""
    from pydantic import ValidationError

    from jaga.ingest.readers import describe_validation_error
    from jaga.pipeline import Moderator
    from jaga.policy import PolicyEngine
    from jaga.types import Post

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    text = Path(post).read_text(encoding="utf-8") if Path(post).is_file() else post
    try:
        parsed = Post.model_validate_json(text)
    except ValidationError as error:
        raise _fail(describe_validation_error(error)) from error
    decision = Moderator(policy=engine).moderate(parsed, jurisdiction)
    out.print_json(json.dumps(decision.to_json_dict(), ensure_ascii=False))


@policy_app.command("diff")
def policy_diff(a: str, b: str, policies: PolicyDirOption = None) -> None:
    """What differs between two jurisdictions, category by category."""
    from jaga.policy import PolicyEngine

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    left, right = engine.policy_for(a).policy, engine.policy_for(b).policy
    table = Table(title=f"{left.jurisdiction} vs {right.jurisdiction}")
    for column in ("category", "field", left.jurisdiction, right.jurisdiction):
        table.add_column(column)
    for category in sorted(set(left.categories) | set(right.categories)):
        one, two = left.categories.get(category), right.categories.get(category)
        for field in ("thresholds", "legal_basis", "deadline", "urgent_deadline", "extra_actions", "rules"):
            first = getattr(one, field, None) if one else None
            second = getattr(two, field, None) if two else None
            if first != second:
                table.add_row(category.value, field, _show(first), _show(second))
    for field in ("notices", "appeal_path", "safeguards"):
        if getattr(left, field) != getattr(right, field):
            table.add_row("-", field, _show(getattr(left, field)), _show(getattr(right, field)))
    out.print(table)


def _show(value: object) -> str:
    if value is None:
        return "-"
    if hasattr(value, "model_dump"):
        return json.dumps(value.model_dump(mode="json", exclude_none=True), ensure_ascii=False)  # type: ignore[attr-defined]
    if isinstance(value, list):
        return ", ".join(_show(item) for item in value) or "-"
    return str(value)


@policy_app.command("test")
def policy_test(
    cases: Annotated[Path | None, typer.Argument(help="A case file or a folder of them; default: the bundled "
                                                "case file of every jurisdiction.")] = None,
    policies: PolicyDirOption = None,
) -> None:
    """Run policy cases: each gives a post, its signals and the outcome the law's terms lead to."""
    from jaga.policy import PolicyEngine
    from jaga.policy.cases import BUNDLED_CASES, run_cases

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    try:
        outcomes = run_cases(engine, cases or BUNDLED_CASES)
    except (OSError, ValueError) as error:
        raise _fail(str(error)) from error
    failures = 0
    for outcome in outcomes:
        label = f"{outcome.source.stem}: {outcome.name}"
        if outcome.problems:
            failures += 1
            out.print(f"[red]FAIL[/] {label}: {'; '.join(outcome.problems)}")
        else:
            out.print(f"[green]ok[/]   {label}")
    out.print(f"{len(outcomes) - failures} passed, {failures} failed")
    if failures:
        raise typer.Exit(EXIT_ERROR)


@policy_app.command("export-dsa")
def policy_export_dsa(
    territorial_scope: Annotated[str, typer.Option(help="EU/EEA country codes the restriction applies in, "
                                                   "comma-separated (the database accepts only these).")],
    decisions: Annotated[Path | None, typer.Argument(help="Decisions JSONL (the output of jaga scan); "
                                                     "omit with --from-store.")] = None,
    from_store: Annotated[bool, typer.Option("--from-store", help="Read the decisions stored in the database "
                                             "(their current statements), a page at a time.")] = False,
    org: Annotated[str, typer.Option("--org", help="Organisation whose decisions to export (--from-store).")] = "default",
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First day (UTC) of decisions "
                                                   "to export (--from-store).")] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day (UTC), included "
                                                   "(--from-store).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("dsa_statements.jsonl"),
) -> None:
    """Export final decisions as DSA Transparency Database statements: one line per request to the
    database's batch endpoint ({"statements": [...]}, at most 100 each)."""
    from jaga.policy.dsa import BATCH_SIZE, NotExportable, to_dsa_statement

    scope = [code.strip() for code in territorial_scope.split(",") if code.strip()]
    if from_store == (decisions is not None):
        raise _fail("give either a decisions file or --from-store")
    written = skipped = 0
    try:
        with output.open("w", encoding="utf-8") as handle:
            if from_store:
                from jaga.store import Store
                from jaga.store.dsa_export import DsaExport

                with Store(org=org) as store:
                    export = DsaExport(store, scope, since.date() if since else None, until.date() if until else None)
                    for chunk in export:
                        handle.write(json.dumps({"statements": chunk}, ensure_ascii=False) + "\n")
                    written, skipped = export.written, export.skipped
            else:
                from jaga.types import Decision

                assert decisions is not None
                batch: list[dict[str, Any]] = []
                with decisions.open(encoding="utf-8") as lines:
                    for line in lines:
                        try:
                            batch.append(to_dsa_statement(Decision.model_validate_json(line), scope))
                        except NotExportable as error:
                            if "territorial_scope" in str(error):
                                raise
                            skipped += 1
                            continue
                        written += 1
                        if len(batch) == BATCH_SIZE:
                            handle.write(json.dumps({"statements": batch}, ensure_ascii=False) + "\n")
                            batch = []
                if batch:
                    handle.write(json.dumps({"statements": batch}, ensure_ascii=False) + "\n")
    except NotExportable as error:
        output.unlink(missing_ok=True)  # half an export must not be mistaken for one
        raise _fail(str(error)) from error
    out.print(f"{written} statements written to {output} in batches of up to {BATCH_SIZE}; {skipped} decisions "
              "not exportable (allowed, or pending human review)")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    from jaga.store import Store

    with Store() as store:
        out.print(f"database at {_redact(store.url)} is up to date")


@db_app.command("info")
def db_info() -> None:
    """Where the database is and what it holds."""
    from jaga.store import Store

    with Store() as store:
        out.print(f"database: {_redact(store.url)}")
        out.print(store.counts())
        out.print(store.actions())


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)



keys_app = typer.Typer(help="API keys for the HTTP service: one organisation, one role, optional jurisdictions.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
OrgOption = Annotated[str, typer.Option("--org", help="Organisation the key belongs to.")]


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. 'acme-platform'.")],
    org: OrgOption,
    role: Annotated[str, typer.Option(help="platform, reviewer, regulator, admin or auditor.")],
    jurisdiction: Annotated[list[str] | None, typer.Option(help="Limit to these jurisdictions (repeat); "
                                                           "default: all.")] = None,
) -> None:
    """Create a key and print its token once (only a hash is stored)."""
    from jaga.store import Role, Store

    try:
        chosen = Role(role)
    except ValueError as error:
        raise _fail(f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}") from error
    key, token = Store(org=org).create_key(name, chosen, jurisdiction)
    err.print(f"key {key.id} for {key.org} ({key.role.value}"
              + (f", {', '.join(key.jurisdictions)}" if key.jurisdictions else ", all jurisdictions") + ")")
    typer.echo(token)


@keys_app.command("list")
def keys_list(org: OrgOption) -> None:
    """The organisation's keys (never their secrets)."""
    from jaga.store import Store

    table = Table()
    for column in ("id", "name", "role", "jurisdictions", "created", "revoked"):
        table.add_column(column)
    for key, created, revoked in Store(org=org).api_keys():
        table.add_row(key.id, key.name, key.role.value, ", ".join(key.jurisdictions) or "all",
                      created.isoformat(timespec="seconds"), revoked.isoformat(timespec="seconds") if revoked else "")
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, org: OrgOption) -> None:
    """Revoke a key at once."""
    from jaga.store import Store

    if not Store(org=org).revoke_key(key_id):
        raise _fail(f"no active key {key_id} in {org}")
    out.print(f"revoked {key_id}")


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="A file from `jaga audit checkpoint`: also prove the log still begins with the rows it "
        "signed (detects rows deleted from the end, or a tail recomputed after an edit).")] = None,
    public_key: Annotated[Path | None, typer.Option(
        "--public-key", help="The signer's public key (PEM, from `jaga audit public-key`), kept apart from this "
        "machine; default: this machine's audit key.")] = None,
) -> None:
    """Walk the whole chain and check every decision and key row against it; exit 1 and list the
    problems if a row was changed, deleted or malformed, or the log no longer matches the checkpoint."""
    from rich.markup import escape

    from jaga.store import Store
    from jaga.store.checkpoints import Checkpoint, CheckpointError, load_public_key, signing_key

    problems: list[str] = []
    pinned = None
    if checkpoint is not None:
        try:
            pinned = Checkpoint.from_json(_read_text(checkpoint), str(checkpoint))
            key = (load_public_key(_read_text(public_key).encode(), str(public_key)) if public_key is not None
                   else signing_key(create=False).public_key())
        except CheckpointError as error:
            raise _fail(escape(str(error))) from error
        problems += pinned.signature_problems(key)
    problems += Store().verify_audit(None if problems else pinned)  # an unsigned prefix proves nothing
    for line in problems:
        err.print(f"[red]{escape(line)}[/]")
    if problems:
        raise typer.Exit(EXIT_ERROR)
    out.print("audit log intact" + (f"; it begins with the {pinned.length} rows signed at {pinned.at}"
                                    if pinned is not None else ""))


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write it here (default: stdout).")] = None,
) -> None:
    """Sign the chain's tip (row count, last sequence number, hash) with this machine's audit key
    (JAGA_AUDIT_KEY_FILE, else made in Jaga's home). Keep the file where this database's writers
    can't reach it; `jaga audit verify --checkpoint FILE` later shows rows deleted or rewritten
    before that point. Refuses to sign a log that does not verify."""
    from rich.markup import escape

    from jaga.store import Store
    from jaga.store.checkpoints import Checkpoint, CheckpointError, signing_key

    store = Store()
    seq, length, tip = store.audit_tip()
    problems = store.verify_audit(Checkpoint(seq=seq, length=length, hash=tip, at="now", key_id=""))
    for line in problems:
        err.print(f"[red]{escape(line)}[/]")
    if problems:
        raise _fail("the audit log does not verify; not signing it")
    try:
        signed = Checkpoint.sign(seq, length, tip, signing_key())
    except CheckpointError as error:
        raise _fail(escape(str(error))) from error
    if output is None:
        typer.echo(signed.to_json(), nl=False)
    else:
        output.write_text(signed.to_json(), encoding="utf-8")
        err.print(f"checkpoint of {length} rows (up to seq {seq}) written to {output}")


@audit_app.command("public-key")
def audit_public_key(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write it here (default: stdout).")] = None,
) -> None:
    """The audit key's public half (PEM), for whoever verifies checkpoints elsewhere."""
    from rich.markup import escape

    from jaga.store.checkpoints import CheckpointError, public_key_pem, signing_key

    try:
        pem = public_key_pem(signing_key()).decode("ascii")
    except CheckpointError as error:
        raise _fail(escape(str(error))) from error
    if output is None:
        typer.echo(pem, nl=False)
    else:
        output.write_text(pem, encoding="ascii")


@audit_app.command("adopt")
def audit_adopt() -> None:
    """Once, after upgrading from a Jaga that did not seal decisions and keys in the chain: record
    the rows the chain does not know yet. Rows that differ from what the chain recorded stay findings."""
    from rich.markup import escape

    from jaga.store import Store

    try:
        counts = Store().adopt_unsealed()
    except ValueError as error:
        raise _fail(escape(str(error))) from error
    out.print(f"adopted {counts['decisions']} decisions and {counts['keys']} keys into the audit chain")


def _read_text(path: Path) -> str:
    from rich.markup import escape

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"cannot read {escape(str(path))}: {escape(str(error))}") from error


@db_app.command("retention")
def db_retention(
    days: Annotated[int, typer.Option(min=1, help="Remove post text ingested more than this many days ago.")],
    org: Annotated[str, typer.Option("--org")] = "default",
) -> None:
    """Apply a retention period: post text (and its copies in decisions) older than DAYS goes."""
    from jaga.store import Store

    counts = Store(org=org).apply_retention(days)
    out.print(f"removed {counts['posts']} posts' text; {counts['decisions_redacted']} decisions redacted")


@app.command("report")
def report_command(
    period: Annotated[str, typer.Option(help="A quarter (2026-Q3), a month (2026-07) or a year (2026), in UTC.")],
    org: OrgOption,
    jurisdiction: Annotated[str | None, typer.Option(help="Only this jurisdiction, e.g. MY; default: all.")] = None,
    format: Annotated[str, typer.Option("--format", help="json, csv or html (with bar charts).")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """A transparency report for a period: decisions by category, action, source and language,
    automated shares, time to action, appeals and reversals, authority requests by agency."""
    from jaga.store import Store
    from jaga.store.reports import FORMATS, PeriodError, to_csv, to_html, transparency_report

    if format not in FORMATS:
        raise _fail(f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    store = Store(org=org)
    try:
        report = transparency_report(store, period, jurisdiction)
    except PeriodError as error:
        raise _fail(str(error)) from error
    finally:
        store.close()
    text = (json.dumps(report, ensure_ascii=False, indent=2) + "\n" if format == "json"
            else to_csv(report) if format == "csv" else to_html(report))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65_535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Run the HTTP service (OpenAPI document at /docs and /openapi.json). Several workers share
    one SQLite file safely (writers take turns); PostgreSQL (JAGA_DATABASE_URL) for more machines."""
    import uvicorn

    # The sentence encoder (OpenMP) reads one post per request here: with a thread per core its
    # threads spin against the request threads (measured at 150 requests/s: p99 180-220 ms with two
    # threads, 27-40 ms with one). Batch jobs keep every core. OMP_NUM_THREADS set by the user wins.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from jaga.service.transport import server_options

    # Header size, count and deadline, keep-alive and a connection cap (JAGA_HEADER_TIMEOUT,
    # JAGA_MAX_HEADER_BYTES, JAGA_MAX_HEADERS, JAGA_MAX_CONNECTIONS): see jaga.service.transport.
    uvicorn.run("jaga.service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", **server_options())


if __name__ == "__main__":
    app()
