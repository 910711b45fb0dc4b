"""`jaga report`: a transparency report for a period, from the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from jaga.cli.common import OrgOption, fail


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
        raise fail(f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    store = Store(org=org)
    try:
        report = transparency_report(store, period, jurisdiction)
    except PeriodError as error:
        raise fail(str(error)) from error
    finally:
        store.close()
    text = (json.dumps(report, ensure_ascii=False, indent=2) + "\n" if format == "json"
            else to_csv(report) if format == "csv" else to_html(report))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
