"""Moderation: posts in, decisions with their statements of reasons out (and stored through the one
after-decision path, `jaga.moderation.record`, by the batcher); decisions read back; government
orders about posts."""

import asyncio
import math
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from jaga.service.deps import (
    AUTHORITY_SENDERS,
    CASE_READERS,
    READERS,
    WRITERS_OF_CONTENT,
    IdempotencyKey,
    IdParam,
    RawBody,
    Services,
    ServicesDep,
    idempotent,
    role_in,
)
from jaga.service.errors import ApiError
from jaga.service.openapi import errors
from jaga.service.routes import paging
from jaga.service.schemas import (
    ActionName,
    AuthorityRequestOut,
    DecisionOut,
    ModerateRequest,
    ModerateResponse,
    ObjectId,
)
from jaga.store import ApiKey, AuthorityInboxItem
from jaga.types import Decision

router = APIRouter()


def over_budget(budget: float) -> ApiError:
    """A request past its time: the worker goes on with it (what it finishes is stored), but the
    caller is told at once, so that one slow request cannot hold every other caller's connection."""
    return ApiError(503, "moderation_timeout", f"the posts were not moderated within {budget:g} s (the service is "
                    "busy or they are long); retry later", headers={"Retry-After": str(max(1, math.ceil(budget)))})


def check_jurisdictions(request: ModerateRequest, key: ApiKey) -> None:
    for post in request.all_posts():
        wanted = (request.jurisdiction or post.country or "ASEAN").upper()
        if not key.may_see(wanted):
            raise ApiError(403, "jurisdiction_out_of_scope", f"this key cannot act in {wanted}")


def decisions_document(decisions: list[Decision]) -> dict[str, Any]:
    # Decision.to_json_dict is already the documented schema: skip re-validating it.
    return {"decisions": [decision.to_json_dict() for decision in decisions]}


def moderate_now(running: Services, request: ModerateRequest, key: ApiKey) -> dict[str, Any]:
    """From a request thread: moderated and stored with whatever else is waiting (see
    `jaga.service.batching`)."""
    check_jurisdictions(request, key)
    future = running.batcher.submit(request.all_posts(), request.jurisdiction, key)
    try:
        return decisions_document(future.result(timeout=running.budget))
    except TimeoutError:
        future.cancel()  # dropped if it has not started
        raise over_budget(running.budget) from None


# Returns the encoded JSONResponse itself; response_model, not the return annotation, documents its body.
@router.post("/v1/moderate", response_model=ModerateResponse, tags=["moderation"], responses=errors(409, 503))
async def moderate(request: ModerateRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
                   running: ServicesDep, http: Request, body: RawBody,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Moderate one post (`post`) or up to 100 (`posts`). Decisions are stored for the key's
    organisation; the jurisdiction is `jurisdiction`, else each post's country, else ASEAN."""
    if idempotency_key is not None:  # the idempotency record is read and written in the store
        return await run_in_threadpool(idempotent, running.store, key, http, body, idempotency_key,
                                       lambda: moderate_now(running, request, key))
    check_jurisdictions(request, key)
    try:  # a request still queued at the deadline is dropped (its future cancelled), not moderated
        decisions = await asyncio.wait_for(asyncio.wrap_future(
            running.batcher.submit(request.all_posts(), request.jurisdiction, key)), running.budget)
    except TimeoutError:
        raise over_budget(running.budget) from None
    return JSONResponse(decisions_document(decisions))


@router.get("/v1/decisions", response_model=list[DecisionOut], tags=["moderation"], responses=paging.PAGED)
def list_decisions(key: Annotated[ApiKey, Depends(role_in(READERS))], running: ServicesDep,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: paging.CursorParam = None,
                   action: ActionName | None = None,
                   review_status: Literal["none", "pending", "decided", "appealed"] | None = None,
                   post_id: Annotated[ObjectId | None, Query()] = None) -> JSONResponse:
    """The organisation's decisions in the key's jurisdictions, oldest first, each as
    `GET /v1/decisions/{id}` gives it. A page with more after it answers `X-Next-Cursor`: send it
    back as `cursor` for the next one."""
    decisions, last = running.store.scoped(key.org).decision_page(
        key.jurisdictions, after=paging.decode("decisions", cursor, (datetime, str)), limit=limit, action=action,
        review_status=review_status, post_id=post_id)
    # Stored decisions are the documented schema already (`DecisionOut` round-trips them): sent as stored.
    answer = JSONResponse([decision.to_json_dict() for decision in decisions])
    paging.set_next(answer, "decisions", last)
    return answer


@router.get("/v1/decisions/{decision_id}", response_model=DecisionOut, tags=["moderation"])
def get_decision(decision_id: IdParam, key: Annotated[ApiKey, Depends(role_in(READERS))],
             running: ServicesDep) -> DecisionOut:
    """A decision with its statement of reasons: for keys of the same organisation whose
    jurisdictions include the decision's."""
    found = running.store.scoped(key.org).decision(decision_id)
    if found is None or not key.may_see(found.jurisdiction):
        raise ApiError(404, "not_found", f"no decision {decision_id!r}")
    return DecisionOut.of(found)


@router.post("/v1/authority-requests", response_model=ModerateResponse, tags=["moderation"],
             responses=errors(409, 503))
def authority_request(request: ModerateRequest, key: Annotated[ApiKey, Depends(role_in(AUTHORITY_SENDERS))],
                      running: ServicesDep, http: Request, body: RawBody,
                      idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """A government order about posts: each post must carry `authority_request` (agency, channel,
    received_at, ...). Always reviewed by a person against the legal deadline; counted apart."""
    if any(post.authority_request is None for post in request.all_posts()):
        raise ApiError(422, "authority_request_missing", "every post needs an `authority_request`")
    return idempotent(running.store, key, http, body, idempotency_key, lambda: moderate_now(running, request, key))


def authority_item(item: AuthorityInboxItem) -> AuthorityRequestOut:
    document = item.document
    statement = document.get("statement") or {}
    order = statement["authority_request"]
    return AuthorityRequestOut(
        decision_id=document["id"], post_id=document["post_id"], text=item.text,
        jurisdiction=document["jurisdiction"], agency=order["agency"], channel=order.get("channel"),
        reference=order.get("reference"), legal_basis=order.get("legal_basis"), received_at=order.get("received_at"),
        deadline=order.get("deadline") or document.get("deadline"), action=document["action"],
        review_status=document.get("review_status") or "none", categories=list(document.get("categories") or []),
        task_id=item.task_id, task_status=item.task_status)


@router.get("/v1/authority-requests", response_model=list[AuthorityRequestOut], tags=["moderation"],
            responses=paging.PAGED)
def list_authority_requests(key: Annotated[ApiKey, Depends(role_in(CASE_READERS))], running: ServicesDep,
                            response: Response, status: Literal["pending", "all"] = "pending",
                            limit: Annotated[int, Query(ge=1, le=200)] = 50,
                            cursor: paging.CursorParam = None) -> list[AuthorityRequestOut]:
    """The authority-request inbox: decisions brought by a government order in the key's
    jurisdictions, nearest legal deadline first; `pending` (default) keeps those a person has yet
    to decide. A full page answers `X-Next-Cursor`: send it back as `cursor` for the next one."""
    items, last = running.store.scoped(key.org).authority_inbox(status == "pending", key.jurisdictions,
                                                                paging.decode("authority", cursor, (datetime, str)), limit)
    paging.set_next(response, "authority", last)
    return [authority_item(item) for item in items]
