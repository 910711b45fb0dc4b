"""Limits at the transport for `jaga serve`: what uvicorn's fast HTTP parser does not bound itself.

uvicorn parses requests with httptools (measured faster here than h11; see pyproject), which has
no limit on the size or number of headers, and uvicorn starts no timer until a first response
is sent: a client could hold a connection forever by sending a request's headers a byte at a
time, or make the server buffer megabytes of headers. `GuardedHttpToolsProtocol` adds:

- a header deadline: a request's line and headers must arrive within `JAGA_HEADER_TIMEOUT`
  seconds of its first byte (of the connection, for a new one), else 408 and the connection closes;
- a header size limit, counted as bytes arrive (before the parser buffers them):
  `JAGA_MAX_HEADER_BYTES`, else 431 and the connection closes;
- a header count limit: `JAGA_MAX_HEADERS`, else 431.

The body limit and body deadline are the application's (`LimitsAndMetrics` in `jaga.service.app`),
so they hold under any server. `server_options()` is what `jaga serve` hands to uvicorn.
"""

from __future__ import annotations

import asyncio
import http
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from jaga import config

HEADERS_END = b"\r\n\r\n"


class _Refused(Exception):
    """Stops the parser mid-chunk once a request has been refused."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline and header size and count limits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = config.header_timeout()
        self.max_header_bytes = config.max_header_bytes()
        self.max_headers = config.max_headers()
        self.reading_headers = True  # until the current request's headers are complete
        self.header_bytes = 0
        self.tail = b""  # the last bytes seen, to find a header end split across reads
        self.header_timer: asyncio.TimerHandle | None = None
        self.refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.reading_headers:
            seen = self.tail + data
            end = seen.find(HEADERS_END)
            self.header_bytes += len(data) if end < 0 else max(0, end + len(HEADERS_END) - len(self.tail))
            self.tail = seen[-(len(HEADERS_END) - 1):]
            if self.header_bytes > self.max_header_bytes:
                self.refuse(431, f"request headers are limited to {self.max_header_bytes} bytes")
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.arm_header_timer()

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self.headers) >= self.max_headers:
            self.refuse(431, f"at most {self.max_headers} header fields")
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.reading_headers = False
        self.disarm_header_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.reading_headers, self.header_bytes, self.tail = True, 0, b""

    def send_400_response(self, msg: str) -> None:
        if not self.refused:  # the parser's complaint about a request already refused (_Refused)
            super().send_400_response(msg)

    def arm_header_timer(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.header_timeout, self.headers_too_slow)

    def disarm_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def headers_too_slow(self) -> None:
        self.header_timer = None
        if self.reading_headers and not self.transport.is_closing():
            if self.header_bytes:
                self.refuse(408, f"request headers did not arrive within {self.header_timeout:g} s")
            else:  # an idle new connection: nothing to answer
                self.refused = True
                self.transport.close()

    def refuse(self, status: int, message: str) -> None:
        """Answer `status` and close: nothing more is read from this connection."""
        self.refused = True
        self.disarm_header_timer()
        self.logger.warning("Refused a request from %s: %s", self.client, message)
        body = message.encode("ascii")
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (status, http.HTTPStatus(status).phrase.encode("ascii"),
                                                               len(body), body))
        self.transport.close()


def server_options() -> dict[str, Any]:
    """uvicorn settings for `jaga serve`: the guarded protocol, a short keep-alive, and a cap on
    open connections per worker (`JAGA_MAX_CONNECTIONS`; past it requests are answered 503)."""
    return {"http": GuardedHttpToolsProtocol, "timeout_keep_alive": 5, "limit_concurrency": config.max_connections()}
