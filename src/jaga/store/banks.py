"""The hash banks' share of the store (mixed into `Store`): banks and their entries, scoped to the
store's organisation. Every change to a bank is written to the audit chain."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, func, select

from jaga.banks.model import Bank, BankEntry
from jaga.store.access import AccessRepository
from jaga.store.cases import NotFound
from jaga.store.models import HashBankEntryRow, HashBankRow
from jaga.types import Category, aware_time, now_utc

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import sessionmaker

CHUNK = 5_000


class BankRepository(AccessRepository):
    org: str
    sessions: sessionmaker[Any]

    def _insert(self, table: Any) -> Any:  # provided by Store
        raise NotImplementedError

    @staticmethod
    def _bank(row: HashBankRow) -> Bank:
        return Bank(name=row.name, label=row.label, category=Category(row.category) if row.category else None,
                    allow=row.allow, enabled=row.enabled, created_at=aware_time(row.created_at),
                    updated_at=aware_time(row.updated_at))  # SQLite gives them back without their offset

    def save_bank(self, bank: Bank, actor: str = "cli") -> Bank:
        """Create the bank, or update its label, category, allow flag and state."""
        now = now_utc()
        with self.writing() as session:
            row = session.get(HashBankRow, (self.org, bank.name))
            if row is None:
                row = HashBankRow(org=self.org, name=bank.name, created_at=now)
                session.add(row)
            row.label, row.category = bank.label, bank.category.value if bank.category else None
            row.allow, row.enabled, row.updated_at = bank.allow, bank.enabled, now
            self.audit(actor, "bank.save", bank.name, {"label": bank.label, "allow": bank.allow,
                                                      "category": row.category, "enabled": bank.enabled}, session)
            session.flush()
            return self._bank(row)

    def bank(self, name: str) -> Bank | None:
        with self.sessions() as session:
            row = session.get(HashBankRow, (self.org, name))
            return self._bank(row) if row else None

    def banks(self) -> list[Bank]:
        with self.sessions() as session:
            return [self._bank(row) for row in session.scalars(
                select(HashBankRow).where(HashBankRow.org == self.org).order_by(HashBankRow.name))]

    def set_bank_enabled(self, name: str, enabled: bool, actor: str = "cli") -> Bank:
        with self.writing() as session:
            row = session.get(HashBankRow, (self.org, name))
            if row is None:
                raise NotFound("bank_not_found", f"no bank {name!r}")
            row.enabled, row.updated_at = enabled, now_utc()
            self.audit(actor, "bank.enable" if enabled else "bank.disable", name, {}, session)
            session.flush()
            return self._bank(row)

    def delete_bank(self, name: str, actor: str = "cli") -> int:
        """Remove the bank and its entries; returns the number of entries removed."""
        with self.writing() as session:
            row = session.get(HashBankRow, (self.org, name))
            if row is None:
                raise NotFound("bank_not_found", f"no bank {name!r}")
            removed = cast("CursorResult[Any]", session.execute(delete(HashBankEntryRow).where(
                HashBankEntryRow.org == self.org, HashBankEntryRow.bank == name))).rowcount
            session.delete(row)
            self.audit(actor, "bank.delete", name, {"entries": removed}, session)
            return int(removed or 0)

    def add_bank_entries(self, entries: Iterable[BankEntry], actor: str = "cli") -> int:
        """Insert entries (their banks must exist); an entry already in its bank is left as it is.
        Returns the number of new entries."""
        table = HashBankEntryRow.__table__
        added = 0
        iterator = iter(entries)
        known: set[str] = set()
        while chunk := list(islice(iterator, CHUNK)):
            now = now_utc()
            rows = {(entry.bank, entry.signal_type, _digest(entry.signal)): entry for entry in chunk}
            with self.writing() as session:
                for name in {entry.bank for entry in chunk} - known:
                    if session.get(HashBankRow, (self.org, name)) is None:
                        raise NotFound("bank_not_found", f"no bank {name!r}")
                    known.add(name)
                statement = self._insert(table).values([
                    {"org": self.org, "bank": bank, "signal_type": kind, "signal": entry.signal, "digest": digest,
                     "content_id": entry.content_id, "note": entry.note, "added_at": now}
                    for (bank, kind, digest), entry in rows.items()])
                statement = statement.on_conflict_do_nothing(
                    index_elements=["org", "bank", "signal_type", "digest"]).returning(table.c.key)
                new = len(session.execute(statement).all())
                if new:
                    self.audit(actor, "bank.add", ",".join(sorted({entry.bank for entry in chunk}))[:256],
                               {"entries": new}, session)
                added += new
        return added

    def bank_entries(self, bank: str | None = None) -> Iterator[BankEntry]:
        """Entries of one bank (all banks when None), in the order they were added."""
        query = select(HashBankEntryRow).where(HashBankEntryRow.org == self.org)
        if bank is not None:
            query = query.where(HashBankEntryRow.bank == bank)
        with self.sessions() as session:
            for row in session.scalars(query.order_by(HashBankEntryRow.key).execution_options(yield_per=CHUNK)):
                yield BankEntry(bank=row.bank, signal_type=row.signal_type, signal=row.signal,
                                content_id=row.content_id, note=row.note, key=row.key)

    def bank_signals(self) -> Iterator[tuple[int, str, str, str]]:
        """(key, bank, signal type, signal) of every entry: what a matcher indexes (plain rows, no
        ORM objects: a million entries load in seconds)."""
        table = HashBankEntryRow.__table__
        query = (select(table.c.key, table.c.bank, table.c.signal_type, table.c.signal)
                 .where(table.c.org == self.org).order_by(table.c.key))
        with self.sessions() as session:
            for row in session.execute(query.execution_options(yield_per=CHUNK)):
                yield int(row.key), row.bank, row.signal_type, row.signal

    def bank_entries_by_key(self, keys: Iterable[int]) -> dict[int, BankEntry]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(HashBankEntryRow).where(HashBankEntryRow.org == self.org,
                                                                  HashBankEntryRow.key.in_(wanted)))
            return {row.key: BankEntry(bank=row.bank, signal_type=row.signal_type, signal=row.signal,
                                       content_id=row.content_id, note=row.note, key=row.key) for row in rows}

    def bank_sizes(self) -> dict[str, int]:
        with self.sessions() as session:
            rows = session.execute(select(HashBankEntryRow.bank, func.count()).where(HashBankEntryRow.org == self.org)
                                   .group_by(HashBankEntryRow.bank))
            return {bank: int(count) for bank, count in rows}

    def bank_revision(self) -> tuple[Any, ...]:
        """Changes whenever a bank or an entry of the organisation is added, changed or removed:
        what a matcher compares to know whether to reload."""
        with self.sessions() as session:
            entries = session.execute(select(func.count(), func.max(HashBankEntryRow.key))
                                      .where(HashBankEntryRow.org == self.org)).one()
            banks = session.execute(select(func.count(), func.max(HashBankRow.updated_at))
                                    .where(HashBankRow.org == self.org)).one()
            return (*entries, *banks)


def _digest(signal: str) -> str:
    return hashlib.sha256(signal.encode()).hexdigest()
