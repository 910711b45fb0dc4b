"""Human review: the queue of cases a person must decide, claiming a case, deciding it."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from jaga.service.deps import CASE_READERS, REVIEWERS, IdParam, ServicesDep, role_in
from jaga.service.errors import ApiError
from jaga.service.schemas import DecisionOut, ReviewDecisionRequest, ReviewTaskOut
from jaga.store import ApiKey, Store
from jaga.types import Action

router = APIRouter()


def visible_task(store: Store, key: ApiKey, task_id: str) -> dict[str, Any]:
    """The task, if the key's organisation and jurisdictions reach it (else 404, as if it did not exist)."""
    task = store.scoped(key.org).review_task(task_id)
    if task is None or not key.may_see(task["jurisdiction"]):
        raise ApiError(404, "not_found", f"no review task {task_id!r}")
    return task


@router.get("/v1/reviews", response_model=list[ReviewTaskOut], tags=["review"])
def list_reviews(key: Annotated[ApiKey, Depends(role_in(CASE_READERS))], running: ServicesDep,
            status: Literal["open", "claimed", "decided"] | None = "open",
            limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ReviewTaskOut]:
    """The review queue of the key's organisation and jurisdictions, most urgent deadline first."""
    tasks = running.store.scoped(key.org).review_tasks(status, key.jurisdictions, limit)
    return [ReviewTaskOut(**task) for task in tasks]


@router.post("/v1/reviews/{task_id}/claim", response_model=ReviewTaskOut, tags=["review"])
def claim_review(task_id: IdParam, key: Annotated[ApiKey, Depends(role_in(REVIEWERS))], running: ServicesDep) -> ReviewTaskOut:
    """Take a case, so that two reviewers do not work on it at once."""
    visible_task(running.store, key, task_id)
    return ReviewTaskOut(**running.store.scoped(key.org).claim_review(task_id, key.id))


@router.post("/v1/reviews/{task_id}/decide", response_model=DecisionOut, tags=["review"])
def decide_review(task_id: IdParam, request: ReviewDecisionRequest, key: Annotated[ApiKey, Depends(role_in(REVIEWERS))],
           running: ServicesDep) -> DecisionOut:
    """The reviewer's action replaces the automated one; the platform's webhook is told."""
    visible_task(running.store, key, task_id)
    decision = running.store.scoped(key.org).decide_review(task_id, key.id, Action[request.action.upper()],
                                                           request.note)
    return DecisionOut.of(decision)
