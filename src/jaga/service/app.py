"""The FastAPI application: `create_app()` wires the store, the moderator and the routes.

(No `from __future__ import annotations` here: FastAPI reads the dependency annotations of the
routes at run time, and they refer to closures.)

Access is by API key (`Authorization: Bearer jaga_<id>_<secret>`); each key belongs to one
organisation, has one role and may be limited to some jurisdictions. Every query is scoped to the
key's organisation by the store; a case outside the key's reach answers 404, exactly like one that
does not exist, so scopes leak nothing. Every change is written to the hash-chained audit log.
"""


import asyncio
import gc
import hashlib
import math
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jaga import __version__, config
from jaga.claims.matcher import ClaimMatcher
from jaga.detect.classifier import read_by_encoder_tier
from jaga.moderation import registry_moderator
from jaga.outbound import OutboundPolicy, UnsafeUrl
from jaga.pipeline import Moderator
from jaga.privacy import pseudonymise
from jaga.service import errors
from jaga.service.banks import banks_router
from jaga.service.batching import ModerationBatcher, PostsRejected
from jaga.service.docs import install_docs
from jaga.service.errors import ApiError
from jaga.service.schemas import (
    AppealDecisionOut,
    AppealDecisionRequest,
    AppealOut,
    AppealRequest,
    ClaimMatchOut,
    ClaimSearchRequest,
    DecisionOut,
    Health,
    ModerateRequest,
    ModerateResponse,
    ReportOut,
    ReportRequest,
    ReviewDecisionRequest,
    ReviewTaskOut,
    Transparency,
    WebhookOut,
    WebhookRequest,
)
from jaga.service.webhooks import WebhookDispatcher
from jaga.store import ApiKey, CaseError, Conflict, NotFound, Role, Store
from jaga.store.access import PENDING, idempotency_scope
from jaga.types import Action, Decision, Post

MAX_BODY_BYTES = 2_000_000
TOO_LARGE = f"request bodies are limited to {MAX_BODY_BYTES} bytes"
CLOSE = {"Connection": "close"}
SWITCH_INTERVAL_SECONDS = 0.001

READERS = frozenset(Role)
IdParam = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
WRITERS_OF_CONTENT = frozenset({Role.PLATFORM, Role.ADMIN})
REVIEWERS = frozenset({Role.REVIEWER, Role.ADMIN})
CASE_READERS = frozenset({Role.REVIEWER, Role.ADMIN, Role.AUDITOR, Role.REGULATOR})


class RateLimiter:
    """A token bucket per API key, in this process: `rate` requests a second on average, bursts of
    `burst`. (With several workers each keeps its own buckets.)"""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_needed(self, key_id: str) -> float:
        """0 when the request may go ahead (and is counted), else seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key_id] = (tokens - 1.0, now)
            return 0.0


async def raw_body(request: Request) -> bytes:
    return await request.body()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("jaga_http_requests_total", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram("jaga_http_request_seconds", "Request latency", ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.decisions = Counter("jaga_decisions_total", "Decisions made", ["action", "jurisdiction"],
                                 registry=self.registry)
        self.escalations = Counter("jaga_encoder_escalations_total", "Posts the detection cascade also read with "
                                   "its sentence encoder (each costs ~10 ms)", registry=self.registry)
        self.batch_posts = Histogram("jaga_moderation_batch_posts", "Posts moderated together (requests that "
                                     "arrived while the worker was busy share a batch)", registry=self.registry,
                                     buckets=(1, 2, 4, 8, 16, 32, 64, 128))


class LimitsAndMetrics:
    """Request limits and metrics as plain ASGI middleware. (Starlette's `@app.middleware` wraps
    every request in extra tasks and streams: measured at a sizeable share of a one-post moderation
    request's cost.)

    The body limit counts bytes as they are received, so a chunked body (no Content-Length) or one
    longer than it declared is stopped too: 413 once the count passes MAX_BODY_BYTES, with no more
    than that (and one read) held. The body must also arrive within `body_timeout` seconds, else
    408. Header count and size are bounded again here for servers other than `jaga serve` (whose
    `jaga.service.transport` protocol refuses them before they are buffered). Refusals close the
    connection, so the rest of an oversized body is not read."""

    def __init__(self, app: ASGIApp, metrics: Metrics, body_timeout: float | None = None) -> None:
        self.app, self.metrics = app, metrics
        self.body_timeout = body_timeout if body_timeout is not None else config.body_timeout()
        self.max_headers, self.max_header_bytes = config.max_headers(), config.max_header_bytes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            status, code, message = refusal
            await JSONResponse({"error": {"code": code, "message": message}}, status, headers=CLOSE)(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        received, body_complete = 0, False

        async def limited_receive() -> Message:
            nonlocal received, body_complete
            if body_complete:  # later reads wait for a disconnect, which may take as long as it takes
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise ApiError(408, "request_timeout", f"the request body did not arrive within {self.body_timeout:g} s",
                               headers=CLOSE) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise ApiError(413, "payload_too_large", TOO_LARGE, headers=CLOSE)
                body_complete = not message.get("more_body", False)
            else:
                body_complete = True
            return message

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_and_note)
        finally:
            name = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(name, str(status)).inc()
            self.metrics.latency.labels(name).observe(time.perf_counter() - started)

    def refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        """(status, code, message) for a request refused on its headers alone."""
        headers = scope["headers"]
        if len(headers) > self.max_headers:
            return 431, "headers_too_large", f"at most {self.max_headers} header fields"
        if sum(len(name) + len(value) + 4 for name, value in headers) > self.max_header_bytes:
            return 431, "headers_too_large", f"headers are limited to {self.max_header_bytes} bytes"
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return 413, "payload_too_large", TOO_LARGE
        return None


WARM_UP_POSTS = ("Muslims are vermin and should be thrown out", "Selamat pagi semua, jumpa lagi esok",
                 "跨性别者令人恶心", "Claim your prize now at http://bit.ly/win")
"""Posts that reach every lazily loaded part (cue lexicons, spelling variants, the encoder tier) before
the first request does."""


def warm_up(moderator: Moderator) -> None:
    moderator.moderate_batch([Post(id=f"warm-up-{index}", text=text) for index, text in enumerate(WARM_UP_POSTS)])


def create_app(database_url: str | None = None, moderator: Moderator | None = None,
               deliver_webhooks: bool | None = None, rate: float | None = None, burst: int | None = None,
               webhook_policy: OutboundPolicy | None = None, open_metrics: bool | None = None,
               moderation_budget: float | None = None) -> FastAPI:
    """`deliver_webhooks=False` leaves delivery to the caller (`app.state.webhooks.run_once()`);
    by default it follows JAGA_WEBHOOK_DELIVERY (on). `webhook_policy` decides where webhooks may
    go (default: public addresses and the operator's allow-lists, `jaga.outbound`).
    Rate limits per key default to JAGA_RATE_LIMIT requests/s (50) with bursts of twice that.
    `open_metrics` serves /metrics without a key (default: JAGA_METRICS_OPEN, off).
    `moderation_budget`: seconds a moderation request may wait for its decisions before it is
    answered 503 with Retry-After (default: JAGA_MODERATION_BUDGET, 10)."""
    store = Store(database_url)
    budget = moderation_budget if moderation_budget is not None else config.moderation_budget()
    open_metrics = open_metrics if open_metrics is not None else config.metrics_open()
    rate = rate if rate is not None else config.settings().rate_limit
    limiter = RateLimiter(rate, burst if burst is not None else max(1, int(2 * rate)))
    webhook_policy = webhook_policy or OutboundPolicy.from_environment()
    dispatcher = WebhookDispatcher(store, policy=webhook_policy)
    if deliver_webhooks is None:
        deliver_webhooks = config.webhook_delivery_enabled()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Moderation is CPU-bound: forty request threads (anyio's default) on two cores only add
        # contention and per-thread malloc arenas (measured: ~1 GB RSS under load).
        anyio.to_thread.current_default_thread_limiter().total_tokens = (
            config.settings().threads or 2 * (os.cpu_count() or 1) + 2)
        if deliver_webhooks:
            dispatcher.start()
        await run_in_threadpool(warm_up, app.state.moderator)
        # Everything loaded so far (models, lexicons, word lists: ~400k objects) lives as long as the
        # process: freezing it keeps the garbage collector from walking it again. A full collection
        # over that heap took 100-250 ms, a pause every request in flight would have waited out.
        gc.freeze()
        # The event loop and the moderation worker share the GIL; by default a thread holds it for
        # up to 5 ms before the other may run, so a response waited behind a batch it was not part
        # of. Measured at 200 requests/s: p50 62 -> 40 ms, p99 166 -> 100 ms with 1 ms.
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        yield
        batcher.stop()
        dispatcher.stop()

    app = FastAPI(title="Jaga", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Trust and safety for social media in Southeast Asia: moderation with a statement of "
                              "reasons, fact-check matching, review and appeals.")
    app.state.store = store
    # Over HTTP a post's media are hashes; files are read only under JAGA_MEDIA_ROOTS (jaga.banks).
    app.state.moderator = moderator or registry_moderator(store.url, media_roots=config.media_roots() or ())
    app.state.metrics = Metrics()
    app.state.webhooks = dispatcher

    def count_decisions(decisions: list[Decision]) -> None:
        for decision in decisions:
            app.state.metrics.decisions.labels(str(decision.action), decision.jurisdiction).inc()
            if read_by_encoder_tier(decision.signals):
                app.state.metrics.escalations.inc()

    batcher = ModerationBatcher(lambda: app.state.moderator, store, count_decisions,
                                on_batch=app.state.metrics.batch_posts.observe)
    app.state.batcher = batcher
    matchers: dict[str, ClaimMatcher] = {}  # one claim index per organisation, loaded on first search
    errors.install(app)

    @app.exception_handler(PostsRejected)
    async def _posts_rejected(_: Request, error: PostsRejected) -> Response:
        details = [{"index": index, "post_id": post_id, "problem": problem} for index, post_id, problem in error.problems]
        return JSONResponse({"error": {"code": "post_rejected", "message": "some posts could not be moderated; nothing "
                                       "of this request was stored", "details": details}}, 422)

    def over_budget() -> ApiError:
        """A request past its time: the worker goes on with it (what it finishes is stored), but the
        caller is told at once, so that one slow request cannot hold every other caller's connection."""
        return ApiError(503, "moderation_timeout", f"the posts were not moderated within {budget:g} s (the service is "
                        "busy or they are long); retry later", headers={"Retry-After": str(max(1, math.ceil(budget)))})

    @app.exception_handler(CaseError)
    async def _case_error(_: Request, error: CaseError) -> Response:
        status = 404 if isinstance(error, NotFound) else 409 if isinstance(error, Conflict) else 400
        return JSONResponse({"error": {"code": error.code, "message": str(error)}}, status)

    app.add_middleware(LimitsAndMetrics, metrics=app.state.metrics)

    async def principal(authorization: Annotated[str | None, Header()] = None) -> ApiKey:
        """A key verified in the last few seconds costs no database round trip (nor a thread hop)."""
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(401, "unauthenticated", "send an API key: Authorization: Bearer jaga_...")
        token = authorization.removeprefix("Bearer ").strip()
        key = store.recently_authenticated(token) or await run_in_threadpool(store.authenticate, token)
        if key is None:
            raise ApiError(401, "unauthenticated", "unknown or revoked API key")
        wait = limiter.wait_needed(key.id)
        if wait:
            raise ApiError(429, "rate_limited", f"too many requests for this key; retry in {wait:.2f} s",
                           headers={"Retry-After": str(max(1, math.ceil(wait)))})
        return key

    IdempotencyKey = Annotated[str | None, Header(max_length=200, description="Send the same key to retry a POST "
                                                  "safely: the first response is replayed.")]
    RawBody = Annotated[bytes, Depends(raw_body)]

    def idempotent(key: ApiKey, request: Request, body: bytes, idempotency_key: str | None,
                   produce: Callable[[], Any], status: int = 200) -> Any:
        """Run `produce` once per Idempotency-Key: a retry with the same request gets the stored
        response; the same key with a different request is refused."""
        if idempotency_key is None:
            result = produce()
            return JSONResponse(jsonable_encoder(result) if not isinstance(result, dict) else result, status)
        scoped = store.scoped(key.org)
        fingerprint = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()
        # Per organisation and jurisdiction scope: a TH-scoped key never replays a response made for
        # a key that may act in MY, whatever Idempotency-Key it sends.
        scope = idempotency_scope(key)
        # The key is reserved before the request runs: a concurrent twin (any thread, worker or
        # host) is told to come back rather than running the request a second time.
        remembered = scoped.reserve(idempotency_key, fingerprint, scope)
        if remembered is not None:
            first, stored_status, stored_body = remembered
            if first != fingerprint:
                raise ApiError(409, "idempotency_key_reused", "this Idempotency-Key was used for another request")
            if stored_status == PENDING:
                raise ApiError(409, "idempotency_in_progress",
                               "a request with this Idempotency-Key is still running; retry later",
                               headers={"Retry-After": "1"})
            return JSONResponse(stored_body, stored_status, headers={"Idempotent-Replayed": "true"})
        try:
            content = jsonable_encoder(produce())
        except BaseException:
            scoped.release(idempotency_key, scope)  # a failed request is not remembered: a retry runs it
            raise
        scoped.remember(idempotency_key, fingerprint, status, content, scope)
        return JSONResponse(content, status)

    def role_in(allowed: frozenset[Role]) -> Callable[[ApiKey], Awaitable[ApiKey]]:
        async def check(key: Annotated[ApiKey, Depends(principal)]) -> ApiKey:  # no I/O: no thread hop
            if key.role not in allowed:
                raise ApiError(403, "forbidden", f"the {key.role.value} role cannot do this")
            return key
        return check

    app.include_router(banks_router(store, role_in))

    install_docs(app)  # /docs and /redoc with their assets served from the package, not a CDN
    console = FilePath(__file__).parent / "console"
    app.mount("/console", StaticFiles(directory=console, html=True), name="console")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console/")

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return Health(status="ok", version=__version__, database=store.engine.dialect.name)

    async def metrics_reader(authorization: Annotated[str | None, Header()] = None) -> None:
        """The metrics count every organisation's traffic together: an organisation-wide admin or
        auditor key reads them, unless the operator opened them (JAGA_METRICS_OPEN)."""
        if open_metrics:
            return
        key = await principal(authorization)
        if key.role not in (Role.ADMIN, Role.AUDITOR) or key.jurisdictions:
            raise ApiError(403, "forbidden", "metrics need an admin or auditor key for every jurisdiction")

    @app.get("/metrics", tags=["operations"], response_class=Response, dependencies=[Depends(metrics_reader)])
    def metrics() -> Response:
        return Response(generate_latest(app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # Returns the encoded JSONResponse itself; response_model, not the return annotation, documents its body.
    @app.post("/v1/moderate", response_model=ModerateResponse, tags=["moderation"])
    async def moderate(request: ModerateRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
                       http: Request, body: RawBody, idempotency_key: IdempotencyKey = None) -> JSONResponse:
        """Moderate one post (`post`) or up to 100 (`posts`). Decisions are stored for the key's
        organisation; the jurisdiction is `jurisdiction`, else each post's country, else ASEAN."""
        if idempotency_key is not None:  # the idempotency record is read and written in the store
            return await run_in_threadpool(idempotent, key, http, body, idempotency_key,
                                           lambda: moderate_now(request, key))
        check_jurisdictions(request, key)
        try:  # a request still queued at the deadline is dropped (its future cancelled), not moderated
            decisions = await asyncio.wait_for(asyncio.wrap_future(
                batcher.submit(request.all_posts(), request.jurisdiction, key)), budget)
        except TimeoutError:
            raise over_budget() from None
        return JSONResponse(decisions_document(decisions))

    def check_jurisdictions(request: ModerateRequest, key: ApiKey) -> None:
        for post in request.all_posts():
            wanted = (request.jurisdiction or post.country or "ASEAN").upper()
            if not key.may_see(wanted):
                raise ApiError(403, "jurisdiction_out_of_scope", f"this key cannot act in {wanted}")

    def moderate_now(request: ModerateRequest, key: ApiKey) -> dict[str, Any]:
        """From a request thread: moderated and stored with whatever else is waiting (see
        `jaga.service.batching`)."""
        check_jurisdictions(request, key)
        future = batcher.submit(request.all_posts(), request.jurisdiction, key)
        try:
            return decisions_document(future.result(timeout=budget))
        except TimeoutError:
            future.cancel()  # dropped if it has not started
            raise over_budget() from None

    def decisions_document(decisions: list[Decision]) -> dict[str, Any]:
        # Decision.to_json_dict is already the documented schema: skip re-validating it.
        return {"decisions": [decision.to_json_dict() for decision in decisions]}

    @app.get("/v1/decisions/{decision_id}", response_model=DecisionOut, tags=["moderation"])
    def decision(decision_id: IdParam, key: Annotated[ApiKey, Depends(role_in(READERS))]) -> DecisionOut:
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
        if key.org not in matchers:
            matchers[key.org] = ClaimMatcher(scoped)
        matcher = matchers[key.org]
        matcher.sync()
        return [ClaimMatchOut(**match.to_json()) for match in matcher.search(request.text, request.top_k)]

    def visible_task(key: ApiKey, task_id: str) -> dict[str, Any]:
        task = store.scoped(key.org).review_task(task_id)
        if task is None or not key.may_see(task["jurisdiction"]):
            raise ApiError(404, "not_found", f"no review task {task_id!r}")
        return task

    @app.get("/v1/reviews", response_model=list[ReviewTaskOut], tags=["review"])
    def reviews(key: Annotated[ApiKey, Depends(role_in(CASE_READERS))],
                status: Literal["open", "claimed", "decided"] | None = "open",
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ReviewTaskOut]:
        """The review queue of the key's organisation and jurisdictions, most urgent deadline first."""
        return [ReviewTaskOut(**task) for task in store.scoped(key.org).review_tasks(status, key.jurisdictions, limit)]

    @app.post("/v1/reviews/{task_id}/claim", response_model=ReviewTaskOut, tags=["review"])
    def claim(task_id: IdParam, key: Annotated[ApiKey, Depends(role_in(REVIEWERS))]) -> ReviewTaskOut:
        visible_task(key, task_id)
        return ReviewTaskOut(**store.scoped(key.org).claim_review(task_id, key.id))

    @app.post("/v1/reviews/{task_id}/decide", response_model=DecisionOut, tags=["review"])
    def decide(task_id: IdParam, request: ReviewDecisionRequest,
               key: Annotated[ApiKey, Depends(role_in(REVIEWERS))]) -> DecisionOut:
        """The reviewer's action replaces the automated one; the platform's webhook is told."""
        visible_task(key, task_id)
        decision = store.scoped(key.org).decide_review(task_id, key.id, Action[request.action.upper()], request.note)
        return DecisionOut.of(decision)

    @app.post("/v1/appeals", response_model=AppealOut, status_code=201, tags=["appeals"])
    def file_appeal(request: AppealRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
                    http: Request, body: RawBody, idempotency_key: IdempotencyKey = None) -> AppealOut:
        """File a user's appeal against a decision (the platform relays it)."""
        def file() -> AppealOut:
            found = store.scoped(key.org).decision(request.decision_id)
            if found is None or not key.may_see(found.jurisdiction):
                raise ApiError(404, "not_found", f"no decision {request.decision_id!r}")
            return AppealOut(**store.scoped(key.org).file_appeal(request.decision_id, request.reason, key.id))

        return idempotent(key, http, body, idempotency_key, file, status=201)

    @app.get("/v1/appeals/{appeal_id}", response_model=AppealOut, tags=["appeals"])
    def get_appeal(appeal_id: IdParam, key: Annotated[ApiKey, Depends(role_in(READERS))]) -> AppealOut:
        appeal = store.scoped(key.org).appeal(appeal_id)
        if appeal is None or not key.may_see(appeal["jurisdiction"]):
            raise ApiError(404, "not_found", f"no appeal {appeal_id!r}")
        return AppealOut(**appeal)

    @app.post("/v1/appeals/{appeal_id}/decide", response_model=AppealDecisionOut, tags=["appeals"])
    def decide_appeal(appeal_id: IdParam, request: AppealDecisionRequest,
                      key: Annotated[ApiKey, Depends(role_in(REVIEWERS))]) -> AppealDecisionOut:
        """Upheld reverses the decision; rejected confirms it. Either way the platform is told."""
        get_appeal(appeal_id, key)
        appeal, decision = store.scoped(key.org).decide_appeal(appeal_id, key.id, request.outcome == "upheld",
                                                               request.note)
        return AppealDecisionOut(appeal=AppealOut(**appeal), decision=DecisionOut.of(decision))

    @app.post("/v1/reports", response_model=ReportOut, status_code=201, tags=["reports"])
    def report(request: ReportRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
               http: Request, body: RawBody, idempotency_key: IdempotencyKey = None) -> ReportOut:
        """A user's flag or a trusted flagger's notice: the post's decision goes to a person."""
        def file() -> ReportOut:
            reporter = request.reporter if request.trusted_flagger else pseudonymise(request.reporter) or "anonymous"
            # Only the organisation's decisions in the key's jurisdictions: a key cannot file (and
            # so write) against a case it cannot see; that answers 404 like a post never sent.
            return ReportOut(**store.scoped(key.org).file_report(request.post_id, reporter, request.reason,
                                                                 request.category, request.trusted_flagger,
                                                                 actor=key.id, jurisdictions=key.jurisdictions))

        return idempotent(key, http, body, idempotency_key, file, status=201)

    @app.post("/v1/authority-requests", response_model=ModerateResponse, tags=["moderation"])
    def authority_request(request: ModerateRequest,
                          key: Annotated[ApiKey, Depends(role_in(frozenset({Role.REGULATOR, Role.ADMIN, Role.PLATFORM})))],
                          http: Request, body: RawBody, idempotency_key: IdempotencyKey = None) -> ModerateResponse:
        """A government order about posts: each post must carry `authority_request` (agency, channel,
        received_at, ...). Always reviewed by a person against the legal deadline; counted apart."""
        if any(post.authority_request is None for post in request.all_posts()):
            raise ApiError(422, "authority_request_missing", "every post needs an `authority_request`")
        return idempotent(key, http, body, idempotency_key, lambda: moderate_now(request, key))

    @app.get("/v1/transparency", response_model=Transparency, tags=["reports"])
    def transparency(key: Annotated[ApiKey, Depends(role_in(READERS))],
                     jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,5}$")] = None,
                     since: datetime | None = None, until: datetime | None = None) -> Transparency:
        """Aggregates for transparency reporting over the key's organisation and jurisdictions."""
        wanted = (jurisdiction.upper(),) if jurisdiction else key.jurisdictions
        if jurisdiction and not key.may_see(jurisdiction):
            raise ApiError(404, "not_found", f"no data for {jurisdiction.upper()}")
        return Transparency(**store.scoped(key.org).transparency(wanted, since, until))

    def author_pseudonym(author_id: str) -> str:
        return pseudonymise(author_id) or author_id

    AuthorParam = Annotated[str, Path(min_length=1, max_length=256, pattern=r"^[^\x00/]+$",
                                      description="The platform's own author id (pseudonymised here) or the pseudonym.")]

    @app.get("/v1/authors/{author_id}/data", tags=["privacy"])
    def author_data(author_id: AuthorParam,
                    key: Annotated[ApiKey, Depends(role_in(frozenset({Role.ADMIN, Role.AUDITOR})))]) -> dict[str, Any]:
        """Everything held about one author in the organisation: posts, decisions, strikes, reports.
        A key limited to some jurisdictions gets the posts decided there and only those decisions."""
        return jsonable_encoder(store.scoped(key.org).author_data(author_pseudonym(author_id), key.jurisdictions))

    @app.delete("/v1/authors/{author_id}", tags=["privacy"])
    def erase_author(author_id: AuthorParam,
                     key: Annotated[ApiKey, Depends(role_in(frozenset({Role.ADMIN})))]) -> dict[str, int]:
        """Erase one author's posts, strikes and reports; their words are removed from decisions,
        which are kept for transparency and appeals, and from every copy (reviews, appeals,
        reports about the posts, webhook deliveries, remembered responses). A key limited to some
        jurisdictions erases only posts all of whose decisions lie in them."""
        return store.scoped(key.org).erase_author(author_pseudonym(author_id), key.id, key.jurisdictions)

    @app.put("/v1/webhook", response_model=WebhookOut, tags=["webhooks"])
    def set_webhook(request: WebhookRequest, key: Annotated[ApiKey, Depends(role_in(frozenset({Role.ADMIN})))]) -> WebhookOut:
        """Where the organisation's events go (decision.created, decision.reviewed, appeal.decided).
        The webhook serves every jurisdiction: only an organisation-wide admin key may set it."""
        if key.jurisdictions:
            raise ApiError(403, "forbidden", "the webhook serves the whole organisation: use an admin key "
                           "for every jurisdiction")
        try:
            secret = store.scoped(key.org).set_webhook(str(request.url), webhook_policy)
        except UnsafeUrl as refusal:
            raise ApiError(422, "webhook_url_refused", str(refusal)) from None
        store.scoped(key.org).audit(key.id, "webhook.set", str(request.url)[:256], {})
        return WebhookOut(url=str(request.url), secret=secret)

    return app
