"""The consumer against the real NATS JetStream: decisions stored, published and acknowledged; bad
messages rejected with their reason; redelivered posts not decided twice."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from jaga.pipeline import Moderator
from jaga.store import Store
from jaga.stream import BatchHandler, ConsumerSettings, Incoming, StreamError, consume

from .nats_helpers import NATS_URL, Names, consumer_info, post, publish, stored_messages


def _settings(names: Names, **overrides: object) -> ConsumerSettings:
    values: dict[str, object] = {"servers": NATS_URL, "subject": names.subject, "stream": names.stream,
                                 "durable": "jaga", "result_subject": names.result_subject,
                                 "reject_subject": names.reject_subject, "batch": 4, "idle_exit_s": 1.0}
    values.update(overrides)
    return ConsumerSettings(**values)  # type: ignore[arg-type]


def _moderate_audits(store: Store) -> list[str]:
    """The decision ids each `moderate` audit entry covers: a post decided twice appears twice."""
    return [item["id"] for entry in store.audit_entries(limit=10_000) if entry.action == "moderate"
            for item in entry.payload["decisions"]]


POSTS = [post("p1", "Selamat pagi semua, jumpa lagi nanti petang", country="MY"),
         post("p2", "Good morning everyone, see you at the market", country="TH"),
         b"{not json",
         post("p3", "Xin chào, hẹn gặp lại vào chiều nay", country="VN", likes=12),
         json.dumps({"id": "p4"}).encode(),  # no text
         post("p1", "Selamat pagi semua, jumpa lagi nanti petang", country="MY"),  # the same post again
         post("p5", "Magandang umaga sa inyong lahat", country="PH")]


def test_decides_stores_publishes_and_rejects(names: Names, moderator: Moderator, database_url: str) -> None:
    publish(names, POSTS)
    store = Store(database_url)
    summary = asyncio.run(consume(_settings(names), BatchHandler(moderator, store)))

    assert (summary.messages, summary.decided, summary.replayed, summary.rejected, summary.retried) == (7, 4, 1, 2, 0)
    assert store.counts() == {"posts": 4, "decisions": 4}
    decisions = stored_messages(names.result_stream)
    # the repeated p1 is published again with the same Nats-Msg-Id, which the result stream drops
    assert sorted(json.loads(message.data)["post_id"] for message in decisions) == ["p1", "p2", "p3", "p5"]
    by_post = {json.loads(message.data)["post_id"]: message for message in decisions}
    assert by_post["p2"].subject == f"{names.prefix}.decisions.TH"
    assert json.loads(by_post["p3"].data)["post_extra"] == {"likes": 12}
    for post_id, message in by_post.items():
        stored = store.decisions_for_post(post_id)
        assert [json.loads(message.data)["id"]] == [decision.id for decision in stored]
    rejects = sorted((json.loads(message.data) for message in stored_messages(names.reject_stream)),
                     key=lambda reject: reject["stream_sequence"])
    assert len(rejects) == 2
    assert rejects[0]["error"].startswith("invalid JSON") and rejects[0]["raw"] == "{not json"
    assert "text" in rejects[1]["error"] and rejects[1]["id"] == "p4"
    assert all(reject["stream"] == names.stream and reject["stream_sequence"] > 0 for reject in rejects)
    info = consumer_info(names, "jaga")
    assert info.num_ack_pending == 0 and info.num_pending == 0  # all acknowledged, nothing left
    stored_ids = [decision.id for found in store.decisions_for_posts(["p1", "p2", "p3", "p5"]).values()
                  for decision in found]
    assert sorted(_moderate_audits(store)) == sorted(stored_ids)  # each decision recorded once
    store.close()


def test_a_redelivered_post_is_not_decided_again(names: Names, moderator: Moderator, database_url: str) -> None:
    publish(names, [post(f"r{index}", f"Hello number {index}, lovely weather today") for index in range(6)])
    store = Store(database_url)
    first = asyncio.run(consume(_settings(names), BatchHandler(moderator, store)))
    audited = _moderate_audits(store)
    # A second durable consumer is handed every message again, as a redelivery would be.
    again = asyncio.run(consume(_settings(names, durable="again"), BatchHandler(moderator, store)))

    assert (first.decided, first.replayed) == (6, 0)
    assert (again.decided, again.replayed) == (0, 6)
    assert _moderate_audits(store) == audited and len(audited) == 6  # nothing recorded a second time
    assert store.counts() == {"posts": 6, "decisions": 6}
    assert len(stored_messages(names.result_stream)) == 6  # republished copies dropped by their message id
    store.close()


def test_a_failing_store_retries_then_rejects(moderator: Moderator, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'jaga.db'}")
    with store.engine.begin() as connection:  # a database that refuses every decision
        connection.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON decisions BEGIN "
                                "SELECT RAISE(ABORT, 'disk says no'); END"))
    handler = BatchHandler(moderator, store, max_deliveries=3)
    body = post("s1", "A perfectly ordinary post")

    retry, = handler.handle([Incoming(body, "posts", "posts.x", 7, deliveries=1)])
    last, = handler.handle([Incoming(body, "posts", "posts.x", 7, deliveries=3)])

    assert retry.retry is not None and "disk says no" in retry.retry and retry.decision is None
    assert last.reject is not None and "after 3 deliveries" in last.reject["error"]
    assert last.reject["id"] == "s1" and last.reject["stream_sequence"] == 7
    assert store.counts() == {"posts": 0, "decisions": 0}  # the failed transaction left nothing
    store.close()


def test_an_unreachable_store_leaves_the_batch_to_be_redelivered(names: Names, moderator: Moderator,
                                                                 tmp_path: Path) -> None:
    publish(names, [post("u1", "Hello there"), post("u2", "Hello again")])
    store = Store(f"sqlite:///{tmp_path / 'jaga.db'}")
    with store.engine.begin() as connection:  # even the lookup of earlier decisions fails
        connection.execute(text("DROP TABLE decisions"))
    stop = asyncio.Event()  # set after the first batch: an outage is retried for as long as it lasts
    summary = asyncio.run(consume(_settings(names, batch=8), BatchHandler(moderator, store), stop,
                                  on_batch=lambda _summary: stop.set()))

    assert summary.retried == 2 and summary.decided == 0 and summary.rejected == 0
    assert stored_messages(names.result_stream) == [] and stored_messages(names.reject_stream) == []
    assert consumer_info(names, "jaga").num_ack_pending == 2  # negatively acknowledged: to be delivered again
    store.close()


def test_bad_bodies_become_rejects_without_stopping_the_batch(moderator: Moderator, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'jaga.db'}")
    bodies = [b"", b"\xff\xfe not utf-8", b"[1, 2]", post("ok", "Fine text"), b"x" * 1_000_001,
              post("deep", "t", extra={"a": [[[[[[[[[1]]]]]]]]]})]
    outcomes = BatchHandler(moderator, store).handle([Incoming(body) for body in bodies])

    errors = [outcome.reject["error"] if outcome.reject else None for outcome in outcomes]
    assert errors[0] == "empty message"
    assert errors[1] is not None and errors[1].startswith("not valid UTF-8")
    assert errors[2] == "expected a JSON object, got list"
    assert errors[3] is None and outcomes[3].decision is not None and outcomes[3].decision.post_id == "ok"
    assert errors[4] is not None and "over the 1,000,000-byte limit" in errors[4]
    assert errors[5] is not None and "nested too deeply" in errors[5]
    assert store.counts() == {"posts": 1, "decisions": 1}
    store.close()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"result_subject": "posts.decisions.{jurisdiction}"}, "would read its own output"),
    ({"reject_subject": "posts.rejects"}, "would read its own output"),
    ({"result_subject": "decisions.{country}"}, "may only use {jurisdiction}"),
    ({"result_subject": "decisions.>"}, "not a subject one can publish to"),
    ({"subject": "posts.>.x"}, "not a valid NATS subject"),
    ({"batch": 0}, "at least 1"),
])
def test_settings_that_cannot_work_are_refused(overrides: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"subject": "posts.>", **overrides}
    with pytest.raises(StreamError, match=re.escape(message)):
        ConsumerSettings(**values)  # type: ignore[arg-type]


def test_no_server_is_a_clear_error(moderator: Moderator, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'jaga.db'}")
    settings = ConsumerSettings(servers="nats://127.0.0.1:1", subject="posts.>")
    with pytest.raises(StreamError, match=r"cannot reach NATS at nats://127\.0\.0\.1:1"):
        asyncio.run(consume(settings, BatchHandler(moderator, store)))
    store.close()


def test_a_subject_without_a_stream_is_a_clear_error(names: Names, moderator: Moderator, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'jaga.db'}")
    settings = _settings(names, subject=f"{names.prefix}.nowhere.>", stream=None)
    with pytest.raises(StreamError, match="no JetStream stream captures"):
        asyncio.run(consume(settings, BatchHandler(moderator, store)))
    store.close()
