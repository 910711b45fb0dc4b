"""Webhook delivery: signed, retried with exponential backoff, from the store's outbox.

Each request carries `X-Jaga-Event`, `X-Jaga-Delivery`, `X-Jaga-Timestamp` and
`X-Jaga-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` under the organisation's
secret. A platform verifies it with `verify_signature` (or the same three lines in its own
language) and rejects stale timestamps to stop replays.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from jaga.outbound import OutboundPolicy, Target, UnsafeUrl
from jaga.store import DueDelivery, Store
from jaga.types import now_utc

MAX_SKEW_SECONDS = 300
"""A claimed delivery: (id, organisation, url, secret, event, payload)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None) -> bool:
    """True when the signature matches and the timestamp is within five minutes."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= MAX_SKEW_SECONDS and hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookDispatcher:
    """Sends what the store's outbox holds. Every delivery checks its URL again (`jaga.outbound`) and
    connects to the address that check resolved, with the URL's own host name in `Host` and in TLS
    (SNI and certificate), so what was allowed is exactly what is reached."""

    def __init__(self, store: Store, interval: float = 1.0, base_seconds: float = 1.0, timeout: float = 5.0,
                 policy: OutboundPolicy | None = None, verify: ssl.SSLContext | bool = True,
                 max_parallel: int = 8) -> None:
        self.store = store
        self.max_parallel = max_parallel
        self.interval = interval
        self.base_seconds = base_seconds
        self.timeout = timeout
        self.policy = policy or OutboundPolicy.from_environment()
        self.verify = verify
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Attempt every delivery that is due; returns how many succeeded.

        Organisations are served side by side (one thread each, up to `max_parallel`) and each
        organisation's events in order: a receiver that is slow or down holds up its own events,
        never another platform's."""
        by_org: dict[str, list[DueDelivery]] = {}
        for due in self.store.due_deliveries(now_utc()):
            by_org.setdefault(due.org, []).append(due)
        if len(by_org) <= 1:
            return sum(self._deliver(queue) for queue in by_org.values())
        with ThreadPoolExecutor(max_workers=min(self.max_parallel, len(by_org)),
                                thread_name_prefix="jaga-webhook") as pool:
            return sum(pool.map(self._deliver, by_org.values()))

    def _deliver(self, queue: list[DueDelivery]) -> int:
        """One organisation's due events, in order; how many were accepted."""
        delivered = 0
        # One client per checked target and run: a kept-alive connection is only ever reused for the
        # same host name and address it was opened (and its certificate verified) for.
        with contextlib.ExitStack() as clients_closed:
            clients: dict[tuple[str, str, str, int], httpx.Client] = {}
            for due in queue:
                delivery_id, url, secret, event, payload = due.id, due.url, due.secret, due.event, due.payload
                body = json.dumps({"event": event, "delivery": delivery_id, **payload}, ensure_ascii=False).encode("utf-8")
                timestamp = str(int(time.time()))
                headers = {"Content-Type": "application/json", "X-Jaga-Event": event, "X-Jaga-Delivery": str(delivery_id),
                           "X-Jaga-Timestamp": timestamp, "X-Jaga-Signature": sign(secret, timestamp, body)}
                try:
                    target = self.policy.check(url)
                    key = (target.scheme, target.host, str(target.address), target.port)
                    if key not in clients:
                        clients[key] = clients_closed.enter_context(httpx.Client(
                            timeout=self.timeout, verify=self.verify, trust_env=False, follow_redirects=False))
                    error = self._send(clients[key], target, body, headers)
                except UnsafeUrl as refusal:
                    error = f"refused: {refusal}"
                except httpx.HTTPError as problem:
                    error = f"{type(problem).__name__}: {problem}"
                self.store.record_attempt(delivery_id, error, self.base_seconds)
                delivered += error is None
        return delivered

    @staticmethod
    def _send(client: httpx.Client, target: Target, body: bytes, headers: dict[str, str]) -> str | None:
        """POST to the pinned address; None when the receiver accepted it. (The response body is
        never read: a receiver cannot make Jaga hold a large one.)"""
        url = httpx.URL(target.url)
        pinned = url.copy_with(host=str(target.address))
        extensions = {} if target.host_is_address or target.scheme != "https" else {"sni_hostname": target.host}
        with client.stream("POST", pinned, content=body, headers={**headers, "Host": url.netloc.decode("ascii")},
                           extensions=extensions) as response:
            return None if response.is_success else f"HTTP {response.status_code}"

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.run_once()
                except Exception:  # a bad row or a database blip must not kill delivery for everyone
                    time.sleep(self.interval)

        self._thread = threading.Thread(target=loop, name="jaga-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
