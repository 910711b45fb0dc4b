"""Concurrent moderation requests, moderated and stored together.

Platforms send posts one request at a time, many at once. Moderating each alone pays the fixed
cost of a batch (featurisation set-up, one model call per detector, one transaction and one commit,
one turn on the audit chain's lock) for a single post, and several request threads doing so only
contend for the same two cores. One worker thread takes every request waiting when it becomes free,
moderates their posts in one `moderate_batch` call per jurisdiction and records them in one
transaction, each request with its own audit entry. Nothing waits for a batch to fill: a lone
request is moderated at once, and batches grow only while requests queue up behind a busy worker.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from jaga.pipeline import Moderator, pseudonymised
from jaga.store import ApiKey, ModerationRecord, Store
from jaga.types import Decision, Post

MAX_BATCH_POSTS = 64
"""Posts moderated together at most: bounds the latency a request adds to the ones behind it."""

log = logging.getLogger(__name__)


@dataclass
class _Request:
    posts: list[Post]
    jurisdiction: str | None
    key: ApiKey
    future: Future[list[Decision]] = field(default_factory=Future)


class ModerationBatcher:
    """`submit()` from any thread; the decisions arrive on the returned future once stored.

    `moderator` is a callable so that the application can swap its moderator (tests, reloads);
    `on_stored` sees every request's decisions after they are committed, and `on_batch` the number
    of posts in every batch stored (metrics)."""

    def __init__(self, moderator: Callable[[], Moderator], store: Store,
                 on_stored: Callable[[list[Decision]], None] | None = None,
                 max_posts: int = MAX_BATCH_POSTS, on_batch: Callable[[int], None] | None = None) -> None:
        self.moderator = moderator
        self.store = store
        self.on_stored = on_stored
        self.on_batch = on_batch
        self.max_posts = max_posts
        self.batches = 0
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, posts: Sequence[Post], jurisdiction: str | None, key: ApiKey) -> Future[list[Decision]]:
        request = _Request(list(posts), jurisdiction, key)
        self._ensure_worker()
        self._queue.put(request)
        return request.future

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the worker (a later `submit` starts a new one)."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout)

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="jaga-moderation", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, posts, stopping = [first], len(first.posts), False
            while posts < self.max_posts:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    stopping = True
                    break
                batch.append(waiting)
                posts += len(waiting.posts)
            # A request whose caller has gone (its future cancelled) is dropped, not moderated.
            batch = [request for request in batch if request.future.set_running_or_notify_cancel()]
            if batch:
                self._process(batch)
            if stopping:
                return

    def _process(self, batch: list[_Request]) -> None:
        """Moderate and store `batch` together; if that fails, each request alone, so that one
        request's failure (a post the store refuses) is reported to that request only."""
        try:
            decisions = self._moderate_and_store(batch)
        except Exception as error:
            if len(batch) == 1:
                log.exception("moderation request failed")
                batch[0].future.set_exception(error)
                return
            for request in batch:
                self._process([request])
            return
        self.batches += 1
        self._notify(self.on_batch, sum(len(found) for found in decisions))
        for request, found in zip(batch, decisions, strict=True):
            self._notify(self.on_stored, found)
            request.future.set_result(found)

    @staticmethod
    def _notify(callback: Callable[[Any], None] | None, value: object) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:  # metrics must never fail a stored request
            log.exception("metrics callback failed")

    def _moderate_and_store(self, batch: list[_Request]) -> list[list[Decision]]:
        moderator = self.moderator()
        decided: list[list[Decision]] = [[] for _ in batch]
        for jurisdiction in dict.fromkeys(request.jurisdiction for request in batch):
            members = [index for index, request in enumerate(batch) if request.jurisdiction == jurisdiction]
            posts = [post for index in members for post in batch[index].posts]
            decisions = iter(moderator.moderate_batch(posts, jurisdiction))
            for index in members:
                decided[index] = [next(decisions) for _ in batch[index].posts]
        self.store.record_moderations([
            ModerationRecord(request.key.org, [pseudonymised(post) for post in request.posts], decisions, request.key.id)
            for request, decisions in zip(batch, decided, strict=True)])
        return decided

