"""An author's data: export, erasure (their words leave every decision), retention. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from jaga.pipeline import Moderator
from jaga.privacy import legacy_form, pseudonymise
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.store.models import PostRow
from jaga.types import Post, now_utc

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
    counts = acme.apply_retention(30)
    assert counts["posts"] == 1 and counts["decisions_redacted"] == 1
    assert acme.post("s1") is None and acme.post("s2") is not None
    assert "Pinjaman" not in json.dumps(acme.decisions_for_post("s1")[0].to_json_dict(), ensure_ascii=False)


MARKER = "zqvexilmark"
"""A word no model, lexicon or policy contains: every copy of it came from the erased author."""
WRITER = "writer-9"


def _marked_world(client: TestClient, store: Store, keys: dict[str, dict[str, str]]) -> None:
    """Everything the API lets an author's words reach: their post (with a link, so the words are
    in evidence and URL details), remembered responses, reports about it and by them, a review
    note, an appeal and its decision, and the webhook deliveries of all of it."""
    post = {"id": "w1", "author_id": WRITER, "country": "MY",
            "text": f"Pinjaman segera {MARKER} tanpa dokumen, klik http://maybank2u-secure.xyz/{MARKER} sekarang"}
    other = {"id": "w2", "author_id": "someone-else", "country": "MY", "text": "Selamat pagi semua, jumpa lagi esok"}
    moderated = client.post("/v1/moderate", json={"posts": [post, other]},
                            headers={**keys["platform"], "Idempotency-Key": "erase-1"})
    decision = moderated.json()["decisions"][0]
    assert MARKER in json.dumps(decision)
    about = client.post("/v1/reports", json={"post_id": "w1", "reporter": "user-3", "reason": f"scam: {MARKER}"},
                        headers={**keys["platform"], "Idempotency-Key": "erase-2"}).json()
    by_author = client.post("/v1/reports", json={"post_id": "w2", "reporter": WRITER, "reason": f"I, {MARKER}, say"},
                            headers={**keys["platform"], "Idempotency-Key": "erase-3"})
    assert by_author.status_code == 201
    task = about["review_task"]
    assert client.post(f"/v1/reviews/{task}/claim", headers=keys["reviewer"]).status_code == 200
    assert client.post(f"/v1/reviews/{task}/decide", json={"action": "remove", "note": f"quotes {MARKER}"},
                       headers=keys["reviewer"]).status_code == 200
    appeal = client.post("/v1/appeals", json={"decision_id": decision["id"], "reason": f"{MARKER} was a joke"},
                         headers={**keys["platform"], "Idempotency-Key": "erase-4"}).json()
    decided = client.post(f"/v1/appeals/{appeal['id']}/decide", json={"outcome": "rejected", "note": f"no: {MARKER}"},
                          headers=keys["reviewer_2"])
    assert decided.status_code == 200
    events = {delivery.event for delivery in store.scoped("acme").deliveries()}
    assert {"decision.created", "decision.reviewed", "appeal.decided", "notice.reporter"} <= events


def _occurrences(database_url: str, store: Store, needle: str) -> dict[str, int]:
    """Where `needle` is stored. SQLite: in the raw bytes of the database file and its write-ahead
    log (deleted rows included). PostgreSQL: in every text and JSON column of every table."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return {file.name: file.read_bytes().count(needle.encode()) for file in (path, Path(f"{path}-wal"))
                if file.exists() and file.read_bytes().count(needle.encode())}
    found = {}
    with store.engine.connect() as connection:
        columns = connection.execute(text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb')")).all()
        for table, column in columns:
            count = connection.execute(text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :needle'),
                                       {"needle": f"%{needle}%"}).scalar_one()
            if count:
                found[f"{table}.{column}"] = count
    return found


@pytest.mark.usefixtures("local_webhooks")
def test_erasure_leaves_no_copy_of_the_authors_words(database_url: str, moderator: Moderator) -> None:
    store = Store(database_url)
    acme = store.scoped("acme")
    keys = {name: {"Authorization": f"Bearer {acme.create_key(name, role)[1]}"} for name, role in (
        ("platform", Role.PLATFORM), ("reviewer", Role.REVIEWER), ("reviewer_2", Role.REVIEWER), ("admin", Role.ADMIN))}
    acme.set_webhook("http://127.0.0.1:9/hooks")  # never delivered here: delivery is off
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        _marked_world(client, store, keys)
        before = _occurrences(database_url, store, MARKER)
        assert sum(before.values()) >= 8, before  # the probe sees the copies it is meant to find
        counts = client.delete(f"/v1/authors/{WRITER}", headers=keys["admin"]).json()
        assert counts["posts"] == 1 and counts["reports"] == 1 and counts["deliveries_scrubbed"] == 3
        assert counts["responses_scrubbed"] == 4
        after = _occurrences(database_url, store, MARKER)
        assert after == {}, after
        assert client.get(f"/v1/authors/{WRITER}/data", headers=keys["admin"]).json()["posts"] == []
        assert store.scoped("acme").post("w2") is not None and store.verify_audit() == []
    if not database_url.startswith("sqlite"):  # the pseudonym is left only where the erasure itself is recorded
        assert set(_occurrences(database_url, store, pseudonymise(WRITER) or "")) == {"audit_log.subject"}


def test_an_anon_prefix_does_not_skip_pseudonymisation(
        setup: tuple[TestClient, Store, dict[str, dict[str, str]]]) -> None:
    client, store, keys = setup
    forged = "anon_" + "0" * 48  # looks like a pseudonym; is a platform's own id
    client.post("/v1/moderate", json={"post": {**SCAM, "id": "f1", "author_id": forged}}, headers=keys["platform"])
    stored = store.scoped("acme").post("f1")
    assert stored is not None and stored.author_id == pseudonymise(forged) and stored.author_id != forged
    data = client.get(f"/v1/authors/{forged}/data", headers=keys["admin"]).json()
    assert [post["id"] for post in data["posts"]] == ["f1"]


def test_data_stored_under_an_unmarked_pseudonym_is_still_found_and_erased(
        setup: tuple[TestClient, Store, dict[str, dict[str, str]]], moderator: Moderator) -> None:
    """Pseudonyms written before they carried a mark: an export or erasure by the raw id finds them."""
    client, store, keys = setup
    legacy = legacy_form(pseudonymise("user-old") or "")
    assert legacy is not None
    post = Post(id="old-1", text="Jumpa lagi esok", country="MY", author_id=legacy)
    store.scoped("acme").save([post], moderator.moderate_batch([post]))
    assert [p["id"] for p in client.get("/v1/authors/user-old/data", headers=keys["admin"]).json()["posts"]] == ["old-1"]
    assert client.delete("/v1/authors/user-old", headers=keys["admin"]).json()["posts"] == 1
    assert store.scoped("acme").post("old-1") is None
