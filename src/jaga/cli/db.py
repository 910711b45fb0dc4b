"""`jaga db ...`: create or migrate the schema, see what the database holds, apply retention."""

from __future__ import annotations

from typing import Annotated

import typer

from jaga.cli.common import out

db_app = typer.Typer(help="The database: SQLite by default, PostgreSQL with JAGA_DATABASE_URL.", no_args_is_help=True)


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



@db_app.command("retention")
def db_retention(
    days: Annotated[int, typer.Option(min=1, help="Remove post text ingested more than this many days ago.")],
    org: Annotated[str, typer.Option("--org")] = "default",
) -> None:
    """Apply a retention period: post text (and its copies in decisions) older than DAYS goes."""
    from jaga.store import Store

    counts = Store(org=org).apply_retention(days)
    out.print(f"removed {counts['posts']} posts' text; {counts['decisions_redacted']} decisions redacted")
