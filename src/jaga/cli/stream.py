"""`jaga consume`: moderate posts from a NATS JetStream subject until stopped (see `jaga.stream`)."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from typing import TYPE_CHECKING, Annotated

import typer

from jaga.cli.common import err, fail

if TYPE_CHECKING:
    from jaga.stream.consumer import BatchHandler, ConsumerSettings, ConsumeSummary

stream_app = typer.Typer(help="Moderate posts from a message stream (NATS JetStream).", no_args_is_help=True)


@stream_app.command("consume")
def consume(
    server: Annotated[str, typer.Argument(help="The NATS server (several: comma-separated).")] = (
        "nats://127.0.0.1:4222"),
    subject: Annotated[str, typer.Option(help="The subject the posts arrive on (wildcards allowed).")] = "posts.>",
    stream: Annotated[str | None, typer.Option(help="The JetStream stream holding them; created for --subject when "
                                               "missing. Default: the stream that captures --subject.")] = None,
    durable: Annotated[str, typer.Option(help="The durable consumer's name: its position survives restarts, and "
                                         "processes with the same name share the work.")] = "jaga",
    result_subject: Annotated[str, typer.Option(help="Where each decision is published; {jurisdiction} is "
                                                "replaced by the decision's.")] = "decisions.{jurisdiction}",
    reject_subject: Annotated[str, typer.Option(help="Where a message that is not a valid post is published, with "
                                                "the reason.")] = "rejects.posts",
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Posts moderated and stored together.")] = 64,
    max_ack_pending: Annotated[int | None, typer.Option(min=1, help="Unacknowledged messages the server lets out "
                                                        "at once (default: twice --batch).")] = None,
    ack_wait: Annotated[float, typer.Option(min=0.5, help="Seconds before the server hands an unacknowledged "
                                            "message out again (set when the durable consumer is created).")] = 60.0,
    org: Annotated[str | None, typer.Option("--org", help="The organisation (tenant) the posts belong to.")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="Decide under this jurisdiction (default: each post's "
                                                     "country, else the ASEAN baseline).")] = None,
    database_url: Annotated[str | None, typer.Option(help="Where decisions are stored (default: JAGA_DATABASE_URL, "
                                                     "else the SQLite file in JAGA_HOME).")] = None,
    claims: Annotated[bool, typer.Option(help="Match posts against the fact-check registry and hash banks, when "
                                         "the database has them.")] = True,
    strict: Annotated[bool, typer.Option("--strict", help="Reject posts with fields Jaga does not know.")] = False,
    idle_exit: Annotated[float | None, typer.Option(min=0.1, help="Stop once no message has come for this many "
                                                    "seconds (a backfill). Default: run until SIGINT/SIGTERM.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Moderate posts from NATS JetStream: each decision is stored, published, then acknowledged;
    a bad message is published to the reject subject and acknowledged. SIGINT/SIGTERM finish the
    batch in hand and exit 0."""
    from jaga.extras import require

    require("stream", "jaga consume")
    from jaga.moderation import registry_moderator
    from jaga.pipeline import Moderator, freeze_loaded_heap
    from jaga.store import DEFAULT_ORG, Store
    from jaga.stream.consumer import BatchHandler, ConsumerSettings, StreamError

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = ConsumerSettings(servers=server, subject=subject, stream=stream, durable=durable,
                                    result_subject=result_subject, reject_subject=reject_subject, batch=batch,
                                    max_ack_pending=max_ack_pending, ack_wait_s=ack_wait, org=org or DEFAULT_ORG,
                                    jurisdiction=jurisdiction, strict=strict, idle_exit_s=idle_exit)
    except StreamError as error:
        raise fail(str(error)) from error
    store = Store(database_url)
    try:
        moderator = (registry_moderator(database_url, jurisdiction=jurisdiction) if claims
                     else Moderator(jurisdiction=jurisdiction))
        freeze_loaded_heap()
        handler = BatchHandler(moderator, store, settings.org, jurisdiction, strict, settings.max_deliveries)
        try:
            summary = asyncio.run(_run(settings, handler, quiet))
        except StreamError as error:
            raise fail(str(error)) from error
    finally:
        store.close()
    typer.echo(json.dumps(summary.to_json()), err=True)  # one line, for scripts (not wrapped by rich)


async def _run(settings: ConsumerSettings, handler: BatchHandler, quiet: bool) -> ConsumeSummary:
    """The consumer with SIGINT and SIGTERM setting its stop event (the batch in hand is finished)."""
    from jaga.stream.consumer import consume

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    last_report = [time.monotonic()]

    def report(summary: ConsumeSummary) -> None:
        if not quiet and time.monotonic() - last_report[0] >= 10:
            last_report[0] = time.monotonic()
            rate = summary.messages / max(summary.elapsed_s, 1e-6)
            err.print(f"{summary.messages} messages · {rate:,.0f}/s · {summary.decided} decided · "
                      f"{summary.replayed} replayed · {summary.rejected} rejected · {summary.retried} retried")

    return await consume(settings, handler, stop, on_batch=report)


__all__ = ["consume", "stream_app"]
