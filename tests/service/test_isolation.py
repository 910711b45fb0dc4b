"""Scopes on every endpoint: another organisation, or a regulator of another jurisdiction, gets
exactly what a request for something that does not exist gets. Plus idempotency keys and rate
limits. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jaga.claims.registry import import_path
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

FIXTURE = Path(__file__).parents[1] / "claims" / "fixtures" / "claims.jsonl"
HATE_VN = {"id": "v1", "text": "Bọn người đó là lũ sâu bọ, đuổi hết chúng đi", "country": "VN"}


@dataclass
class World:
    client: TestClient
    keys: dict[str, dict[str, str]]
    decision: str
    task: str
    appeal: str


def _headers(store: Store, org: str, role: Role, jurisdictions: list[str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {store.scoped(org).create_key(f'{org} {role.value}', role, jurisdictions)[1]}"}


@pytest.fixture
def world(database_url: str, moderator: Moderator) -> Iterator[World]:
    store = Store(database_url)
    import_path(store.scoped("acme"), FIXTURE)
    keys = {"acme_platform": _headers(store, "acme", Role.PLATFORM),
            "acme_reviewer": _headers(store, "acme", Role.REVIEWER),
            "acme_reviewer_2": _headers(store, "acme", Role.REVIEWER),
            "acme_regulator_th": _headers(store, "acme", Role.REGULATOR, ["TH"]),
            "acme_reviewer_th": _headers(store, "acme", Role.REVIEWER, ["TH"])}
    for role in Role:
        keys[f"other_{role.value}"] = _headers(store, "other", role)
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        decision = client.post("/v1/moderate", json={"post": HATE_VN}, headers=keys["acme_platform"]).json()["decisions"][0]
        task = next(t for t in client.get("/v1/reviews", headers=keys["acme_reviewer"]).json()
                    if t["decision_id"] == decision["id"])
        client.post(f"/v1/reviews/{task['id']}/claim", headers=keys["acme_reviewer"])
        client.post(f"/v1/reviews/{task['id']}/decide", json={"action": "remove"}, headers=keys["acme_reviewer"])
        appeal = client.post("/v1/appeals", json={"decision_id": decision["id"], "reason": "context"},
                             headers=keys["acme_platform"]).json()
        yield World(client, keys, decision["id"], task["id"], appeal["id"])


def _requests(world: World) -> list[tuple[str, str, dict[str, object] | None]]:
    return [
        ("GET", f"/v1/decisions/{world.decision}", None),
        ("POST", f"/v1/reviews/{world.task}/claim", None),
        ("POST", f"/v1/reviews/{world.task}/decide", {"action": "allow"}),
        ("GET", f"/v1/appeals/{world.appeal}", None),
        ("POST", f"/v1/appeals/{world.appeal}/decide", {"outcome": "upheld"}),
        ("POST", "/v1/appeals", {"decision_id": world.decision, "reason": "x"}),
    ]


@pytest.mark.parametrize("outsider", [f"other_{role.value}" for role in Role] + ["acme_regulator_th", "acme_reviewer_th"])
def test_outsiders_cannot_reach_a_case_on_any_endpoint(world: World, outsider: str) -> None:
    for method, path, body in _requests(world):
        response = world.client.request(method, path, json=body, headers=world.keys[outsider])
        # 403 only where the role itself may not call the endpoint; never a sign that the case exists.
        assert response.status_code in (403, 404), (outsider, method, path, response.status_code)
        if response.status_code == 403:
            assert response.json()["error"]["code"] == "forbidden"
        missing = world.client.request(method, path.replace("dec_", "dec_0").replace("rev_", "rev_0")
                                       .replace("apl_", "apl_0"), json=body, headers=world.keys[outsider])
        assert missing.status_code == response.status_code  # indistinguishable from a case that does not exist


def test_queues_and_registries_are_per_organisation(world: World) -> None:
    for role in (Role.REVIEWER, Role.ADMIN, Role.AUDITOR):
        assert world.client.get("/v1/reviews?status=decided", headers=world.keys[f"other_{role.value}"]).json() == []
    assert world.client.get("/v1/reviews?status=decided", headers=world.keys["acme_regulator_th"]).json() == []
    assert world.client.get("/v1/reviews?status=decided", headers=world.keys["acme_reviewer"]).json()
    search = {"text": "Thailand is secretly smuggling fresh milk into Cambodia"}
    assert world.client.post("/v1/claims/search", json=search, headers=world.keys["other_admin"]).json() == []
    assert world.client.post("/v1/claims/search", json=search, headers=world.keys["acme_platform"]).json()[0]["id"] \
        == "afnc_th:74441"


def test_an_idempotency_key_replays_the_first_response(world: World) -> None:
    headers = {**world.keys["acme_platform"], "Idempotency-Key": "batch-0001"}
    post = {"post": {"id": "i1", "text": "Slot gacor hari ini maxwin, daftar sekarang", "country": "ID"}}
    first = world.client.post("/v1/moderate", json=post, headers=headers)
    again = world.client.post("/v1/moderate", json=post, headers=headers)
    assert first.status_code == again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = world.client.post("/v1/moderate", json={"post": {**post["post"], "id": "i2"}}, headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    # keys are per organisation: another tenant's identical key is a different request
    outsider = {**world.keys["other_platform"], "Idempotency-Key": "batch-0001"}
    assert world.client.post("/v1/moderate", json=post, headers=outsider).status_code == 200


def test_rate_limits_per_key(database_url: str, moderator: Moderator) -> None:
    store = Store(database_url)
    fast, slow = _headers(store, "acme", Role.AUDITOR), _headers(store, "acme", Role.AUDITOR)
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False, rate=0.5, burst=2)) as client:
        codes = [client.get("/v1/reviews", headers=fast).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = client.get("/v1/reviews", headers=fast)
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/v1/reviews", headers=slow).status_code == 200  # buckets are per key
