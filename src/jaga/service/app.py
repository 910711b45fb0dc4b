"""The FastAPI application: `create_app()` wires the store, the moderator and the routes.

(No `from __future__ import annotations` here: FastAPI reads the dependency annotations of the
routes at run time, and they refer to closures.)

Access is by API key (`Authorization: Bearer jaga_<id>_<secret>`); each key belongs to one
organisation, has one role and may be limited to some jurisdictions. Every query is scoped to the
key's organisation by the store; a case outside the key's reach answers 404, exactly like one that
does not exist, so scopes leak nothing. Every change is written to the hash-chained audit log.
"""


import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import text

from jaga import __version__
from jaga.pipeline import Moderator
from jaga.service import errors
from jaga.service.errors import ApiError
from jaga.service.schemas import (
    ClaimMatchOut,
    ClaimSearchRequest,
    DecisionOut,
    Health,
    ModerateRequest,
    ModerateResponse,
)
from jaga.store import ApiKey, Role, Store

MAX_BODY_BYTES = 2_000_000

READERS = frozenset(Role)
WRITERS_OF_CONTENT = frozenset({Role.PLATFORM, Role.ADMIN})


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("jaga_http_requests_total", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram("jaga_http_request_seconds", "Request latency", ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.decisions = Counter("jaga_decisions_total", "Decisions made", ["action", "jurisdiction"],
                                 registry=self.registry)


def create_app(database_url: str | None = None, moderator: Moderator | None = None) -> FastAPI:
    store = Store(database_url)
    app = FastAPI(title="Jaga", version=__version__,
                  description="Trust and safety for social media in Southeast Asia: moderation with a statement of "
                              "reasons, fact-check matching, review and appeals.")
    app.state.store = store
    app.state.moderator = moderator or Moderator.with_registry(store.url)
    app.state.metrics = Metrics()
    errors.install(app)

    @app.middleware("http")
    async def _limits_and_metrics(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            from fastapi.responses import JSONResponse

            return JSONResponse({"error": {"code": "payload_too_large",
                                           "message": f"request bodies are limited to {MAX_BODY_BYTES} bytes"}}, 413)
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", "unmatched")
        app.state.metrics.requests.labels(name, str(response.status_code)).inc()
        app.state.metrics.latency.labels(name).observe(time.perf_counter() - started)
        return response

    def principal(authorization: Annotated[str | None, Header()] = None) -> ApiKey:
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(401, "unauthenticated", "send an API key: Authorization: Bearer jaga_...")
        key = store.authenticate(authorization.removeprefix("Bearer ").strip())
        if key is None:
            raise ApiError(401, "unauthenticated", "unknown or revoked API key")
        return key

    def role_in(allowed: frozenset[Role]) -> Callable[[ApiKey], ApiKey]:
        def check(key: Annotated[ApiKey, Depends(principal)]) -> ApiKey:
            if key.role not in allowed:
                raise ApiError(403, "forbidden", f"the {key.role.value} role cannot do this")
            return key
        return check

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return Health(status="ok", version=__version__, database=store.engine.dialect.name)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics() -> Response:
        return Response(generate_latest(app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/moderate", response_model=ModerateResponse, tags=["moderation"])
    def moderate(request: ModerateRequest,
                 key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))]) -> ModerateResponse:
        """Moderate one post (`post`) or up to 100 (`posts`). Decisions are stored for the key's
        organisation; the jurisdiction is `jurisdiction`, else each post's country, else ASEAN."""
        posts = request.all_posts()
        moderator: Moderator = app.state.moderator
        for post in posts:
            wanted = (request.jurisdiction or post.country or "ASEAN").upper()
            if not key.may_see(wanted):
                raise ApiError(403, "jurisdiction_out_of_scope", f"this key cannot act in {wanted}")
        decisions = moderator.moderate_batch(posts, request.jurisdiction)
        scoped = store.scoped(key.org)
        prepared = [moderator.prepare(post).post for post in posts]  # pseudonymised author ids
        scoped.save(prepared, decisions)
        scoped.audit(key.id, "moderate", ",".join(d.id for d in decisions)[:256],
                     {"decisions": [{"id": d.id, "post_id": d.post_id, "action": str(d.action)} for d in decisions]})
        for decision in decisions:
            app.state.metrics.decisions.labels(str(decision.action), decision.jurisdiction).inc()
        return ModerateResponse(decisions=[DecisionOut.of(decision) for decision in decisions])

    @app.get("/v1/decisions/{decision_id}", response_model=DecisionOut, tags=["moderation"])
    def decision(decision_id: str, key: Annotated[ApiKey, Depends(role_in(READERS))]) -> DecisionOut:
        """A decision with its statement of reasons: for keys of the same organisation whose
        jurisdictions include the decision's."""
        found = store.scoped(key.org).decision(decision_id)
        if found is None or not key.may_see(found.jurisdiction):
            raise ApiError(404, "not_found", f"no decision {decision_id!r}")
        return DecisionOut.of(found)

    @app.post("/v1/claims/search", response_model=list[ClaimMatchOut], tags=["claims"])
    def claims_search(request: ClaimSearchRequest,
                      key: Annotated[ApiKey, Depends(role_in(READERS))]) -> list[ClaimMatchOut]:
        """The fact-checks in the organisation's registry that a text repeats, best first."""
        scoped = store.scoped(key.org)
        if not scoped.count_fact_checks():
            return []
        matcher = _matchers(app, key.org, scoped)
        matcher.sync()
        return [ClaimMatchOut(**match.to_json()) for match in matcher.search(request.text, request.top_k)]

    def _matchers(app: FastAPI, org: str, scoped: Store) -> Any:
        from jaga.claims.matcher import ClaimMatcher

        cache: dict[str, ClaimMatcher] = app.state.__dict__.setdefault("matchers", {})
        if org not in cache:
            cache[org] = ClaimMatcher(scoped)
        return cache[org]

    return app
