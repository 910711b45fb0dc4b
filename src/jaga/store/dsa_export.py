"""The DSA Transparency Database export read from the store: every stored decision's current
statement, with what only the store knows — when the post was made (`content_date`) and the reports
that led to the decision (`source_type`).

Decisions are read a page at a time (keyset on the decision id), never all at once: a year of
decisions does not fit in memory. The statements come out in batches of `BATCH_SIZE`, the most the
database's batch endpoint takes in one request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select

from jaga.policy.dsa import BATCH_SIZE, NotExportable, Notice, to_dsa_statement
from jaga.store.models import DecisionRow, PostRow, ReportRow
from jaga.types import Decision

if TYPE_CHECKING:
    from jaga.store import Store


def _aware(moment: datetime) -> datetime:
    """In UTC with its offset: SQLite gives back the UTC wall-clock time without one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _issued_at(decision: Decision) -> datetime:
    """When the current version of the statement was issued: a person's later decision, or the machine's."""
    issued = decision.statement.issued_at if decision.statement is not None else None
    return _aware(issued or decision.decided_at)


@dataclass
class DsaExport:
    """An export in progress: iterate for the batches; `written` and `skipped` count as it goes.
    A decision that is no statement (allowed, or pending review) is skipped; a scope the database
    refuses (not EU/EEA) raises NotExportable."""

    store: Store
    territorial_scope: list[str]
    since: date | None = None
    until: date | None = None
    page_size: int = BATCH_SIZE
    written: int = 0
    skipped: int = 0

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for decision, created_at, notices in self._stored():
            try:
                statement = to_dsa_statement(decision, self.territorial_scope,
                                             content_date=created_at.date() if created_at else None, notices=notices)
            except NotExportable as error:
                if "territorial_scope" in str(error):
                    raise
                self.skipped += 1
                continue
            batch.append(statement)
            self.written += 1
            if len(batch) == BATCH_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    def _stored(self) -> Iterator[tuple[Decision, datetime | None, list[Notice]]]:
        """Each stored decision of the organisation in the period (by decision time; `until`
        inclusive), with its post's creation time and the reports filed before its current version."""
        query = (select(DecisionRow.id, DecisionRow.document, PostRow.created_at)
                 .outerjoin(PostRow, and_(PostRow.org == DecisionRow.org, PostRow.post_id == DecisionRow.post_id))
                 .where(DecisionRow.org == self.store.org).order_by(DecisionRow.id).limit(self.page_size))
        if self.since is not None:
            query = query.where(DecisionRow.decided_at >= datetime.combine(self.since, time(), UTC))
        if self.until is not None:
            query = query.where(DecisionRow.decided_at < datetime.combine(self.until + timedelta(days=1), time(), UTC))
        after = ""
        while True:
            with self.store.sessions() as session:
                page = session.execute(query.where(DecisionRow.id > after)).all()
                if not page:
                    return
                decisions = [Decision.model_validate(row.document) for row in page]
                reports = session.execute(select(ReportRow.post_id, ReportRow.jurisdiction, ReportRow.trusted_flagger,
                                                 ReportRow.reporter, ReportRow.created_at)
                                          .where(ReportRow.org == self.store.org,
                                                 ReportRow.post_id.in_({d.post_id for d in decisions}))).all()
            for row, decision in zip(page, decisions, strict=True):
                issued = _issued_at(decision)
                notices = [Notice(report.trusted_flagger, report.reporter) for report in reports
                           if report.post_id == decision.post_id and report.jurisdiction in (None, decision.jurisdiction)
                           and _aware(report.created_at) <= issued]
                yield decision, _aware(row.created_at) if row.created_at else None, notices
            after = page[-1].id
