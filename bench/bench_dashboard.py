"""The console dashboard over a million decisions: `GET /v1/reports/dashboard` on SQLite.

Fills a fresh SQLite store with N decisions (default 1,000,000) spread evenly over 2026-Q4, in
eight categories, five jurisdictions and eleven languages, 1 % of them government orders (the
others with `"authority_request": null`, as the store writes them), each document padded to the
size of a real one (3 KB by default: the statement of reasons makes most of it); one
review task for every tenth decision (decided, most within their deadline), an appeal for every
hundredth (a third upheld) and a user or trusted-flagger report for every twentieth. Rows go in
by sqlite3's executemany in chunks of 50,000 (no ORM objects), one transaction per chunk,
in the formats SQLAlchemy reads back.

Then times the endpoint the dashboard calls, for the quarter (weekly buckets) and for one month
(daily buckets), through the real app (FastAPI's TestClient: routing, auth, SQL, JSON), and prints
seconds, the Python heap's peak during the request (tracemalloc) and the process's peak RSS.
`--report` also times `GET /v1/reports/transparency` (the period's totals the page shows beside
the charts).

    python bench/bench_dashboard.py [--decisions 1000000] [--document-bytes 3000] [--db /tmp/jaga-dashboard.db]
                                    [--report] [--reuse] [--browser]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb
from fastapi.testclient import TestClient

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.store.models import AppealRow, DecisionRow, ReportRow, ReviewTaskRow

CATEGORIES = ["hate_speech", "harassment", "violent_extremism", "scam_fraud", "illegal_gambling",
              "sexual_exploitation", "disinformation", "self_harm"]
JURISDICTIONS = ["ID", "MY", "TH", "VN", "PH"]
LANGUAGES = ["id", "ms", "tl", "th", "vi", "km", "lo", "my", "zh", "ta", "en"]
ACTIONS = ["allow", "label", "reduce", "remove", "review"]
ORG = "bench"
START = datetime(2026, 10, 1, tzinfo=UTC)
SPAN = timedelta(days=92).total_seconds()


def _sql(value: object) -> object:
    """A value as SQLAlchemy stores it in SQLite: UTC timestamps as text without offset, JSON as
    text, booleans as 0 and 1."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def fill(store: Store, decisions: int, document_bytes: int, chunk: int = 50_000, seed: int = 23) -> None:
    rng = random.Random(seed)
    padding = "Reasons and legal text of the statement. " * max(0, (document_bytes - 400) // 42)
    engine = store.engine
    for first in range(0, decisions, chunk):
        rows, tasks, appeals, reports = [], [], [], []
        for number in range(first, min(first + chunk, decisions)):
            decided = START + timedelta(seconds=SPAN * number / decisions)
            jurisdiction = rng.choice(JURISDICTIONS)
            categories = rng.sample(CATEGORIES, k=rng.choice((0, 1, 1, 1, 2)))
            ordered = number % 100 == 37
            statement = {"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT", "jurisdiction": jurisdiction,
                         "categories": [{"category": category, "action": "remove"} for category in categories]}
            statement["authority_request"] = {"agency": rng.choice(["Komdigi", "MCMC", "DE", "MIC"]),
                                              "channel": "electronic"} if ordered else None
            statement["reasons"] = padding
            decision_id = f"dec_{number:08d}"
            rows.append({"org": ORG, "id": decision_id, "post_id": f"post-{number}", "jurisdiction": jurisdiction,
                         "policy_version": "bench", "action": rng.choice(ACTIONS) if categories else "allow",
                         "categories": categories, "max_score": rng.random(), "language": rng.choice(LANGUAGES),
                         "automated": number % 10 != 0, "authority_order": ordered,
                         "review_status": "decided" if number % 10 == 0 else "none",
                         "deadline": None, "decided_at": decided,
                         "document": {"id": decision_id, "statement": statement}})
            if number % 10 == 0:
                created = decided - timedelta(hours=rng.uniform(0.5, 30))
                tasks.append({"id": f"rev_{number:08d}", "org": ORG, "decision_id": decision_id,
                              "post_id": f"post-{number}", "jurisdiction": jurisdiction, "status": "decided",
                              "deadline": created + timedelta(hours=24), "created_at": created,
                              "claimed_by": "key_reviewer", "decided_by": "key_reviewer", "decided_at": decided,
                              "outcome": "remove", "note": "bench"})
            if number % 100 == 3:
                outcome = "upheld" if rng.random() < 1 / 3 else "rejected"
                appeals.append({"id": f"apl_{number:08d}", "org": ORG, "decision_id": decision_id,
                                "jurisdiction": jurisdiction, "status": "decided", "reason": "bench",
                                "filed_at": decided, "outcome": outcome, "note": "bench", "decided_by": "key_reviewer",
                                "decided_at": decided + timedelta(hours=rng.uniform(1, 48))})
            if number % 20 == 5:
                reports.append({"id": f"rep_{number:08d}", "org": ORG, "post_id": f"post-{number}",
                                "reporter": "u", "jurisdiction": jurisdiction, "trusted_flagger": rng.random() < 0.2,
                                "category": None, "reason": "bench", "review_task": None, "created_at": decided})
        connection = engine.raw_connection()  # the sqlite3 connection: executemany, one transaction
        try:
            cursor = connection.cursor()
            for table, values in ((DecisionRow, rows), (ReviewTaskRow, tasks), (AppealRow, appeals),
                                  (ReportRow, reports)):
                if values:
                    columns = list(values[0])
                    cursor.executemany(f"INSERT INTO {table.__tablename__} ({', '.join(columns)}) VALUES "
                                       f"({', '.join('?' for _ in columns)})",
                                       [tuple(_sql(row[column]) for column in columns) for row in values])
            connection.commit()
        finally:
            connection.close()


def timed(client: TestClient, path: str, token: str) -> tuple[float, float, dict[str, object]]:
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 200, response.text
    return seconds, peak / 2**20, response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/jaga-dashboard.db"))
    parser.add_argument("--document-bytes", type=int, default=3000,
                        help="size of each stored decision document (the store's are 2.5 to 4.5 KB)")
    parser.add_argument("--report", action="store_true", help="also time GET /v1/reports/transparency")
    parser.add_argument("--reuse", action="store_true", help="time the store a previous run filled (same --db)")
    parser.add_argument("--browser", action="store_true",
                        help="also time the console's dashboard tab in headless Chromium (until every chart is "
                             "drawn), on a live server; needs Debian's chromium and playwright")
    arguments = parser.parse_args()
    if not arguments.reuse:
        arguments.db.unlink(missing_ok=True)
    url = f"sqlite:///{arguments.db}"
    store = Store(url)
    _, token = store.scoped(ORG).create_key("bench-admin", Role.ADMIN)
    if not arguments.reuse:
        started = time.perf_counter()
        fill(store, arguments.decisions, arguments.document_bytes)
        print(f"filled {arguments.decisions:,} decisions (+ tasks, appeals, reports) in "
              f"{time.perf_counter() - started:.1f} s")
    print(f"database {arguments.db.stat().st_size / 2**20:.0f} MiB")
    client = TestClient(create_app(url, deliver_webhooks=False, rate=1e9, burst=10**9))
    timed(client, "/v1/reports/dashboard?period=2026-01", token)  # warm up: imports, key lookup (an empty month)
    paths = [("quarter, weekly", "/v1/reports/dashboard?period=2026-Q4"),
             ("month, daily", "/v1/reports/dashboard?period=2026-11")]
    if arguments.report:
        paths.append(("transparency report", "/v1/reports/transparency?period=2026-Q4"))
    for label, path in paths:
        seconds, heap, body = timed(client, path, token)
        size = len(json.dumps(body))
        print(f"{label:22} {path}: {seconds:.2f} s, Python heap peak {heap:.1f} MiB, answer {size / 1024:.0f} KiB")
    print(f"peak RSS of the process: {peak_rss_mb():.0f} MiB")
    if arguments.browser:
        print(f"console dashboard tab in Chromium: {browser_seconds(url, token):.1f} s until its 13 charts are drawn")


def browser_seconds(url: str, token: str) -> float:
    """From the click on the console's Dashboard tab until its charts over time (8) and the
    quarter's bar charts (5) are drawn: the page's own requests (dashboard, transparency and the
    period report) through a real server."""
    from playwright.sync_api import expect, sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "service"))
    from live import live_server

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with live_server(create_app(url, Moderator(detectors=[]), deliver_webhooks=False, rate=1e9, burst=10**9)) as port, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.goto(f"http://127.0.0.1:{port}/")
        page.fill("#key", token)
        page.click("#login button")
        page.wait_for_timeout(1500)  # the queue loads first
        started = time.perf_counter()
        page.click("nav button[data-tab='dashboard']")
        expect(page.locator("#timecharts figure")).to_have_count(8, timeout=600_000)
        expect(page.locator("#charts figure svg")).to_have_count(5, timeout=600_000)
        seconds = time.perf_counter() - started
        browser.close()
    return seconds


if __name__ == "__main__":
    main()
