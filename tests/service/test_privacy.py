"""An author's data: export, erasure (their words leave every decision), retention. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.store.models import PostRow
from jaga.types import now_utc

SCAM = {"id": "s1", "author_id": "user-7", "country": "MY",
        "text": "Pinjaman segera tanpa dokumen, klik maybank2u-secure.xyz untuk sahkan akaun anda sekarang"}


@pytest.fixture
def setup(database_url: str, moderator: Moderator) -> Iterator[tuple[TestClient, Store, dict[str, dict[str, str]]]]:
    store = Store(database_url)
    keys = {name: {"Authorization": f"Bearer {store.scoped(org).create_key(name, role)[1]}"} for name, org, role in (
        ("platform", "acme", Role.PLATFORM), ("admin", "acme", Role.ADMIN), ("other_admin", "other", Role.ADMIN))}
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        client.post("/v1/moderate", json={"posts": [SCAM, {**SCAM, "id": "s2", "author_id": "user-8"}]},
                    headers=keys["platform"])
        yield client, store, keys


def test_export_then_erase_an_author(setup: tuple[TestClient, Store, dict[str, dict[str, str]]]) -> None:
    client, store, keys = setup
    data = client.get("/v1/authors/user-7/data", headers=keys["admin"]).json()
    assert data["author"].startswith("anon_") and [post["id"] for post in data["posts"]] == ["s1"]
    assert data["decisions"][0]["post_id"] == "s1"
    assert client.get("/v1/authors/user-7/data", headers=keys["other_admin"]).json()["posts"] == []
    assert client.delete("/v1/authors/user-7", headers=keys["platform"]).status_code == 403

    counts = client.delete("/v1/authors/user-7", headers=keys["admin"]).json()
    assert counts["posts"] == 1 and counts["decisions_redacted"] == 1
    assert client.get("/v1/authors/user-7/data", headers=keys["admin"]).json()["posts"] == []
    kept = store.scoped("acme").decisions_for_post("s1")[0]
    assert kept.action.name == "REMOVE"  # the decision stays, for transparency and appeals
    assert "Pinjaman" not in json.dumps(kept.to_json_dict(), ensure_ascii=False)  # the words do not
    assert store.scoped("acme").post("s2") is not None  # other authors untouched
    assert store.verify_audit() == [] and "author.erase" in [e.action for e in store.scoped("acme").audit_entries()]


def test_retention_removes_old_text_only(setup: tuple[TestClient, Store, dict[str, dict[str, str]]]) -> None:
    _, store, _ = setup
    acme = store.scoped("acme")
    with acme.sessions.begin() as session:
        session.execute(update(PostRow).where(PostRow.post_id == "s1").values(ingested_at=now_utc() - timedelta(days=40)))
    assert acme.apply_retention(30) == {"posts": 1, "decisions_redacted": 1}
    assert acme.post("s1") is None and acme.post("s2") is not None
    assert "Pinjaman" not in json.dumps(acme.decisions_for_post("s1")[0].to_json_dict(), ensure_ascii=False)
