"""What wraps every request before a route sees it: limits on headers, body size and body time,
and the Prometheus metrics of requests and decisions; and the per-key rate limiter the
authentication dependency applies.

Plain ASGI middleware rather than Starlette's `@app.middleware`, which wraps every request in extra
tasks and streams (measured at a sizeable share of a one-post moderation request's cost).
"""

import asyncio
import threading
import time

from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jaga import config
from jaga.service.errors import ApiError

MAX_BODY_BYTES = 2_000_000
TOO_LARGE = f"request bodies are limited to {MAX_BODY_BYTES} bytes"
CLOSE = {"Connection": "close"}


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
