"""`jaga consume` throughput: posts/s through NATS JetStream -> moderation -> store (the one
after-decision path) -> decision published to a result stream -> ack, against the moderation alone
on the same posts (what the queue and the store cost). Needs the NATS server on 127.0.0.1:4222.

Usage: python bench/bench_consume.py [--posts N] [--batch 16,64,256] [--database-url URL] [--replay]
(--replay also times a second durable consumer over the same stream: every post already decided,
so only the lookup and the republication.)"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_posts, peak_rss_mb

from jaga.pipeline import Moderator
from jaga.store import Store
from jaga.stream import BatchHandler, ConsumerSettings, ConsumeSummary, consume
from jaga.types import Post

SERVER = "nats://127.0.0.1:4222"


async def _setup(prefix: str, bodies: list[bytes]) -> None:
    nc = await nats.connect(SERVER)
    js = nc.jetstream()
    await js.add_stream(name=f"{prefix}_posts", subjects=[f"{prefix}.posts.>"])
    await js.add_stream(name=f"{prefix}_decisions", subjects=[f"{prefix}.decisions.>"])
    for start in range(0, len(bodies), 1000):
        await asyncio.gather(*(js.publish(f"{prefix}.posts.in", body) for body in bodies[start:start + 1000]))
    await nc.close()


async def _teardown(prefix: str) -> None:
    nc = await nats.connect(SERVER)
    js = nc.jetstream()
    for stream in (f"{prefix}_posts", f"{prefix}_decisions"):
        await js.delete_stream(stream)
    await nc.close()


def _run(prefix: str, handler: BatchHandler, batch: int, durable: str) -> tuple[ConsumeSummary, float]:
    """The consumer until the stream is quiet; the time from its start to its last batch (not the
    idle wait that ends it)."""
    settings = ConsumerSettings(servers=SERVER, subject=f"{prefix}.posts.>", stream=f"{prefix}_posts",
                                durable=durable, result_subject=f"{prefix}.decisions.{{jurisdiction}}",
                                reject_subject=f"{prefix}.rejects", batch=batch, idle_exit_s=1.0)
    last = [0.0]

    def on_batch(summary: ConsumeSummary) -> None:
        last[0] = summary.elapsed_s

    summary = asyncio.run(consume(settings, handler, on_batch=on_batch))
    return summary, last[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--batch", default="16,64,256", help="batch sizes to measure, comma-separated")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file per run")
    parser.add_argument("--replay", action="store_true")
    args = parser.parse_args()
    posts = make_posts(args.posts)
    bodies = [json.dumps(post, ensure_ascii=False).encode() for post in posts]
    moderator = Moderator()
    warm = [Post.model_validate(post) for post in posts[:200]]
    moderator.moderate_batch(warm)
    started = time.perf_counter()
    for start in range(0, len(posts), 256):
        moderator.moderate_batch([Post.model_validate(post) for post in posts[start:start + 256]])
    alone = time.perf_counter() - started
    print(f"moderation alone (batches of 256): {args.posts} posts in {alone:.2f} s = {args.posts / alone:,.0f} posts/s")
    with tempfile.TemporaryDirectory() as directory:
        for batch in (int(size) for size in args.batch.split(",")):
            prefix = f"jagabench{uuid.uuid4().hex[:8]}"
            asyncio.run(_setup(prefix, bodies))
            url = args.database_url or f"sqlite:///{Path(directory) / f'{prefix}.db'}"
            store = Store(url)
            try:
                handler = BatchHandler(moderator, store)
                summary, elapsed = _run(prefix, handler, batch, "bench")
                print(f"consume --batch {batch}: {summary.decided} decided, {summary.rejected} rejected in "
                      f"{elapsed:.2f} s = {summary.messages / elapsed:,.0f} posts/s "
                      f"(NATS -> decision -> store -> publish -> ack; {store.counts()['decisions']} stored)")
                if args.replay:
                    summary, elapsed = _run(prefix, handler, batch, "replay")
                    print(f"  replay --batch {batch}: {summary.replayed} already decided in {elapsed:.2f} s = "
                          f"{summary.messages / elapsed:,.0f} posts/s (lookup and republication only)")
            finally:
                store.close()
                asyncio.run(_teardown(prefix))
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
