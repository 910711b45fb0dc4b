"""Reports, government orders and transparency aggregates over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

ALLOWED_TH = {"id": "t1", "text": "วันนี้อากาศดีมาก ไปเที่ยวทะเลกัน", "country": "TH"}
ORDER_VN = {"id": "o1", "text": "Tin đồn thất thiệt về ngân hàng sắp phá sản", "country": "VN",
            "authority_request": {"agency": "Ministry of Public Security", "channel": "phone",
                                  "received_at": "2026-11-28T08:00:00Z"}}


@pytest.fixture
def client_and_keys(database_url: str, moderator: Moderator) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    store = Store(database_url).scoped("acme")
    keys = {name: {"Authorization": f"Bearer {store.create_key(name, role, scope)[1]}"} for name, role, scope in (
        ("platform", Role.PLATFORM, None), ("regulator_vn", Role.REGULATOR, ["VN"]),
        ("regulator_th", Role.REGULATOR, ["TH"]), ("auditor", Role.AUDITOR, None), ("reviewer", Role.REVIEWER, None))}
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        yield client, keys


def test_a_report_puts_an_allowed_post_in_front_of_a_person(client_and_keys: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = client_and_keys
    decision = client.post("/v1/moderate", json={"post": ALLOWED_TH}, headers=keys["platform"]).json()["decisions"][0]
    assert decision["action"] == "allow"
    assert not [t for t in client.get("/v1/reviews", headers=keys["reviewer"]).json() if t["post_id"] == "t1"]
    report = client.post("/v1/reports", json={"post_id": "t1", "reporter": "user-42", "reason": "It is a scam page",
                                              "category": "scam_fraud"}, headers=keys["platform"])
    assert report.status_code == 201, report.text
    queue = client.get("/v1/reviews", headers=keys["reviewer"]).json()
    assert [t["id"] for t in queue if t["post_id"] == "t1"] == [report.json()["review_task"]]
    unknown = client.post("/v1/reports", json={"post_id": "never-sent", "reporter": "u", "reason": "x"},
                          headers=keys["platform"])
    assert unknown.status_code == 404


def test_a_report_gets_the_deadline_its_jurisdiction_sets(client_and_keys: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    """A user's report: the policy's period for reports (72 h in the baseline every member state
    inherits); a trusted flagger's notice on the same case brings it forward (24 h); a later,
    slower report never pushes it back. Deadlines carry their offset."""
    from datetime import datetime, timedelta

    client, keys = client_and_keys
    client.post("/v1/moderate", json={"post": ALLOWED_TH}, headers=keys["platform"])

    def deadline() -> datetime:
        [task] = [t for t in client.get("/v1/reviews", headers=keys["reviewer"]).json() if t["post_id"] == "t1"]
        moment = datetime.fromisoformat(task["deadline"])
        assert moment.utcoffset() is not None
        return moment

    def report(trusted: bool) -> datetime:
        filed = client.post("/v1/reports", json={"post_id": "t1", "reporter": "ngo" if trusted else "user-7",
                                                 "reason": "hate", "trusted_flagger": trusted},
                            headers=keys["platform"])
        assert filed.status_code == 201, filed.text
        return datetime.fromisoformat(filed.json()["created_at"].replace("Z", "+00:00"))

    received = report(trusted=False)
    assert abs(deadline() - (received + timedelta(hours=72))) < timedelta(seconds=5)
    flagged = report(trusted=True)
    assert abs(deadline() - (flagged + timedelta(hours=24))) < timedelta(seconds=5)
    report(trusted=False)
    assert abs(deadline() - (flagged + timedelta(hours=24))) < timedelta(seconds=5)


def test_government_orders_are_reviewed_against_the_law_and_counted_apart(
        client_and_keys: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, keys = client_and_keys
    missing = client.post("/v1/authority-requests", json={"post": ALLOWED_TH}, headers=keys["regulator_th"])
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "authority_request_missing"
    wrong_state = client.post("/v1/authority-requests", json={"post": ORDER_VN}, headers=keys["regulator_th"])
    assert wrong_state.status_code == 403
    order = client.post("/v1/authority-requests", json={"post": ORDER_VN}, headers=keys["regulator_vn"])
    decision = order.json()["decisions"][0]
    assert decision["action"] == "review" and decision["deadline"].startswith("2026-11-29T08:00")  # Decree 147: 24 h
    client.post("/v1/moderate", json={"post": ALLOWED_TH}, headers=keys["platform"])
    totals = client.get("/v1/transparency", headers=keys["auditor"]).json()
    assert totals["decisions"] == 2 and totals["authority_requests"] == 1
    assert totals["by_jurisdiction"] == {"VN": 1, "TH": 1} and totals["reviews"]["opened"] == 1
    vietnam_only = client.get("/v1/transparency", headers=keys["regulator_vn"]).json()
    assert vietnam_only["by_jurisdiction"] == {"VN": 1}
    assert client.get("/v1/transparency?jurisdiction=TH", headers=keys["regulator_vn"]).status_code == 404


def test_malaysia_tells_the_reporter_the_outcome(database_url: str, moderator: Moderator, local_webhooks: None) -> None:
    """Act 866 s.22(4): both the poster and the reporter are told; the reporter's notice goes out
    as a `notice.reporter` webhook event once a person has decided."""
    store = Store(database_url).scoped("acme")
    keys = {name: {"Authorization": f"Bearer {store.create_key(name, role)[1]}"} for name, role in (
        ("platform", Role.PLATFORM), ("reviewer", Role.REVIEWER))}
    store.set_webhook("http://127.0.0.1:9/hooks")
    post = {"id": "m1", "text": "Orang Cina semua penipu, halau mereka balik", "country": "MY"}
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        client.post("/v1/moderate", json={"post": post}, headers=keys["platform"])
        report = client.post("/v1/reports", json={"post_id": "m1", "reporter": "user-9", "reason": "racist"},
                             headers=keys["platform"]).json()
        client.post(f"/v1/reviews/{report['review_task']}/claim", headers=keys["reviewer"])
        client.post(f"/v1/reviews/{report['review_task']}/decide", json={"action": "remove", "note": "Checked."},
                    headers=keys["reviewer"])
    events = {delivery.event: delivery.payload for delivery in store.deliveries()}
    notice = events["notice.reporter"]
    assert notice["action"] == "remove" and notice["reports"][0]["id"] == report["id"]
    assert notice["reports"][0]["reporter"].startswith("anon_")  # a user's id never leaves in clear
    assert any("Online Safety Act" in (title or "") for title in notice["legal_basis"])


def test_a_report_outside_the_keys_jurisdictions_writes_nothing(database_url: str, moderator: Moderator) -> None:
    store = Store(database_url).scoped("acme")
    platform = {"Authorization": f"Bearer {store.create_key('all', Role.PLATFORM)[1]}"}
    malaysia_only = {"Authorization": f"Bearer {store.create_key('my', Role.PLATFORM, ['MY'])[1]}"}
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        client.post("/v1/moderate", json={"post": ALLOWED_TH}, headers=platform)
        refused = client.post("/v1/reports", json={"post_id": "t1", "reporter": "u", "reason": "x"}, headers=malaysia_only)
        assert refused.status_code == 404
    assert store.transparency().reports["total"] == 0 and store.review_tasks(None, ()) == []


def test_a_trusted_flagger_may_have_the_longest_name_the_api_allows(
        client_and_keys: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    """PostgreSQL answered 500 from 65 characters on (the reporter's column and the audit entry's actor)."""
    client, keys = client_and_keys
    client.post("/v1/moderate", json={"post": ALLOWED_TH}, headers=keys["platform"])
    name = "Persatuan Pemeriksa Fakta dan Keselamatan Dalam Talian Malaysia " * 4
    report = client.post("/v1/reports", json={"post_id": "t1", "reporter": name[:256], "trusted_flagger": True,
                                              "reason": "notice under the code of practice"}, headers=keys["platform"])
    assert report.status_code == 201, report.text
    assert client.get("/v1/transparency", headers=keys["auditor"]).json()["reports"] == {"total": 1, "trusted_flaggers": 1}


def test_the_transparency_report_over_http_in_json_csv_and_html(
        client_and_keys: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    """GET /v1/reports/transparency: the report `jaga report` writes, for the key's organisation and
    jurisdictions; the CSV holds the JSON's numbers, the HTML draws them as SVG bars."""
    import csv
    import io
    from datetime import UTC, datetime

    client, keys = client_and_keys
    client.post("/v1/moderate", json={"posts": [ALLOWED_TH, ORDER_VN]}, headers=keys["platform"])
    now = datetime.now(UTC)
    period = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    url = f"/v1/reports/transparency?period={period}"
    report = client.get(url, headers=keys["auditor"])
    assert report.status_code == 200, report.text
    data = report.json()
    assert data["decisions"] == 2 and data["by_jurisdiction"] == {"TH": 1, "VN": 1}
    rows = dict(csv.reader(io.StringIO(client.get(url + "&format=csv", headers=keys["auditor"]).text)))
    assert rows["decisions"] == "2" and rows["by_jurisdiction/TH"] == "1"
    page = client.get(url + "&format=html", headers=keys["auditor"])
    assert page.headers["content-type"].startswith("text/html") and page.text.count("<h2>Decisions by") == 5
    assert page.text.count("<svg") >= 4  # a chart with nothing to count says so instead
    own = client.get(url + "&jurisdiction=VN", headers=keys["regulator_vn"]).json()
    assert own["decisions"] == 1 and own["jurisdiction"] == "VN"
    assert client.get(url + "&jurisdiction=TH", headers=keys["regulator_vn"]).status_code == 404
    refused = client.get(url, headers=keys["regulator_vn"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "jurisdiction_required"
    assert client.get("/v1/reports/transparency?period=2026-Q5", headers=keys["auditor"]).status_code == 422
