"""The `jaga` command line: one module per resource, assembled here so the whole command tree reads
in one place.

Exit codes scripts can rely on: 0 done; 1 error (nothing or only part was done: read the message);
2 usage error; 3 done, but some input records were rejected (see the rejects file).

Every module imports only typer and rich at the top and the stage it drives inside its commands,
so `jaga --help` stays fast and a command pays only for what it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jaga import __version__
from jaga.cli import evaluate, report, scan, serve, train
from jaga.cli.audit import audit_app
from jaga.cli.banks import banks_app
from jaga.cli.campaigns import campaigns_app
from jaga.cli.claims import claims_app
from jaga.cli.common import EXIT_ERROR, EXIT_REJECTS, fail, out
from jaga.cli.db import db_app
from jaga.cli.exchange import exchange_app
from jaga.cli.keys import keys_app
from jaga.cli.policy import policy_app
from jaga.cli.stream import consume

__all__ = ["EXIT_ERROR", "EXIT_REJECTS", "app", "run"]

app = typer.Typer(help="Jaga: trust and safety for social media in Southeast Asia.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)


def _version(value: bool) -> None:
    if value:
        out.print(f"jaga {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Detect, match, decide and report on harmful content in the region's languages."""


# Moderating posts.
app.command()(scan.scan)
app.command()(scan.check)
app.command("consume")(consume)  # posts from a NATS JetStream subject, decisions to another
# Reference data: fact-checks and hash banks.
app.add_typer(claims_app, name="claims")
app.add_typer(banks_app, name="banks")
# Coordinated campaigns: near-duplicate posts, shared links and hashtags across accounts.
app.add_typer(campaigns_app, name="campaigns")
# Exchange between members: signed bundles of fact-checks, bank entries and campaign indicators.
app.add_typer(exchange_app, name="exchange")
# Policies, reports and the legal record.
app.add_typer(policy_app, name="policy")
app.command("report")(report.report_command)
app.add_typer(audit_app, name="audit")
# Running the service and its database.
app.command()(serve.serve)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
# Models: training and evaluation.
app.command()(train.train)
app.command("language-offsets")(train.language_offsets_command)
app.command("eval")(evaluate.evaluate)


def run() -> None:
    """The `jaga` entry point: the command tree, with a missing optional extra (`jaga.extras`) told
    as one line naming what to install, wherever in the command it was found."""
    from jaga.extras import MissingExtra

    try:
        app()
    except MissingExtra as error:
        fail(str(error))
        raise SystemExit(EXIT_ERROR) from None
