"""API keys and the audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

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


def _read_the_tip_then_write_late(database_url: str, tip_read: Any, other_done: Any) -> None:
    store = Store(database_url)
    with store.writing() as session:
        store.scoped("slow").audit("slow", "test.slow", "first", {}, session)  # reads the chain's tip
        tip_read.set()
        other_done.wait(2)  # the other writer commits meanwhile, unless it has to wait for us
    # leaving the block commits


def test_a_second_process_cannot_slip_a_write_between_reading_the_tip_and_writing(tmp_path: Path) -> None:
    """What `jaga serve --workers 2` on SQLite does: one process reads the chain's tip, another
    commits an entry before the first writes. Without taking the write lock first, the first's commit
    fails (SQLITE_BUSY_SNAPSHOT); with it, the second waits, and both land in one chain."""
    database_url = f"sqlite:///{tmp_path / 'jaga.db'}"
    store = Store(database_url)
    context = multiprocessing.get_context("spawn")
    tip_read, other_done = context.Event(), context.Event()
    slow = context.Process(target=_read_the_tip_then_write_late, args=(database_url, tip_read, other_done))
    slow.start()
    assert tip_read.wait(60)
    store.scoped("fast").audit("fast", "test.fast", "second", {})
    other_done.set()
    slow.join(60)
    assert slow.exitcode == 0
    subjects = [entry.subject for org in ("slow", "fast") for entry in store.scoped(org).audit_entries()]
    assert sorted(subjects) == ["first", "second"]
    assert store.verify_audit() == []
