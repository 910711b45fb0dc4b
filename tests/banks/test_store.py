"""Banks in the store (SQLite and PostgreSQL): per organisation, entries unique per bank, every
change audited, and a revision that moves with every change a matcher must see."""

from __future__ import annotations

import pytest

from jaga.banks.model import Bank, BankEntry
from jaga.store import NotFound, Store
from jaga.types import Category

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def test_banks_are_scoped_to_their_organisation(database_url: str) -> None:
    with Store(database_url) as store:
        acme, other = store.scoped("acme"), store.scoped("other")
        acme.save_bank(Bank("KNOWN", "known abuse", Category.SEXUAL_EXPLOITATION))
        other.save_bank(Bank("KNOWN", "their list", Category.SCAM_FRAUD, allow=False))
        assert acme.add_bank_entries([BankEntry("KNOWN", "md5", MD5), BankEntry("KNOWN", "pdq", PDQ, content_id="c1")]) == 2
        assert [bank.label for bank in acme.banks()] == ["known abuse"]
        assert other.bank("KNOWN").category == Category.SCAM_FRAUD  # type: ignore[union-attr]
        assert other.bank_sizes() == {} and acme.bank_sizes() == {"KNOWN": 2}
        assert list(other.bank_signals()) == []
        assert [(kind, signal) for _, _, kind, signal in acme.bank_signals()] == [("md5", MD5), ("pdq", PDQ)]
        assert store.bank("KNOWN") is None  # the default organisation has none


def test_entries_are_unique_per_bank_and_need_their_bank(database_url: str) -> None:
    with Store(database_url) as store:
        store.save_bank(Bank("A", "a", Category.SCAM_FRAUD))
        store.save_bank(Bank("B", "b", None, allow=True))
        assert store.add_bank_entries([BankEntry("A", "md5", MD5), BankEntry("A", "md5", MD5)]) == 1
        assert store.add_bank_entries([BankEntry("A", "md5", MD5), BankEntry("B", "md5", MD5)]) == 1
        long_text = "spam " * 2_000  # long texts are unique by digest, not by an index on the text
        assert store.add_bank_entries([BankEntry("A", "text", long_text)] * 2) == 1
        with pytest.raises(NotFound):
            store.add_bank_entries([BankEntry("MISSING", "md5", MD5)])
        entries = list(store.bank_entries("A"))
        assert [entry.signal_type for entry in entries] == ["md5", "text"]
        assert store.bank_entries_by_key([entries[1].key or 0])[entries[1].key or 0].signal == long_text


def test_enable_disable_delete_move_the_revision_and_are_audited(database_url: str) -> None:
    with Store(database_url) as store:
        store.save_bank(Bank("A", "a", Category.SCAM_FRAUD))
        first = store.bank_revision()
        store.add_bank_entries([BankEntry("A", "md5", MD5)])
        second = store.bank_revision()
        assert second != first
        assert store.set_bank_enabled("A", False).enabled is False
        third = store.bank_revision()
        assert third != second and store.bank("A").enabled is False  # type: ignore[union-attr]
        assert store.delete_bank("A") == 1
        assert store.bank("A") is None and store.bank_sizes() == {} and store.bank_revision() != third
        with pytest.raises(NotFound):
            store.set_bank_enabled("A", True)
        actions = [entry.action for entry in store.audit_entries()]
        assert {"bank.save", "bank.add", "bank.disable", "bank.delete"} <= set(actions)
        assert store.verify_audit() == []


def test_a_block_bank_needs_a_category_and_names_are_checked() -> None:
    with pytest.raises(ValueError):
        Bank("A", "a", None)
    with pytest.raises(ValueError):
        Bank("bad name/..", "a", Category.SCAM_FRAUD)
    assert Bank("ALLOW_NEWS", "news photos", None, allow=True).allow


def test_migration_0010_goes_both_ways(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from jaga.store import _alembic_config, make_engine, migrate

    engine = make_engine(database_url)
    migrate(engine, "0009")
    assert "hash_banks" not in inspect(engine).get_table_names()
    migrate(engine)
    assert {"hash_banks", "hash_bank_entries"} <= set(inspect(engine).get_table_names())
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    assert not {"hash_banks", "hash_bank_entries"} & set(inspect(engine).get_table_names())
    engine.dispose()
