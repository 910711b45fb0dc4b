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
    assert all(row.delivered_at is not None and row.attempts == 1 for row in queued.deliveries())
    for store in [*stores, queued]:
        store.close()


def test_a_stuck_receiver_holds_up_only_its_own_organisation(database_url: str, local_webhooks: None,
                                                             receiver: SlowReceiver) -> None:
    """Organisations are delivered side by side: the first organisation's receiver does not answer
    until the second organisation's events have all arrived. Delivered one organisation after the
    other, it would wait out its timeout (and fail) before the second was even tried."""
    others_arrived = threading.Event()
    answered_after_others: list[bool] = []

    class Stuck(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            answered_after_others.append(others_arrived.wait(timeout=4))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    stuck = ThreadingHTTPServer(("127.0.0.1", 0), Stuck)
    threading.Thread(target=stuck.serve_forever, daemon=True).start()
    first, second = Store(database_url).scoped("first"), Store(database_url).scoped("second")
    first.set_webhook(f"http://127.0.0.1:{stuck.server_port}/hook")
    second.set_webhook(receiver.url)
    for store in (first, second):  # the first organisation's events are queued (and claimed) first
        with store.sessions.begin() as session:
            for _ in range(3):
                store._enqueue(session, "decision.created", {"decision": {}})

    def watch() -> None:
        while sum(receiver.received.values()) < 3:
            time.sleep(0.01)
        others_arrived.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        assert WebhookDispatcher(Store(database_url), timeout=10).run_once() == 6
        assert answered_after_others == [True, True, True]
    finally:
        others_arrived.set()
        stuck.shutdown()
        stuck.server_close()
