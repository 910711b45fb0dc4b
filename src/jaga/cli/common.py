"""What every command face shares: the consoles, the exit codes and how a failure is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

EXIT_ERROR = 1
"""Nothing, or only part, was done: read the message."""
EXIT_REJECTS = 3
"""Done, but some input records were rejected (see the rejects file)."""

out = Console()
err = Console(stderr=True)
"""Results go to stdout (so they can be piped); progress, summaries and errors to stderr."""

OrgOption = Annotated[str, typer.Option("--org", help="The organisation (tenant) to act for.")]


def fail(message: str) -> typer.Exit:
    """Print an error and return the exit to raise (`raise fail(...) from error`)."""
    err.print(f"[bold red]error:[/] {escape(message)}")  # a message may hold [brackets] (jaga[service])
    return typer.Exit(EXIT_ERROR)


def read_text(path: Path) -> str:
    """A file's text, or a clear failure naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {escape(str(path))}: {escape(str(error))}") from error
