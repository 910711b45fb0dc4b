"""Appeals: a user contests a decision (the platform relays it); a person upholds or rejects it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from jaga.service.deps import (
    READERS,
    REVIEWERS,
    WRITERS_OF_CONTENT,
    IdempotencyKey,
    IdParam,
    RawBody,
    ServicesDep,
    idempotent,
    role_in,
)
from jaga.service.errors import ApiError
from jaga.service.schemas import AppealDecisionOut, AppealDecisionRequest, AppealOut, AppealRequest, DecisionOut
from jaga.store import ApiKey, Store

router = APIRouter()


def visible_appeal(store: Store, key: ApiKey, appeal_id: str) -> AppealOut:
    appeal = store.scoped(key.org).appeal(appeal_id)
    if appeal is None or not key.may_see(appeal["jurisdiction"]):
        raise ApiError(404, "not_found", f"no appeal {appeal_id!r}")
    return AppealOut(**appeal)


@router.post("/v1/appeals", response_model=AppealOut, status_code=201, tags=["appeals"])
def file_appeal(request: AppealRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
                running: ServicesDep, http: Request, body: RawBody,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """File a user's appeal against a decision (the platform relays it)."""
    def file() -> AppealOut:
        found = running.store.scoped(key.org).decision(request.decision_id)
        if found is None or not key.may_see(found.jurisdiction):
            raise ApiError(404, "not_found", f"no decision {request.decision_id!r}")
        return AppealOut(**running.store.scoped(key.org).file_appeal(request.decision_id, request.reason, key.id))

    return idempotent(running.store, key, http, body, idempotency_key, file, status=201)


@router.get("/v1/appeals/{appeal_id}", response_model=AppealOut, tags=["appeals"])
def get_appeal(appeal_id: IdParam, key: Annotated[ApiKey, Depends(role_in(READERS))],
               running: ServicesDep) -> AppealOut:
    """An appeal and its outcome, for keys that can see its decision's jurisdiction."""
    return visible_appeal(running.store, key, appeal_id)


@router.post("/v1/appeals/{appeal_id}/decide", response_model=AppealDecisionOut, tags=["appeals"])
def decide_appeal(appeal_id: IdParam, request: AppealDecisionRequest,
                  key: Annotated[ApiKey, Depends(role_in(REVIEWERS))], running: ServicesDep) -> AppealDecisionOut:
    """Upheld reverses the decision; rejected confirms it. Either way the platform is told."""
    visible_appeal(running.store, key, appeal_id)
    appeal, decision = running.store.scoped(key.org).decide_appeal(appeal_id, key.id, request.outcome == "upheld",
                                                                   request.note)
    return AppealDecisionOut(appeal=AppealOut(**appeal), decision=DecisionOut.of(decision))
