"""The FastAPI application: `create_app()` builds the running services, the middleware and the
error handlers, and includes the routes (one module per resource in `jaga.service.routes`, reading
what they need through `jaga.service.deps`).

Access is by API key (`Authorization: Bearer jaga_<id>_<secret>`); each key belongs to one
organisation, has one role and may be limited to some jurisdictions. Every query is scoped to the
key's organisation by the store; a case outside the key's reach answers 404, exactly like one that
does not exist, so scopes leak nothing. Every change is written to the hash-chained audit log.
"""

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from jaga import __version__, config
from jaga.detect.base import read_by_encoder_tier
from jaga.moderation import registry_moderator
from jaga.outbound import OutboundPolicy
from jaga.pipeline import Moderator, freeze_loaded_heap
from jaga.service import errors
from jaga.service.banks import banks_router
from jaga.service.batching import ModerationBatcher, PostsRejected
from jaga.service.campaigns import campaigns_router
from jaga.service.deps import Services, role_in
from jaga.service.docs import install_docs
from jaga.service.exchange import exchange_router
from jaga.service.middleware import LimitsAndMetrics, Metrics, RateLimiter
from jaga.service.openapi import install_contract
from jaga.service.routes import ROUTERS
from jaga.service.webhooks import WebhookDispatcher
from jaga.store import CaseError, Conflict, NotFound, Store
from jaga.types import Decision, Post

SWITCH_INTERVAL_SECONDS = 0.001


WARM_UP_POSTS = ("Muslims are vermin and should be thrown out", "Selamat pagi semua, jumpa lagi esok",
                 "跨性别者令人恶心", "Claim your prize now at http://bit.ly/win")
"""Posts that reach every lazily loaded part (cue lexicons, spelling variants, the encoder tier) before
the first request does."""


def warm_up(moderator: Moderator) -> None:
    moderator.moderate_batch([Post(id=f"warm-up-{index}", text=text) for index, text in enumerate(WARM_UP_POSTS)])


def operation_id(route: APIRoute) -> str:
    """The route function's name (`moderate`, `get_appeal`): stable ids for generated clients,
    instead of FastAPI's path-derived `decision_v1_decisions__decision_id__get`."""
    return route.name


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
    settings = config.settings()
    store = Store(database_url)
    rate = rate if rate is not None else settings.rate_limit
    webhook_policy = webhook_policy or OutboundPolicy.from_environment()
    deliver_webhooks = settings.webhook_delivery if deliver_webhooks is None else deliver_webhooks
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Moderation is CPU-bound: forty request threads (anyio's default) on two cores only add
        # contention and per-thread malloc arenas (measured: ~1 GB RSS under load).
        anyio.to_thread.current_default_thread_limiter().total_tokens = (
            settings.threads or 2 * (os.cpu_count() or 1) + 2)
        if deliver_webhooks:
            running.webhooks.start()
        await run_in_threadpool(warm_up, app.state.moderator)
        app.state.ready = True  # /readyz answers 200 from now on
        # A full collection over the loaded heap took 100-250 ms, a pause every request in flight
        # would have waited out (`freeze_loaded_heap`).
        freeze_loaded_heap()
        # The event loop and the moderation worker share the GIL; by default a thread holds it for
        # up to 5 ms before the other may run, so a response waited behind a batch it was not part
        # of. Measured at 200 requests/s: p50 62 -> 40 ms, p99 166 -> 100 ms with 1 ms.
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        yield
        running.batcher.stop()
        running.webhooks.stop()

    app = FastAPI(title="Jaga", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  generate_unique_id_function=operation_id,
                  description="Trust and safety for social media in Southeast Asia: moderation with a statement of "
                              "reasons, fact-check matching, review and appeals.")
    # Over HTTP a post's media are hashes; files are read only under JAGA_MEDIA_ROOTS (jaga.banks).
    app.state.moderator = moderator or registry_moderator(store.url, media_roots=settings.media_roots or ())

    def count_decisions(decisions: list[Decision]) -> None:
        for decision in decisions:
            metrics.decisions.labels(str(decision.action), decision.jurisdiction).inc()
            if read_by_encoder_tier(decision.signals):
                metrics.escalations.inc()

    running = Services(
        store=store, metrics=metrics, webhook_policy=webhook_policy,
        batcher=ModerationBatcher(lambda: app.state.moderator, store, count_decisions, on_batch=metrics.batch_posts.observe),
        limiter=RateLimiter(rate, burst if burst is not None else max(1, int(2 * rate)), settings.rate_limit_storage),
        webhooks=WebhookDispatcher(store, policy=webhook_policy),
        budget=moderation_budget if moderation_budget is not None else settings.moderation_budget,
        open_metrics=open_metrics if open_metrics is not None else settings.metrics_open)
    app.state.services = running
    app.state.ready = False
    # The parts tests and operators reach for directly.
    app.state.store, app.state.webhooks, app.state.batcher, app.state.metrics = (
        store, running.webhooks, running.batcher, metrics)

    errors.install(app)

    @app.exception_handler(PostsRejected)
    async def _posts_rejected(_: Request, error: PostsRejected) -> Response:
        details = [{"index": index, "post_id": post_id, "problem": problem} for index, post_id, problem in error.problems]
        return JSONResponse({"error": {"code": "post_rejected", "message": "some posts could not be moderated; nothing "
                                       "of this request was stored", "details": details}}, 422)

    @app.exception_handler(CaseError)
    async def _case_error(_: Request, error: CaseError) -> Response:
        status = 404 if isinstance(error, NotFound) else 409 if isinstance(error, Conflict) else 400
        return JSONResponse({"error": {"code": error.code, "message": str(error)}}, status)

    app.add_middleware(LimitsAndMetrics, metrics=metrics)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(banks_router(store, role_in))
    app.include_router(exchange_router(store, role_in))
    app.include_router(campaigns_router(role_in))
    install_contract(app)  # bearer security scheme, one Error schema on every error answer
    install_docs(app)  # /docs and /redoc with their assets served from the package, not a CDN
    app.mount("/console", StaticFiles(directory=Path(__file__).parent / "console", html=True), name="console")
    return app
