"""Due process in the store (mixed into `Store`): review tasks, appeals and the webhook outbox.

A decision the policy sends to review opens a task; a reviewer claims it and decides. A user's
appeal reopens a decided case for a different person; an upheld appeal reverses the decision. Each
step rewrites the stored decision (its action, `review_status` and reasons; a person's decision, an
appeal's outcome and an authority's order issue a new version of the statement of reasons, the old
one kept in its `history`), appends to the audit log and queues a webhook event in the same
transaction, so what the platform hears and what the store holds cannot diverge.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, String, and_, case, cast, func, literal, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from jaga.outbound import OutboundPolicy
from jaga.policy.loader import PolicyError, load_policy
from jaga.policy.schema import ExtraAction
from jaga.policy.statements import reissue, supersede
from jaga.store.access import AccessRepository
from jaga.store.models import (
    ApiKeyRow,
    AppealRow,
    DecisionRow,
    DeliveryRow,
    PostRow,
    ReportRow,
    ReviewTaskRow,
    StrikeRow,
    WebhookRow,
)
from jaga.store.records import (
    Appeal,
    AppealInboxItem,
    AuthorDecision,
    AuthorHistory,
    AuthorityInboxItem,
    CaseReport,
    Delivery,
    DueDelivery,
    Report,
    ReviewQueueItem,
    ReviewTask,
    Strike,
    TransparencyTotals,
)
from jaga.types import (
    Action,
    AppealOutcome,
    AppealStatus,
    Category,
    Decision,
    Outcome,
    ReviewAction,
    ReviewStatus,
    TaskStatus,
    now_utc,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_DELIVERY_ATTEMPTS = 8

SOURCES = ("automated", "user_report", "trusted_flagger", "authority_order")
"""What brought a case to a person, strongest first from the end: an authority's order outranks a
trusted flagger's notice, which outranks a user's report, which outranks the machine alone."""
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
"""Where a case without a deadline sorts (last), so that keyset pagination compares plain values."""
QueueKey = tuple[Any, ...]
"""The sort key of the last row of a page: the next page starts after it."""


class CaseError(Exception):
    """A request that cannot be carried out; `code` is stable for clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NotFound(CaseError):
    pass


class Conflict(CaseError):
    pass


def _row_dict(row: Any) -> dict[str, Any]:
    """A row as a dict, its times in UTC with their offset (SQLite reads them back without one)."""
    return {column.name: _aware(value) if isinstance(value := getattr(row, column.name), datetime) else value
            for column in row.__table__.columns if column.name != "org"}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """A row dict for a webhook payload: times as ISO 8601 with their offset."""
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in values.items()}


def review_task_id(org: str, decision_id: str) -> str:
    """Organisations moderate the same post ids (and so get the same decision ids): the
    organisation is part of the task's id, or two of them would share one task."""
    return "rev_" + hashlib.sha256(f"{org}\x00{decision_id}".encode()).hexdigest()[:24]


def _aware(moment: datetime | None) -> datetime | None:
    """In UTC with its offset: SQLite reads timestamps back without one (they were written in UTC),
    and a time without an offset is read as local time by a browser in Jakarta (7 hours off)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@lru_cache(maxsize=64)
def geo_restrict_allowed(jurisdiction: str, categories: tuple[str, ...]) -> bool:
    """Whether the jurisdiction's policy may withhold a post in that country only for any of these
    categories: a reviewer may geo-restrict only where the policy has the measure."""
    try:
        policy = load_policy(jurisdiction).policy
    except PolicyError:
        return False
    return any(ExtraAction.GEO_RESTRICT in policy.categories[Category(name)].extra_actions
               for name in categories if Category(name) in policy.categories)


def _source(agency: str | None, reports: int, trusted: int) -> str:
    return ("authority_order" if agency else "trusted_flagger" if trusted else "user_report" if reports
            else "automated")


@cache
def _sooner(first: datetime | None, second: datetime | None) -> datetime | None:
    return min((moment for moment in (first, second) if moment is not None), default=None)


def _insert_task_statement(dialect_name: str) -> Any:
    """Insert a review task unless the organisation's decision has one: concurrent reports on one
    post (each in its own transaction) open it once, and none fails. Built once per dialect."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(ReviewTaskRow.__table__).on_conflict_do_nothing()


class CaseRepository(AccessRepository):
    """Writes go through `writing()` and are audited (both from AccessRepository)."""

    # --- reviews ------------------------------------------------------------------------------

    def open_reviews_for(self, decisions: list[Decision]) -> list[str]:
        """Tell the platform about new decisions (webhook `decision.created`) and open a task for
        every decision pending review (once per decision); returns the new task ids."""
        with self.writing() as session:
            return self._open_reviews_in(session, decisions)

    def _open_reviews_in(self, session: Session, decisions: list[Decision]) -> list[str]:
        opened = []
        for decision in decisions:
            self._enqueue(session, "decision.created", {"decision": decision.to_json_dict()})
            if decision.review_status != ReviewStatus.PENDING:
                continue
            task_id, new = self._ensure_task(session, decision.id, decision.post_id, decision.jurisdiction,
                                             decision.deadline)
            if new:
                opened.append(task_id)
        return opened

    def _ensure_task(self, session: Session, decision_id: str, post_id: str, jurisdiction: str,
                     deadline: datetime | None) -> tuple[str, bool]:
        """The review task of a decision (one per decision of the organisation), opened if there is
        none; and whether it is new. Tasks opened before ids carried the organisation keep theirs:
        the task is found by organisation and decision."""
        # Core statements on the session's connection: this runs for every decision the service
        # sends to review, and ORM loading and flushing cost several times the queries.
        tasks = ReviewTaskRow.__table__
        connection = session.connection()
        existing = select(tasks.c.id).where(tasks.c.org == self.org, tasks.c.decision_id == decision_id)
        found = connection.execute(existing).scalar()
        if found is not None:
            return found, False
        task_id = review_task_id(self.org, decision_id)
        inserted = connection.execute(_insert_task_statement(self.engine.dialect.name),
                                      {"id": task_id, "org": self.org, "decision_id": decision_id, "post_id": post_id,
                                       "jurisdiction": jurisdiction, "status": TaskStatus.OPEN, "deadline": _aware(deadline),
                                       "created_at": now_utc()})
        if inserted.rowcount:
            return task_id, True
        return connection.execute(existing).scalar_one(), False  # a concurrent transaction opened it first

    def file_report(self, post_id: str, reporter: str, reason: str, category: str | None,
                    trusted_flagger: bool, actor: str = "api", jurisdictions: tuple[str, ...] = (),
                    deadline_for: Callable[[str, bool, datetime], datetime | None] | None = None) -> Report:
        """Record a flag and put the post's latest decision in front of a person (a task is opened
        unless one is already open or the decision was already made by a person). Only this
        organisation's decisions in `jurisdictions` (all when empty) are considered: a report
        never attaches to a case its sender cannot see. `actor` (the key filing it) goes in the
        audit log; the reporter does not (a user's pseudonym would outlive an erasure there).
        `deadline_for(jurisdiction, trusted_flagger, received_at)` is the policy's period for
        reports: the case's deadline becomes the sooner of it and the one the case already had."""
        received = now_utc()
        with self.writing() as session:
            query = select(DecisionRow).where(DecisionRow.org == self.org, DecisionRow.post_id == post_id)
            if jurisdictions:
                query = query.where(DecisionRow.jurisdiction.in_(jurisdictions))
            decision_row = session.scalar(query.order_by(DecisionRow.decided_at.desc()).limit(1))
            if decision_row is None:
                raise NotFound("not_found", f"no decision for post {post_id!r}: moderate it first")
            due = deadline_for(decision_row.jurisdiction, trusted_flagger, received) if deadline_for else None
            task_id, _ = self._ensure_task(session, decision_row.id, post_id, decision_row.jurisdiction,
                                           _sooner(_aware(decision_row.deadline), due))
            if due is not None:  # a task opened earlier keeps its deadline unless the report's is sooner
                session.execute(update(ReviewTaskRow)
                                .where(ReviewTaskRow.id == task_id, ReviewTaskRow.status != TaskStatus.DECIDED,
                                       ReviewTaskRow.deadline.is_(None) | (ReviewTaskRow.deadline > due))
                                .values(deadline=due))
            report = ReportRow(id=f"rep_{secrets.token_hex(8)}", org=self.org, post_id=post_id, reporter=reporter,
                               jurisdiction=decision_row.jurisdiction, trusted_flagger=trusted_flagger,
                               category=category, reason=reason, review_task=task_id, created_at=received)
            session.add(report)
            self.audit(actor, "report.file", report.id, {"post": post_id, "trusted_flagger": trusted_flagger}, session)
            session.flush()
            return Report.model_validate(report)

    def review_tasks(self, status: TaskStatus | None, jurisdictions: tuple[str, ...], limit: int = 100) -> list[ReviewTask]:
        """Tasks of this organisation, oldest deadline first; limited to `jurisdictions` when given."""
        query = select(ReviewTaskRow).where(ReviewTaskRow.org == self.org)
        if status:
            query = query.where(ReviewTaskRow.status == status)
        if jurisdictions:
            query = query.where(ReviewTaskRow.jurisdiction.in_(jurisdictions))
        query = query.order_by(ReviewTaskRow.deadline.is_(None), ReviewTaskRow.deadline, ReviewTaskRow.created_at)
        with self.sessions() as session:
            return [ReviewTask.model_validate(row) for row in session.scalars(query.limit(limit))]

    def review_task(self, task_id: str) -> ReviewTask | None:
        with self.sessions() as session:
            row = session.get(ReviewTaskRow, task_id)
            return ReviewTask.model_validate(row) if row is not None and row.org == self.org else None

    # --- the review workspace -------------------------------------------------------------------

    def _reports_by_post(self) -> Any:
        """Per post: how many reports, and whether a trusted flagger sent one (a subquery)."""
        return (select(ReportRow.post_id.label("post_id"), func.count().label("reports"),
                       func.max(case((ReportRow.trusted_flagger.is_(True), 1), else_=0)).label("trusted"))
                .where(ReportRow.org == self.org).group_by(ReportRow.post_id).subquery())

    def review_queue(self, *, status: TaskStatus | None, jurisdictions: tuple[str, ...], category: str | None = None,
                     jurisdiction: str | None = None, source: str | None = None, language: str | None = None,
                     sort: str = "deadline", after: QueueKey | None = None, limit: int = 100,
                     task_id: str | None = None) -> tuple[list[ReviewQueueItem], QueueKey | None]:
        """A page of review tasks with what a reviewer needs to judge each one (the post's text,
        the decision document, the agency of an order, reports), filtered in SQL; and the key to
        pass as `after` for the next page (None on the last). `sort` is "deadline" (most urgent
        first, none last) or "score" (highest first). Keyset pagination: a page does not shift when
        tasks before it are decided in the meantime."""
        tasks, decisions, posts = ReviewTaskRow, DecisionRow, PostRow
        reports = self._reports_by_post()
        agency = decisions.document[("statement", "authority_request", "agency")].as_string()
        origin = case((agency.is_not(None), "authority_order"), (reports.c.trusted == 1, "trusted_flagger"),
                      (reports.c.reports > 0, "user_report"), else_="automated")
        due = func.coalesce(tasks.deadline, literal(FAR_FUTURE, DateTime(timezone=True)))
        query = (select(*ReviewTaskRow.__table__.c, decisions.document, decisions.max_score, posts.text, posts.author, posts.extra,
                        agency.label("agency"), func.coalesce(reports.c.reports, 0).label("reports"),
                        func.coalesce(reports.c.trusted, 0).label("trusted"), due.label("due"))
                 .join(decisions, and_(decisions.org == tasks.org, decisions.id == tasks.decision_id))
                 .outerjoin(posts, and_(posts.org == tasks.org, posts.post_id == tasks.post_id))
                 .outerjoin(reports, reports.c.post_id == tasks.post_id)
                 .where(tasks.org == self.org))
        if task_id is not None:
            query = query.where(tasks.id == task_id)
        if status:
            query = query.where(tasks.status == status)
        if jurisdictions:
            query = query.where(tasks.jurisdiction.in_(jurisdictions))
        if jurisdiction:
            query = query.where(tasks.jurisdiction == jurisdiction.upper())
        if category:  # a JSON list of enum values: the quoted value occurs in its text exactly when listed
            query = query.where(cast(decisions.categories, String).like(f'%"{category}"%'))
        if language:
            query = query.where(decisions.language == language)
        if source:
            query = query.where(origin == source)
        if sort == "score":
            if after is not None:
                query = query.where(or_(decisions.max_score < after[0],
                                        and_(decisions.max_score == after[0], tasks.id > after[1])))
            query = query.order_by(decisions.max_score.desc(), tasks.id)
        else:
            if after is not None:
                query = query.where(tuple_(due, tasks.created_at, tasks.id) > tuple_(
                    literal(after[0], DateTime(timezone=True)), literal(after[1], DateTime(timezone=True)),
                    literal(after[2], String)))
            query = query.order_by(due, tasks.created_at, tasks.id)
        with self.sessions() as session:
            rows = list(session.execute(query.limit(limit + 1)))
        items = [ReviewQueueItem(**{name: getattr(row, name) for name in ReviewTask.model_fields},
                                 document=row.document, text=row.text, author=row.author, post_extra=row.extra or {},
                                 agency=row.agency, reports=int(row.reports),
                                 source=_source(row.agency, row.reports, row.trusted))
                 for row in rows[:limit]]
        if len(rows) <= limit:
            return items, None
        last = rows[limit - 1]
        key: QueueKey = (last.max_score, last.id) if sort == "score" else (_aware(last.due), _aware(last.created_at),
                                                                           last.id)
        return items, key

    def author_history(self, author: str, jurisdictions: tuple[str, ...], limit: int = 20) -> AuthorHistory:
        """What a reviewer may weigh about a (pseudonymised) author: their latest decisions and their
        strikes, within the reviewer's jurisdictions."""
        query = (select(DecisionRow.id, DecisionRow.post_id, DecisionRow.action, DecisionRow.categories,
                        DecisionRow.jurisdiction, DecisionRow.review_status, DecisionRow.decided_at)
                 .join(PostRow, and_(PostRow.org == DecisionRow.org, PostRow.post_id == DecisionRow.post_id))
                 .where(DecisionRow.org == self.org, PostRow.author == author))
        strikes = select(StrikeRow).where(StrikeRow.org == self.org, StrikeRow.author == author)
        if jurisdictions:
            query = query.where(DecisionRow.jurisdiction.in_(jurisdictions))
            strikes = strikes.where(StrikeRow.jurisdiction.in_(jurisdictions))
        now = now_utc()
        with self.sessions() as session:
            decisions = [AuthorDecision.model_validate(row)
                         for row in session.execute(query.order_by(DecisionRow.decided_at.desc()).limit(limit))]
            strike_rows = [Strike(decision_id=row.decision_id, category=row.category, jurisdiction=row.jurisdiction,
                                  created_at=row.created_at, expires_at=row.expires_at,
                                  live=bool((_aware(row.expires_at) or now) > now))
                           for row in session.scalars(strikes.order_by(StrikeRow.created_at.desc()).limit(limit))]
        return AuthorHistory(pseudonym=author, decisions=decisions, strikes=strike_rows,
                             live_strikes=sum(strike.live for strike in strike_rows))

    def reports_on(self, post_id: str, jurisdictions: tuple[str, ...]) -> list[CaseReport]:
        """The reports on a post, without who sent them unless a trusted flagger did (a user's
        pseudonym is not the reviewer's business)."""
        query = select(ReportRow).where(ReportRow.org == self.org, ReportRow.post_id == post_id)
        if jurisdictions:
            query = query.where(ReportRow.jurisdiction.in_(jurisdictions))
        with self.sessions() as session:
            return [CaseReport(id=row.id, trusted_flagger=row.trusted_flagger, category=row.category, reason=row.reason,
                               created_at=row.created_at, reporter=row.reporter if row.trusted_flagger else None)
                    for row in session.scalars(query.order_by(ReportRow.created_at))]

    def appeal_inbox(self, status: AppealStatus | None, jurisdictions: tuple[str, ...], after: QueueKey | None = None,
                     limit: int = 50) -> tuple[list[AppealInboxItem], QueueKey | None]:
        """Appeals oldest first, each with the post and the decision it contests (and who reviewed
        it, since that person may not decide the appeal); and the key of the next page."""
        query = (select(AppealRow, DecisionRow.document, PostRow.text, ReviewTaskRow.decided_by.label("reviewer"))
                 .join(DecisionRow, and_(DecisionRow.org == AppealRow.org, DecisionRow.id == AppealRow.decision_id))
                 .outerjoin(PostRow, and_(PostRow.org == AppealRow.org, PostRow.post_id == DecisionRow.post_id))
                 .outerjoin(ReviewTaskRow, and_(ReviewTaskRow.org == AppealRow.org,
                                                ReviewTaskRow.decision_id == AppealRow.decision_id))
                 .where(AppealRow.org == self.org))
        if status:
            query = query.where(AppealRow.status == status)
        if jurisdictions:
            query = query.where(AppealRow.jurisdiction.in_(jurisdictions))
        if after is not None:
            query = query.where(tuple_(AppealRow.filed_at, AppealRow.id) > tuple_(
                literal(after[0], DateTime(timezone=True)), literal(after[1], String)))
        with self.sessions() as session:
            rows = list(session.execute(query.order_by(AppealRow.filed_at, AppealRow.id).limit(limit + 1)))
        items = [AppealInboxItem(**{name: getattr(appeal, name) for name in Appeal.model_fields}, document=document,
                                 text=text, original_reviewer=reviewer)
                 for appeal, document, text, reviewer in rows[:limit]]
        if len(rows) <= limit:
            return items, None
        last = rows[limit - 1][0]
        return items, (_aware(last.filed_at), last.id)

    def authority_inbox(self, pending_only: bool, jurisdictions: tuple[str, ...], after: QueueKey | None = None,
                        limit: int = 50) -> tuple[list[AuthorityInboxItem], QueueKey | None]:
        """Decisions brought by an authority's order, nearest legal deadline first, with the post
        and the case's review task; and the key of the next page. `pending_only`: those no person
        has decided since the order came."""
        decisions = DecisionRow
        agency = decisions.document[("statement", "authority_request", "agency")].as_string()
        due = func.coalesce(decisions.deadline, literal(FAR_FUTURE, DateTime(timezone=True)))
        query = (select(decisions.id, decisions.document, decisions.review_status, PostRow.text,
                        ReviewTaskRow.id.label("task_id"), ReviewTaskRow.status.label("task_status"), due.label("due"))
                 .outerjoin(PostRow, and_(PostRow.org == decisions.org, PostRow.post_id == decisions.post_id))
                 .outerjoin(ReviewTaskRow, and_(ReviewTaskRow.org == decisions.org,
                                                ReviewTaskRow.decision_id == decisions.id))
                 .where(decisions.org == self.org, agency.is_not(None)))
        if jurisdictions:
            query = query.where(decisions.jurisdiction.in_(jurisdictions))
        if pending_only:
            # no person has decided since the order came: its decision is still the machine's, or a task waits
            query = query.where(or_(decisions.automated.is_(True), decisions.review_status == ReviewStatus.PENDING,
                                    ReviewTaskRow.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED))))
        if after is not None:
            query = query.where(tuple_(due, decisions.id) > tuple_(literal(after[0], DateTime(timezone=True)),
                                                                   literal(after[1], String)))
        with self.sessions() as session:
            rows = list(session.execute(query.order_by(due, decisions.id).limit(limit + 1)))
        items = [AuthorityInboxItem.model_validate(row) for row in rows[:limit]]
        if len(rows) <= limit:
            return items, None
        return items, (_aware(rows[limit - 1].due), rows[limit - 1].id)

    def claim_review(self, task_id: str, reviewer: str) -> ReviewTask:
        with self.writing() as session:
            row = self._task(session, task_id)
            if row.status == TaskStatus.DECIDED:
                raise Conflict("already_decided", f"{task_id} is already decided")
            if row.status == TaskStatus.CLAIMED and row.claimed_by != reviewer:
                raise Conflict("claimed_by_another", f"{task_id} is claimed by another reviewer")
            row.status, row.claimed_by = TaskStatus.CLAIMED, reviewer
            self.audit(reviewer, "review.claim", task_id, {}, session)
            return ReviewTask.model_validate(row)

    def assign_review(self, task_id: str, assignee: str, actor: str) -> ReviewTask:
        """A lead gives a case to a reviewer (claimed in their name, taken from whoever held it):
        the assignee must be a live reviewer or admin key of this organisation that may see the
        case's jurisdiction."""
        with self.writing() as session:
            row = self._task(session, task_id)
            if row.status == TaskStatus.DECIDED:
                raise Conflict("already_decided", f"{task_id} is already decided")
            key = session.get(ApiKeyRow, assignee)
            if key is None or key.org != self.org or key.revoked_at is not None or key.role not in ("reviewer", "admin") \
                    or (key.jurisdictions and row.jurisdiction not in key.jurisdictions):
                raise NotFound("assignee_not_found", f"no reviewer key {assignee!r} that may decide {row.jurisdiction} "
                               "cases in this organisation")
            previous = row.claimed_by
            row.status, row.claimed_by = TaskStatus.CLAIMED, assignee
            self.audit(actor, "review.assign", task_id, {"to": assignee, "from": previous}, session)
            return ReviewTask.model_validate(row)

    def decide_review(self, task_id: str, reviewer: str, action: Action, note: str,
                      categories: Sequence[Category] | None = None, geo_restrict: bool = False) -> Decision:
        """The reviewer's action becomes the decision's; the platform is told. `categories`, when
        given, corrects what the machine saw (the new statement and the counts use them);
        `geo_restrict` withholds a removed post in the decision's country only, where the
        jurisdiction's policy has that measure for the categories."""
        with self.writing() as session:
            row = self._task(session, task_id)
            if row.status != TaskStatus.CLAIMED or row.claimed_by != reviewer:
                raise Conflict("not_claimed", f"claim {task_id} before deciding it")
            stored = Decision.model_validate(self._decision_row(session, row.decision_id).document)
            final = list(stored.categories) if categories is None else list(dict.fromkeys(categories))
            if geo_restrict and (action != Action.REMOVE or not geo_restrict_allowed(
                    stored.jurisdiction, tuple(category.value for category in final))):
                raise Conflict("geo_restrict_unavailable", f"the {stored.jurisdiction} policy has no geo-restriction "
                               "for these categories; remove or choose another action")
            now = now_utc()
            outcome = ReviewAction.GEO_RESTRICT if geo_restrict else ReviewAction(str(action))
            row.status, row.decided_by, row.decided_at = TaskStatus.DECIDED, reviewer, now
            row.outcome, row.note = outcome, note
            decision = self._rewrite(session, row.decision_id, review_status=ReviewStatus.DECIDED, outcome=Outcome.REVIEW,
                                     action=action, actor=reviewer, note=note, at=now,
                                     categories=None if categories is None else final, geo_restrict=geo_restrict)
            corrected = {"categories": {"from": [c.value for c in stored.categories], "to": [c.value for c in final]}} \
                if categories is not None and final != list(stored.categories) else {}
            self.audit(reviewer, "review.decide", task_id, {"decision": row.decision_id, "action": outcome, **corrected},
                       session)
            self._enqueue(session, "decision.reviewed", {"decision": decision.to_json_dict(), "review_task": task_id})
            self._notify_reporters(session, decision)
            return decision

    def _notify_reporters(self, session: Session, decision: Decision) -> None:
        """Where the jurisdiction's law says the reporter is told (e.g. MY Act 866 s.22(4)), queue a
        `notice.reporter` event for the platform to pass on to everyone who reported the post."""
        if decision.statement is None or not decision.statement.notices.reporter:
            return
        reports = list(session.scalars(select(ReportRow).where(ReportRow.org == self.org,
                                                                ReportRow.post_id == decision.post_id)))
        if reports:
            self._enqueue(session, "notice.reporter", {
                "post_id": decision.post_id, "decision_id": decision.id, "action": str(decision.action),
                "categories": [category.value for category in decision.categories],
                "jurisdiction": decision.jurisdiction, "legal_basis": [basis.title for basis in decision.statement.legal_basis],
                "reports": [{"id": report.id, "reporter": report.reporter} for report in reports]})

    def _task(self, session: Session, task_id: str) -> ReviewTaskRow:
        row = session.get(ReviewTaskRow, task_id, with_for_update=True)
        if row is None or row.org != self.org:
            raise NotFound("not_found", f"no review task {task_id!r}")
        return row

    # --- appeals ------------------------------------------------------------------------------

    def file_appeal(self, decision_id: str, reason: str, filed_by: str) -> Appeal:
        with self.writing() as session:
            decision = self._decision_row(session, decision_id)
            if decision.action == str(Action.ALLOW):
                raise Conflict("nothing_to_appeal", "the post was allowed; there is nothing to appeal")
            open_appeal = session.scalar(select(AppealRow).where(AppealRow.org == self.org, AppealRow.decision_id == decision_id,
                                                                 AppealRow.status == AppealStatus.OPEN))
            if open_appeal is not None:
                raise Conflict("appeal_open", f"appeal {open_appeal.id} on this decision is still open")
            appeal = AppealRow(id=f"apl_{secrets.token_hex(8)}", org=self.org, decision_id=decision_id,
                               jurisdiction=decision.jurisdiction, status=AppealStatus.OPEN, reason=reason, filed_at=now_utc())
            session.add(appeal)
            self._rewrite(session, decision_id, review_status=ReviewStatus.APPEALED)
            self.audit(filed_by, "appeal.file", appeal.id, {"decision": decision_id}, session)
            session.flush()
            return Appeal.model_validate(appeal)

    def appeal(self, appeal_id: str) -> Appeal | None:
        with self.sessions() as session:
            row = session.get(AppealRow, appeal_id)
            return Appeal.model_validate(row) if row is not None and row.org == self.org else None

    def decide_appeal(self, appeal_id: str, reviewer: str, upheld: bool, note: str) -> tuple[Appeal, Decision]:
        """Upheld: the decision is reversed (the post is allowed again). Rejected: it stands. The
        person who decided the original review may not decide its appeal."""
        with self.writing() as session:
            appeal = session.get(AppealRow, appeal_id, with_for_update=True)
            if appeal is None or appeal.org != self.org:
                raise NotFound("not_found", f"no appeal {appeal_id!r}")
            if appeal.status != AppealStatus.OPEN:
                raise Conflict("already_decided", f"{appeal_id} is already decided")
            original = session.scalar(select(ReviewTaskRow).where(ReviewTaskRow.org == self.org,
                                                                  ReviewTaskRow.decision_id == appeal.decision_id))
            if original is not None and original.decided_by == reviewer:
                raise Conflict("same_reviewer", "an appeal is decided by someone other than the original reviewer")
            now = now_utc()
            appeal.status, appeal.note = AppealStatus.DECIDED, note
            appeal.outcome = AppealOutcome.UPHELD if upheld else AppealOutcome.REJECTED
            appeal.decided_by, appeal.decided_at = reviewer, now
            if upheld:
                decision = self._rewrite(session, appeal.decision_id, review_status=ReviewStatus.REVERSED, outcome=Outcome.APPEAL_UPHELD,
                                         action=Action.ALLOW, actor=reviewer, note=note, at=now)
            else:
                decision = self._rewrite(session, appeal.decision_id, review_status=ReviewStatus.APPEAL_REJECTED,
                                         outcome=Outcome.APPEAL_REJECTED, actor=reviewer, note=note, at=now)
            self.audit(reviewer, "appeal.decide", appeal_id, {"decision": appeal.decision_id, "outcome": appeal.outcome},
                       session)
            self._enqueue(session, "appeal.decided", {"appeal": _jsonable(_row_dict(appeal)),
                                                      "decision": decision.to_json_dict()})
            return Appeal.model_validate(appeal), decision

    # --- the decision document ------------------------------------------------------------------

    def _supersede_orders(self, session: Session, decisions: Sequence[Decision], actor: str) -> list[Decision]:
        """The decisions to store, where each on an authority order for a post this organisation has
        already decided becomes the next version of the stored decision (`statements.supersede`):
        written over it, the order's statement would erase the earlier one, and a person's decision
        with it. Only decisions on orders are looked up, so a scan's batch pays nothing."""
        orders = [decision.id for decision in decisions if decision.on_authority_order]
        if not orders:
            return list(decisions)
        table = DecisionRow.__table__
        connection = session.connection()
        stored = {decision_id: document for decision_id, document in connection.execute(
            select(table.c.id, table.c.document).where(table.c.org == self.org, table.c.id.in_(orders)))}
        result = []
        for decision in decisions:
            if decision.id in stored:
                earlier = Decision.model_validate(stored[decision.id])
                decision = supersede(earlier, decision, actor=actor)
                if decision is not earlier and decision.review_status == ReviewStatus.PENDING:
                    # the case's one task opens again for the order (a person decided it before)
                    connection.execute(update(ReviewTaskRow).where(ReviewTaskRow.org == self.org,
                                                                   ReviewTaskRow.decision_id == decision.id)
                                       .values(status=TaskStatus.OPEN, claimed_by=None, deadline=_aware(decision.deadline)))
            result.append(decision)
        return result

    def _decision_row(self, session: Session, decision_id: str) -> DecisionRow:
        row = session.get(DecisionRow, (self.org, decision_id), with_for_update=True)
        if row is None:
            raise NotFound("not_found", f"no decision {decision_id!r}")
        return row

    def _rewrite(self, session: Session, decision_id: str, *, review_status: ReviewStatus, outcome: Outcome | None = None,
                 action: Action | None = None, actor: str = "", note: str = "", at: datetime | None = None,
                 categories: list[Category] | None = None, geo_restrict: bool | None = None) -> Decision:
        """The decision with a new `review_status`; with an `outcome` (a person decided: see
        `jaga.policy.statements.OUTCOMES`) also a new version of its statement of reasons, the old one
        kept in its history. A reviewer's `categories` replace the machine's before the new version
        is issued; `geo_restrict` (when not None) adds or drops that measure. Written and sealed in
        the caller's transaction."""
        row = self._decision_row(session, decision_id)
        decision = Decision.model_validate(row.document)
        if categories is not None:
            decision = decision.model_copy(update={"categories": categories})
        if geo_restrict is not None:
            kept = [name for name in decision.extra_actions if name != ExtraAction.GEO_RESTRICT.value]
            decision = decision.model_copy(update={"extra_actions": kept + ([ExtraAction.GEO_RESTRICT.value]
                                                                            if geo_restrict else [])})
        if outcome is None:
            decision = decision.model_copy(update={"review_status": review_status})
        else:
            if outcome == Outcome.REVIEW and decision.on_authority_order:
                outcome = Outcome.AUTHORITY_ORDER  # the person's decision on a government order
            decision = reissue(decision, outcome=outcome, action=decision.action if action is None else action,
                               review_status=review_status, actor=actor, note=note, at=at or now_utc())
        row.document = decision.to_json_dict()
        row.action, row.review_status, row.automated = str(decision.action), decision.review_status, decision.automated
        row.categories = [category.value for category in decision.categories]
        row.authority_order = decision.on_authority_order
        self._seal_decisions(session, "jaga", "decision.rewrite", decision_id, [row])  # the step's own entry names who
        return decision

    # --- transparency ---------------------------------------------------------------------------

    def transparency(self, jurisdictions: tuple[str, ...] = (), since: datetime | None = None,
                     until: datetime | None = None) -> TransparencyTotals:
        """Aggregates for a transparency report (Santa Clara Principles / DSA style): decisions by
        action, category and jurisdiction, how many were automated, government orders counted
        apart, reviews, appeals and their outcomes, reports. Final outcomes: a decision counts under
        its action as it stands now, and under its categories only while it restricts the post."""
        from collections import Counter
        from statistics import median

        def scoped(query: Any, table: Any, when: Any) -> Any:
            query = query.where(table.org == self.org)
            if jurisdictions:
                query = query.where(table.jurisdiction.in_(jurisdictions))
            if since is not None:
                query = query.where(when >= since)
            if until is not None:
                query = query.where(when < until)
            return query

        actions: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        by_jurisdiction: Counter[str] = Counter()
        automated = authority = 0
        allowed = str(Action.ALLOW)
        with self.sessions() as session:
            # SQL aggregates over columns only (no decision document is read: on SQLite the covering
            # index of migration 0014 answers it): 1M decisions took 108 s when each row's document
            # was parsed in Python. Categories are a JSON list, grouped by its text (few distinct
            # sets) and split here.
            chosen_text = cast(DecisionRow.categories, String)
            grouped = session.execute(scoped(
                select(DecisionRow.action, DecisionRow.jurisdiction, chosen_text, func.count(),
                       func.sum(case((DecisionRow.automated, 1), else_=0)),
                       func.sum(case((DecisionRow.authority_order, 1), else_=0))),
                DecisionRow, DecisionRow.decided_at).group_by(DecisionRow.action, DecisionRow.jurisdiction, chosen_text))
            for action, jurisdiction, chosen, count, machine, ordered in grouped:
                actions[action] += count
                if action != allowed:  # final outcomes: a post allowed by a person restricted nothing
                    for category in json.loads(chosen or "[]"):
                        categories[category] += count
                by_jurisdiction[jurisdiction] += count
                automated += int(machine or 0)
                authority += int(ordered or 0)
            tasks = list(session.execute(scoped(select(ReviewTaskRow.status, ReviewTaskRow.created_at,
                                                       ReviewTaskRow.decided_at), ReviewTaskRow, ReviewTaskRow.created_at)))
            appeals = Counter(outcome or AppealStatus.OPEN.value for (outcome,) in session.execute(
                scoped(select(AppealRow.outcome), AppealRow, AppealRow.filed_at)))
            reports = [bool(flag) for (flag,) in session.execute(
                scoped(select(ReportRow.trusted_flagger), ReportRow, ReportRow.created_at))]
        hours = [(decided - created).total_seconds() / 3600 for status, created, decided in tasks
                 if status == TaskStatus.DECIDED and decided is not None]
        total = sum(actions.values())
        return TransparencyTotals(
            decisions=total, by_action=dict(actions), by_category=dict(categories), by_jurisdiction=dict(by_jurisdiction),
            automated_share=round(automated / total, 4) if total else 0.0, authority_requests=authority,
            reviews={"opened": len(tasks), "decided": len(hours),
                     "median_hours_to_decision": round(median(hours), 2) if hours else None},
            appeals={"filed": sum(appeals.values()), "upheld": appeals.get("upheld", 0),
                     "rejected": appeals.get("rejected", 0), "open": appeals.get("open", 0)},
            reports={"total": len(reports), "trusted_flaggers": sum(reports)},
        )

    # --- webhooks -----------------------------------------------------------------------------

    def set_webhook(self, url: str, policy: OutboundPolicy | None = None) -> str:
        """Where this organisation's events go; returns the signing secret (new on every call).
        Raises `UnsafeUrl` for a URL Jaga will not send to (`jaga.outbound`; the operator's
        allow-lists from the environment unless `policy` is given)."""
        (policy or OutboundPolicy.from_environment()).check(url)
        secret = secrets.token_hex(32)
        with self.writing() as session:
            row = session.get(WebhookRow, self.org)
            if row is None:
                session.add(WebhookRow(org=self.org, url=url, secret=secret))
            else:
                row.url, row.secret = url, secret
        return secret

    def _enqueue(self, session: Session, event: str, payload: dict[str, Any]) -> None:
        hooked = session.info.setdefault("webhook_orgs", {})  # asked once per organisation and transaction
        if self.org not in hooked:
            webhooks = WebhookRow.__table__
            hooked[self.org] = session.connection().execute(
                select(webhooks.c.org).where(webhooks.c.org == self.org)).first() is not None
        if not hooked[self.org]:
            return
        now = now_utc()
        session.add(DeliveryRow(org=self.org, event=event, payload=payload, attempts=0, next_attempt_at=now,
                                delivered_at=None, failed=False, created_at=now))

    def due_deliveries(self, now: datetime, limit: int = 50, lease_seconds: float = 300.0,
                       ) -> list[DueDelivery]:
        """Claims up to `limit` deliveries due now (any organisation) for `lease_seconds` and returns
        them with their receiver's address and secret. A claimed row is skipped by every other
        dispatcher until `record_attempt` releases it or the lease runs out, so dispatchers in
        several workers or hosts send each event once. The claim is one UPDATE: PostgreSQL skips
        rows another claim holds locked (`FOR UPDATE SKIP LOCKED`); SQLite's write lock serialises
        the claims."""
        token = secrets.token_hex(16)  # names this claim alone, so the rows read back are ours
        rows = DeliveryRow
        due = (select(rows.id)
               .where(rows.delivered_at.is_(None), rows.failed.is_(False), rows.next_attempt_at <= now,
                      (rows.leased_until.is_(None)) | (rows.leased_until < now),
                      rows.org.in_(select(WebhookRow.org)))
               .order_by(rows.id).limit(limit))
        if self.engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self.writing() as session:
            session.execute(update(DeliveryRow).where(rows.id.in_(due.scalar_subquery()))
                            .values(leased_until=now + timedelta(seconds=lease_seconds), leased_by=token))
        query = (select(DeliveryRow, WebhookRow).join(WebhookRow, WebhookRow.org == DeliveryRow.org)
                 .where(DeliveryRow.leased_by == token).order_by(DeliveryRow.id))
        with self.sessions() as session:
            return [DueDelivery(id=delivery.id, org=delivery.org, url=hook.url, secret=hook.secret, event=delivery.event,
                                payload=delivery.payload) for delivery, hook in session.execute(query)]

    def record_attempt(self, delivery_id: int, error: str | None, base_seconds: float = 1.0) -> None:
        """Delivered when `error` is None; else retried after base * 2^attempts s, up to 8 attempts.
        Either way the dispatcher's lease on the row ends."""
        with self.writing() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is None:
                return
            row.attempts += 1
            row.leased_until, row.leased_by = None, None
            if error is None:
                row.delivered_at = now_utc()
                return
            row.last_error = error[:2_000]
            if row.attempts >= MAX_DELIVERY_ATTEMPTS:
                row.failed = True
            else:
                row.next_attempt_at = now_utc() + timedelta(seconds=base_seconds * 2 ** (row.attempts - 1))

    def deliveries(self) -> list[Delivery]:
        """The organisation's outbox, oldest first: what was queued for its webhook and how each went."""
        with self.sessions() as session:
            return [Delivery.model_validate(row) for row in session.scalars(
                select(DeliveryRow).where(DeliveryRow.org == self.org).order_by(DeliveryRow.id))]
