"""`GET /v1/decisions/{id}` gives the statement of reasons in force and the versions it superseded: a
reviewer's decision, an appeal and an authority's order each issue one (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jaga.pipeline import Moderator
from jaga.policy.dsa import to_dsa_statement, validate_dsa_statement
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.types import Decision

HATE_MY = {"id": "h-my", "text": "Orang Cina semua babi, halau mereka balik", "country": "MY"}
GREETING_MY = {"id": "g-my", "text": "Selamat pagi semua, jumpa lagi esok", "country": "MY"}
ORDER = {"agency": "MCMC", "channel": "written", "received_at": "2026-12-04T08:00:00+08:00", "reference": "MCMC/1"}


@pytest.fixture
def client(database_url: str, moderator: Moderator) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    acme = Store(database_url).scoped("acme")
    keys = {name: {"Authorization": f"Bearer {acme.create_key(name, role)[1]}"} for name, role in (
        ("platform", Role.PLATFORM), ("reviewer", Role.REVIEWER), ("reviewer_2", Role.REVIEWER))}
    with TestClient(create_app(database_url, moderator)) as opened:
        yield opened, keys


def _review(client: TestClient, keys: dict[str, dict[str, str]], decision_id: str, action: str) -> None:
    task = next(task for task in client.get("/v1/reviews", headers=keys["reviewer"]).json()
                if task["decision_id"] == decision_id)
    assert client.post(f"/v1/reviews/{task['id']}/claim", headers=keys["reviewer"]).status_code == 200
    decided = client.post(f"/v1/reviews/{task['id']}/decide", json={"action": action, "note": "Dicek."},
                          headers=keys["reviewer"])
    assert decided.status_code == 200, decided.text


def _get(client: TestClient, keys: dict[str, dict[str, str]], decision_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/decisions/{decision_id}", headers=keys["platform"])
    assert response.status_code == 200, response.text
    return response.json()


def test_review_and_appeal_each_add_a_version(client: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    http, keys = client
    first = http.post("/v1/moderate", json={"post": HATE_MY}, headers=keys["platform"]).json()["decisions"][0]
    assert first["action"] == "review" and _get(http, keys, first["id"])["history"] == []
    _review(http, keys, first["id"], "remove")
    appeal = http.post("/v1/appeals", json={"decision_id": first["id"], "reason": "Saya bergurau"},
                       headers=keys["platform"]).json()
    assert http.post(f"/v1/appeals/{appeal['id']}/decide", json={"outcome": "upheld"},
                     headers=keys["reviewer_2"]).status_code == 200
    current = _get(http, keys, first["id"])
    assert [(entry["version"], entry["action"]) for entry in current["history"]] == [(1, "review"), (2, "remove")]
    assert current["history"][0]["statement"] == first["statement"]
    assert current["history"][1]["statement"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert (current["statement"]["version"], current["statement"]["issued_because"]) == (3, "appeal_upheld")
    assert "membatalkan keputusan kami" in current["statement"]["user_notice"]["text"]
    assert "history" in http.get("/openapi.json").json()["components"]["schemas"]["DecisionOut"]["properties"]


def test_an_authority_order_on_a_decided_post_is_a_new_version(
        client: tuple[TestClient, dict[str, dict[str, str]]], database_url: str) -> None:
    http, keys = client
    allowed = http.post("/v1/moderate", json={"post": GREETING_MY}, headers=keys["platform"]).json()["decisions"][0]
    assert allowed["action"] == "allow"
    order = {"post": {**GREETING_MY, "authority_request": ORDER}}
    for _ in range(2):  # the same order twice is one version
        assert http.post("/v1/authority-requests", json=order, headers=keys["platform"]).status_code == 200
    reopened = _get(http, keys, allowed["id"])
    assert reopened["action"] == "review" and reopened["statement"]["issued_because"] == "authority_order"
    assert [entry["action"] for entry in reopened["history"]] == ["allow"]
    _review(http, keys, allowed["id"], "remove")
    final = _get(http, keys, allowed["id"])
    assert [entry["version"] for entry in final["history"]] == [1, 2]
    assert (final["statement"]["version"], final["statement"]["issued_because"]) == (3, "authority_order")
    assert final["statement"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert "Seorang petugas telah menyemak" in final["statement"]["user_notice"]["text"]
    record = to_dsa_statement(Decision.model_validate(final), ["DE"])
    assert validate_dsa_statement(record) == [] and record["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert record["puid"] == f"{allowed['id']}-v3"
    with Store(database_url) as store:
        assert store.verify_audit() == []  # every version was sealed as written
