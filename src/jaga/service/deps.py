"""The dependencies routes declare (FastAPI `Depends`), in one place: the running services, the
caller's API key and role, and the Idempotency-Key contract.

Routes read everything through these, never through module globals or closures, so a route module
is a plain `APIRouter` that any app built by `create_app` can include, and a test can build an app
with other services (another database, a stub moderator) without touching the routes.

(No `from __future__ import annotations`: FastAPI reads these annotations at run time.)
"""

import hashlib
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from jaga.claims.matcher import ClaimMatcher
from jaga.outbound import OutboundPolicy
from jaga.service.batching import ModerationBatcher
from jaga.service.errors import ApiError
from jaga.service.middleware import Metrics, RateLimiter
from jaga.service.webhooks import WebhookDispatcher
from jaga.store import ApiKey, Role, Store
from jaga.store.access import PENDING, idempotency_scope

READERS = frozenset(Role)
WRITERS_OF_CONTENT = frozenset({Role.PLATFORM, Role.ADMIN})
REVIEWERS = frozenset({Role.REVIEWER, Role.ADMIN})
CASE_READERS = frozenset({Role.REVIEWER, Role.ADMIN, Role.AUDITOR, Role.REGULATOR})
ADMINS = frozenset({Role.ADMIN})
PRIVACY_OFFICERS = frozenset({Role.ADMIN, Role.AUDITOR})
AUTHORITY_SENDERS = frozenset({Role.REGULATOR, Role.ADMIN, Role.PLATFORM})


@dataclass
class Services:
    """What one running service holds: built once by `create_app`, kept on `app.state.services`."""

    store: Store
    batcher: ModerationBatcher
    limiter: RateLimiter
    webhooks: WebhookDispatcher
    webhook_policy: OutboundPolicy
    metrics: Metrics
    budget: float
    """Seconds a moderation request may wait for its decisions (JAGA_MODERATION_BUDGET)."""
    open_metrics: bool
    matchers: dict[str, ClaimMatcher] = field(default_factory=dict)
    """One claim index per organisation, loaded on its first search."""


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


async def principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> ApiKey:
    """The caller's API key, verified and rate-limited. A key verified in the last few seconds costs
    no database round trip (nor a thread hop)."""
    running = services(request)
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiError(401, "unauthenticated", "send an API key: Authorization: Bearer jaga_...")
    token = authorization.removeprefix("Bearer ").strip()
    key = running.store.recently_authenticated(token) or await run_in_threadpool(running.store.authenticate, token)
    if key is None:
        raise ApiError(401, "unauthenticated", "unknown or revoked API key")
    request.state.key_id = key.id  # for the access log
    wait, budget = running.limiter.check(key.id)
    if budget is not None:
        request.state.rate_limit = budget  # the middleware adds the RateLimit-* headers to the response
    if wait:
        raise ApiError(429, "rate_limited", f"too many requests for this key; retry in {wait:.2f} s",
                       headers={"Retry-After": str(max(1, math.ceil(wait)))})
    return key


def role_in(allowed: frozenset[Role]) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency: the caller's key, if its role is one of `allowed` (else 403)."""
    async def check(key: Annotated[ApiKey, Depends(principal)]) -> ApiKey:  # no I/O: no thread hop
        if key.role not in allowed:
            raise ApiError(403, "forbidden", f"the {key.role.value} role cannot do this")
        return key
    return check


async def raw_body(request: Request) -> bytes:
    return await request.body()


IdParam = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
RawBody = Annotated[bytes, Depends(raw_body)]
IdempotencyKey = Annotated[str | None, Header(max_length=200, description="Send the same key to retry a POST "
                                              "safely: the first response is replayed.")]


def idempotent(store: Store, key: ApiKey, request: Request, body: bytes, idempotency_key: str | None,
               produce: Callable[[], Any], status: int = 200) -> JSONResponse:
    """Run `produce` once per Idempotency-Key: a retry with the same request gets the stored
    response; the same key with a different request is refused; a concurrent twin (any thread,
    worker or host) is told to come back, because the key is reserved before the request runs."""
    if idempotency_key is None:
        result = produce()
        return JSONResponse(jsonable_encoder(result) if not isinstance(result, dict) else result, status)
    scoped = store.scoped(key.org)
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()
    # Per organisation and jurisdiction scope: a TH-scoped key never replays a response made for a
    # key that may act in MY, whatever Idempotency-Key it sends.
    scope = idempotency_scope(key)
    remembered = scoped.reserve(idempotency_key, fingerprint, scope)
    if remembered is not None:
        first, stored_status, stored_body = remembered
        if first != fingerprint:
            raise ApiError(409, "idempotency_key_reused", "this Idempotency-Key was used for another request")
        if stored_status == PENDING:
            raise ApiError(409, "idempotency_in_progress", "a request with this Idempotency-Key is still running; "
                           "retry later", headers={"Retry-After": "1"})
        return JSONResponse(stored_body, stored_status, headers={"Idempotent-Replayed": "true"})
    try:
        content = jsonable_encoder(produce())
    except BaseException:
        scoped.release(idempotency_key, scope)  # a failed request is not remembered: a retry runs it
        raise
    scoped.remember(idempotency_key, fingerprint, status, content, scope)
    return JSONResponse(content, status)
