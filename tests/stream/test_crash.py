"""`jaga consume` as a process, as it runs in production: killed with SIGKILL mid-stream, restarted,
stopped with SIGTERM mid-stream, and the rest consumed; every post is decided exactly once in the
store and published once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import nats.js.errors

from jaga.pipeline import Moderator
from jaga.store import Store
from jaga.stream import BatchHandler, ConsumerSettings, consume

from .nats_helpers import NATS_URL, Names, consumer_info, post, publish, stored_messages

POSTS = 600
BATCH = 16
ENTRY = "import typer; from jaga.cli.stream import consume; typer.run(consume)"
TEXTS = ["Selamat pagi, jumpa di pasar nanti", "Beli obat murah tanpa resep, klik link ini sekarang",
         "Good morning, the weather in Bangkok is lovely", "Vaccines contain microchips, share before it is deleted",
         "Xin chào các bạn, hẹn gặp lại", "Magandang umaga sa inyong lahat"]


def _start(names: Names, database: str, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", ENTRY, NATS_URL, "--subject", names.subject, "--stream", names.stream,
               "--durable", "crash", "--result-subject", names.result_subject, "--reject-subject",
               names.reject_subject, "--batch", str(BATCH), "--ack-wait", "2", "--database-url", database, "--quiet",
               *extra]
    # The fast tier alone: what is tested here is delivery, not detection (and it loads in half the time).
    environment = {**os.environ, "JAGA_ENCODER_TIER": "off"}
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _acknowledged(names: Names) -> int:
    """The stream sequence up to which every message is acknowledged (0 before the consumer exists)."""
    try:
        return consumer_info(names, "crash").ack_floor.stream_seq
    except nats.js.errors.NotFoundError:
        return 0


def _wait_for(condition: str, check: object, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the consumer exited ({process.returncode}) before {condition}: "
                                 f"{process.communicate()[1][-2000:]}")
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"timed out waiting for {condition}")


def test_killed_and_stopped_mid_stream_every_post_decided_exactly_once(names: Names, moderator: Moderator,
                                                                       tmp_path: Path) -> None:
    bodies = [post(f"c{index}", f"{TEXTS[index % len(TEXTS)]} #{index}", author_id=f"user{index % 40}",
                   country=("MY", "TH", "VN", "PH", "ID")[index % 5]) for index in range(POSTS)]
    bodies[100] = b"{broken"
    bodies[500] = json.dumps({"id": "no-text"}).encode()
    valid = {f"c{index}" for index in range(POSTS) if index not in (100, 500)}
    publish(names, bodies)
    database = f"sqlite:///{tmp_path / 'jaga.db'}"

    first = _start(names, database)  # killed without warning once it has acknowledged some batches
    try:
        _wait_for("the first acknowledgements", lambda: _acknowledged(names) >= 3 * BATCH, first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    killed_at = _acknowledged(names)
    assert killed_at < POSTS, "the consumer finished before it could be killed: publish more posts"

    second = _start(names, database)  # stopped politely mid-stream
    try:
        _wait_for("progress after the restart", lambda: _acknowledged(names) >= killed_at + 3 * BATCH, second)
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=30)
    finally:
        second.kill()
    assert second.returncode == 0, errors[-2000:]
    stopped = json.loads(errors.strip().splitlines()[-1])  # the summary line
    assert stopped["messages"] > 0
    info = consumer_info(names, "crash")
    assert info.num_ack_pending == 0, "a graceful stop acknowledges the batch in hand"
    assert info.num_pending > 0, "the consumer finished before it could be stopped: publish more posts"

    # The rest in this process (a third start would only cost time): the same durable consumer
    store = Store(database)
    settings = ConsumerSettings(servers=NATS_URL, subject=names.subject, stream=names.stream, durable="crash",
                                result_subject=names.result_subject, reject_subject=names.reject_subject,
                                batch=BATCH, idle_exit_s=1.0)
    rest = asyncio.run(consume(settings, BatchHandler(moderator, store)))

    assert rest.messages > 0 and rest.retried == 0
    info = consumer_info(names, "crash")
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    decided = store.decisions_for_posts(sorted(valid))
    assert set(decided) == valid and all(len(found) == 1 for found in decided.values())
    audited = Counter(item["post_id"] for entry in store.audit_entries(limit=100_000) if entry.action == "moderate"
                      for item in entry.payload["decisions"])
    assert set(audited) == valid
    assert max(audited.values()) == 1, f"decided more than once: {[p for p, n in audited.items() if n > 1][:5]}"
    store.close()
    published = Counter(json.loads(message.data)["post_id"] for message in stored_messages(names.result_stream))
    assert set(published) == valid and max(published.values()) == 1
    rejects = [json.loads(message.data) for message in stored_messages(names.reject_stream)]
    assert sorted(reject.get("id", "") for reject in rejects) == ["", "no-text"]
