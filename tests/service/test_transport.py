"""Limits at the transport, against a real uvicorn server on 127.0.0.1 configured as `jaga serve`
configures it (`jaga.service.transport.server_options`) with short deadlines: a chunked body over
the limit is refused while it streams, oversized or too many headers are refused before they are
buffered, and a client that stalls in its headers or its body is cut off."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.service.middleware import MAX_BODY_BYTES
from jaga.service.transport import server_options
from jaga.store import Role, Store

from .live import live_server

HEADER_TIMEOUT = 0.5
BODY_TIMEOUT = 1.0
MAX_CONNECTIONS = 8


class Server:
    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, moderator: Moderator) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("transport")
    database_url = f"sqlite:///{folder / 'jaga.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAGA_HOME", str(folder))
        patch.setenv("JAGA_HEADER_TIMEOUT", str(HEADER_TIMEOUT))
        patch.setenv("JAGA_BODY_TIMEOUT", str(BODY_TIMEOUT))
        patch.setenv("JAGA_MAX_CONNECTIONS", str(MAX_CONNECTIONS))
        token = Store(database_url).scoped("acme").create_key("platform", Role.PLATFORM)[1]
        app = create_app(database_url, moderator, deliver_webhooks=False)
        with live_server(app, **server_options()) as port:
            yield Server(port, token)


def read_response(connection: socket.socket, timeout: float = 5.0) -> tuple[int, bytes]:
    """(status, body) of the response on `connection`, read until the server closes it."""
    connection.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = connection.recv(65_536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]) if head else 0, body


def test_requests_within_the_limits_are_served_and_kept_alive(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", headers=headers) as client:
        post = {"post": {"id": "t1", "text": "Selamat pagi semua, jumpa lagi esok"}}
        assert client.post("/v1/moderate", json=post).status_code == 200
        assert client.get("/healthz").status_code == 200  # the same connection, kept alive


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(server: Server) -> None:
    """No Content-Length to check up front: the bytes are counted as they arrive, and the answer
    (413, connection closed) comes once the limit is passed, not after the whole body."""
    connection = server.connect()
    connection.sendall(b"POST /v1/moderate HTTP/1.1\r\nHost: jaga\r\nContent-Type: application/json\r\n"
                       b"Authorization: Bearer " + server.token.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65_536, b"x" * 65_536)
    sent, cap = 0, 300 * 1024 * 1024
    try:
        while sent < cap and not select.select([connection], [], [], 0)[0]:
            connection.sendall(chunk)
            sent += 65_536
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed by the server once it had answered
    status, body = read_response(connection)
    connection.close()
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    assert sent < MAX_BODY_BYTES + 32 * 1024 * 1024  # the limit, plus what the kernel's socket buffers held


def test_oversized_headers_are_refused_before_they_are_buffered(server: Server) -> None:
    """Headers that never end are refused (431) as soon as they pass the size or count limit, well
    before the header deadline would have closed the connection (408)."""
    connection = server.connect()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # closed by the server mid-send
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: jaga\r\nX-Padding: " + b"a" * 200_000)
    status, body = read_response(connection)
    connection.close()
    assert status == 431 and b"32768 bytes" in body
    many = b"".join(b"X-Header-%d: %d\r\n" % (index, index) for index in range(150))
    connection = server.connect()
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: jaga\r\n" + many)
    status, body = read_response(connection)
    connection.close()
    assert status == 431 and b"at most 100 header fields" in body


def test_a_client_stalling_in_its_headers_is_disconnected(server: Server) -> None:
    """The deadline counts from a request's first byte: sending a byte now and then does not extend it."""
    started = time.monotonic()
    stalled, idle, dripping = server.connect(), server.connect(), server.connect()
    stalled.sendall(b"GET /healthz HTTP/1.1\r\nHost: jaga\r\n")
    status, _ = read_response(stalled)
    assert status == 408 and time.monotonic() - started < HEADER_TIMEOUT + 1.0
    assert idle.recv(1) == b""  # a connection that never sent a byte is closed too
    closed_after = None
    dripping.sendall(b"GET /healthz HTTP/1.1\r\n")
    for byte in b"X-Slow: " + b"a" * 40:
        try:
            dripping.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - started
            break
        time.sleep(0.05)
    for connection in (stalled, idle, dripping):
        connection.close()
    assert closed_after is not None and closed_after < HEADER_TIMEOUT + 1.5


def test_a_client_stalling_in_its_body_is_answered_408(server: Server) -> None:
    connection = server.connect()
    started = time.monotonic()
    connection.sendall(b"POST /v1/moderate HTTP/1.1\r\nHost: jaga\r\nContent-Type: application/json\r\n"
                       b"Authorization: Bearer " + server.token.encode() + b"\r\nContent-Length: 100\r\n\r\n{\"post\":")
    status, body = read_response(connection)
    connection.close()
    assert status == 408 and json.loads(body)["error"]["code"] == "request_timeout"
    assert time.monotonic() - started < BODY_TIMEOUT + 1.5


def test_connections_past_the_cap_are_answered_503(server: Server) -> None:
    held = [server.connect() for _ in range(MAX_CONNECTIONS)]
    try:
        connection = server.connect()
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: jaga\r\nConnection: close\r\n\r\n")
        status, _ = read_response(connection)
        connection.close()
    finally:
        for idle in held:
            idle.close()
    assert status == 503


def test_the_application_bounds_headers_under_any_server(tmp_path: Path, moderator: Moderator) -> None:
    """Behind a server other than `jaga serve`, the application itself refuses too many headers."""
    with TestClient(create_app(f"sqlite:///{tmp_path / 'jaga.db'}", moderator, deliver_webhooks=False)) as client:
        many = {f"X-Header-{index}": str(index) for index in range(150)}
        response = client.get("/healthz", headers=many)
        assert response.status_code == 431 and response.json()["error"]["code"] == "headers_too_large"
        assert client.get("/healthz", headers={"X-Padding": "a" * 40_000}).status_code == 431
        assert client.get("/healthz").status_code == 200
