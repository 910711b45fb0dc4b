"""An author's data (export and erasure) and retention (mixed into `Store`).

Decisions are kept, because transparency reports, appeals and legal deadlines depend on them, but
once a post's text goes, so does every copy of its words: evidence spans in its decisions lose their
text and the facts quoted in the reasons and statement are replaced by a note; so are the review
notes and appeals on those decisions, the reasons of reports about the post, and the same documents
wherever they were copied (webhook deliveries, remembered idempotent responses). What remains is
structured: action, categories, scores, jurisdiction, legal basis, dates. The reports an erased
author filed are deleted.

A key limited to some jurisdictions exports the author's posts that have a decision there, and
erases only posts whose every decision is there: it never reads or rewrites another jurisdiction's
case. On SQLite deleted content is overwritten (`secure_delete`, set by the store) and the
write-ahead log is truncated after an erasure, so the words are not left in the file either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select, text, update

from jaga.privacy import legacy_form
from jaga.store.access import AccessRepository
from jaga.store.models import (
    AppealRow,
    DecisionRow,
    DeliveryRow,
    IdempotencyRow,
    PostRow,
    ReportRow,
    ReviewTaskRow,
    StrikeRow,
)
from jaga.store.records import AuthorData, AuthorPost, AuthorReport, AuthorStrike
from jaga.types import now_utc

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

CHUNK = 500
FREE_TEXT = frozenset({"text", "reason", "note"})
"""Keys under which a JSON copy (a webhook payload, a remembered response) holds someone's words."""

REDACTED = "[content removed: erased at the author's request or past the retention period]"


def redact_decision(document: dict[str, Any]) -> dict[str, Any]:
    """The decision without the post's words."""
    document = dict(document)
    document["signals"] = [{**signal, "evidence": [{**span, "text": ""} for span in signal.get("evidence", [])],
                            "details": {key: value for key, value in (signal.get("details") or {}).items()
                                        if key not in ("terms", "url")}}
                           for signal in document.get("signals", [])]
    document["reasons"] = REDACTED
    if document.get("statement"):
        document["statement"] = {**document["statement"], "decision_facts": REDACTED}
    if document.get("history"):  # earlier versions of the statement quote the post too
        document["history"] = [{**version, "reasons": REDACTED,
                                "statement": {**version["statement"], "decision_facts": REDACTED}
                                if version.get("statement") else version.get("statement")}
                               for version in document["history"]]
    return document


@dataclass
class _Erased:
    """What an erasure (or retention) removed: copies of these are scrubbed wherever they are."""

    posts: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    reports: set[str] = field(default_factory=set)  # deleted outright (filed by the erased author)
    since: datetime | None = None  # nothing about them can have been written before this

    def concerns(self, document: dict[str, Any]) -> bool:
        return (document.get("post_id") in self.posts or document.get("decision_id") in self.decisions
                or document.get("id") in self.decisions or document.get("id") in self.reports)

    def note_time(self, when: datetime | None) -> None:
        if when is not None and (self.since is None or when < self.since):
            self.since = when


def _scrub(value: Any, erased: _Erased) -> Any:
    """A JSON copy without the erased words: decisions of erased posts redacted, free text of
    anything about them (reports, appeals, reviews) replaced, entries for deleted reports dropped."""
    if isinstance(value, list):
        return [_scrub(item, erased) for item in value
                if not (isinstance(item, dict) and item.get("id") in erased.reports)]
    if not isinstance(value, dict):
        return value
    if erased.concerns(value):
        if "signals" in value and "reasons" in value:
            value = redact_decision(value)
        value = {key: REDACTED if key in FREE_TEXT and isinstance(item, str) and item else item
                 for key, item in value.items()}
    return {key: _scrub(item, erased) for key, item in value.items()}


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


class PrivacyRepository(AccessRepository):
    """Writes go through `writing()` and are audited (both from AccessRepository)."""

    def author_data(self, author: str, jurisdictions: tuple[str, ...] = ()) -> AuthorData:
        """Everything held about one (pseudonymised) author in this organisation; with
        `jurisdictions`, only what lies in them."""
        authors = _forms(author)
        with self.sessions() as session:
            post_ids = self._author_posts(session, authors, jurisdictions, every_decision=False)
            posts, decisions = [], []
            for chunk in _chunks(post_ids):
                posts += session.scalars(select(PostRow).where(PostRow.org == self.org, PostRow.post_id.in_(chunk)))
                query = select(DecisionRow).where(DecisionRow.org == self.org, DecisionRow.post_id.in_(chunk))
                if jurisdictions:
                    query = query.where(DecisionRow.jurisdiction.in_(jurisdictions))
                decisions += session.scalars(query)
            strikes = select(StrikeRow).where(StrikeRow.org == self.org, StrikeRow.author.in_(authors))
            reports = select(ReportRow).where(ReportRow.org == self.org, ReportRow.reporter.in_(authors))
            if jurisdictions:
                strikes = strikes.where(StrikeRow.jurisdiction.in_(jurisdictions))
                reports = reports.where(ReportRow.jurisdiction.in_(jurisdictions))
            strike_rows, report_rows = list(session.scalars(strikes)), list(session.scalars(reports))
        return AuthorData(
            author=author,
            posts=[AuthorPost(id=post.post_id, text=post.text, lang=post.lang, country=post.country,
                              created_at=post.created_at, ingested_at=post.ingested_at, **post.extra)
                   for post in sorted(posts, key=lambda row: row.post_id)],
            decisions=[row.document for row in decisions],
            strikes=[AuthorStrike.model_validate(row) for row in strike_rows],
            reports_filed=[AuthorReport.model_validate(row) for row in report_rows],
        )

    def erase_author(self, author: str, actor: str, jurisdictions: tuple[str, ...] = ()) -> dict[str, int]:
        """Delete the author's posts, strikes and the reports they filed; strip their words from
        everything else (see the module's docstring). With `jurisdictions`, only posts whose
        every decision lies in them, and the strikes and reports there."""
        authors = _forms(author)
        with self.writing() as session:
            post_ids = self._author_posts(session, authors, jurisdictions, every_decision=True)
            filed = select(ReportRow.id, ReportRow.created_at).where(ReportRow.org == self.org,
                                                                     ReportRow.reporter.in_(authors))
            strikes = delete(StrikeRow).where(StrikeRow.org == self.org, StrikeRow.author.in_(authors))
            if jurisdictions:
                filed = filed.where(ReportRow.jurisdiction.in_(jurisdictions))
                strikes = strikes.where(StrikeRow.jurisdiction.in_(jurisdictions))
            erased = _Erased()
            for report_id, created_at in session.execute(filed):
                erased.reports.add(report_id)
                erased.note_time(created_at)
            for chunk in _chunks(erased.reports):
                session.execute(delete(ReportRow).where(ReportRow.org == self.org, ReportRow.id.in_(chunk)))
            struck = cast("CursorResult[Any]", session.execute(strikes)).rowcount
            counts = {"posts": len(post_ids), **self._redact_posts(session, post_ids, erased),
                      "strikes": struck or 0, "reports": len(erased.reports)}
            self.audit(actor, "author.erase", author, counts, session)
        self._truncate_log()
        return counts

    def apply_retention(self, days: int, actor: str = "retention") -> dict[str, int]:
        """Remove the text of posts ingested more than `days` ago (and every copy of their words)."""
        cutoff: datetime = now_utc() - timedelta(days=days)
        with self.writing() as session:
            post_ids = set(session.scalars(select(PostRow.post_id).where(PostRow.org == self.org,
                                                                         PostRow.ingested_at < cutoff)))
            counts = {"posts": len(post_ids), **self._redact_posts(session, post_ids, _Erased())}
            if post_ids:
                self.audit(actor, "retention.apply", f"{days} days", counts, session)
        if post_ids:
            self._truncate_log()
        return counts

    def _author_posts(self, session: Session, authors: tuple[str, ...], jurisdictions: tuple[str, ...],
                      every_decision: bool) -> set[str]:
        """The author's posts in this organisation; with `jurisdictions`, those with a decision
        there (`every_decision`: those whose decisions all lie there; a post without any decision
        then belongs to no jurisdiction and only an organisation-wide key reaches it)."""
        post_ids = set(session.scalars(select(PostRow.post_id).where(PostRow.org == self.org,
                                                                     PostRow.author.in_(authors))))
        if not jurisdictions:
            return post_ids
        seen: dict[str, set[str]] = defaultdict(set)
        for chunk in _chunks(post_ids):
            for post_id, jurisdiction in session.execute(select(DecisionRow.post_id, DecisionRow.jurisdiction).where(
                    DecisionRow.org == self.org, DecisionRow.post_id.in_(chunk))):
                seen[post_id].add(jurisdiction)
        wanted = set(jurisdictions)
        return {post_id for post_id, where in seen.items()
                if (where <= wanted if every_decision else bool(where & wanted))}

    def _redact_posts(self, session: Session, post_ids: set[str], erased: _Erased) -> dict[str, int]:
        """Delete these posts and scrub every copy of their words; `erased` may already name
        reports deleted with them."""
        erased.posts |= post_ids
        redacted = 0
        for chunk in _chunks(post_ids):
            erased.note_time(session.scalar(select(PostRow.ingested_at).where(
                PostRow.org == self.org, PostRow.post_id.in_(chunk)).order_by(PostRow.ingested_at).limit(1)))
            rewritten = list(session.scalars(select(DecisionRow).where(DecisionRow.org == self.org,
                                                                       DecisionRow.post_id.in_(chunk))))
            for row in rewritten:
                row.document = redact_decision(row.document)
                erased.decisions.add(row.id)
                erased.note_time(row.decided_at)
                redacted += 1
            self._seal_decisions(session, "jaga", "decisions.redact", f"{len(rewritten)} decisions", rewritten)
            session.execute(delete(PostRow).where(PostRow.org == self.org, PostRow.post_id.in_(chunk)))
            session.execute(update(ReportRow).where(ReportRow.org == self.org, ReportRow.post_id.in_(chunk))
                            .values(reason=REDACTED))
        for chunk in _chunks(erased.decisions):
            session.execute(update(ReviewTaskRow).where(ReviewTaskRow.org == self.org,
                                                        ReviewTaskRow.decision_id.in_(chunk),
                                                        ReviewTaskRow.note.is_not(None)).values(note=REDACTED))
            session.execute(update(AppealRow).where(AppealRow.org == self.org, AppealRow.decision_id.in_(chunk))
                            .values(reason=REDACTED))
            session.execute(update(AppealRow).where(AppealRow.org == self.org, AppealRow.decision_id.in_(chunk),
                                                    AppealRow.note.is_not(None)).values(note=REDACTED))
        return {"decisions_redacted": redacted, **self._scrub_copies(session, erased)}

    def _scrub_copies(self, session: Session, erased: _Erased) -> dict[str, int]:
        """Rewrite the webhook deliveries and remembered responses that copy the erased words (only
        those written since the oldest erased item: nothing earlier can mention it)."""
        counts = {"deliveries_scrubbed": 0, "responses_scrubbed": 0}
        if erased.since is None:
            return counts
        for table, column, name in ((DeliveryRow, "payload", "deliveries_scrubbed"),
                                    (IdempotencyRow, "body", "responses_scrubbed")):
            rows = session.scalars(select(table).where(table.org == self.org, table.created_at >= erased.since)
                                   .execution_options(yield_per=CHUNK))
            for row in rows:
                original = getattr(row, column)
                scrubbed = _scrub(original, erased)
                if scrubbed != original:
                    setattr(row, column, scrubbed)
                    counts[name] += 1
        return counts

    def _truncate_log(self) -> None:
        """SQLite: move the write-ahead log into the database and empty it, so the erased words'
        old pages do not linger there (the database itself overwrites deleted content). Waits for
        readers as the busy timeout allows; PostgreSQL needs nothing here."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def _forms(author: str) -> tuple[str, ...]:
    """The author's pseudonym, and its unmarked form for data stored before pseudonyms had a mark."""
    legacy = legacy_form(author)
    return (author, legacy) if legacy else (author,)
