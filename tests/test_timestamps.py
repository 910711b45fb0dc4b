"""Every timestamp Jaga gives out carries its offset: every JSON answer of every GET route of the API
(after a case has gone through moderation, reports, review, appeal and an authority order), the
webhook events queued on the way, and every file `jaga scan` writes (JSONL, CSV, Parquet, rejects),
the DSA export and the transparency report. A naive time is read as local time by whoever receives
it: in Jakarta, seven hours off. SQLite gives times back without their offset, so both stores run."""

from __future__ import annotations

import contextlib
import csv
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jaga.cli import app
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.types import now_utc

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
HATE_MY = {"id": "h-my", "author_id": "writer-1", "text": "Orang Cina semua babi, halau mereka balik", "country": "MY",
           "created_at": "2026-12-01T09:30:00+08:00"}
SCAM_ID = {"id": "s-id", "author_id": "writer-2", "text": "Slot gacor hari ini maxwin depo 10rb, link alternatif di bio",
           "country": "ID"}
GREETING_MY = {"id": "g-my", "text": "Selamat pagi semua, jumpa lagi esok", "country": "MY"}
ORDER = {"agency": "MCMC", "channel": "written", "received_at": "2026-12-04T08:00:00+08:00", "reference": "MCMC/1"}


def naive_times(value: Any, where: str = "$") -> Iterator[str]:
    """'path: value' for every string in `value` (walked through dicts, lists and JSON text inside
    strings) that is a date and time without an offset."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from naive_times(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from naive_times(item, f"{where}[{index}]")
    elif isinstance(value, str):
        if value[:1] in "{[":
            with contextlib.suppress(ValueError):  # text that only starts like JSON
                yield from naive_times(json.loads(value), where)
        elif TIMESTAMP.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return
            if moment.utcoffset() is None:
                yield f"{where}: {value}"


def test_the_check_finds_a_naive_time() -> None:
    found = list(naive_times({"a": [{"at": "2026-12-04T08:00:00"}], "b": "2026-12-04T08:00:00+07:00",
                              "c": json.dumps({"d": "2026-12-04 08:00"}), "e": "2026-12-04"}))
    assert found == ["$.a[0].at: 2026-12-04T08:00:00", "$.c.d: 2026-12-04 08:00"]


@pytest.fixture
def case_history(database_url: str, moderator: Moderator, local_webhooks: None) -> Iterator[tuple[TestClient, dict[str, dict[str, str]],
                                                                                dict[str, str]]]:
    """A service whose store has been through every step: moderation, a user's and a trusted
    flagger's reports, a review, an appeal decided, an authority order; and ids to fill routes with."""
    acme = Store(database_url).scoped("acme")
    acme.set_webhook("http://127.0.0.1:9/hook")  # events are queued (never sent here) and read back below
    keys = {role.value: {"Authorization": f"Bearer {acme.create_key(role.value, role)[1]}"} for role in Role}
    keys["reviewer_2"] = {"Authorization": f"Bearer {acme.create_key('reviewer_2', Role.REVIEWER)[1]}"}
    with TestClient(create_app(database_url, moderator)) as http:
        decisions = http.post("/v1/moderate", json={"posts": [HATE_MY, SCAM_ID, GREETING_MY]},
                              headers=keys["platform"]).json()["decisions"]
        hate = next(decision for decision in decisions if decision["post_id"] == "h-my")
        for trusted in (False, True):
            assert http.post("/v1/reports", json={"post_id": "h-my", "reporter": "flagger" if trusted else "user-9",
                                                  "reason": "hate", "trusted_flagger": trusted},
                             headers=keys["platform"]).status_code in (200, 201)
        task = next(task for task in http.get("/v1/reviews", headers=keys["reviewer"]).json()
                    if task["decision_id"] == hate["id"])
        assert http.post(f"/v1/reviews/{task['id']}/claim", headers=keys["reviewer"]).status_code == 200
        assert http.post(f"/v1/reviews/{task['id']}/decide", json={"action": "remove", "note": "Dicek."},
                         headers=keys["reviewer"]).status_code == 200
        appeal = http.post("/v1/appeals", json={"decision_id": hate["id"], "reason": "Saya bergurau"},
                           headers=keys["platform"]).json()
        assert http.post(f"/v1/appeals/{appeal['id']}/decide", json={"outcome": "rejected", "note": "Tetap."},
                         headers=keys["reviewer_2"]).status_code == 200
        assert http.post("/v1/authority-requests", json={"post": {**GREETING_MY, "authority_request": ORDER}},
                         headers=keys["platform"]).status_code == 200
        ids = {"decision_id": hate["id"], "task_id": task["id"], "appeal_id": appeal["id"], "post_id": "h-my",
               "author_id": "writer-1"}
        yield http, keys, ids


def test_every_api_answer_carries_offsets(case_history: tuple[TestClient, dict[str, dict[str, str]], dict[str, str]],
                                          database_url: str) -> None:
    http, keys, ids = case_history
    paths = http.get("/openapi.json").json()["paths"]
    answered: dict[str, Any] = {}
    for template, operations in paths.items():
        if "get" not in operations or template.startswith("/v1/banks") or template.startswith("/v1/exchange"):
            continue  # banks and exchange answers are checked where those features are tested
        try:
            path = template.format(**ids)
        except KeyError:
            continue  # a route about something this history did not make
        for headers in keys.values():
            response = http.get(path, headers=headers, params={"period": f"{now_utc():%Y}"})  # for the reports
            if response.status_code == 200 and response.headers.get("content-type", "").startswith("application/json"):
                answered[path] = response.json()
                break
    for must in ("/v1/decisions", "/v1/decisions/{decision_id}", "/v1/reviews", "/v1/reviews/{task_id}",
                 "/v1/appeals", "/v1/appeals/{appeal_id}", "/v1/reports", "/v1/authority-requests",
                 "/v1/reports/transparency", "/v1/reports/dashboard", "/v1/authors/{author_id}/data"):
        assert must.format(**ids) in answered, f"{must} gave no JSON answer"
    assert [found for path, body in answered.items() for found in naive_times(body, path)] == []
    deliveries = Store(database_url).scoped("acme").deliveries()
    assert {delivery.event for delivery in deliveries} >= {"decision.created", "decision.reviewed", "appeal.decided"}
    assert [found for delivery in deliveries for found in naive_times(delivery.model_dump(mode="json"), f"delivery {delivery.event}")] == []


def test_every_file_a_scan_and_an_export_write_carries_offsets(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text("".join(json.dumps(post) + "\n" for post in (HATE_MY, SCAM_ID, GREETING_MY)) + "not json\n",
                      encoding="utf-8")
    runner = CliRunner()
    for name in ("d.jsonl", "d.csv", "d.parquet"):
        result = runner.invoke(app, ["scan", str(source), "-o", str(tmp_path / name), "-q"])
        assert result.exit_code in (0, 3), result.output  # 3: the line that is not JSON was rejected
    lines = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()]
    with open(tmp_path / "d.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = pq.read_table(tmp_path / "d.parquet").to_pylist()
    assert len(lines) == len(rows) == len(table) == 3
    assert all(decision["decided_at"] for decision in [*lines, *rows, *table])
    result = runner.invoke(app, ["policy", "export-dsa", str(tmp_path / "d.jsonl"), "--territorial-scope", "DE",
                                 "-o", str(tmp_path / "dsa.jsonl")])
    assert result.exit_code == 0, result.output
    written = {"d.jsonl": lines, "d.csv": rows, "d.parquet": table,
               "dsa.jsonl": [json.loads(line) for line in (tmp_path / "dsa.jsonl").read_text().splitlines()],
               "rejects": [json.loads(line) for line in (tmp_path / "d.rejects.jsonl").read_text().splitlines()]}
    assert [found for name, content in written.items() for found in naive_times(content, name)] == []
