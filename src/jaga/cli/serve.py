"""`jaga serve`: the HTTP service."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from jaga.cli.common import fail


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65_535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    log_format: Annotated[str, typer.Option("--log-format", help="text (uvicorn's lines) or json (one object per "
                                            "line with the request id, route, status and duration).")] = "text",
) -> None:
    """Run the HTTP service (OpenAPI document at /docs and /openapi.json). Several workers share
    one SQLite file safely (writers take turns); PostgreSQL (JAGA_DATABASE_URL) for more machines."""
    from jaga.extras import MissingExtra, require

    try:
        require("service", "jaga serve")
    except MissingExtra as error:
        raise fail(str(error)) from error
    import uvicorn

    # The sentence encoder (OpenMP) reads one post per request here: with a thread per core its
    # threads spin against the request threads (measured at 150 requests/s: p99 180-220 ms with two
    # threads, 27-40 ms with one). Batch jobs keep every core. OMP_NUM_THREADS set by the user wins.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from jaga.service.transport import server_options

    if workers > 1:
        _share_metrics()

    # Header size, count and deadline, keep-alive and a connection cap (JAGA_HEADER_TIMEOUT,
    # JAGA_MAX_HEADER_BYTES, JAGA_MAX_HEADERS, JAGA_MAX_CONNECTIONS): see jaga.service.transport.
    # A worker answers the supervisor's health pings from a thread; while it loads the models on a
    # busy machine that thread can wait out uvicorn's 5 s default, and the worker was killed and
    # restarted in a loop (seen with two workers at a load of 14 on 2 cores). A hung worker is still
    # replaced, after a minute.
    if log_format not in ("text", "json"):
        raise typer.BadParameter(f"{log_format!r}: text or json", param_hint="--log-format")
    from jaga.service.logs import log_config

    json_logs = log_format == "json"
    uvicorn.run("jaga.service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", timeout_worker_healthcheck=60, access_log=not json_logs,
                log_config=log_config() if json_logs else uvicorn.config.LOGGING_CONFIG, **server_options())


def _share_metrics() -> None:
    """Workers write their metric values to one folder that any of them sums for a scrape
    (prometheus_client's multiprocess mode, jaga.service.middleware.Metrics): a fresh temporary one,
    or the operator's PROMETHEUS_MULTIPROC_DIR emptied of an earlier run's values."""
    import tempfile
    from pathlib import Path

    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not configured:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="jaga-metrics-")
        return
    folder = Path(configured)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
