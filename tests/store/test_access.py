"""API keys and the audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from jaga.store import Role, Store, access


def test_a_verified_key_is_trusted_briefly_and_revocation_in_this_process_is_immediate(database_url: str) -> None:
    store = Store(database_url)
    key, token = store.scoped("acme").create_key("platform", Role.PLATFORM)
    assert store.recently_authenticated(token) is None  # never verified yet: ask the database
    assert store.authenticate(token) == key
    assert store.recently_authenticated(token) == key
    assert store.recently_authenticated(token[:-1] + ("x" if token[-1] != "x" else "y")) is None
    assert Store(database_url).scoped("acme").revoke_key(key.id)  # another Store object, same process
    assert store.recently_authenticated(token) is None and store.authenticate(token) is None


def test_a_key_revoked_elsewhere_stops_working_when_the_trust_expires(database_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "KEY_CACHE_SECONDS", 0.2)
    store = Store(database_url)
    key, token = store.scoped("acme").create_key("platform", Role.PLATFORM)
    assert store.authenticate(token) == key
    with store.engine.begin() as connection:  # as `jaga keys revoke` in another process would
        connection.execute(text("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": key.id})
    assert store.recently_authenticated(token) == key
    time.sleep(0.3)
    assert store.recently_authenticated(token) is None
    assert store.authenticate(token) is None


def test_many_entries_in_one_transaction_extend_one_chain(database_url: str) -> None:
    store = Store(database_url)
    with store.writing() as session:
        for index in range(5):
            store.scoped(f"org-{index % 2}").audit("tester", "test.entry", str(index), {"index": index}, session)
    store.audit("tester", "test.after", "later", {})
    entries = sorted(store.scoped("org-0").audit_entries() + store.scoped("org-1").audit_entries(),
                     key=lambda entry: entry.seq)
    assert [entry.subject for entry in entries if entry.action == "test.entry"] == ["0", "1", "2", "3", "4"]
    assert store.verify_audit() == []
