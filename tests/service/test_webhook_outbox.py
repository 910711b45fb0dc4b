"""The outbox with more than one dispatcher (several workers or hosts over one database): each
dispatcher claims the rows it sends (a lease) before sending, so every queued event reaches the
platform once, not once per dispatcher. Runs on SQLite and PostgreSQL against a receiver on
127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jaga.service.webhooks import WebhookDispatcher
from jaga.store import Store

EVENTS = 12


class SlowReceiver:
    """Counts each delivery id it receives; answers after a short pause so that two dispatchers'
    runs overlap in time, as they do with real network latency."""

    def __init__(self, pause: float = 0.02) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(pause)
                with receiver.lock:
                    receiver.received[self.headers["X-Jaga-Delivery"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[SlowReceiver]:
    receiver = SlowReceiver()
    yield receiver
    receiver.close()


def test_two_dispatchers_deliver_each_event_once(database_url: str, local_webhooks: None,
                                                 receiver: SlowReceiver) -> None:
    queued = Store(database_url).scoped("acme")
    queued.set_webhook(receiver.url)
    with queued.sessions.begin() as session:
        for _ in range(EVENTS):
            queued._enqueue(session, "decision.created", {"decision": {}})
    # Each dispatcher has its own Store (its own engine and connections), as a second worker would.
    stores = [Store(database_url), Store(database_url)]
    dispatchers = [WebhookDispatcher(store) for store in stores]
    start = threading.Barrier(len(dispatchers))
    delivered = [0] * len(dispatchers)

    def run(index: int) -> None:
        start.wait()
        delivered[index] = dispatchers[index].run_once()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(dispatchers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(receiver.received.values()) == [1] * EVENTS
    assert sum(delivered) == EVENTS
    assert all(row["delivered_at"] is not None and row["attempts"] == 1 for row in queued.deliveries())
    for store in [*stores, queued]:
        store.close()
