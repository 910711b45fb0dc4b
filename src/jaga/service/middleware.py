"""What wraps every request before a route sees it: limits on headers, body size and body time,
and the Prometheus metrics of requests and decisions; and the per-key rate limiter the
authentication dependency applies.

Plain ASGI middleware rather than Starlette's `@app.middleware`, which wraps every request in extra
tasks and streams (measured at a sizeable share of a one-post moderation request's cost).
"""

import asyncio
import logging
import math
import os
import re
import time
import uuid
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jaga import config
from jaga.service.errors import ApiError

MAX_BODY_BYTES = 2_000_000
TOO_LARGE = f"request bodies are limited to {MAX_BODY_BYTES} bytes"
CLOSE = {"Connection": "close"}
log = logging.getLogger(__name__)
access_log = logging.getLogger("jaga.access")
"""One line per request (`jaga serve --log-format json` writes them as JSON objects): request id,
method, route template (never the path with its ids), status, duration and the API key's id."""
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


def _request_id(scope: Scope) -> str:
    """The caller's `X-Request-ID` when it is a plain token (so a platform can follow one request
    through its logs and Jaga's), else a new one; it comes back in the response's header."""
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _REQUEST_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


def rate_limit_headers(state: "RateLimitState") -> list[tuple[bytes, bytes]]:
    """The IETF draft's `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds), as ASGI headers."""
    return [(b"ratelimit-limit", str(state.limit).encode()), (b"ratelimit-remaining", str(state.remaining).encode()),
            (b"ratelimit-reset", str(math.ceil(state.reset)).encode())]


@dataclass(frozen=True)
class RateLimitState:
    """What the `RateLimit-*` response headers tell a client about its key's budget."""

    limit: int
    remaining: int
    reset: float
    """Seconds until the window's budget is back."""


class RateLimiter:
    """Requests per API key: `rate` a second on average, bursts of up to `burst`, counted by the
    `limits` library in a sliding window of burst/rate seconds (at least one).

    The counts live in `storage` (`JAGA_RATE_LIMIT_STORAGE`): `memory://` keeps them in this process,
    so each `jaga serve` worker counts on its own; `redis://host:6379` shares them between every
    worker and host. If the shared store cannot be reached the request goes ahead (rate limiting
    fails open: an outage of the counter must not become an outage of moderation), and a warning is
    logged at most once a minute."""

    def __init__(self, rate: float, burst: int, storage: str = "memory://", key_prefix: str = "jaga") -> None:
        window = max(1, round(burst / rate))
        self.item = RateLimitItemPerSecond(max(1, round(rate * window)), window)
        options = {"key_prefix": key_prefix} if not storage.startswith("memory") else {}
        self.limiter = SlidingWindowCounterRateLimiter(storage_from_string(storage, **options))
        self._warned = 0.0

    def check(self, key_id: str) -> tuple[float, RateLimitState | None]:
        """(0, state) when the request may go ahead (and is counted), else (seconds until it may, state)."""
        try:
            allowed = self.limiter.hit(self.item, key_id)
            stats = self.limiter.get_window_stats(self.item, key_id)
        except Exception as error:  # the storage's own errors (redis, connection) vary by backend
            now = time.monotonic()
            if now - self._warned > 60:
                self._warned = now
                log.warning("rate limits not applied: their store failed (%s)", error)
            return 0.0, None
        reset = max(0.0, stats.reset_time - time.time())
        state = RateLimitState(self.item.amount, stats.remaining, reset)
        return (0.0 if allowed else max(reset, 0.001)), state


class Metrics:
    """The service's Prometheus metrics.

    With several `jaga serve` workers each process counts its own requests; `jaga serve --workers N`
    therefore runs prometheus_client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, a folder every
    worker writes its values to), and `exposition()` sums the workers' files, so whichever worker
    answers a scrape reports the whole service. In one process the registry also carries the default
    process, platform and garbage-collector metrics (in multiprocess mode those would describe only
    the worker that answered, so they are left out)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        if not self.multiprocess:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
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

    def exposition(self) -> bytes:
        """The text format a scraper reads: every worker's values in multiprocess mode."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        combined = CollectorRegistry()
        MultiProcessCollector(combined)
        return generate_latest(combined)


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
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
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
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                budget = scope.get("state", {}).get("rate_limit")
                if budget is not None:  # set by the authentication dependency (jaga.service.deps)
                    headers += rate_limit_headers(budget)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_and_note)
        finally:
            name = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(name, str(status)).inc()
            self.metrics.latency.labels(name).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("%s %s %s", scope["method"], name, status, extra={
                    "request_id": request_id, "method": scope["method"], "route": name, "status": status,
                    "duration_ms": round(elapsed * 1000, 1), "key": scope.get("state", {}).get("key_id")})

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
