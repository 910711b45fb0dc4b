"""`jaga serve`: the HTTP service."""

from __future__ import annotations

import os
from typing import Annotated

import typer


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
