"""Webhook delivery: signed, retried with exponential backoff, from the store's outbox.

Each request carries `X-Jaga-Event`, `X-Jaga-Delivery`, `X-Jaga-Timestamp` and
`X-Jaga-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` under the organisation's
secret. A platform verifies it with `verify_signature` (or the same three lines in its own
language) and rejects stale timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

import httpx

from jaga.store import Store
from jaga.types import now_utc

MAX_SKEW_SECONDS = 300


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
    def __init__(self, store: Store, interval: float = 1.0, base_seconds: float = 1.0, timeout: float = 5.0) -> None:
        self.store = store
        self.interval = interval
        self.base_seconds = base_seconds
        self.client = httpx.Client(timeout=timeout)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Attempt every delivery that is due; returns how many succeeded."""
        delivered = 0
        for delivery_id, _org, url, secret, event, payload in self.store.due_deliveries(now_utc()):
            body = json.dumps({"event": event, "delivery": delivery_id, **payload}, ensure_ascii=False).encode("utf-8")
            timestamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", "X-Jaga-Event": event, "X-Jaga-Delivery": str(delivery_id),
                       "X-Jaga-Timestamp": timestamp, "X-Jaga-Signature": sign(secret, timestamp, body)}
            try:
                response = self.client.post(url, content=body, headers=headers)
                error = None if response.is_success else f"HTTP {response.status_code}"
            except httpx.HTTPError as problem:
                error = f"{type(problem).__name__}: {problem}"
            self.store.record_attempt(delivery_id, error, self.base_seconds)
            delivered += error is None
        return delivered

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
        self.client.close()
