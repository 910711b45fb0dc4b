"""Two real `jaga serve` workers behind one port: the rate limit of a key is one budget across
them (counted on the Redis this machine runs), every response says what is left of it, and
`/metrics` adds up what both workers served (prometheus_client's multiprocess mode).

One server for the module: two workers each load the moderator (with the contextual tier off, to
keep the start to seconds)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REDIS = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """(base URL, API token, metrics folder) of `jaga serve --workers 2`."""
    home = tmp_path_factory.mktemp("workers")
    metrics = home / "metrics"
    env = {**os.environ, "JAGA_HOME": str(home), "JAGA_DATABASE_URL": f"sqlite:///{home / 'jaga.db'}",
           "JAGA_ENCODER_TIER": "off", "JAGA_RATE_LIMIT": "2", "JAGA_RATE_LIMIT_STORAGE": REDIS,
           "JAGA_WEBHOOK_DELIVERY": "off", "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    token = subprocess.run([sys.executable, "-m", "jaga.cli", "keys", "create", "workers-test", "--org", "w",
                            "--role", "admin"], env=env, capture_output=True, text=True, check=True).stdout.strip()
    port = _free_port()
    log = (home / "serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "jaga.cli", "serve", "--port", str(port), "--workers", "2",
                               "--log-format", "json"], env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                # Both workers must be up: the metrics folder gets a file per worker once it counts.
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200 and len(
                        {path.name.rsplit("_", 1)[-1] for path in metrics.glob("*.db")}) >= 2:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (home / "serve.log").read_text(encoding="utf-8")
            time.sleep(0.3)
        else:
            pytest.fail("jaga serve --workers 2 did not start both workers in time")
        yield base, token, metrics
    finally:
        log.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_a_key_has_one_rate_budget_across_workers_and_every_answer_says_what_is_left(
        served: tuple[str, str, Path]) -> None:
    base, token, metrics = served
    headers = {"Authorization": f"Bearer {token}"}
    statuses, remaining = [], []
    for _ in range(16):  # a new connection each time, so the kernel hands them to either worker
        with httpx.Client(timeout=10) as client:
            response = client.get(f"{base}/v1/transparency", headers=headers)
        statuses.append(response.status_code)
        remaining.append(int(response.headers["RateLimit-Remaining"]))
        assert response.headers["RateLimit-Limit"] == "4"  # 2/s, bursts of 4: 4 per 2-second window
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
    served_by = {path.name.rsplit("_", 1)[-1] for path in metrics.glob("counter_*.db")}
    assert len(served_by) == 2, "both workers answered"
    # Counted per worker (memory://) the two would have let through up to 8.
    assert 4 <= statuses.count(200) <= 5, statuses  # 5: the sliding window may free one slot meanwhile
    assert remaining[0] == 3 and min(remaining) == 0


def test_metrics_add_up_what_every_worker_served(served: tuple[str, str, Path]) -> None:
    base, token, _ = served
    for _ in range(6):
        with httpx.Client(timeout=10) as client:
            assert client.get(f"{base}/healthz").status_code == 200
    time.sleep(2.1)  # a fresh rate window for the scrape itself
    scrape = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert scrape.status_code == 200
    counted = sum(float(value) for value in re.findall(
        r'^jaga_http_requests_total\{route="/healthz",status="200"\} (\S+)$', scrape.text, re.M))
    assert counted >= 6  # the start-up probes add a few


def test_logs_are_json_lines_that_follow_a_request_by_its_id(served: tuple[str, str, Path]) -> None:
    """`--log-format json`: one JSON object per line; each request's access line carries the id the
    caller sent in X-Request-ID (or one Jaga made, returned in the same header), the route template
    (not the path with its ids) and the status."""
    import json

    base, token, metrics = served
    sent = httpx.get(f"{base}/v1/decisions/dec_nothing-here", timeout=10,
                     headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-42"})
    assert sent.status_code == 404 and sent.headers["X-Request-ID"] == "trace-42"
    made = httpx.get(f"{base}/livez", timeout=10, headers={"X-Request-ID": "not a token!"})
    assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Request-ID"] != "not a token!"
    log = metrics.parent / "serve.log"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(
            wanted in log.read_text(encoding="utf-8") for wanted in ("trace-42", made.headers["X-Request-ID"])):
        time.sleep(0.2)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    [access] = [line for line in lines if line.get("request_id") == "trace-42"]
    assert access["logger"] == "jaga.access" and access["route"] == "/v1/decisions/{decision_id}"
    assert access["status"] == 404 and access["key"] and access["duration_ms"] >= 0
    assert any(line.get("request_id") == made.headers["X-Request-ID"] for line in lines)
