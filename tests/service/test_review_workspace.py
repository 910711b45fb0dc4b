"""The review workspace over HTTP: the queue carries the post, its evidence and what brought it in,
filters and sorts in SQL and pages by cursor; the case page shows the author's record; a reviewer's
decision needs a note and may correct the categories; the appeals and authority-request inboxes
list and page. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

HATE = {"id": "w-hate", "text": "Those people are vermin and should be driven out of our country", "country": "ID",
        "author_id": "user-77"}
GAMBLING = {"id": "w-slot", "text": "Slot gacor hari ini, daftar di judi88.com maxwin", "country": "ID",
            "author_id": "user-77"}
ORDER = {"id": "w-order", "text": "Slot gacor hari ini, daftar di judi99.com maxwin", "country": "ID",
         "author_id": "user-12",
         "authority_request": {"agency": "Komdigi", "channel": "electronic", "received_at": "2026-12-04T10:00:00+07:00",
                               "legal_basis": "PP 71/2019", "deadline": "2026-12-05T10:00:00+07:00",
                               "reference": "KOM-1"}}

Keys = dict[str, dict[str, str]]


@pytest.fixture
def world(database_url: str, moderator: Moderator) -> Iterator[tuple[TestClient, Keys]]:
    """Three cases in Indonesia: hate speech the machine sent to review, a gambling post removed by
    the machine and flagged by a trusted flagger, and a government order."""
    acme = Store(database_url).scoped("acme")
    made = {name: acme.create_key(name, role, jurisdictions) for name, role, jurisdictions in (
        ("platform", Role.PLATFORM, None), ("reviewer", Role.REVIEWER, None), ("second", Role.REVIEWER, None),
        ("admin", Role.ADMIN, None), ("thai", Role.REVIEWER, ["TH"]))}
    keys = {name: {"Authorization": f"Bearer {token}"} for name, (_, token) in made.items()}
    keys["ids"] = {name: key.id for name, (key, _) in made.items()}
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        for post in (HATE, GAMBLING):
            assert client.post("/v1/moderate", json={"post": post}, headers=keys["platform"]).status_code == 200
        assert client.post("/v1/reports", json={"post_id": GAMBLING["id"], "reporter": "Mafindo", "trusted_flagger": True,
                                                "reason": "judi online"}, headers=keys["platform"]).status_code == 201
        assert client.post("/v1/authority-requests", json={"post": ORDER}, headers=keys["platform"]).status_code == 200
        yield client, keys


def queue(client: TestClient, keys: Keys, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/v1/reviews?{query}", headers=keys["reviewer"])
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


def by_post(client: TestClient, keys: Keys, post_id: str, query: str = "") -> dict[str, Any]:
    return next(task for task in queue(client, keys, query) if task["post_id"] == post_id)


def test_the_queue_shows_the_post_its_evidence_and_what_brought_it(world: tuple[TestClient, Keys]) -> None:
    client, keys = world
    slot = by_post(client, keys, GAMBLING["id"])
    assert slot["text"] == GAMBLING["text"] and slot["language"] == "id"
    assert slot["categories"] == ["illegal_gambling"] and slot["scores"]["illegal_gambling"] > 0.9
    assert slot["evidence"], "the lexicon's spans are carried"
    for span in slot["evidence"]:  # every span indexes the original text
        assert GAMBLING["text"][span["start"]:span["end"]] == span["text"]
    assert {"Slot gacor", "judi88.com"} <= {span["text"] for span in slot["evidence"]}
    assert any("Electronic Information" in basis for basis in slot["legal_basis"])
    assert (slot["source"], slot["reports"], slot["agency"]) == ("trusted_flagger", 1, None)
    assert "geo_restrict" in slot["available_actions"]  # Indonesia's policy geo-restricts gambling
    assert slot["deadline"].endswith("+00:00") and slot["created_at"].endswith("+00:00")

    hate = by_post(client, keys, HATE["id"])
    assert (hate["source"], hate["action"], hate["sensitive"]) == ("automated", "review", False)
    assert "geo_restrict" not in hate["available_actions"]

    assert [t["post_id"] for t in queue(client, keys, "category=illegal_gambling")] == [GAMBLING["id"]]
    assert [t["post_id"] for t in queue(client, keys, "source=automated")] == [HATE["id"]]
    assert [t["post_id"] for t in queue(client, keys, "language=en")] == [HATE["id"]]
    assert queue(client, keys, "jurisdiction=MY") == []
    scores = [task["max_score"] for task in queue(client, keys, "sort=score")]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 2
    assert client.get("/v1/reviews", headers=keys["thai"]).json() == []  # scopes still hold
    assert client.get("/v1/reviews?source=rumour", headers=keys["reviewer"]).status_code == 422


@pytest.mark.parametrize("sort", ["deadline", "score"])
def test_the_queue_pages_by_cursor(world: tuple[TestClient, Keys], sort: str) -> None:
    client, keys = world
    whole = [task["id"] for task in queue(client, keys, f"sort={sort}")]
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        response = client.get(f"/v1/reviews?sort={sort}&limit=1{cursor}", headers=keys["reviewer"])
        seen += [task["id"] for task in response.json()]
        if "X-Next-Cursor" not in response.headers:
            break
        cursor = f"&cursor={response.headers['X-Next-Cursor']}"
    assert seen == whole and len(whole) >= 2
    other = "score" if sort == "deadline" else "deadline"
    first = client.get(f"/v1/reviews?sort={sort}&limit=1", headers=keys["reviewer"]).headers["X-Next-Cursor"]
    forged = [base64.urlsafe_b64encode(json.dumps({"k": f"reviews:{sort}", "v": values}).encode()).decode()
              for values in ([1, 2, 3], ["x"], [{"t": "2026-01-01T00:00:00"}, {"t": "2026-01-01T00:00:00"}, "a"])]
    for bad in (first.replace("e", "Q", 3), "bm90LWpzb24", *forged):
        assert client.get(f"/v1/reviews?sort={sort}&cursor={bad}", headers=keys["reviewer"]).status_code == 422
    wrong = client.get(f"/v1/reviews?sort={other}&cursor={first}", headers=keys["reviewer"])
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_cursor"


def test_a_decision_needs_a_note_and_may_correct_the_category(world: tuple[TestClient, Keys]) -> None:
    client, keys = world
    task = by_post(client, keys, HATE["id"])
    decide = f"/v1/reviews/{task['id']}/decide"
    assert client.post(f"/v1/reviews/{task['id']}/claim", headers=keys["reviewer"]).status_code == 200
    for body in ({"action": "remove"}, {"action": "remove", "note": "   "}, {"action": "ban", "note": "x"},
                 {"action": "remove", "note": "x", "categories": ["spam"]}):
        assert client.post(decide, json=body, headers=keys["reviewer"]).status_code == 422, body
    refused = client.post(decide, json={"action": "geo_restrict", "note": "Hate, withheld here."},
                          headers=keys["reviewer"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "geo_restrict_unavailable"

    decided = client.post(decide, json={"action": "reduce", "note": "Insults, not hate: demoted.",
                                        "categories": ["harassment"]}, headers=keys["reviewer"])
    assert decided.status_code == 200, decided.text
    decision = decided.json()
    assert (decision["action"], decision["categories"], decision["automated"]) == ("reduce", ["harassment"], False)
    assert decision["statement"]["categories"] == [{"category": "harassment", "action": "reduce"}]
    assert decision["statement"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DEMOTED"]
    assert decision["history"][0]["statement"]["categories"][0]["category"] == "hate_speech"
    assert "Insults, not hate: demoted." in decision["reasons"]
    assert [t["post_id"] for t in queue(client, keys, "status=decided&category=harassment")] == [HATE["id"]]
    assert queue(client, keys, "status=decided&category=hate_speech") == []

    slot = by_post(client, keys, GAMBLING["id"])
    assert client.post(f"/v1/reviews/{slot['id']}/claim", headers=keys["reviewer"]).status_code == 200
    geo = client.post(f"/v1/reviews/{slot['id']}/decide", json={"action": "geo_restrict", "note": "Judi online."},
                      headers=keys["reviewer"]).json()
    assert geo["action"] == "remove" and "geo_restrict" in geo["extra_actions"]
    assert geo["statement"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert by_post(client, keys, GAMBLING["id"], "status=decided")["outcome"] == "geo_restrict"


def test_the_case_page_shows_the_authors_record(world: tuple[TestClient, Keys]) -> None:
    client, keys = world
    task = by_post(client, keys, HATE["id"])
    case = client.get(f"/v1/reviews/{task['id']}", headers=keys["reviewer"])
    assert case.status_code == 200, case.text
    page = case.json()
    assert page["task"]["text"] == HATE["text"] and page["decision"]["statement"]["legal_basis"]
    author = page["author"]
    assert author["pseudonym"] != HATE["author_id"] and HATE["author_id"] not in case.text
    assert [earlier["post_id"] for earlier in author["decisions"]] == [GAMBLING["id"]]  # not this case itself
    assert author["live_strikes"] == 1 and author["strikes"][0]["category"] == "illegal_gambling"
    slot = client.get(f"/v1/reviews/{by_post(client, keys, GAMBLING['id'])['id']}", headers=keys["reviewer"]).json()
    assert slot["reports"] == [{**slot["reports"][0], "trusted_flagger": True, "reporter": "Mafindo",
                                "reason": "judi online"}]
    assert isinstance(slot["fact_checks"], list) and isinstance(slot["bank_matches"], list)
    assert client.get(f"/v1/reviews/{task['id']}", headers=keys["thai"]).status_code == 404


def test_the_appeal_and_authority_inboxes(world: tuple[TestClient, Keys]) -> None:
    client, keys = world
    orders = client.get("/v1/authority-requests", headers=keys["reviewer"]).json()
    assert [(o["post_id"], o["agency"], o["reference"]) for o in orders] == [(ORDER["id"], "Komdigi", "KOM-1")]
    assert orders[0]["deadline"] == "2026-12-05T03:00:00+00:00"  # the order's 10:00 in Jakarta, with its offset
    assert orders[0]["text"] == ORDER["text"] and orders[0]["legal_basis"] == "PP 71/2019"
    assert client.get("/v1/authority-requests", headers=keys["thai"]).json() == []

    for decision_id in (by_post(client, keys, GAMBLING["id"])["decision_id"], orders[0]["decision_id"]):
        filed = client.post("/v1/appeals", json={"decision_id": decision_id, "reason": "not gambling"},
                            headers=keys["platform"])
        assert filed.status_code == 201, filed.text
    first = client.get("/v1/appeals?limit=1", headers=keys["reviewer"])
    assert first.status_code == 200 and len(first.json()) == 1
    rest = client.get(f"/v1/appeals?limit=1&cursor={first.headers['X-Next-Cursor']}", headers=keys["reviewer"])
    inbox = first.json() + rest.json()
    assert "X-Next-Cursor" not in rest.headers
    assert [appeal["post_id"] for appeal in inbox] == [GAMBLING["id"], ORDER["id"]]
    assert inbox[0]["text"] == GAMBLING["text"] and inbox[0]["action"] == "remove"
    assert inbox[0]["filed_at"].endswith("+00:00")
    decided = client.post(f"/v1/appeals/{inbox[0]['id']}/decide", json={"outcome": "rejected", "note": "It is."},
                          headers=keys["second"])
    assert decided.status_code == 200
    assert [a["id"] for a in client.get("/v1/appeals", headers=keys["reviewer"]).json()] == [inbox[1]["id"]]
    assert [a["id"] for a in client.get("/v1/appeals?status=decided", headers=keys["reviewer"]).json()] == [
        inbox[0]["id"]]
    assert client.get("/v1/appeals", headers=keys["thai"]).json() == []
    assert client.get("/v1/appeals", headers=keys["platform"]).status_code == 403


def test_a_lead_assigns_a_case_to_a_reviewer(world: tuple[TestClient, Keys]) -> None:
    client, keys = world
    task = by_post(client, keys, HATE["id"])["id"]
    assign = f"/v1/reviews/{task}/assign"
    assert client.post(assign, json={"reviewer": keys["ids"]["second"]}, headers=keys["reviewer"]).status_code == 403
    for wrong in ("platform", "thai"):  # not a reviewer; a reviewer who may not see Indonesia
        refused = client.post(assign, json={"reviewer": keys["ids"][wrong]}, headers=keys["admin"])
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "assignee_not_found"
    given = client.post(assign, json={"reviewer": keys["ids"]["second"]}, headers=keys["admin"]).json()
    assert (given["status"], given["claimed_by"]) == ("claimed", keys["ids"]["second"])
    body = {"action": "label", "note": "Context added."}
    assert client.post(f"/v1/reviews/{task}/decide", json=body, headers=keys["reviewer"]).status_code == 409
    assert client.post(f"/v1/reviews/{task}/decide", json=body, headers=keys["second"]).status_code == 200
    assert client.post(assign, json={"reviewer": keys["ids"]["reviewer"]}, headers=keys["admin"]).status_code == 409


def test_the_dashboard_series_add_up_to_the_report(world: tuple[TestClient, Keys]) -> None:
    """The dashboard's charts over time (GROUP BY day in SQL) hold the transparency report's
    numbers, spread over the days of the period; deciding a review and an appeal moves them."""
    from datetime import UTC, datetime

    client, keys = world
    task = by_post(client, keys, HATE["id"])
    assert client.post(f"/v1/reviews/{task['id']}/claim", headers=keys["reviewer"]).status_code == 200
    assert client.post(f"/v1/reviews/{task['id']}/decide", json={"action": "remove", "note": "Dehumanising."},
                       headers=keys["reviewer"]).status_code == 200
    appeal = client.post("/v1/appeals", json={"decision_id": by_post(client, keys, GAMBLING["id"])["decision_id"],
                                              "reason": "a game"}, headers=keys["platform"]).json()
    assert client.post(f"/v1/appeals/{appeal['id']}/decide", json={"outcome": "upheld", "note": "A game advert."},
                       headers=keys["second"]).status_code == 200

    today = datetime.now(UTC)
    month = f"{today:%Y-%m}"
    response = client.get(f"/v1/reports/dashboard?period={month}", headers=keys["reviewer"])
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["bucket"] == "day" and board["buckets"][0] == f"{month}-01" and len(board["buckets"]) >= 28
    day = board["buckets"].index(f"{today:%Y-%m-%d}")
    report = client.get(f"/v1/reports/transparency?period={month}", headers=keys["reviewer"]).json()
    series = board["series"]
    for name in ("by_category", "by_jurisdiction", "by_language"):
        assert {key: sum(values) for key, values in series[name].items()} == report[name], name
        assert all(values[day] == sum(values) for values in series[name].values())  # all of it today
    assert sum(series["decisions"]["automated"]) + sum(series["decisions"].get("by_a_person", [0])) == report["decisions"]
    assert series["reviews"]["within"][day] + series["reviews"].get("late", [0] * 31)[day] == 1
    assert series["appeals"] == {"upheld": [1 if index == day else 0 for index in range(len(board["buckets"]))]}
    assert board["appeal_reversal_rate"][day] == 1.0 and board["appeal_reversal_rate"][(day + 1) % 28] is None
    assert board["mean_hours_to_action"][day] is not None and board["mean_hours_to_action"][day] >= 0
    assert series["by_source"]["authority_order"][day] == 1 and series["by_source"]["trusted_flagger"][day] == 1
    assert 0 < board["automated_share"][day] < 1

    quarter = client.get(f"/v1/reports/dashboard?period={today.year}-Q{(today.month - 1) // 3 + 1}",
                         headers=keys["reviewer"]).json()
    assert quarter["bucket"] == "week" and all(datetime.fromisoformat(monday).weekday() == 0
                                               for monday in quarter["buckets"])
    assert {key: sum(values) for key, values in quarter["series"]["by_category"].items()} == report["by_category"]
    assert client.get("/v1/reports/dashboard?period=2026-13", headers=keys["reviewer"]).status_code == 422
    refused = client.get(f"/v1/reports/dashboard?period={month}", headers=keys["thai"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "jurisdiction_required"
    assert client.get(f"/v1/reports/dashboard?period={month}&jurisdiction=TH",
                      headers=keys["thai"]).json()["series"] == {}
