"""`jaga scan` and `jaga check`: moderate a file of posts, or one text."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from jaga.cli.common import EXIT_REJECTS, err, fail, out

if TYPE_CHECKING:
    from jaga.pipeline import Moderator
    from jaga.scan import ScanPaths, ScanSummary
    from jaga.store import Store


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
    engine: Annotated[str, typer.Option(help="local (this process) or ray (Ray Data actors; pip install "
                                        "'jaga[ray]').")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray: a cluster address (auto, ray://head:10001); default: "
                                                "a local Ray on loopback.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=4096, help="Ray: moderation actors (each loads the "
                                         "models once).")] = 2,
) -> None:
    """Moderate a file of posts: one decision per post, malformed records kept aside."""
    if engine not in ("local", "ray"):
        raise fail(f"unknown engine {engine!r}: local or ray")
    if engine == "ray" and resume:
        raise fail("--resume works with the local engine; a Ray scan run again writes the same decisions "
                   "(and, with --store, replaces them)")
    from jaga.ingest.readers import InputError
    from jaga.scan import ScanError
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
            if engine == "ray":
                summary, paths = _scan_on_ray(input, target, rejects, address, workers, jurisdiction, input_format,
                                              strict, database, batch_size, claims)
            else:
                summary, paths = run_scan(input, target, moderator=_moderator(claims), input_format=input_format,
                                          rejects=rejects, resume=resume, store=database, jurisdiction=jurisdiction,
                                          batch_size=batch_size, progress=on_progress, strict=strict)
        except (InputError, ScanError, OSError) as error:
            raise fail(str(error)) from error
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
        destination = paths.final or paths.output or "stdout"
        err.print(f"decisions: {destination}")
    if summary.rejects:
        err.print(f"[yellow]{summary.rejects} record(s) rejected[/] and kept in {paths.rejects} "
                  "(each with its line number and reason)")
        raise typer.Exit(EXIT_REJECTS)


def _scan_on_ray(input: str, target: str, rejects: str | None, address: str | None, workers: int,
                 jurisdiction: str | None, input_format: str | None, strict: bool, store: Store | None,
                 batch_size: int, claims: bool) -> tuple[ScanSummary, ScanPaths]:
    """The same scan on Ray Data (jaga.engines.ray): the same decisions as the local engine for the
    same batch size, written by the driver in input order."""
    try:
        from jaga.engines.ray import scan_ray
    except ImportError as error:
        raise fail(f"the Ray engine needs Ray: pip install 'jaga[ray]' ({error})") from error
    from jaga.config import database_url

    return scan_ray(input, target, rejects, address=address, workers=workers, jurisdiction=jurisdiction,
                    input_format=input_format, strict=strict, store=store, batch_size=batch_size,
                    registry_url=database_url() if claims else None)


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
    from jaga.pipeline import Moderator, freeze_loaded_heap

    moderator = registry_moderator() if claims else Moderator()
    freeze_loaded_heap()
    return moderator


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
        raise fail(describe_validation_error(error)) from error
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
