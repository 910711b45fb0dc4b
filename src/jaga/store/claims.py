"""The fact-check registry's share of the store (mixed into `Store`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, cast, func, or_, select

from jaga.claims.model import FactCheck
from jaga.store.models import FactCheckRow
from jaga.types import now_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

_CONTENT = ("claim", "language", "country", "verdict", "rating", "publisher", "url", "title", "summary",
            "claim_date", "review_date", "appearances", "source")


def _comparable(column: Any) -> Any:
    """JSON has no equality operator in PostgreSQL: compare its text."""
    return cast(column, Text) if column.name == "appearances" else column


class FactCheckRepository:
    org: str
    sessions: sessionmaker[Any]

    def _insert(self, table: Any) -> Any:  # provided by Store
        raise NotImplementedError

    def save_fact_checks(self, fact_checks: Iterable[FactCheck]) -> int:
        """Upsert by id. A row whose content did not change keeps its `updated_at`, so re-importing
        the same file does not make the claim index re-embed anything. Returns rows written."""
        written = 0
        now = now_utc()
        table = FactCheckRow.__table__
        iterator = iter(fact_checks)
        while chunk := list(islice(iterator, 500)):
            rows = {item.id: self._fact_check_values(item, now) for item in chunk}  # last one wins
            statement = self._insert(table).values(list(rows.values()))
            changed = or_(*(_comparable(table.c[name]).is_distinct_from(_comparable(statement.excluded[name]))
                            for name in _CONTENT))
            statement = statement.on_conflict_do_update(
                index_elements=["org", "id"],
                set_={name: statement.excluded[name] for name in (*_CONTENT, "updated_at")},
                where=changed,
            ).returning(table.c.key)
            with self.sessions.begin() as session:
                written += len(session.execute(statement).all())
        return written

    def _fact_check_values(self, item: FactCheck, now: datetime) -> dict[str, Any]:
        values = item.model_dump(mode="json")
        values.update(org=self.org, claim_date=item.claim_date, review_date=item.review_date, updated_at=now)
        return values

    @staticmethod
    def _fact_check(row: FactCheckRow) -> FactCheck:
        return FactCheck.model_validate({name: getattr(row, name) for name in ("id", *_CONTENT)})

    def fact_check(self, fact_check_id: str) -> FactCheck | None:
        with self.sessions() as session:
            row = session.scalar(select(FactCheckRow).where(FactCheckRow.org == self.org,
                                                            FactCheckRow.id == fact_check_id))
            return self._fact_check(row) if row else None

    def fact_checks_by_key(self, keys: Sequence[int]) -> dict[int, FactCheck]:
        with self.sessions() as session:
            rows = session.scalars(select(FactCheckRow).where(FactCheckRow.org == self.org,
                                                              FactCheckRow.key.in_(list(keys))))
            return {row.key: self._fact_check(row) for row in rows}

    def fact_checks_changed_since(self, since: datetime | None) -> Iterator[tuple[int, FactCheck, datetime]]:
        """(key, fact-check, updated_at) for rows written after `since` (all rows when None), in
        write order: what the claim index has not seen yet."""
        query = select(FactCheckRow).where(FactCheckRow.org == self.org)
        if since is not None:
            query = query.where(FactCheckRow.updated_at > since)
        with self.sessions() as session:
            for row in session.scalars(query.order_by(FactCheckRow.updated_at, FactCheckRow.key)
                                       .execution_options(yield_per=2_000)):
                yield row.key, self._fact_check(row), row.updated_at

    def iter_fact_checks(self) -> Iterator[FactCheck]:
        with self.sessions() as session:
            for row in session.scalars(select(FactCheckRow).where(FactCheckRow.org == self.org)
                                       .order_by(FactCheckRow.key).execution_options(yield_per=2_000)):
                yield self._fact_check(row)

    def fact_check_orgs(self) -> list[str]:
        """Every organisation whose registry holds fact-checks, the shared one's included (across
        organisations: the claim stage takes each post's scope from it)."""
        with self.sessions() as session:
            return sorted(session.scalars(select(FactCheckRow.org).distinct()))

    def count_fact_checks(self, changed_since: datetime | None = None) -> int:
        """All of the organisation's fact-checks, or those written after `changed_since`."""
        query = select(func.count()).select_from(FactCheckRow).where(FactCheckRow.org == self.org)
        if changed_since is not None:
            query = query.where(FactCheckRow.updated_at > changed_since)
        with self.sessions() as session:
            return int(session.scalar(query) or 0)
