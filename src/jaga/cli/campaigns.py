"""`jaga campaigns INPUT ...`: coordinated campaigns in a file of posts; `jaga campaigns eval`.

Wired into the main CLI with `app.add_typer(campaigns_app, name="campaigns")`. `jaga campaigns
INPUT` runs `detect` (the group treats a first argument that is not a subcommand as the input).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from jaga.cli.common import EXIT_REJECTS, err, fail


class _DetectByDefault(TyperGroup):
    """`jaga campaigns posts.jsonl` means `jaga campaigns detect posts.jsonl`: detection is what the
    command is for, and `eval` is the one other thing it does."""

    default_command = "detect"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Any: typer vendors its own click
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


campaigns_app = typer.Typer(cls=_DetectByDefault, no_args_is_help=True,
                            help="Coordinated campaigns: accounts posting the same text, link, hashtag or reply "
                                 "within minutes of each other, again and again.")


def parse_period(value: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[since, until) in UTC from "2026-12-01/2026-12-02" (whole days, the last included), "2026-12-01"
    (one day) or "24h" / "90m" (the last stretch of time up to now)."""
    if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*[smhd]?\s*", value):
        end = now or datetime.now(UTC)
        return end - parse_window(value), end
    try:
        first, _, last = value.partition("/")
        start = datetime.strptime(first.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
        stop = datetime.strptime((last or first).strip(), "%Y-%m-%d").replace(tzinfo=UTC) + timedelta(days=1)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a period: use 2026-12-01/2026-12-02, 2026-12-01 or 24h") from None
    if stop <= start:
        raise typer.BadParameter(f"{value!r} ends before it starts")
    return start, stop


def parse_window(value: str) -> timedelta:
    """"10m", "90s", "1h", "2d"; a bare number is minutes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value)
    if not match or float(match.group(1)) <= 0:
        raise typer.BadParameter(f"{value!r} is not a window: use 90s, 10m, 1h or 2d")
    unit = {"s": "seconds", "m": "minutes", "": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: float(match.group(1))})


@campaigns_app.command("detect")
def detect(
    input: Annotated[str | None, typer.Argument(help="Posts: JSONL, CSV or Parquet ('-' for JSONL on stdin). Each "
                                                     "needs author_id and created_at to take part.")] = None,
    window: Annotated[str, typer.Option("--window", help="Longest gap between two co-acting posts.")] = "10m",
    min_weight: Annotated[int, typer.Option("--min-weight", min=1,
                                            help="Distinct co-actions for an edge between two accounts.")] = 2,
    min_accounts: Annotated[int, typer.Option("--min-accounts", min=2, help="Smallest campaign.")] = 3,
    format: Annotated[str, typer.Option("--format", help="json, gexf, graphml or html.")] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Where to write (json: stdout if absent).")] = None,
    input_format: Annotated[str | None, typer.Option("--input-format", help="jsonl, csv or parquet "
                                                                            "(default: from the file name).")] = None,
    kinds: Annotated[str, typer.Option("--kinds", help="Co-actions to use, comma-separated.")] = "text,url,hashtag,reply",
    communities: Annotated[bool, typer.Option("--communities", help="Split components into Louvain "
                                                                    "communities.")] = False,
    fact_checks: Annotated[bool, typer.Option("--fact-checks", help="Match campaign texts against the fact-check "
                                                                    "registry (needs the store).")] = False,
    org: Annotated[str | None, typer.Option("--org", help="Organisation whose fact-checks to match.")] = None,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Write unreadable records here (JSONL).")] = None,
    from_store: Annotated[str | None, typer.Option("--from-store", help="Read the organisation's stored posts "
                                                   "(--org) instead of a file, over a period: 2026-12-01/2026-12-02 "
                                                   "(UTC days, the last one included) or the last N hours (24h).")] = None,
    save: Annotated[bool, typer.Option("--save", help="Keep the campaigns in the database (for --org): later posts "
                                       "that repeat one get a campaign signal policy can act on.")] = False,
    engine: Annotated[str, typer.Option("--engine", help="local (one process) or ray (inputs too large for one "
                                                         "process: needs the 'ray' extra).")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster to use (--engine ray; default: a "
                                                                  "local Ray on loopback).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Ray workers of a local Ray "
                                                                  "(--engine ray).")] = 2,
) -> None:
    """Find campaigns in INPUT and write them (JSON, GEXF or GraphML for Gephi, or an HTML report)."""
    from jaga.campaigns import detect_campaigns
    from jaga.campaigns.report import FORMATS, write
    from jaga.ingest.readers import InputError, RecordReader

    if format not in FORMATS:
        raise fail(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if format != "json" and output is None:
        raise fail(f"--format {format} needs -o FILE")
    span = parse_window(window)
    chosen = [kind.strip() for kind in kinds.split(",") if kind.strip()]
    if (input is None) == (from_store is None):
        raise fail("give either an input file or --from-store PERIOD")
    if engine not in ("local", "ray"):
        raise fail(f"unknown engine {engine!r}; choose local or ray")
    if engine == "ray" and (input is None or input == "-"):
        raise fail("--engine ray reads an input file (on every node's path), not standard input or the store")
    posts, bad = [], []
    if from_store is not None:
        from jaga.store import DEFAULT_ORG, Store

        since, until = parse_period(from_store)
        with Store() as store:
            posts = list(store.scoped(org or DEFAULT_ORG).stored_posts(since, until))
    elif engine == "local":
        assert input is not None
        try:
            for record in RecordReader(input, input_format):
                if record.post is not None:
                    posts.append(record.post)
                else:
                    bad.append(record.reject_json())
        except InputError as error:
            raise fail(str(error)) from error
    lookup = _fact_check_lookup(org) if fact_checks else None
    try:
        if engine == "ray":
            assert input is not None
            result, count = _detect_ray(input, input_format, address, workers, bad, window=span,
                                        min_weight=min_weight, min_accounts=min_accounts, kinds=chosen,
                                        communities=communities, fact_checks=lookup)
        else:
            result, count = detect_campaigns(posts, window=span, min_weight=min_weight, min_accounts=min_accounts,
                                             kinds=chosen, communities=communities, fact_checks=lookup), len(posts)
    except ValueError as error:
        raise fail(str(error)) from error
    bad.extend({"id": post_id, "error": why} for post_id, why in result.skipped)
    if rejects is not None:
        with open(rejects, "w", encoding="utf-8") as handle:
            for item in bad:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    if save:
        from jaga.store import DEFAULT_ORG, Store

        with Store() as store:
            saved = store.scoped(org or DEFAULT_ORG).save_campaigns(result.campaigns)
        err.print(f"{saved} campaigns saved for {org or DEFAULT_ORG}")
    if output is None:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        write(result, format, output)
    err.print(f"{len(result.campaigns)} campaigns, {result.stats.get('campaign_accounts', 0)} accounts, "
              f"from {count} posts; {len(bad)} records set aside"
              + (f" (see {rejects})" if rejects and bad else ""))
    if bad:
        raise typer.Exit(EXIT_REJECTS)


def _detect_ray(input: str, input_format: str | None, address: str | None, workers: int, bad: list[dict[str, Any]],
                **settings: Any) -> tuple[Any, int]:
    """`jaga.engines.ray_campaigns`: the campaigns and the number of posts read; the readers' rejects go to `bad`."""
    from jaga.engines.ray_campaigns import detect_campaigns_ray
    from jaga.ingest.readers import InputError

    try:
        run = detect_campaigns_ray(input, input_format=input_format, address=address, workers=workers, **settings)
    except ImportError as error:
        raise fail(f"--engine ray needs Ray: pip install 'jaga[ray]' ({error})") from error
    except InputError as error:
        raise fail(str(error)) from error
    bad.extend(run.rejects)
    return run.result, int(run.result.stats.get("posts", 0)) + len(run.result.skipped)


def _fact_check_lookup(org: str | None) -> Any:
    from jaga.campaigns.detect import claim_lookup
    from jaga.claims.matcher import ClaimMatcher
    from jaga.store import DEFAULT_ORG, Store

    matcher = ClaimMatcher(Store().scoped(org or DEFAULT_ORG))
    matcher.sync()
    return claim_lookup(matcher)


@campaigns_app.command("eval")
def evaluate(
    organic: Annotated[int, typer.Option("--organic", min=100, help="Organic posts from the shared data.")] = 20_000,
    seeds: Annotated[str, typer.Option("--seeds", help="Seeds to run, comma-separated.")] = "25",
    window: Annotated[str, typer.Option("--window")] = "10m",
    min_weight: Annotated[int, typer.Option("--min-weight", min=1)] = 2,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the scores as JSON here.")] = None,
) -> None:
    """Recovery of synthetic campaigns injected into real posts (JAGA_DATA_DIR): precision and recall."""
    from jaga.campaigns.evaluation import evaluate as run

    results = []
    for seed in [int(part) for part in seeds.split(",") if part.strip()]:
        try:
            scores = run(organic, seed, parse_window(window), min_weight)
        except FileNotFoundError as error:
            raise fail(str(error)) from error
        results.append({"seed": seed, **scores.to_json()})
        err.print(f"seed {seed}: accounts P {scores.account_precision:.3f} R {scores.account_recall:.3f}; "
                  f"posts P {scores.post_precision:.3f} R {scores.post_recall:.3f}; "
                  f"{scores.campaigns_found}/{scores.campaigns_injected} campaigns; {scores.seconds:.1f} s")
    text = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


