"""`jaga consume`: a NATS JetStream pull consumer that moderates posts in small batches.

Two halves, so that each can be reasoned about alone:

- `BatchHandler.handle` (synchronous, no queue in sight): message bodies in, one `Outcome` per
  message out (a decision to publish, a reject to publish, or a retry). It parses, skips posts the
  store has already decided, moderates the rest, and records them through `jaga.moderation.record`
  in one transaction.
- `consume` (asyncio): fetches a batch from a durable pull consumer, runs the handler in a thread,
  publishes the outcomes, flushes, and only then acknowledges. A crash anywhere before the ack
  leaves the message to be redelivered; the store lookup makes the redelivery harmless.

A storage failure is not the message's fault: those messages are negatively acknowledged with a
delay (redelivered later) until they have been delivered `max_deliveries` times; only then are they
rejected, so that a record the database refuses for good cannot circle for ever, while an outage
of the database loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jaga.ingest.readers import MAX_LINE_BYTES, RAW_PREVIEW_CHARS, Record, json_record
from jaga.moderation import ModerationRecord, account_rules
from jaga.moderation import record as record_decided
from jaga.pipeline import Moderator
from jaga.scan import moderate_guarded
from jaga.store import DEFAULT_ORG, Store
from jaga.types import Decision, Post

logger = logging.getLogger(__name__)

STREAM_ACTOR = "stream"
"""Who the audit log names for what the consumer records (the scan says `scan`, the service the key)."""


class StreamError(Exception):
    """The consumer cannot start: NATS unreachable, no stream for the subject, subjects that loop."""


@dataclass(frozen=True)
class ConsumerSettings:
    """Where to read, where to write, and how much to hold at once."""

    servers: str = "nats://127.0.0.1:4222"
    subject: str = "posts.>"
    stream: str | None = None
    """The JetStream stream holding the posts; created for `subject` when named and missing. None:
    the stream that already captures `subject`."""
    durable: str = "jaga"
    """The durable consumer's name: its position survives restarts, and several processes with the
    same name share the work."""
    result_subject: str = "decisions.{jurisdiction}"
    reject_subject: str = "rejects.posts"
    batch: int = 64
    max_ack_pending: int | None = None
    """Unacknowledged messages the server lets out at once (default: twice the batch)."""
    ack_wait_s: float = 60.0
    max_deliveries: int = 5
    retry_delay_s: float = 5.0
    """How long a message whose storage failed waits before it is redelivered (a database restarting)."""
    org: str = DEFAULT_ORG
    jurisdiction: str | None = None
    strict: bool = False
    fetch_timeout_s: float = 1.0
    """The longest a fetch waits for messages: also how soon a shutdown is noticed when idle."""
    idle_exit_s: float | None = None
    """Stop once no message has come for this long (a backfill, tests); None: run until signalled."""

    def __post_init__(self) -> None:
        if self.batch < 1:
            raise StreamError("--batch must be at least 1")
        if self.max_deliveries < 1:
            raise StreamError("max deliveries must be at least 1")
        if not _valid_subject(self.subject, wildcards=True):
            raise StreamError(f"{self.subject!r} is not a valid NATS subject")
        try:
            result = self.result_subject.format(jurisdiction="*")
        except (KeyError, IndexError, ValueError) as error:
            raise StreamError(f"the result subject {self.result_subject!r} may only use {{jurisdiction}}: "
                              f"{error}") from error
        for name, pattern in (("result subject", result), ("reject subject", self.reject_subject)):
            if not _valid_subject(pattern.replace("*", "X"), wildcards=False):
                raise StreamError(f"the {name} {pattern!r} is not a subject one can publish to")
            if _overlaps(self.subject, pattern):
                raise StreamError(f"the {name} {pattern!r} falls under the input subject {self.subject!r}: "
                                  "the consumer would read its own output")


@dataclass(frozen=True)
class Incoming:
    """One message as the handler needs it: its body and where it came from."""

    data: bytes
    stream: str = ""
    subject: str = ""
    sequence: int = 0
    """The stream sequence: names a reject's message whatever its body."""
    deliveries: int = 1


@dataclass(frozen=True)
class Outcome:
    """What becomes of one message. Exactly one of `decision`, `reject` and `retry` is set."""

    decision: Decision | None = None
    replayed: bool = False
    """The post was already decided (a redelivery): `decision` is the stored one, not a new one."""
    reject: dict[str, Any] | None = None
    retry: str | None = None
    """Why the message is redelivered later (its storage failed)."""


@dataclass
class ConsumeSummary:
    """Running totals for the end-of-run report."""

    messages: int = 0
    decided: int = 0
    replayed: int = 0
    rejected: int = 0
    retried: int = 0
    batches: int = 0
    elapsed_s: float = 0.0

    def add(self, outcomes: Sequence[Outcome]) -> None:
        self.batches += 1
        self.messages += len(outcomes)
        for outcome in outcomes:
            if outcome.retry is not None:
                self.retried += 1
            elif outcome.reject is not None:
                self.rejected += 1
            elif outcome.replayed:
                self.replayed += 1
            else:
                self.decided += 1

    def to_json(self) -> dict[str, Any]:
        return {"messages": self.messages, "decided": self.decided, "replayed": self.replayed,
                "rejected": self.rejected, "retried": self.retried, "batches": self.batches,
                "elapsed_s": round(self.elapsed_s, 3)}


class BatchHandler:
    """Turns a batch of message bodies into outcomes, storing what it decides. Synchronous and
    independent of NATS, so that the queue half only moves bytes and acknowledgements."""

    def __init__(self, moderator: Moderator, store: Store, org: str = DEFAULT_ORG, jurisdiction: str | None = None,
                 strict: bool = False, max_deliveries: int = 5) -> None:
        self.moderator = moderator
        self.store = store.scoped(org)
        self.org = org
        self.jurisdiction = jurisdiction
        self.strict = strict
        self.max_deliveries = max_deliveries
        self.rules = account_rules(moderator)

    def handle(self, items: Sequence[Incoming]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(items)
        first: dict[str, int] = {}  # post id -> the index of its first message in the batch
        records: dict[int, Record] = {}
        for index, item in enumerate(items):
            record = _parse(index, item.data, self.strict)
            if record.post is None:
                outcomes[index] = Outcome(reject=_reject(item, record))
            else:
                records[index] = record
                first.setdefault(record.post.id, index)
        existing = self.store.decisions_for_posts(list(first))
        fresh = [records[index] for post_id, index in first.items() if post_id not in existing]
        posts, decisions, failed = moderate_guarded(self.moderator, fresh, self.jurisdiction)
        failures = {record.id: record for record in failed}
        stored, store_errors = self._record(posts, decisions)
        for index, record in records.items():
            assert record.post is not None
            post_id, item = record.post.id, items[index]
            if post_id in existing:
                outcomes[index] = Outcome(decision=_latest(existing[post_id]), replayed=True)
            elif post_id in stored:
                outcomes[index] = Outcome(decision=stored[post_id], replayed=index != first[post_id])
            elif post_id in failures:
                outcomes[index] = Outcome(reject=_reject(item, failures[post_id], as_received=True))
            elif item.deliveries >= self.max_deliveries:
                error = (f"could not be stored after {item.deliveries} deliveries: "
                         f"{store_errors.get(post_id, 'not stored')}")
                outcomes[index] = Outcome(reject=_reject(item, Record(line=index, error=error, id=post_id),
                                                         as_received=True))
            else:
                outcomes[index] = Outcome(retry=store_errors.get(post_id, "not stored"))
        return [outcome for outcome in outcomes if outcome is not None]

    def _record(self, posts: list[Post], decisions: list[Decision]) -> tuple[dict[str, Decision], dict[str, str]]:
        """The batch in one transaction; if that fails, post by post, so that one record the
        database refuses does not hold back the others (an outage fails them all: all retried)."""
        if not posts:
            return {}, {}
        try:
            return self._record_once(posts, decisions), {}
        except Exception:
            logger.exception("a batch of %d decisions could not be stored; storing them one by one", len(posts))
        stored: dict[str, Decision] = {}
        errors: dict[str, str] = {}
        for post, decision in zip(posts, decisions, strict=True):
            try:
                stored.update(self._record_once([post], [decision]))
            except Exception as error:
                errors[post.id] = f"storage failed: {type(error).__name__}: {error}"[:500]
        return stored, errors

    def _record_once(self, posts: list[Post], decisions: list[Decision]) -> dict[str, Decision]:
        batch = ModerationRecord(self.org, posts, decisions, STREAM_ACTOR)
        return {decision.post_id: decision for decision in record_decided(self.store, [batch], self.rules)[0]}


def _parse(index: int, data: bytes, strict: bool) -> Record:
    """A message body as a post, with the same checks and reasons as a JSONL line of `jaga scan`."""
    if len(data) > MAX_LINE_BYTES:
        return Record(line=index, error=f"message is over the {MAX_LINE_BYTES:,}-byte limit (raw: its first "
                      f"{RAW_PREVIEW_CHARS:,} characters)",
                      raw=data[:RAW_PREVIEW_CHARS].decode("utf-8", "backslashreplace"))
    if not data.strip():
        return Record(line=index, error="empty message", raw="")
    return json_record(index, data.removeprefix(b"\xef\xbb\xbf"), strict)


def _reject(item: Incoming, record: Record, as_received: bool = False) -> dict[str, Any]:
    """A reject as published: the reason, the body (`as_received`: the message's own bytes, not the
    post as validated), and the message's place in its stream."""
    body = record.reject_json()
    body.pop("line", None)
    if as_received:
        body["raw"] = item.data.decode("utf-8", "backslashreplace")
    body.update({"stream": item.stream, "subject": item.subject, "stream_sequence": item.sequence,
                 "deliveries": item.deliveries})
    return body


def _latest(decisions: list[Decision]) -> Decision:
    """The post's current decision (an authority order or a review may have added versions)."""
    return max(decisions, key=lambda decision: decision.decided_at)


_TOKEN = re.compile(r"[^A-Za-z0-9_-]")


def subject_token(value: str) -> str:
    """A jurisdiction as one subject token: what NATS gives meaning to (dots, wildcards, spaces)
    becomes `_`."""
    return _TOKEN.sub("_", value) or "_"


def _valid_subject(subject: str, wildcards: bool) -> bool:
    tokens = subject.split(".")
    if not subject or any(not token or any(char.isspace() for char in token) for token in tokens):
        return False
    for position, token in enumerate(tokens):
        if token in ("*", ">"):
            if not wildcards or (token == ">" and position != len(tokens) - 1):
                return False
        elif "*" in token or ">" in token:
            return False
    return True


def _overlaps(first: str, second: str) -> bool:
    """Whether some subject matches both patterns (`*` one token, `>` one or more at the end)."""
    left, right = first.split("."), second.split(".")
    for position in range(max(len(left), len(right))):
        a = left[position] if position < len(left) else None
        b = right[position] if position < len(right) else None
        if a == ">" or b == ">":
            return a is not None and b is not None
        if a is None or b is None:
            return False
        if a != b and "*" not in (a, b):
            return False
    return True


Publish = Callable[[str, bytes, dict[str, str]], Awaitable[None]]


async def _publisher(nc: Client, js: JetStreamContext, sample_subject: str) -> Publish:
    """JetStream publish (waiting for the stream's acknowledgement) when a stream captures the
    subject, so that an ack of the input means the result is persisted; plain NATS otherwise
    (flushed before the input's ack)."""
    try:
        stream = await js.find_stream_name_by_subject(sample_subject)
    except nats.js.errors.NotFoundError:
        stream = None

    async def to_stream(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await js.publish(subject, payload, headers=headers)

    async def plain(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await nc.publish(subject, payload, headers=headers)

    if stream is not None:
        logger.info("publishing %s to JetStream stream %s", sample_subject, stream)
        return to_stream
    logger.info("no stream captures %s: publishing it on plain NATS", sample_subject)
    return plain


async def _ensure_stream(js: JetStreamContext, settings: ConsumerSettings) -> str:
    if settings.stream is None:
        try:
            return await js.find_stream_name_by_subject(settings.subject)
        except nats.js.errors.NotFoundError as error:
            raise StreamError(f"no JetStream stream captures {settings.subject!r}: pass --stream NAME to create "
                              "one, or create it with the NATS tools") from error
    try:
        await js.stream_info(settings.stream)
    except nats.js.errors.NotFoundError:
        logger.info("creating stream %s for %s", settings.stream, settings.subject)
        try:
            await js.add_stream(name=settings.stream, subjects=[settings.subject])
        except nats.js.errors.Error as error:
            raise StreamError(f"cannot create stream {settings.stream!r} for {settings.subject!r}: {error}") from error
    return settings.stream


async def consume(settings: ConsumerSettings, handler: BatchHandler, stop: asyncio.Event | None = None,
                  on_batch: Callable[[ConsumeSummary], None] | None = None) -> ConsumeSummary:
    """Consume until `stop` is set (or, with `idle_exit_s`, until the subject is quiet). The batch in
    hand when `stop` is set is finished, published and acknowledged before the connection drains."""
    stop = stop or asyncio.Event()
    summary = ConsumeSummary()
    started = time.perf_counter()
    try:  # no server at the start is an error within a second or two (a typo in the address), not a wait
        nc = await nats.connect(settings.servers.split(","), name=f"jaga-consume-{settings.durable}",
                                connect_timeout=5, drain_timeout=5, max_reconnect_attempts=1, reconnect_time_wait=1,
                                error_cb=_log_nats_error)
    except (OSError, nats.errors.Error) as error:
        raise StreamError(f"cannot reach NATS at {settings.servers}: {error}") from error
    # Once connected, ride out a server restart for as long as it takes (nats-py reads these options
    # each time the connection drops).
    nc.options["max_reconnect_attempts"] = -1
    nc.options["reconnect_time_wait"] = 2
    try:
        js = nc.jetstream()
        stream = await _ensure_stream(js, settings)
        config = ConsumerConfig(durable_name=settings.durable, ack_policy=AckPolicy.EXPLICIT,
                                deliver_policy=DeliverPolicy.ALL, ack_wait=settings.ack_wait_s,
                                max_ack_pending=settings.max_ack_pending or 2 * settings.batch)
        try:
            subscription = await js.pull_subscribe(settings.subject, durable=settings.durable, stream=stream,
                                                   config=config)
        except nats.js.errors.Error as error:
            raise StreamError(f"cannot consume {settings.subject!r} from stream {stream!r}: {error}") from error
        publish_decision = await _publisher(nc, js, settings.result_subject.format(jurisdiction="ASEAN"))
        publish_reject = await _publisher(nc, js, settings.reject_subject)
        last_message = time.monotonic()
        while not stop.is_set():
            try:
                messages = await subscription.fetch(settings.batch, timeout=settings.fetch_timeout_s)
            except TimeoutError:  # nats-py raises its own subclass, or asyncio's, when nothing came
                if settings.idle_exit_s is not None and time.monotonic() - last_message >= settings.idle_exit_s:
                    break
                continue
            except nats.errors.Error as error:  # reconnecting: the client retries for us; wait for it
                if nc.is_closed:
                    raise StreamError(f"lost the connection to NATS at {settings.servers}: {error}") from error
                logger.warning("fetching from %s failed (%s); trying again", stream, error)
                await asyncio.sleep(settings.fetch_timeout_s)
                continue
            last_message = time.monotonic()
            items = [Incoming(message.data, message.metadata.stream, message.subject,
                              message.metadata.sequence.stream, message.metadata.num_delivered)
                     for message in messages]
            try:
                outcomes = await asyncio.to_thread(handler.handle, items)
            except Exception as error:  # the store unreachable for the lookup: nothing decided, all retried
                logger.exception("a batch of %d messages could not be handled; it will be redelivered", len(items))
                outcomes = [Outcome(retry=f"{type(error).__name__}: {error}"[:500]) for _ in items]
            try:
                await asyncio.gather(*(_publish(settings, outcome, item, publish_decision, publish_reject)
                                       for outcome, item in zip(outcomes, items, strict=True)
                                       if outcome.retry is None))
                await nc.flush()  # plain publishes are on the server before any input is acknowledged
            except nats.errors.Error as error:
                # Stored but perhaps not published: redelivered later, the stored decisions are
                # published again (not decided again).
                logger.warning("publishing a batch of %d results failed (%s); it will be redelivered",
                               len(outcomes), error)
                outcomes = [Outcome(retry=f"publishing failed: {error}") for _ in outcomes]
            for message, outcome in zip(messages, outcomes, strict=True):
                if outcome.retry is not None:
                    await message.nak(delay=settings.retry_delay_s)
                else:
                    await message.ack()
            summary.add(outcomes)
            summary.elapsed_s = time.perf_counter() - started
            if on_batch is not None:
                on_batch(summary)
            if all(outcome.retry is not None for outcome in outcomes):  # an outage: don't spin on it
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.retry_delay_s)
        await nc.flush()  # the last acknowledgements are on the server
        # Unsubscribed first: nats-py's drain otherwise waits out its timeout (30 s) on the pull
        # subscription's inbox, whose last fetch request has expired unanswered.
        await subscription.unsubscribe()
    finally:
        if nc.is_connected:
            await nc.drain()
        else:
            await nc.close()
    summary.elapsed_s = time.perf_counter() - started
    return summary


async def _log_nats_error(error: Exception) -> None:
    """One line per connection problem (nats-py's default prints a traceback for each retry)."""
    logger.warning("NATS: %s: %s", type(error).__name__, error)


async def _publish(settings: ConsumerSettings, outcome: Outcome, item: Incoming, decision: Publish,
                   reject: Publish) -> None:
    if outcome.decision is not None:
        found = outcome.decision
        subject = settings.result_subject.format(jurisdiction=subject_token(found.jurisdiction))
        # The decision id as the message id: a result stream drops a republished decision. (Ids are
        # derived from the post id, so the organisation is part of it: two organisations' posts
        # may share an id.)
        await decision(subject, json.dumps(found.to_json_dict(), ensure_ascii=False).encode(),
                       {"Nats-Msg-Id": f"{settings.org}/{found.id}", "Jaga-Post-Id": found.post_id})
    elif outcome.reject is not None:
        await reject(settings.reject_subject, json.dumps(outcome.reject, ensure_ascii=False).encode(),
                     {"Nats-Msg-Id": f"reject/{item.stream}/{item.sequence}"})


__all__ = ["BatchHandler", "ConsumeSummary", "ConsumerSettings", "Incoming", "Outcome", "StreamError", "consume",
           "subject_token"]

