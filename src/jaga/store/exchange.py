"""The exchange's share of the store (mixed into `Store`): the partners an organisation accepts
bundles from, and the provenance of every item it shared or received (`jaga.exchange`).

Both are per organisation: a partner trusted by one tenant is unknown to another, and an imported
item lands in the importing organisation only. Partners are trust anchors (a public key decides
what may enter the registry and the banks), so every change to them is written to the audit chain.

Fact-checks and bank entries live in their own tables; a shared item's row here says where it came
from (origin, partner, licence, source, when) and keeps the item as it was signed. Campaign
indicators have no table of their own yet, so their row here is where they live.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from jaga.store.access import AccessRepository
from jaga.store.models import Base, FactCheckRow
from jaga.types import now_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

CHUNK = 500


class ExchangePartnerRow(Base):
    """An organisation whose signed bundles this organisation imports, and what it may send."""

    __tablename__ = "exchange_partners"

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True, doc="the partner's organisation, as it signs")
    public_key: Mapped[str] = mapped_column(String(1000), doc="Ed25519 public key, PEM")
    key_id: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the raw public key, hex")
    kinds: Mapped[list[Any]] = mapped_column(JSON, doc="item kinds accepted from it")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_bundle_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                            doc="signed time of the newest bundle imported from it")
    last_bundle: Mapped[str | None] = mapped_column(String(64), doc="that bundle's id (SHA-256 of its signed header)")


class SharedItemRow(Base):
    """Provenance of one exchanged item in an organisation (its own, shared out, or received)."""

    __tablename__ = "exchange_items"
    __table_args__ = (UniqueConstraint("org", "kind", "item_id", name="uq_exchange_items_item"),)

    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(String(256), doc="the item's id in this organisation")
    origin: Mapped[str] = mapped_column(String(64), doc="the organisation that first shared it")
    partner: Mapped[str | None] = mapped_column(String(64), doc="who sent it here; None for our own")
    licence: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(Text, doc="original source (dataset, publisher, URL)")
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    bundle: Mapped[str | None] = mapped_column(String(64), doc="SHA-256 of the signed header it came in")
    digest: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the item's canonical JSON")
    document: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the item as signed")


@dataclass(frozen=True)
class Partner:
    name: str
    public_key: str
    key_id: str
    kinds: tuple[str, ...]
    added_at: datetime | None = None
    last_bundle_at: datetime | None = None
    """Signed time of the newest bundle imported from this partner: an older one is a replay."""
    last_bundle: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "key_id": self.key_id, "kinds": list(self.kinds), "public_key": self.public_key,
                "added_at": self.added_at.isoformat() if self.added_at else None}


@dataclass(frozen=True)
class SharedItem:
    kind: str
    item_id: str
    origin: str
    partner: str | None
    licence: str
    source: str | None
    shared_at: datetime
    digest: str
    document: dict[str, Any]
    bundle: str | None = None
    received_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.item_id, "origin": self.origin, "partner": self.partner,
                "licence": self.licence, "source": self.source, "shared_at": self.shared_at.isoformat(),
                "received_at": self.received_at.isoformat() if self.received_at else None,
                "bundle": self.bundle, "digest": self.digest}


class ExchangeRepository(AccessRepository):
    org: str
    sessions: sessionmaker[Any]

    def _insert(self, table: Any) -> Any:  # provided by Store
        raise NotImplementedError

    @staticmethod
    def _partner(row: ExchangePartnerRow) -> Partner:
        return Partner(name=row.name, public_key=row.public_key, key_id=row.key_id, kinds=tuple(row.kinds),
                       added_at=_aware(row.added_at),
                       last_bundle_at=_aware(row.last_bundle_at) if row.last_bundle_at else None,
                       last_bundle=row.last_bundle)

    def save_partner(self, partner: Partner, actor: str = "cli") -> Partner:
        """Add the partner, or replace its key and allowed kinds (a key rotation is a replacement)."""
        with self.writing() as session:
            row = session.get(ExchangePartnerRow, (self.org, partner.name))
            if row is None:
                row = ExchangePartnerRow(org=self.org, name=partner.name)
                session.add(row)
            row.public_key, row.key_id, row.kinds = partner.public_key, partner.key_id, sorted(partner.kinds)
            row.added_at = now_utc()
            self.audit(actor, "exchange.partner.save", partner.name,
                       {"key_id": partner.key_id, "kinds": sorted(partner.kinds)}, session)
            session.flush()
            return self._partner(row)

    def note_bundle(self, name: str, bundle: str, created_at: datetime) -> None:
        """Remember the newest bundle imported from partner `name` (never moves back in time)."""
        with self.writing() as session:
            row = session.get(ExchangePartnerRow, (self.org, name))
            if row is not None and (row.last_bundle_at is None or _aware(row.last_bundle_at) <= created_at):
                row.last_bundle_at, row.last_bundle = created_at, bundle

    def partner(self, name: str) -> Partner | None:
        with self.sessions() as session:
            row = session.get(ExchangePartnerRow, (self.org, name))
            return self._partner(row) if row else None

    def partners(self) -> list[Partner]:
        with self.sessions() as session:
            return [self._partner(row) for row in session.scalars(
                select(ExchangePartnerRow).where(ExchangePartnerRow.org == self.org).order_by(ExchangePartnerRow.name))]

    def remove_partner(self, name: str, actor: str = "cli") -> bool:
        """Stop accepting the partner's bundles; what was imported from it stays, with its provenance."""
        with self.writing() as session:
            row = session.get(ExchangePartnerRow, (self.org, name))
            if row is None:
                return False
            session.delete(row)
            self.audit(actor, "exchange.partner.remove", name, {"key_id": row.key_id}, session)
            return True

    @staticmethod
    def _shared(row: SharedItemRow) -> SharedItem:
        return SharedItem(kind=row.kind, item_id=row.item_id, origin=row.origin, partner=row.partner,
                          licence=row.licence, source=row.source, shared_at=_aware(row.shared_at), digest=row.digest,
                          document=row.document, bundle=row.bundle, received_at=_aware(row.received_at))

    def shared_items_by_id(self, kind: str, item_ids: Iterable[str]) -> dict[str, SharedItem]:
        found: dict[str, SharedItem] = {}
        iterator = iter(sorted(set(item_ids)))
        with self.sessions() as session:
            while chunk := list(islice(iterator, CHUNK)):
                for row in session.scalars(select(SharedItemRow).where(
                        SharedItemRow.org == self.org, SharedItemRow.kind == kind, SharedItemRow.item_id.in_(chunk))):
                    found[row.item_id] = self._shared(row)
        return found

    def shared_items(self, kind: str | None = None) -> Iterator[SharedItem]:
        """This organisation's shared items (of one kind, or all), in the order they were first recorded."""
        query = select(SharedItemRow).where(SharedItemRow.org == self.org)
        if kind is not None:
            query = query.where(SharedItemRow.kind == kind)
        with self.sessions() as session:
            for row in session.scalars(query.order_by(SharedItemRow.key).execution_options(yield_per=2_000)):
                yield self._shared(row)

    def record_shared_items(self, items: Sequence[SharedItem], actor: str = "cli", action: str = "exchange.record",
                            subject: str = "") -> int:
        """Upsert provenance rows by (kind, item id), in one transaction with one audit entry.
        Returns the number of rows written."""
        if not items:
            return 0
        now = now_utc()
        table = SharedItemRow.__table__
        rows = {(item.kind, item.item_id): {
            "org": self.org, "kind": item.kind, "item_id": item.item_id, "origin": item.origin,
            "partner": item.partner, "licence": item.licence, "source": item.source,
            "shared_at": item.shared_at.astimezone(UTC), "received_at": (item.received_at or now).astimezone(UTC),
            "bundle": item.bundle, "digest": item.digest,
            "document": item.document} for item in items}
        updated = ("origin", "partner", "licence", "source", "shared_at", "received_at", "bundle", "digest", "document")
        statement = self._insert(table)
        # one statement executed with a list of rows: `values(rows)` compiled a statement per chunk,
        # which was most of an import's time (measured)
        statement = statement.on_conflict_do_update(index_elements=["org", "kind", "item_id"],
                                                    set_={name: statement.excluded[name] for name in updated})
        with self.writing() as session:
            values = list(rows.values())
            connection = session.connection()
            for start in range(0, len(values), CHUNK):
                connection.execute(statement, values[start:start + CHUNK])
            kinds: dict[str, int] = {}
            for kind, _ in rows:
                kinds[kind] = kinds.get(kind, 0) + 1
            self.audit(actor, action, subject[:256], {"items": kinds}, session)
        return len(rows)

    def fact_check_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these fact-check ids this organisation holds (a partner's item must not
        overwrite one that is not the partner's)."""
        found: set[str] = set()
        iterator = iter(sorted(set(ids)))
        with self.sessions() as session:
            while chunk := list(islice(iterator, CHUNK)):
                found.update(session.scalars(select(FactCheckRow.id).where(FactCheckRow.org == self.org,
                                                                           FactCheckRow.id.in_(chunk))))
        return found


def _aware(moment: datetime) -> datetime:
    """In UTC with its offset: SQLite hands timestamps back without one (they were stored in UTC),
    PostgreSQL in the session's zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
