"""`jaga claims ...`: the fact-check registry from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from jaga.claims.source import SHARED_ORG
from jaga.cli.common import EXIT_REJECTS, OrgOption, err, fail, out

claims_app = typer.Typer(help="Fact-check registries: import, export, search; claims matched across languages. "
                         f"Each organisation has its own (--org); {SHARED_ORG}'s is the regional shared one, "
                         "searched for every organisation.", no_args_is_help=True)


def _indexed(matcher: Any) -> Any:
    """`matcher` (one registry or a scope) with its index brought up to date, showing the claims
    encoded as they go (a full build of the shared sets encodes thousands)."""
    added = 0
    with Progress(TextColumn("[bold]indexing {task.fields[registry]}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("fact-checks"), TimeElapsedColumn(), TimeRemainingColumn(), console=err,
                  transient=False) as bar:
        for one in getattr(matcher, "matchers", [matcher]):
            task = bar.add_task("index", total=None, registry=one.registry, visible=False)

            def progress(done: int, total: int | None, task: Any = task) -> None:
                bar.update(task, completed=done, total=total, visible=bool(total))

            added += one.sync(progress=progress)
    if added:
        err.print(f"indexed {added} new or changed fact-checks")
    return matcher


@contextmanager
def _searching(total: int, what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over the `total` texts of an evaluation, and the callback that moves it."""
    with Progress(TextColumn(f"[bold]searching {what}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=False) as bar:
        task = bar.add_task("search", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _scope(org: str) -> Any:
    """The registries a post of `org` is matched against (the shared one and `org`'s), indexed, or
    a clear failure when both are empty."""
    from jaga.claims.matcher import ScopedMatcher
    from jaga.store import Store

    scope = ScopedMatcher.for_org(Store(), org)
    if not scope.count_fact_checks():
        names = ("registry of " if len(scope.registries) == 1 else "registries of ") + " and of ".join(scope.registries)
        raise fail(f"the fact-check {names} {'is' if len(scope.registries) == 1 else 'are'} empty: nothing to search. "
                   "Import fact-checks first "
                   f"(jaga claims import --org {org} ..., or --org {SHARED_ORG} for the shared registry)")
    return _indexed(scope)


def _registry(org: str, action: str) -> Any:
    """`org`'s own registry, or a clear failure when it is empty (nothing to `action`)."""
    from jaga.store import Store

    store = Store().scoped(org)
    if not store.count_fact_checks():
        raise fail(f"the fact-check registry of {org} is empty: nothing to {action}. Import fact-checks first "
                   f"(jaga claims import --org {org} ...)")
    return store


@claims_app.command("import")
def import_command(
    sources: Annotated[list[str] | None, typer.Argument(help="Dataset names under $JAGA_DATA_DIR/claims, or files "
                                                        "(.jsonld/.json/.jsonl ClaimReview, .csv).")] = None,
    all_datasets: Annotated[bool, typer.Option("--all", help="Every dataset found in $JAGA_DATA_DIR/claims.")] = False,
    rejects: Annotated[Path, typer.Option(help="Where rejected records go.")] = Path("claims.rejects.jsonl"),
    index: Annotated[bool, typer.Option(help="Update the claim index afterwards.")] = True,
    org: OrgOption = "default",
) -> None:
    """Load fact-checks into the registry (upsert by id); rejected records are kept with their line."""
    from jaga.claims.registry import import_dataset, import_path, write_rejects
    from jaga.claims.sources import DATASETS
    from jaga.config import data_dir
    from jaga.store import Store

    names = list(sources or [])
    if all_datasets:
        names += [name for name in DATASETS if (data_dir() / "claims" / name).is_dir()]
    if not names:
        raise fail("name datasets or files to import, or use --all")
    store = Store().scoped(org)
    reports = []
    for name in names:
        try:
            report = import_dataset(store, name, data_dir() / "claims") if name in DATASETS \
                else import_path(store, Path(name))
        except (OSError, ValueError) as error:
            raise fail(str(error)) from error
        reports.append(report)
    table = Table(title=f"imported into {store.count_fact_checks()} fact-checks")
    for column in ("source", "read", "new or changed", "rejected"):
        table.add_column(column)
    for report in reports:
        table.add_row(report.source, str(report.read), str(report.written), str(len(report.rejected)))
    out.print(table)
    rejected = write_rejects(rejects, reports)
    if index:
        from jaga.claims.matcher import ClaimMatcher

        _indexed(ClaimMatcher(store))
    if rejected:
        err.print(f"{rejected} records rejected, with line and reason: {rejects}")
        raise typer.Exit(EXIT_REJECTS)


@claims_app.command("export")
def export_command(output: Annotated[Path, typer.Argument(help=".jsonld/.json (ClaimReview @graph), .jsonl or .csv")],
                   org: OrgOption = "default") -> None:
    """Write the registry as ClaimReview JSON-LD or CSV (import gives back the same records)."""
    from jaga.claims.registry import export_fact_checks

    store = _registry(org, "export")
    try:
        count = export_fact_checks(store, output)
    except ValueError as error:
        raise fail(str(error)) from error
    out.print(f"{count} fact-checks written to {output}")


@claims_app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="A post, in any language.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=100)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of matches, best first.")] = False,
    org: OrgOption = "default",
) -> None:
    """The fact-checks a text repeats, best first, with a calibrated score and a match flag."""
    if not text.strip():
        raise fail("the text is empty")
    matches = _scope(org).search(text, top_k)
    if as_json:
        typer.echo(json.dumps([match.to_json() for match in matches], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{sum(match.is_match for match in matches)} match(es)")
    for column in ("score", "match", "verdict", "lang", "claim", "publisher", "registry"):
        table.add_column(column)
    for match in matches:
        table.add_row(f"{match.score:.3f}", "yes" if match.is_match else "", match.fact_check.verdict.value,
                      match.fact_check.language, match.fact_check.claim[:90], match.fact_check.publisher, match.registry)
    out.print(table)


@claims_app.command("index")
def index_command(rebuild: Annotated[bool, typer.Option(help="Start from an empty index.")] = False,
                  org: OrgOption = "default") -> None:
    """Bring the organisation's claim index up to date with its registry (incremental unless --rebuild)."""
    import shutil

    from jaga.claims.matcher import ClaimMatcher, default_index_dir

    store = _registry(org, "index")
    if rebuild:
        shutil.rmtree(default_index_dir(store), ignore_errors=True)
    matcher = _indexed(ClaimMatcher(store))
    out.print(f"the index of {org} holds {len(matcher)} fact-checks ({matcher.index_dir})")


def _evaluation_matcher(reranker: bool = True) -> Any:
    """The evaluation registry's matcher (`reranker`: False for the first stage alone); a missing
    public set is the command's error, named."""
    from jaga.claims.matcher import ClaimMatcher

    try:
        return _indexed(ClaimMatcher(evaluation_store(), reranker=reranker))
    except FileNotFoundError as error:
        raise fail(str(error)) from error


def evaluation_store() -> Any:
    """The evaluation registry: every public set imported into its own SQLite file under JAGA_HOME."""
    from jaga.claims.registry import import_dataset
    from jaga.claims.sources import DATASETS
    from jaga.config import data_dir, home_dir
    from jaga.store import Store

    store = Store(f"sqlite:///{home_dir() / 'claims-eval.db'}")
    for name in DATASETS:
        if not (data_dir() / "claims" / name).is_dir():
            raise FileNotFoundError(f"{data_dir() / 'claims' / name} not found (set JAGA_DATA_DIR)")
        import_dataset(store, name, data_dir() / "claims")
    return store


@claims_app.command("calibrate")
def calibrate_command(
    output: Annotated[Path | None, typer.Option(help="Default: the bundled jaga/claims/data/matcher.json.")] = None,
    precision: Annotated[float, typer.Option(min=0.5, max=1.0, help="Top-1 precision the same-language match "
                                             "threshold aims at.")] = 0.9,
    crosslingual_precision: Annotated[float, typer.Option(min=0.5, max=1.0, help="The same, across languages.")] = 0.8,
    rerank_depth: Annotated[int | None, typer.Option(min=1, max=20, help="First-stage candidates the reranker reads "
                                                      "per post (default: RERANK_DEPTH).")] = None,
) -> None:
    """Fit the match calibration on the calibration half of the retrieval pairs and the authored
    pairs' calibration claims (messages the claim encoder and the reranker never saw, and hard
    negatives): the first stage, then the second with the configured reranker (JAGA_CLAIM_RERANKER)."""
    from jaga.claims.evaluation import RERANK_DEPTH, all_pairs, authored_eval_pairs, fit_calibration
    from jaga.claims.rerank import default_reranker
    from jaga.config import data_dir
    from jaga.training.harmless import unrelated_posts

    matcher = _evaluation_matcher(reranker=False)
    pairs = [pair for pair in all_pairs(data_dir() / "claims", unrelated_posts(data_dir() / "claims"))
             if pair.half == "calibration"]
    pairs += authored_eval_pairs(matcher.store, "calibration")[0]
    reranker = default_reranker()
    with err.status("fitting the calibration" + (f" with reranker {reranker.version}" if reranker else "")):
        calibration = fit_calibration(matcher, pairs, precision, crosslingual_precision, reranker=reranker,
                                      depth=rerank_depth or RERANK_DEPTH)
    target = output or Path(str(resources.files("jaga.claims") / "data" / "matcher.json"))
    target.write_text(json.dumps(calibration.to_json(), indent=2) + "\n", encoding="utf-8")
    out.print(f"calibration from {calibration.trained_on}; thresholds {calibration.threshold} (same language), "
              f"{calibration.crosslingual_threshold} (across languages); written to {target}")
    if calibration.rerank:
        out.print(f"second stage ({calibration.rerank.reranker}, {calibration.rerank.depth} candidates read): "
                  f"thresholds {calibration.rerank.threshold} / {calibration.rerank.crosslingual_threshold}, posts "
                  f"whose best first-stage score is under {calibration.rerank.floor} are not read again")


def evaluate_claims(report: Path | None, authored: bool = True) -> None:
    """`jaga eval claims`: success@1, success@10 and MRR on the held-out pairs, then (unless
    `authored` is False) on the held-back split of the project's authored pairs."""
    from jaga.claims.evaluation import all_pairs, check_worthiness_rates, evaluate, scan_gate_rates, summary_rows
    from jaga.config import data_dir
    from jaga.training.harmless import unrelated_posts

    matcher = _evaluation_matcher()
    pairs = [pair for pair in all_pairs(data_dir() / "claims", unrelated_posts(data_dir() / "claims"))
             if pair.half == "test"]
    with _searching(len(pairs), "held-out pairs") as progress:
        rows = summary_rows(evaluate(matcher, pairs, progress=progress))
    table = Table(title=f"claim retrieval, held-out pairs, {matcher.store.count_fact_checks()} fact-checks searched")
    for column in ("set", "pairs", "success@1", "success@10", "MRR", "match precision", "match recall"):
        table.add_column(column)
    for row in rows:
        if row["set"] == "unrelated":
            continue
        table.add_row(row["set"], str(row["n"]), f"{row['success@1']:.3f}", f"{row['success@10']:.3f}",
                      f"{row['mrr']:.3f}", f"{row['match_precision']:.3f}", f"{row['match_recall']:.3f}")
    out.print(table)
    unrelated = next((row for row in rows if row["set"] == "unrelated"), None)
    worthy = check_worthiness_rates(pairs)
    if unrelated:
        out.print(f"{unrelated['n']} unrelated social posts: {100 * unrelated['false_match_rate']:.1f}% got a match")
    out.print(f"check-worthy: {100 * worthy['claims']:.1f}% of posts repeating a fact-checked claim, "
              f"{100 * worthy['unrelated']:.1f}% of unrelated posts")
    gate = scan_gate_rates(matcher, pairs)
    out.print(f"read by the encoder in a scan (check-worthy or sharing rare words with a claim): "
              f"{100 * gate['claims']:.1f}% of posts repeating a fact-checked claim, {100 * gate['unrelated']:.1f}% "
              "of unrelated posts")
    results: dict[str, Any] = {"retrieval": rows, "check_worthy": worthy, "scan_gate": gate}
    if authored:
        results["authored"] = _evaluate_authored(matcher, "test")
    if report:
        report.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        out.print(f"report: {report}")


@claims_app.command("evaluate-authored")
def evaluate_authored_command(
    split: Annotated[str, typer.Option(help="Which side of the split by claim: test (held back), calibration or "
                                       "train.")] = "test",
    report: Annotated[Path | None, typer.Option(help="Write the rows as JSON here.")] = None,
) -> None:
    """Claim retrieval on the project's authored pairs alone (the part of `jaga eval claims` that
    reads jaga/claims/pairs), per message language and language pair, with hard negatives."""
    if split not in ("test", "calibration", "train"):
        raise fail(f"--split must be test, calibration or train, not {split!r}")
    matcher = _evaluation_matcher()
    result = _evaluate_authored(matcher, split)
    if report:
        report.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        out.print(f"report: {report}")


def _evaluate_authored(matcher: Any, split: str, authored: Any = None) -> dict[str, Any]:
    """Search the authored pairs of `split` (all of them, or those in `authored`), print their
    table, return the rows (and the fact-check ids the registry lacks)."""
    from jaga.claims.authored import Split
    from jaga.claims.evaluation import authored_eval_pairs, evaluate_authored

    pairs, missing = authored_eval_pairs(matcher.store, cast(Split, split), authored)
    if missing:
        err.print(f"[yellow]{len(missing)} fact-checks named by authored pairs are not in the registry; their "
                  f"pairs are left out: {', '.join(missing)}[/yellow]")
    with _searching(len(pairs), f"authored pairs ({split})") as progress:
        rows = evaluate_authored(matcher, pairs, progress=progress)
    table = Table(title=f"claim retrieval, authored pairs ({split} split, by claim), "
                        f"{matcher.store.count_fact_checks()} fact-checks searched")
    for column in ("set", "pairs", "success@1", "success@10", "MRR", "match precision", "match recall",
                   "hard negatives", "false matches"):
        table.add_column(column)

    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    for row in rows:
        table.add_row(row["set"], str(row["n"]), number(row.get("success@1")), number(row.get("success@10")),
                      number(row.get("mrr")), number(row["match_precision"]), number(row["match_recall"]),
                      str(row["negatives"]), number(row.get("false_match_rate")))
    out.print(table)
    return {"split": split, "rows": rows, "missing_fact_checks": missing}
