"""An Idempotency-Key is reserved before its request runs: a concurrent duplicate (another thread,
worker or host) is answered 409 `idempotency_in_progress` with Retry-After instead of running the
request again; a failed request frees its key; records older than a day are purged on write. Runs
on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.store.models import IdempotencyRow
from jaga.types import Decision, Post, now_utc

POST = {"post": {"id": "p1", "text": "Selamat pagi semua, apa kabar?", "country": "ID"}}


class HeldModerator(Moderator):
    """The real moderator, which counts its runs for requests, holds each until `release` is set
    and refuses a post whose text is "boom"."""

    def __init__(self, inner: Moderator) -> None:
        super().__init__(inner.detectors, inner.policy)
        self.release, self.started = threading.Event(), threading.Event()
        self.runs = 0

    def moderate_batch(self, posts: Iterable[Post], jurisdiction: str | None = None,
                       org: str | None = None) -> list[Decision]:
        posts = list(posts)
        if all(post.id.startswith("warm-up-") for post in posts):  # the service's start, not a request
            return super().moderate_batch(posts, jurisdiction, org)
        self.runs += 1
        self.started.set()
        assert self.release.wait(30)
        if any(post.text == "boom" for post in posts):
            raise ValueError("refused")
        return super().moderate_batch(posts, jurisdiction, org)


def test_a_concurrent_duplicate_waits_its_turn_and_the_request_runs_once(database_url: str, moderator: Moderator) -> None:
    held = HeldModerator(moderator)
    token = Store(database_url).scoped("acme").create_key("acme", Role.PLATFORM)[1]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "once-1"}
    app = create_app(database_url, held, deliver_webhooks=False, moderation_budget=20)
    with TestClient(app) as client:
        answers: list[httpx.Response] = []
        first = threading.Thread(target=lambda: answers.append(client.post("/v1/moderate", json=POST, headers=headers)))
        first.start()
        assert held.started.wait(20)
        # Safety net for the old behaviour, where the duplicate queued behind the first run.
        threading.Timer(3, held.release.set).start()
        duplicate = client.post("/v1/moderate", json=POST, headers=headers)
        held.release.set()
        first.join(20)
        replay = client.post("/v1/moderate", json=POST, headers=headers)
    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["error"]["code"] == "idempotency_in_progress" and duplicate.headers["Retry-After"] == "1"
    assert answers[0].status_code == 200 and held.runs == 1
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == answers[0].json()


def test_a_failed_request_frees_its_key(database_url: str, moderator: Moderator) -> None:
    held = HeldModerator(moderator)
    held.release.set()
    token = Store(database_url).scoped("acme").create_key("acme", Role.PLATFORM)[1]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "boom-1"}
    app = create_app(database_url, held, deliver_webhooks=False, moderation_budget=20)
    boom = {"post": {"id": "p2", "text": "boom", "country": "ID"}}
    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.post("/v1/moderate", json=boom, headers=headers)
        runs = held.runs
        again = client.post("/v1/moderate", json=boom, headers=headers)
    assert failed.json()["error"]["code"] == again.json()["error"]["code"] == "post_rejected"
    assert held.runs > runs > 0, "the retry ran the request again"


def test_records_older_than_a_day_are_purged_on_write(database_url: str) -> None:
    store = Store(database_url).scoped("acme")
    store.remember("old", "f-old", 200, {"a": 1})
    store.remember("fresh", "f-fresh", 200, {"b": 2})
    with store.sessions.begin() as session:
        session.execute(update(IdempotencyRow).where(IdempotencyRow.key == "old")
                        .values(created_at=now_utc() - timedelta(hours=25)))
    assert store.reserve("new", "f-new") is None
    assert store.remembered("old") is None and store.remembered("fresh") == ("f-fresh", 200, {"b": 2})
    assert store.reserve("new", "f-new") == ("f-new", 0, {})  # held by the first reservation
    store.close()
