"""A reviewer's full round trip over HTTP: a post is sent, routed to review, decided, appealed and
reversed; a real HTTP receiver gets every outcome with a valid signature, and a failing receiver is
retried with backoff. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.service.webhooks import verify_signature
from jaga.store import Role, Store

HATE_ID = {"id": "h1", "text": "Those people are vermin and should be driven out of our country", "country": "ID"}


class Receiver:
    """A platform's webhook endpoint: records what arrives; answers 500 to the first `fail_first`."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = 500 if receiver.fail_first > 0 else 204
                receiver.fail_first -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/jaga"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, secret: str) -> list[tuple[str, dict[str, Any]]]:
        """(event, payload) of the requests whose signature verifies under `secret`."""
        valid = []
        for request in self.received:
            headers = request["headers"]
            if verify_signature(secret, headers["X-Jaga-Timestamp"], request["body"], headers["X-Jaga-Signature"]):
                valid.append((headers["X-Jaga-Event"], json.loads(request["body"])))
        return valid


@pytest.fixture
def parties(database_url: str, moderator: Moderator, local_webhooks: None) -> Iterator[tuple[TestClient, Store, dict[str, dict[str, str]]]]:
    store = Store(database_url)
    acme = store.scoped("acme")
    keys = {name: {"Authorization": f"Bearer {acme.create_key(name, role)[1]}"} for name, role in (
        ("platform", Role.PLATFORM), ("reviewer", Role.REVIEWER), ("second_reviewer", Role.REVIEWER),
        ("admin", Role.ADMIN))}
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        yield client, store, keys


def test_review_appeal_reversal_and_signed_webhooks(parties: tuple[TestClient, Store, dict[str, dict[str, str]]]) -> None:
    client, store, keys = parties
    receiver = Receiver()
    secret = client.put("/v1/webhook", json={"url": receiver.url}, headers=keys["admin"]).json()["secret"]

    decision = client.post("/v1/moderate", json={"post": HATE_ID}, headers=keys["platform"]).json()["decisions"][0]
    assert decision["action"] == "review" and decision["review_status"] == "pending"

    queue = client.get("/v1/reviews", headers=keys["reviewer"]).json()
    task = next(task for task in queue if task["decision_id"] == decision["id"])
    assert task["status"] == "open" and task["deadline"]  # Indonesia: 24 h
    assert client.post(f"/v1/reviews/{task['id']}/claim", headers=keys["reviewer"]).json()["status"] == "claimed"
    taken = client.post(f"/v1/reviews/{task['id']}/claim", headers=keys["second_reviewer"])
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "claimed_by_another"
    reviewed = client.post(f"/v1/reviews/{task['id']}/decide", json={"action": "remove", "note": "Dehumanising a group."},
                           headers=keys["reviewer"]).json()
    assert reviewed["action"] == "remove" and reviewed["automated"] is False and reviewed["review_status"] == "decided"

    appeal = client.post("/v1/appeals", json={"decision_id": decision["id"], "reason": "I was quoting a politician."},
                         headers=keys["platform"])
    assert appeal.status_code == 201
    appeal_id = appeal.json()["id"]
    again = client.post("/v1/appeals", json={"decision_id": decision["id"], "reason": "again"}, headers=keys["platform"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "appeal_open"
    same = client.post(f"/v1/appeals/{appeal_id}/decide", json={"outcome": "upheld"}, headers=keys["reviewer"])
    assert same.status_code == 409 and same.json()["error"]["code"] == "same_reviewer"
    outcome = client.post(f"/v1/appeals/{appeal_id}/decide", json={"outcome": "upheld", "note": "Reporting, not endorsing."},
                          headers=keys["second_reviewer"]).json()
    assert outcome["appeal"]["outcome"] == "upheld"
    assert outcome["decision"]["action"] == "allow" and outcome["decision"]["review_status"] == "reversed"
    stored = client.get(f"/v1/decisions/{decision['id']}", headers=keys["platform"]).json()
    assert stored["action"] == "allow" and "Appeal upheld" in stored["reasons"]

    assert client.app.state.webhooks.run_once() == 3
    events = receiver.events(secret)
    assert [event for event, _ in events] == ["decision.created", "decision.reviewed", "appeal.decided"]
    assert events[2][1]["decision"]["action"] == "allow" and events[2][1]["appeal"]["outcome"] == "upheld"
    assert not receiver.events("not-the-secret")  # a forged signature would not verify
    assert store.verify_audit() == []
    actions = [entry.action for entry in store.scoped("acme").audit_entries()]
    assert {"moderate", "review.claim", "review.decide", "appeal.file", "appeal.decide", "webhook.set"} <= set(actions)


def test_failed_deliveries_are_retried_with_backoff(parties: tuple[TestClient, Store, dict[str, dict[str, str]]]) -> None:
    client, store, keys = parties
    receiver = Receiver(fail_first=1)
    client.put("/v1/webhook", json={"url": receiver.url}, headers=keys["admin"])
    client.post("/v1/moderate", json={"post": HATE_ID}, headers=keys["platform"])
    dispatcher = client.app.state.webhooks
    dispatcher.base_seconds = 0.0  # retry at once, so the test need not wait
    assert dispatcher.run_once() == 0
    delivery = store.scoped("acme").deliveries()[0]
    assert delivery.attempts == 1 and delivery.last_error == "HTTP 500" and delivery.delivered_at is None
    assert dispatcher.run_once() == 1
    assert store.scoped("acme").deliveries()[0].delivered_at is not None
    assert len(receiver.received) == 2


def test_backoff_doubles_and_gives_up(database_url: str, local_webhooks: None) -> None:
    from datetime import timedelta

    from jaga.store.cases import MAX_DELIVERY_ATTEMPTS
    from jaga.types import now_utc

    store = Store(database_url).scoped("acme")
    store.set_webhook("http://127.0.0.1:9/unreachable")
    with store.sessions.begin() as session:
        store._enqueue(session, "decision.created", {"decision": {}})
    delivery_id = store.deliveries()[0].id
    waits = []
    for _ in range(MAX_DELIVERY_ATTEMPTS):
        before = now_utc()
        store.record_attempt(delivery_id, "ConnectError", base_seconds=1.0)
        row = store.deliveries()[0]
        waits.append((row.next_attempt_at.replace(tzinfo=before.tzinfo) - before) / timedelta(seconds=1))
    assert [round(wait) for wait in waits[:4]] == [1, 2, 4, 8]
    assert store.deliveries()[0].failed is True
