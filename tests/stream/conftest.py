"""The real NATS JetStream on this machine: each test gets streams and subjects of its own, deleted
afterwards. In CI (CI=true) a missing NATS is a failure, elsewhere a skip."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest

from .nats_helpers import NATS_URL, Names, create_streams, delete_streams, nats_available


@pytest.fixture
def names() -> Iterator[Names]:
    if not nats_available():
        if os.environ.get("CI"):
            pytest.fail(f"NATS JetStream is required in CI and is not reachable at {NATS_URL}")
        pytest.skip(f"NATS not reachable at {NATS_URL}")
    made = Names(f"jagatest{uuid.uuid4().hex[:10]}")
    asyncio.run(create_streams(made))
    yield made
    asyncio.run(delete_streams(made))
