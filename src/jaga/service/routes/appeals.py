"""Appeals: a user contests a decision (the platform relays it); a person upholds or rejects it."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from jaga.service.deps import (
    CASE_READERS,
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
from jaga.service.openapi import errors
from jaga.service.routes import paging
from jaga.service.schemas import (
    AppealDecisionOut,
    AppealDecisionRequest,
    AppealInboxOut,
    AppealOut,
    AppealRequest,
    DecisionOut,
)
from jaga.store import ApiKey, AppealInboxItem, Store
from jaga.types import AppealStatus

router = APIRouter()


def visible_appeal(store: Store, key: ApiKey, appeal_id: str) -> AppealOut:
    appeal = store.scoped(key.org).appeal(appeal_id)
    if appeal is None or not key.may_see(appeal.jurisdiction):
        raise ApiError(404, "not_found", f"no appeal {appeal_id!r}")
    return AppealOut.model_validate(appeal)


@router.post("/v1/appeals", response_model=AppealOut, status_code=201, tags=["appeals"], responses=errors(400, 404, 409))
def file_appeal(request: AppealRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
                running: ServicesDep, http: Request, body: RawBody,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """File a user's appeal against a decision (the platform relays it)."""
    def file() -> AppealOut:
        found = running.store.scoped(key.org).decision(request.decision_id)
        if found is None or not key.may_see(found.jurisdiction):
            raise ApiError(404, "not_found", f"no decision {request.decision_id!r}")
        return AppealOut.model_validate(running.store.scoped(key.org).file_appeal(request.decision_id, request.reason,
                                                                                  key.id))

    return idempotent(running.store, key, http, body, idempotency_key, file, status=201)


def inbox_item(item: AppealInboxItem) -> AppealInboxOut:
    document = item.document
    return AppealInboxOut(**item.model_dump(exclude={"document"}), post_id=document["post_id"],
                          action=document["action"], categories=list(document.get("categories") or []),
                          reasons=document.get("reasons") or "")


@router.get("/v1/appeals", response_model=list[AppealInboxOut], tags=["appeals"], responses=paging.PAGED)
def list_appeals(key: Annotated[ApiKey, Depends(role_in(CASE_READERS))], running: ServicesDep, response: Response,
                 status: AppealStatus | None = AppealStatus.OPEN,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 cursor: paging.CursorParam = None) -> list[AppealInboxOut]:
    """The appeals inbox of the key's organisation and jurisdictions, oldest first, each with the
    post and the decision it contests. A full page answers `X-Next-Cursor`: send it back as
    `cursor` for the next one."""
    items, last = running.store.scoped(key.org).appeal_inbox(status, key.jurisdictions,
                                                             paging.decode("appeals", cursor, (datetime, str)), limit)
    paging.set_next(response, "appeals", last)
    return [inbox_item(item) for item in items]


@router.get("/v1/appeals/{appeal_id}", response_model=AppealOut, tags=["appeals"])
def get_appeal(appeal_id: IdParam, key: Annotated[ApiKey, Depends(role_in(READERS))],
               running: ServicesDep) -> AppealOut:
    """An appeal and its outcome, for keys that can see its decision's jurisdiction."""
    return visible_appeal(running.store, key, appeal_id)


@router.post("/v1/appeals/{appeal_id}/decide", response_model=AppealDecisionOut, tags=["appeals"],
             responses=errors(400, 409))
def decide_appeal(appeal_id: IdParam, request: AppealDecisionRequest,
                  key: Annotated[ApiKey, Depends(role_in(REVIEWERS))], running: ServicesDep) -> AppealDecisionOut:
    """Upheld reverses the decision; rejected confirms it. Either way the platform is told."""
    visible_appeal(running.store, key, appeal_id)
    appeal, decision = running.store.scoped(key.org).decide_appeal(appeal_id, key.id, request.outcome == "upheld",
                                                                   request.note)
    return AppealDecisionOut(appeal=AppealOut.model_validate(appeal), decision=DecisionOut.of(decision))
