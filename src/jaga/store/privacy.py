"""An author's data (export and erasure) and retention (mixed into `Store`).

Decisions are kept, because transparency reports, appeals and legal deadlines depend on them, but
once a post's text goes, so does every copy of its words inside its decisions: evidence spans lose
their text, and the facts quoted in the reasons and statement are replaced by a note. What remains
is structured: action, categories, scores, jurisdiction, legal basis, dates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from jaga.store.access import AccessRepository
from jaga.store.models import DecisionRow, PostRow, ReportRow, StrikeRow
from jaga.types import now_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    return document


class PrivacyRepository(AccessRepository):
    """Writes go through `writing()` and are audited (both from AccessRepository)."""

    def author_data(self, author: str) -> dict[str, Any]:
        """Everything held about one (pseudonymised) author in this organisation."""
        with self.sessions() as session:
            posts = list(session.scalars(select(PostRow).where(PostRow.org == self.org, PostRow.author == author)))
            post_ids = [post.post_id for post in posts]
            decisions = list(session.scalars(select(DecisionRow).where(DecisionRow.org == self.org,
                                                                       DecisionRow.post_id.in_(post_ids))))
            strikes = list(session.scalars(select(StrikeRow).where(StrikeRow.org == self.org, StrikeRow.author == author)))
            reports = list(session.scalars(select(ReportRow).where(ReportRow.org == self.org, ReportRow.reporter == author)))
        return {
            "author": author,
            "posts": [{"id": post.post_id, "text": post.text, "lang": post.lang, "country": post.country,
                       "created_at": post.created_at, "ingested_at": post.ingested_at, **post.extra} for post in posts],
            "decisions": [row.document for row in decisions],
            "strikes": [{"decision_id": row.decision_id, "category": row.category, "created_at": row.created_at,
                         "expires_at": row.expires_at} for row in strikes],
            "reports_filed": [{"id": row.id, "post_id": row.post_id, "reason": row.reason, "created_at": row.created_at}
                              for row in reports],
        }

    def erase_author(self, author: str, actor: str) -> dict[str, int]:
        """Delete the author's posts, strikes and reports; strip their words from the decisions."""
        with self.writing() as session:
            post_ids = list(session.scalars(select(PostRow.post_id).where(PostRow.org == self.org, PostRow.author == author)))
            redacted = self._redact_posts(session, post_ids)
            strikes = session.execute(delete(StrikeRow).where(StrikeRow.org == self.org, StrikeRow.author == author)).rowcount
            reports = session.execute(delete(ReportRow).where(ReportRow.org == self.org, ReportRow.reporter == author)).rowcount
            counts = {"posts": len(post_ids), "decisions_redacted": redacted, "strikes": strikes or 0,
                      "reports": reports or 0}
            self.audit(actor, "author.erase", author, counts, session)
            return counts

    def apply_retention(self, days: int, actor: str = "retention") -> dict[str, int]:
        """Remove the text of posts ingested more than `days` ago (and from their decisions)."""
        cutoff: datetime = now_utc() - timedelta(days=days)
        with self.writing() as session:
            post_ids = list(session.scalars(select(PostRow.post_id).where(PostRow.org == self.org,
                                                                          PostRow.ingested_at < cutoff)))
            redacted = self._redact_posts(session, post_ids)
            counts = {"posts": len(post_ids), "decisions_redacted": redacted}
            if post_ids:
                self.audit(actor, "retention.apply", f"{days} days", counts, session)
            return counts

    def _redact_posts(self, session: Session, post_ids: list[str]) -> int:
        redacted = 0
        for start in range(0, len(post_ids), 500):
            chunk = post_ids[start:start + 500]
            for row in session.scalars(select(DecisionRow).where(DecisionRow.org == self.org,
                                                                 DecisionRow.post_id.in_(chunk))):
                row.document = redact_decision(row.document)
                redacted += 1
            session.execute(delete(PostRow).where(PostRow.org == self.org, PostRow.post_id.in_(chunk)))
        return redacted
