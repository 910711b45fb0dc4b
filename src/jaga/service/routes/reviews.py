"""Human review: the queue of cases a person must decide (with the post, its evidence and what
brought it in), the case page, claiming a case, deciding it."""

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Query, Response

from jaga.service.deps import ADMINS, CASE_READERS, REVIEWERS, IdParam, ServicesDep, role_in
from jaga.service.errors import ApiError
from jaga.service.openapi import errors
from jaga.service.routes import paging
from jaga.service.schemas import (
    AssignRequest,
    AuthorHistoryOut,
    BankMatchFound,
    CaseOut,
    CaseReportOut,
    DecisionOut,
    EvidenceOut,
    FactCheckFound,
    ReviewDecisionRequest,
    ReviewTaskOut,
)
from jaga.store import ApiKey, ReviewQueueItem, ReviewTask, Store
from jaga.store.cases import SOURCES, geo_restrict_allowed
from jaga.types import Category, ReviewAction, TaskStatus

router = APIRouter()

LADDER = tuple(ReviewAction)
CategoryName = Literal["hate_speech", "harassment", "violent_extremism", "scam_fraud", "illegal_gambling",
                       "sexual_exploitation", "disinformation", "self_harm"]
SourceName = Literal["automated", "user_report", "trusted_flagger", "authority_order"]
assert set(get_args(SourceName)) == set(SOURCES) and set(get_args(CategoryName)) == {c.value for c in Category}


def visible_task(store: Store, key: ApiKey, task_id: str) -> ReviewTask:
    """The task, if the key's organisation and jurisdictions reach it (else 404, as if it did not exist)."""
    task = store.scoped(key.org).review_task(task_id)
    if task is None or not key.may_see(task.jurisdiction):
        raise ApiError(404, "not_found", f"no review task {task_id!r}")
    return task


def task_out(item: ReviewQueueItem) -> ReviewTaskOut:
    """A queue row as the reviewer sees it: evidence from every signal (spans into the original
    text), the legal basis from the statement, the actions the jurisdiction allows."""
    document = item.document
    statement = document.get("statement") or {}
    evidence = [EvidenceOut(**span, category=signal["category"], source=signal["source"])
                for signal in document.get("signals") or [] for span in signal.get("evidence") or []]
    order = statement.get("authority_request") or {}
    legal = [basis["title"] for basis in statement.get("legal_basis") or [] if basis.get("title")]
    if order.get("legal_basis"):
        legal.append(order["legal_basis"])
    categories = list(document.get("categories") or [])
    geo = geo_restrict_allowed(item.jurisdiction, tuple(categories))
    extra = item.post_extra
    media = extra.get("media")
    return ReviewTaskOut(**item.model_dump(exclude={"document", "author", "post_extra"}),
                         language=(document.get("language") or {}).get("code"), categories=categories,
                         scores=document.get("scores") or {}, max_score=max((document.get("scores") or {}).values(),
                                                                            default=0.0),
                         evidence=evidence, action=document.get("action"),
                         extra_actions=document.get("extra_actions") or [], legal_basis=legal,
                         available_actions=[action for action in LADDER if action != ReviewAction.GEO_RESTRICT or geo],
                         sensitive=Category.SEXUAL_EXPLOITATION.value in categories,
                         media=[str(medium) for medium in media] if isinstance(media, list) else [])


def from_signals(document: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """What the fact-check matcher (`claim:`) or the hash banks (`bank:`) found, with the score:
    from the signals, so a match below the policy's threshold is shown too."""
    return [{**signal.get("details", {}), "score": signal["score"]} for signal in document.get("signals") or []
            if str(signal.get("source", "")).startswith(prefix)]


@router.get("/v1/reviews", response_model=list[ReviewTaskOut], tags=["review"], responses=paging.PAGED)
def list_reviews(key: Annotated[ApiKey, Depends(role_in(CASE_READERS))], running: ServicesDep, response: Response,
                 status: TaskStatus | None = TaskStatus.OPEN,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100,
                 category: CategoryName | None = None,
                 jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,5}$")] = None,
                 source: SourceName | None = None,
                 language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$")] = None,
                 sort: Literal["deadline", "score"] = "deadline",
                 cursor: paging.CursorParam = None) -> list[ReviewTaskOut]:
    """The review queue of the key's organisation and jurisdictions, most urgent deadline first (or
    highest score first), with each post's text, evidence, categories, scores, legal basis and
    source. A full page answers `X-Next-Cursor`: send it back as `cursor` for the next one."""
    after = paging.decode(f"reviews:{sort}", cursor, (float, str) if sort == "score" else (datetime, datetime, str))
    tasks, last = running.store.scoped(key.org).review_queue(
        status=status, jurisdictions=key.jurisdictions, category=category, jurisdiction=jurisdiction,
        source=source, language=language, sort=sort, after=after, limit=limit)
    paging.set_next(response, f"reviews:{sort}", last)
    return [task_out(task) for task in tasks]


@router.get("/v1/reviews/{task_id}", response_model=CaseOut, tags=["review"])
def get_case(task_id: IdParam, key: Annotated[ApiKey, Depends(role_in(CASE_READERS))],
             running: ServicesDep) -> CaseOut:
    """The case page: the task, the decision with its statement of reasons, the author's earlier
    decisions and strikes (pseudonymised), the reports, matched fact-checks and hash-bank matches."""
    visible_task(running.store, key, task_id)
    scoped = running.store.scoped(key.org)
    found, _ = scoped.review_queue(status=None, jurisdictions=key.jurisdictions, task_id=task_id, limit=1)
    if not found:
        raise ApiError(404, "not_found", f"no review task {task_id!r}")
    item = found[0]
    document = item.document
    decision = DecisionOut.model_validate(document)
    history = scoped.author_history(item.author, key.jurisdictions) if item.author else None
    if history is not None:
        history = history.model_copy(update={"decisions": [earlier for earlier in history.decisions
                                                           if earlier.id != decision.id]})
    return CaseOut(task=task_out(item), decision=decision,
                   author=None if history is None else AuthorHistoryOut.model_validate(history),
                   reports=[CaseReportOut.model_validate(report)
                            for report in scoped.reports_on(decision.post_id, key.jurisdictions)],
                   fact_checks=[FactCheckFound.model_validate(found) for found in from_signals(document, "claim:")],
                   bank_matches=[BankMatchFound.model_validate(found) for found in from_signals(document, "bank:")])


@router.post("/v1/reviews/{task_id}/claim", response_model=ReviewTaskOut, tags=["review"], responses=errors(400, 409))
def claim_review(task_id: IdParam, key: Annotated[ApiKey, Depends(role_in(REVIEWERS))], running: ServicesDep) -> ReviewTaskOut:
    """Take a case, so that two reviewers do not work on it at once."""
    visible_task(running.store, key, task_id)
    return ReviewTaskOut.model_validate(running.store.scoped(key.org).claim_review(task_id, key.id))


@router.post("/v1/reviews/{task_id}/assign", response_model=ReviewTaskOut, tags=["review"], responses=errors(400, 409))
def assign_review(task_id: IdParam, request: AssignRequest, key: Annotated[ApiKey, Depends(role_in(ADMINS))],
                  running: ServicesDep) -> ReviewTaskOut:
    """A lead (admin key) gives a case to a reviewer: it is claimed in the reviewer's name."""
    visible_task(running.store, key, task_id)
    return ReviewTaskOut.model_validate(running.store.scoped(key.org).assign_review(task_id, request.reviewer, key.id))


@router.post("/v1/reviews/{task_id}/decide", response_model=DecisionOut, tags=["review"], responses=errors(400, 409))
def decide_review(task_id: IdParam, request: ReviewDecisionRequest, key: Annotated[ApiKey, Depends(role_in(REVIEWERS))],
           running: ServicesDep) -> DecisionOut:
    """The reviewer's action replaces the automated one, with a required note; `categories`
    corrects the machine's. A new version of the statement of reasons is issued and the platform's
    webhook is told."""
    visible_task(running.store, key, task_id)
    decision = running.store.scoped(key.org).decide_review(
        task_id, key.id, request.action.action, request.note, categories=request.categories,
        geo_restrict=request.action == ReviewAction.GEO_RESTRICT)
    return DecisionOut.of(decision)
