"""Concurrent moderation requests, moderated and stored together, fairly between organisations.

Platforms send posts one request at a time, many at once. Moderating each alone pays the fixed
cost of a batch (featurisation set-up, one model call per detector, one transaction and one commit,
one turn on the audit chain's lock) for a single post, and several request threads doing so only
contend for the same two cores. One worker thread takes every request waiting when it becomes free,
moderates their posts in one `moderate_batch` call per jurisdiction and records them in one
transaction, each request with its own audit entry. Nothing waits for a batch to fill: a lone
request is moderated at once, and batches grow only while requests queue up behind a busy worker.

A round of work is bounded (MAX_BATCH_POSTS posts, MAX_BATCH_CHARS characters) and shared out post
by post, round-robin between the organisations waiting: a request of a hundred long posts is
moderated over several rounds, and another organisation's one-line request joins the next round
instead of waiting for all of it (measured before: 13.9 s behind one slow request). A post that
makes moderation fail fails its own request (`PostsRejected`, with the reason), never the others.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from jaga.moderation import ModerationRecord, account_rules, record
from jaga.pipeline import Moderator
from jaga.store import ApiKey, Store
from jaga.types import Decision, Post

MAX_BATCH_POSTS = 64
"""Posts moderated together at most: bounds the latency a request adds to the ones behind it."""
MAX_BATCH_CHARS = 200_000
"""Characters of text moderated together at most (four posts of the longest kind, ~0.5 s): the
other bound on a round, for requests of long posts."""

log = logging.getLogger(__name__)


class PostsRejected(ValueError):
    """Some posts of a request could not be moderated: `problems` holds (index in the request, post
    id, reason) for each. The request is refused as a whole and nothing of it is stored."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"post {index} ({post_id}): {reason}" for index, post_id, reason in problems))


@dataclass(eq=False)
class _Request:
    posts: list[Post]
    jurisdiction: str | None
    key: ApiKey
    future: Future[list[Decision]] = field(default_factory=Future)
    decisions: dict[int, Decision] = field(default_factory=dict)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    taken: int = 0  # posts handed to a round so far
    started: bool = False

    @property
    def finished(self) -> bool:
        return len(self.decisions) == len(self.posts)


class ModerationBatcher:
    """`submit()` from any thread; the decisions arrive on the returned future once stored.

    `moderator` is a callable so that the application can swap its moderator (tests, reloads);
    `on_stored` sees every request's decisions after they are committed, and `on_batch` the number
    of posts in every batch stored (metrics)."""

    def __init__(self, moderator: Callable[[], Moderator], store: Store,
                 on_stored: Callable[[list[Decision]], None] | None = None,
                 max_posts: int = MAX_BATCH_POSTS, on_batch: Callable[[int], None] | None = None,
                 max_chars: int = MAX_BATCH_CHARS) -> None:
        self.moderator = moderator
        self.store = store
        self.on_stored = on_stored
        self.on_batch = on_batch
        self.max_posts = max_posts
        self.max_chars = max_chars
        self.batches = 0
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, posts: Sequence[Post], jurisdiction: str | None, key: ApiKey) -> Future[list[Decision]]:
        request = _Request(list(posts), jurisdiction, key)
        if not request.posts:
            request.future.set_result([])
            return request.future
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
        waiting: dict[str, deque[_Request]] = {}  # organisation -> its requests, oldest first
        turns: deque[str] = deque()  # organisations with work, the next to be served first
        stopping = False
        while True:
            if not turns:
                if stopping:
                    return
                first = self._queue.get()
                if first is None:
                    return
                self._enqueue(first, waiting, turns)
            while not stopping:  # everything that arrived meanwhile competes for this round
                try:
                    arrived = self._queue.get_nowait()
                except queue.Empty:
                    break
                if arrived is None:
                    stopping = True
                    break
                self._enqueue(arrived, waiting, turns)
            round_ = self._take_round(waiting, turns)
            try:
                self._process(round_)
            except Exception as error:  # the worker outlives anything: its requests fail, the others go on
                log.exception("moderation round failed")
                for request, _ in round_:
                    request.taken = len(request.posts)  # what is left of it is not taken
                    if not request.future.done():
                        request.future.set_exception(error)

    @staticmethod
    def _enqueue(request: _Request, waiting: dict[str, deque[_Request]], turns: deque[str]) -> None:
        org = request.key.org
        if org not in waiting:
            waiting[org] = deque()
            turns.append(org)
        waiting[org].append(request)

    def _take_round(self, waiting: dict[str, deque[_Request]], turns: deque[str]
                    ) -> list[tuple[_Request, int]]:
        """(request, post index) pairs for one round: one post from each waiting organisation in
        turn, until the round is full (at least one post, however long) or nothing waits. A request
        whose caller has gone (its future cancelled) before it started is dropped, not moderated."""
        chosen: list[tuple[_Request, int]] = []
        characters = 0
        while turns and len(chosen) < self.max_posts:
            org = turns[0]
            requests = waiting[org]
            request = requests[0]
            if not request.started:
                request.started = True
                if not request.future.set_running_or_notify_cancel():
                    request.taken = len(request.posts)  # cancelled: nothing of it is moderated
            if request.taken < len(request.posts):
                length = len(request.posts[request.taken].text)
                if chosen and characters + length > self.max_chars:
                    break
                chosen.append((request, request.taken))
                characters += length
                request.taken += 1
            if request.taken >= len(request.posts):
                requests.popleft()
            turns.rotate(-1)
            if not requests:
                turns.remove(org)
                del waiting[org]
        return chosen

    def _process(self, round_: list[tuple[_Request, int]]) -> None:
        """Moderate the round's posts, then store the requests it completes, together; if storing
        fails, each request alone, so that one request's failure (a post the store refuses) is
        reported to that request only."""
        if not round_:
            return
        self._moderate(round_)
        involved = list(dict.fromkeys(request for request, _ in round_))
        for request in involved:
            if request.problems:  # refused at once: the rest of it is not moderated
                request.taken = len(request.posts)
                request.future.set_exception(PostsRejected(sorted(request.problems)))
        self._store([request for request in involved if request.finished and not request.problems])

    def _moderate(self, round_: list[tuple[_Request, int]]) -> None:
        moderator = self.moderator()
        # One batch per jurisdiction and organisation: an organisation's posts are matched against its
        # own reference data (fact-check registries), never another's.
        for jurisdiction, org in dict.fromkeys((request.jurisdiction, request.key.org) for request, _ in round_):
            members = [(request, index) for request, index in round_
                       if request.jurisdiction == jurisdiction and request.key.org == org]
            posts = [request.posts[index] for request, index in members]
            decisions: list[Decision | None]
            try:
                decisions = list(moderator.moderate_batch(posts, jurisdiction, org))
            except Exception:  # find the post(s) at fault: each alone
                decisions = [self._moderate_one(moderator, request, index) for request, index in members]
            for (request, index), decision in zip(members, decisions, strict=True):
                if decision is not None:
                    request.decisions[index] = decision

    @staticmethod
    def _moderate_one(moderator: Moderator, request: _Request, index: int) -> Decision | None:
        post = request.posts[index]
        try:
            return moderator.moderate(post, request.jurisdiction, request.key.org)
        except Exception as error:
            log.exception("post %r could not be moderated", post.id)
            request.problems.append((index, post.id, f"moderation failed: {type(error).__name__}: {error}"))
            return None

    def _store(self, finished: list[_Request]) -> None:
        if not finished:
            return
        try:  # the one after-decision path, shared with every other door
            stored = record(self.store, [
                ModerationRecord(request.key.org, request.posts,
                                 [request.decisions[index] for index in range(len(request.posts))], request.key.id)
                for request in finished], account_rules(self.moderator()))
        except Exception as error:
            if len(finished) == 1:
                log.exception("moderation request failed")
                finished[0].future.set_exception(error)
                return
            for request in finished:
                self._store([request])
            return
        self.batches += 1
        self._notify(self.on_batch, sum(len(request.posts) for request in finished))
        for request, found in zip(finished, stored, strict=True):
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
