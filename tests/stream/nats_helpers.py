"""Helpers for tests against the real NATS JetStream on this machine (JAGA_TEST_NATS_URL, default
127.0.0.1:4222): each test's streams and subjects, publishing, and reading back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import nats
import nats.js.errors
from nats.js.api import ConsumerInfo, RawStreamMsg

NATS_URL = os.environ.get("JAGA_TEST_NATS_URL", "nats://127.0.0.1:4222")


def nats_available() -> bool:
    address = urlparse(NATS_URL)
    try:
        with socket.create_connection((address.hostname or "127.0.0.1", address.port or 4222), timeout=1):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Names:
    """One test's streams and subjects, all under its own prefix (streams may not share subjects)."""

    prefix: str

    @property
    def stream(self) -> str:
        return f"{self.prefix}_posts"

    @property
    def subject(self) -> str:
        return f"{self.prefix}.posts.>"

    @property
    def result_stream(self) -> str:
        return f"{self.prefix}_decisions"

    @property
    def result_subject(self) -> str:
        return f"{self.prefix}.decisions.{{jurisdiction}}"

    @property
    def reject_stream(self) -> str:
        return f"{self.prefix}_rejects"

    @property
    def reject_subject(self) -> str:
        return f"{self.prefix}.rejects"

    def streams(self) -> tuple[str, ...]:
        return self.stream, self.result_stream, self.reject_stream


async def create_streams(names: Names) -> None:
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    await js.add_stream(name=names.stream, subjects=[names.subject])
    await js.add_stream(name=names.result_stream, subjects=[names.result_subject.format(jurisdiction=">")])
    await js.add_stream(name=names.reject_stream, subjects=[names.reject_subject])
    await nc.close()


async def delete_streams(names: Names) -> None:
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    for stream in names.streams():
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_stream(stream)
    await nc.close()


def post(post_id: str, text: str, **fields: Any) -> bytes:
    return json.dumps({"id": post_id, "text": text, **fields}, ensure_ascii=False).encode()


def publish(names: Names, bodies: list[bytes]) -> None:
    async def run() -> None:
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        await asyncio.gather(*(js.publish(f"{names.prefix}.posts.{index % 3}", body)
                               for index, body in enumerate(bodies)))
        await nc.close()

    asyncio.run(run())


def stored_messages(stream: str) -> list[RawStreamMsg]:
    """Every message a stream holds, in order."""
    async def run() -> list[RawStreamMsg]:
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        state = (await js.stream_info(stream)).state
        found = [await js.get_msg(stream, seq) for seq in range(state.first_seq, state.last_seq + 1)] \
            if state.messages else []
        await nc.close()
        return found

    return asyncio.run(run())


def consumer_info(names: Names, durable: str) -> ConsumerInfo:
    async def run() -> ConsumerInfo:
        nc = await nats.connect(NATS_URL)
        info = await nc.jetstream().consumer_info(names.stream, durable)
        await nc.close()
        return info

    return asyncio.run(run())
