"""Concurrent moderation requests are moderated and stored together, each answered with its own
decisions, audited on its own, and failing on its own. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future

import pytest

from jaga.pipeline import Moderator
from jaga.service.batching import ModerationBatcher
from jaga.store import ApiKey, Role, Store
from jaga.types import Decision, Post


class GatedModerator(Moderator):
    """The real moderator, which holds its first batch until `release` is set (so that requests
    queue up behind it) and refuses posts whose text is "boom"."""

    def __init__(self, inner: Moderator) -> None:
        super().__init__(inner.detectors, inner.policy)
        self.release = threading.Event()
        self.started = threading.Event()
        self.batch_sizes: list[int] = []

    def moderate_batch(self, posts: Iterable[Post], jurisdiction: str | None = None) -> list[Decision]:
        posts = list(posts)
        self.batch_sizes.append(len(posts))
        self.started.set()
        assert self.release.wait(30)
        if any(post.text == "boom" for post in posts):
            raise ValueError("refused")
        return super().moderate_batch(posts, jurisdiction)


def post(post_id: str, text: str = "Selamat pagi semua, apa kabar?", country: str = "ID") -> Post:
    return Post(id=post_id, text=text, author_id=f"author-{post_id}", country=country)


@pytest.fixture
def store(database_url: str) -> Store:
    return Store(database_url)


def busy_batcher(store: Store, moderator: Moderator) -> tuple[GatedModerator, ApiKey, ModerationBatcher,
                                                                 Future[list[Decision]]]:
    """A batcher whose worker is held inside its first request ("p0"), so that what is submitted
    next queues up behind it until `gated.release` is set."""
    gated = GatedModerator(moderator)
    key, _ = store.create_key("p", Role.PLATFORM)
    batcher = ModerationBatcher(lambda: gated, store)
    first = batcher.submit([post("p0")], None, key)
    assert gated.started.wait(30)
    return gated, key, batcher, first


def test_requests_waiting_behind_a_busy_worker_are_moderated_as_one_batch(store: Store, moderator: Moderator) -> None:
    gated = GatedModerator(moderator)
    key_a, _ = store.scoped("org-a").create_key("a", Role.PLATFORM)
    key_b, _ = store.scoped("org-b").create_key("b", Role.PLATFORM)
    batcher = ModerationBatcher(lambda: gated, store)
    first = batcher.submit([post("p0")], None, key_a)
    assert gated.started.wait(30)
    queued = [batcher.submit([post("p1"), post("p2")], None, key_a),
              batcher.submit([post("p3", country="TH")], "TH", key_b),
              batcher.submit([post("p4")], None, key_b)]
    gated.release.set()
    answers = [future.result(30) for future in [first, *queued]]
    batcher.stop()

    assert [[d.post_id for d in decisions] for decisions in answers] == [["p0"], ["p1", "p2"], ["p3"], ["p4"]]
    assert answers[2][0].jurisdiction == "TH" and answers[3][0].jurisdiction == "ID"
    # The three queued requests went through one moderate_batch per jurisdiction, one transaction.
    assert gated.batch_sizes == [1, 3, 1] and batcher.batches == 2
    for org, posts in (("org-a", ["p0", "p1", "p2"]), ("org-b", ["p3", "p4"])):
        assert all(store.scoped(org).decisions_for_post(post_id) for post_id in posts)
        other = "org-b" if org == "org-a" else "org-a"
        assert not any(store.scoped(other).decisions_for_post(post_id) for post_id in posts)
    entries = [entry for org in ("org-a", "org-b") for entry in store.scoped(org).audit_entries()
               if entry.action == "moderate"]
    assert sorted(entry.actor for entry in entries) == sorted([key_a.id, key_a.id, key_b.id, key_b.id])
    assert store.verify_audit() == []


def test_a_failing_request_fails_alone(store: Store, moderator: Moderator) -> None:
    gated, key, batcher, first = busy_batcher(store, moderator)
    bad = batcher.submit([post("p1", text="boom")], None, key)
    good = batcher.submit([post("p2")], None, key)
    gated.release.set()
    assert [d.post_id for d in first.result(30)] == ["p0"]
    assert [d.post_id for d in good.result(30)] == ["p2"]
    with pytest.raises(ValueError, match="refused"):
        bad.result(30)
    batcher.stop()
    assert not store.decisions_for_post("p1") and store.decisions_for_post("p2")


def test_the_worker_finishes_what_is_queued_when_stopped_and_restarts_on_demand(store: Store,
                                                                               moderator: Moderator) -> None:
    key, _ = store.create_key("p", Role.PLATFORM)
    stored: list[str] = []
    batcher = ModerationBatcher(lambda: moderator, store, lambda decisions: stored.extend(d.post_id for d in decisions))
    futures = [batcher.submit([post(f"p{index}")], None, key) for index in range(5)]
    batcher.stop()
    assert all(future.done() for future in futures) and sorted(stored) == [f"p{index}" for index in range(5)]
    assert [d.post_id for d in batcher.submit([post("again")], None, key).result(30)] == ["again"]
    batcher.stop()


def test_a_request_cancelled_while_queued_is_dropped_and_the_worker_goes_on(store: Store, moderator: Moderator) -> None:
    gated, key, batcher, first = busy_batcher(store, moderator)
    gone = batcher.submit([post("p1")], None, key)
    assert gone.cancel()  # the client disconnected while its request waited
    gated.release.set()
    assert [d.post_id for d in first.result(30)] == ["p0"]
    assert [d.post_id for d in batcher.submit([post("p2")], None, key).result(30)] == ["p2"]
    batcher.stop()
    assert not store.decisions_for_post("p1")
