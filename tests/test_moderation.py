"""The one after-decision path (`jaga.moderation.record`): every door has the same consequences."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jaga import Moderator, Post
from jaga.moderation import ModerationRecord, account_rules, record
from jaga.scan import scan
from jaga.service import create_app
from jaga.store import DEFAULT_ORG, Role, Store
from jaga.store.models import AuditRow, DecisionRow, DeliveryRow, PostRow, ReviewTaskRow, StrikeRow

GAMBLING = "Slot gacor hari ini maxwin, daftar di slotgacor88.vip"
POSTS = [{"id": f"g{number}", "text": f"{GAMBLING} #{number}", "country": "ID", "author_id": "gambler"}
         for number in range(1, 5)] + [{"id": "r1", "text": "Tangina mo gago ka talaga, bobo!", "author_id": "angry"}]
HOOK = "http://127.0.0.1:9/hook"

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _stable(value: Any) -> Any:
    """The value without what legitimately differs between two runs: instants (decided_at, deadlines,
    suspended_until, created_at...) and the audit digests that cover them."""
    if isinstance(value, datetime) or (isinstance(value, str) and _TIME.match(value)):
        return "<time>"
    if isinstance(value, dict):
        return {key: _stable(item) for key, item in value.items() if key != "digest"}
    if isinstance(value, list):
        return [_stable(item) for item in value]
    return value


def _state(store: Store, after_seq: int) -> dict[str, list[Any]]:
    """What the moderation left in the database, row by row, in a stable order."""
    with store.sessions() as session:
        def rows(model: Any, order: Any, skip: tuple[str, ...] = ()) -> list[Any]:
            columns = [column.name for column in model.__table__.columns if column.name not in skip]
            found = session.scalars(select(model).order_by(*order)).all()
            return [_stable({name: getattr(row, name) for name in columns}) for row in found]

        return {
            "posts": rows(PostRow, (PostRow.post_id,), ("id",)),
            "decisions": rows(DecisionRow, (DecisionRow.post_id,)),
            "strikes": rows(StrikeRow, (StrikeRow.decision_id,)),
            "review_tasks": rows(ReviewTaskRow, (ReviewTaskRow.id,)),
            "outbox": rows(DeliveryRow, (DeliveryRow.id,), ("id",)),
            # the actor is the door's (`scan`, the API key's id): that differs by design
            "audit": [_stable({"org": row.org, "action": row.action, "subject": row.subject, "payload": row.payload})
                      for row in session.scalars(select(AuditRow).where(AuditRow.seq > after_seq)
                                                 .order_by(AuditRow.seq))],
        }


@pytest.mark.usefixtures("local_webhooks")
def test_scan_and_api_doors_leave_the_same_state(tmp_path: Path, moderator: Moderator) -> None:
    cli_url, api_url = (f"sqlite:///{tmp_path / name}.db" for name in ("cli", "api"))
    posts_file = tmp_path / "posts.jsonl"
    posts_file.write_text("".join(json.dumps(post) + "\n" for post in POSTS))

    with Store(cli_url) as store:
        store.set_webhook(HOOK)
        before = store.audit_tip()[0]
        scan(str(posts_file), str(tmp_path / "out.jsonl"), moderator=moderator, store=store)
        by_cli = _state(store, before)
        assert store.verify_audit() == []

    with Store(api_url) as store:
        store.set_webhook(HOOK)
        token = store.create_key("platform", Role.PLATFORM)[1]
        before = store.audit_tip()[0]
        with TestClient(create_app(api_url, moderator, deliver_webhooks=False)) as client:
            response = client.post("/v1/moderate", json={"posts": POSTS}, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
        by_api = _state(store, before)
        assert store.verify_audit() == []

    measures = [(row["post_id"], (row["document"]["statement"] or {}).get("account_measure", {}).get("measure"))
                for row in by_cli["decisions"]]
    assert measures == [("g1", "strike"), ("g2", "strike"), ("g3", "suspended"), ("g4", "suspended"), ("r1", None)]
    assert [row["decision_id"] for row in by_cli["strikes"]] and len(by_cli["strikes"]) == 4
    assert [task["post_id"] for task in by_cli["review_tasks"]] == ["r1"]
    assert [event["event"] for event in by_cli["outbox"]] == ["decision.created"] * 5
    assert [entry["action"] for entry in by_cli["audit"]] == ["moderate"]
    for part in by_cli:
        assert by_cli[part] == by_api[part], part
    # what the API answered is what it stored
    answered = {decision["post_id"]: decision for decision in response.json()["decisions"]}
    assert answered["g3"]["statement"]["account_measure"]["measure"] == "suspended"


def test_record_counts_strikes_once_and_keeps_the_audit_chain_whole(database_url: str, moderator: Moderator) -> None:
    posts = [Post(id=f"s{number}", text=GAMBLING, country="ID", author_id="anon_x") for number in range(3)]
    decisions = moderator.moderate_batch(posts)
    with Store(database_url) as store:
        rules = account_rules(moderator)
        first = record(store, [ModerationRecord(DEFAULT_ORG, posts, decisions, "test")], rules)[0]
        again = record(store, [ModerationRecord(DEFAULT_ORG, posts, decisions, "test")], rules)[0]  # a replay
        assert [(decision.statement or {})["account_measure"]["strikes"] for decision in first] == [1, 2, 3]
        assert (again[-1].statement or {})["account_measure"]["strikes"] == 3  # the replay added no strike
        with store.sessions() as session:
            assert len(session.scalars(select(StrikeRow)).all()) == 3
        assert store.counts() == {"posts": 3, "decisions": 3}
        assert store.verify_audit() == []
        assert store.decision(first[-1].id) == again[-1]
