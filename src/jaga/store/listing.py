"""Pages of the organisation's lists for the API (decisions, reports, exchanged items, saved
campaigns), by keyset: each page is read after the sort key of the previous page's last row, so a
row added or changed while a client pages through is never skipped and never served twice (an
offset would shift under it), and a deep page costs what the first one does.

Each method returns the page and the key to pass as `after` for the next one (None on the last
page). The key always ends with the row's primary key, which makes the order total."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, and_, literal, or_, select, tuple_
from sqlalchemy.orm import sessionmaker

from jaga.store.campaigns import CampaignRow
from jaga.store.exchange import ExchangeRepository, SharedItem, SharedItemRow
from jaga.store.models import DecisionRow, ReportRow
from jaga.store.records import Report
from jaga.types import Decision

PageKey = tuple[Any, ...]


def _aware(moment: datetime) -> datetime:
    """SQLite hands times back without their offset; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _when(value: datetime) -> Any:
    return literal(value, DateTime(timezone=True))


class ListingRepository:
    org: str
    sessions: sessionmaker[Any]

    def decision_page(self, jurisdictions: tuple[str, ...], *, after: PageKey | None = None, limit: int = 50,
                      action: str | None = None, review_status: str | None = None, post_id: str | None = None
                      ) -> tuple[list[Decision], PageKey | None]:
        """Decisions oldest first (by the time they were made, then id: a review or an appeal
        rewrites a decision but never its time), in `jurisdictions` (all when empty)."""
        query = select(DecisionRow).where(DecisionRow.org == self.org)
        if jurisdictions:
            query = query.where(DecisionRow.jurisdiction.in_(jurisdictions))
        if action is not None:
            query = query.where(DecisionRow.action == action)
        if review_status is not None:
            query = query.where(DecisionRow.review_status == review_status)
        if post_id is not None:
            query = query.where(DecisionRow.post_id == post_id)
        if after is not None:
            query = query.where(tuple_(DecisionRow.decided_at, DecisionRow.id) > tuple_(
                _when(after[0]), literal(after[1], String)))
        with self.sessions() as session:
            rows = list(session.scalars(query.order_by(DecisionRow.decided_at, DecisionRow.id).limit(limit + 1)))
        page = [Decision.model_validate(row.document) for row in rows[:limit]]
        if len(rows) <= limit:
            return page, None
        return page, (_aware(rows[limit - 1].decided_at), rows[limit - 1].id)

    def report_page(self, jurisdictions: tuple[str, ...], *, after: PageKey | None = None, limit: int = 50,
                    post_id: str | None = None) -> tuple[list[Report], PageKey | None]:
        """Reports oldest first, on decisions in `jurisdictions` (all when empty). The reporter is
        not listed: a user's pseudonym stays with the case page, named only for trusted flaggers."""
        query = select(ReportRow).where(ReportRow.org == self.org)
        if jurisdictions:
            query = query.where(ReportRow.jurisdiction.in_(jurisdictions))
        if post_id is not None:
            query = query.where(ReportRow.post_id == post_id)
        if after is not None:
            query = query.where(tuple_(ReportRow.created_at, ReportRow.id) > tuple_(
                _when(after[0]), literal(after[1], String)))
        with self.sessions() as session:
            rows = list(session.scalars(query.order_by(ReportRow.created_at, ReportRow.id).limit(limit + 1)))
        reports = [Report.model_validate(row) for row in rows[:limit]]
        if len(rows) <= limit:
            return reports, None
        return reports, (_aware(rows[limit - 1].created_at), rows[limit - 1].id)

    def shared_item_page(self, kind: str | None, *, after: PageKey | None = None, limit: int = 1_000
                         ) -> tuple[list[SharedItem], PageKey | None]:
        """Exchanged items in the order they were first recorded (as `shared_items`)."""
        query = select(SharedItemRow).where(SharedItemRow.org == self.org)
        if kind is not None:
            query = query.where(SharedItemRow.kind == kind)
        if after is not None:
            query = query.where(SharedItemRow.key > literal(after[0], Integer))
        with self.sessions() as session:
            rows = list(session.scalars(query.order_by(SharedItemRow.key).limit(limit + 1)))
        page = [ExchangeRepository._shared(row) for row in rows[:limit]]
        if len(rows) <= limit:
            return page, None
        return page, (rows[limit - 1].key,)

    def campaign_page(self, *, after: PageKey | None = None, limit: int = 100
                      ) -> tuple[list[dict[str, Any]], PageKey | None]:
        """Saved campaigns' documents, the most recent activity first (then by id). A campaign saved
        again replaces its row, so it may move; every other one keeps its place."""
        query = select(CampaignRow).where(CampaignRow.org == self.org)
        if after is not None:
            seen, campaign_id = _when(after[0]), literal(after[1], String)
            query = query.where(or_(CampaignRow.last_seen < seen,
                                    and_(CampaignRow.last_seen == seen, CampaignRow.id > campaign_id)))
        with self.sessions() as session:
            rows = list(session.scalars(query.order_by(CampaignRow.last_seen.desc(), CampaignRow.id)
                                        .limit(limit + 1)))
        page = [dict(row.document) for row in rows[:limit]]
        if len(rows) <= limit:
            return page, None
        return page, (_aware(rows[limit - 1].last_seen), rows[limit - 1].id)
