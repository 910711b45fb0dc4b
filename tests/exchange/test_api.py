"""The exchange routes over a real store (SQLite and PostgreSQL), mounted on a small app with the
service's error handling and bearer keys: admins export, import and manage partners; auditors read;
other roles and jurisdiction-scoped admins are refused; organisations see only their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.testclient import TestClient

from jaga.exchange.bundle import generate_key
from jaga.service.errors import ApiError, install
from jaga.service.exchange import exchange_router
from jaga.store import ApiKey, Role, Store

from .world import INDICATOR, fill

ROLES = {"admin": Role.ADMIN, "auditor": Role.AUDITOR, "reviewer": Role.REVIEWER, "platform": Role.PLATFORM,
         "regulator": Role.REGULATOR}
Headers = dict[str, dict[str, str]]
BEARER = HTTPBearer(auto_error=False)  # at module level: FastAPI resolves the (string) annotations here


def _app(store: Store, keys: Path) -> FastAPI:
    app = FastAPI()
    install(app)

    def role_in(allowed: frozenset[Role]):  # type: ignore[no-untyped-def]
        async def check(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> ApiKey:
            key = store.authenticate(credentials.credentials) if credentials else None
            if key is None:
                raise ApiError(401, "unauthenticated", "unknown or revoked API key")
            if key.role not in allowed:
                raise ApiError(403, "forbidden", f"the {key.role.value} role cannot do this")
            return key
        return check

    def signing_key(org: str):  # type: ignore[no-untyped-def]
        path = keys / f"{org}.key"
        return generate_key(path)[0] if org == "mafindo" else None

    app.include_router(exchange_router(store, role_in, signing_key))
    return app


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Headers, Store]]:
    store = Store(database_url)
    fill(store.scoped("mafindo"))
    headers: Headers = {}
    for org in ("mafindo", "acme"):
        for who, role in ROLES.items():
            headers[f"{org}_{who}"] = {"Authorization": f"Bearer {store.scoped(org).create_key(who, role)[1]}"}
    headers["acme_admin_th"] = {"Authorization": f"Bearer {store.scoped('acme').create_key('th', Role.ADMIN, ['TH'])[1]}"}
    with TestClient(_app(store, tmp_path), raise_server_exceptions=False) as client:
        yield client, headers, store
    store.close()


def test_roles_and_a_round_trip(api: tuple[TestClient, Headers, Store]) -> None:
    client, h, store = api
    export = {"kinds": ["fact-checks", "banks", "campaigns"], "licence": "CC-BY-4.0",
              "campaigns": [INDICATOR.model_dump(mode="json")]}
    for who in ("auditor", "reviewer", "platform", "regulator"):
        assert client.post("/v1/exchange/export", json=export, headers=h[f"mafindo_{who}"]).status_code == 403, who
    assert client.post("/v1/exchange/export", json=export, headers=h["acme_admin"]).json()["error"]["code"] == \
        "no_signing_key"
    bundle = client.post("/v1/exchange/export", json=export, headers=h["mafindo_admin"]).json()
    assert bundle["header"]["issuer"] == "mafindo" and len(bundle["items"]) == 5
    public = client.get("/v1/exchange/public-key", headers=h["mafindo_auditor"]).json()
    assert public["key_id"] == bundle["header"]["key_id"]

    refused = client.post("/v1/exchange/import", json=bundle, headers=h["acme_admin"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_partner"
    partner = {"public_key": public["public_key"], "kinds": ["fact-check", "campaign"]}
    for who in ("auditor", "reviewer", "platform", "admin_th"):
        assert client.put("/v1/exchange/partners/mafindo", json=partner, headers=h[f"acme_{who}"]).status_code == 403
    bad_key = client.put("/v1/exchange/partners/mafindo", json=partner | {"public_key": "not a key"},
                         headers=h["acme_admin"])
    assert bad_key.status_code == 422 and bad_key.json()["error"]["code"] == "invalid_partner"
    added = client.put("/v1/exchange/partners/mafindo", json=partner, headers=h["acme_admin"]).json()
    assert added["key_id"] == public["key_id"] and added["kinds"] == ["campaign", "fact-check"]
    assert [p["name"] for p in client.get("/v1/exchange/partners", headers=h["acme_auditor"]).json()] == ["mafindo"]
    assert client.get("/v1/exchange/partners", headers=h["acme_reviewer"]).status_code == 403

    assert client.post("/v1/exchange/import", json=bundle, headers=h["acme_auditor"]).status_code == 403
    report = client.post("/v1/exchange/import", json=bundle, headers=h["acme_admin"]).json()
    assert report["added"] == {"fact-check": 2, "campaign": 1} and len(report["rejected"]) == 2
    assert {r["reason"] for r in report["rejected"]} == {
        "bank-entry items are not accepted from 'mafindo' (accepted: campaign, fact-check)"}
    again = client.post("/v1/exchange/import", json=bundle, headers=h["acme_admin"]).json()
    assert again["added"] == {} and again["unchanged"] == 3

    items = client.get("/v1/exchange/items", params={"kind": "fact-check"}, headers=h["acme_auditor"]).json()
    assert [(i["id"], i["origin"], i["partner"], i["licence"]) for i in items] == [
        ("mafindo:1", "mafindo", "mafindo", "CC-BY-4.0"), ("mafindo:2", "mafindo", "mafindo", "CC-BY-4.0")]
    # mafindo's own shared items are on its record, as its own; acme's are invisible to it
    own = client.get("/v1/exchange/items", headers=h["mafindo_auditor"]).json()
    assert len(own) == 5 and {i["partner"] for i in own} == {None}
    assert client.get("/v1/exchange/partners", headers=h["mafindo_admin"]).json() == []

    assert client.delete("/v1/exchange/partners/mafindo", headers=h["acme_auditor"]).status_code == 403
    assert client.delete("/v1/exchange/partners/mafindo", headers=h["acme_admin"]).json() == {"removed": True}
    assert client.delete("/v1/exchange/partners/mafindo", headers=h["acme_admin"]).status_code == 404
    assert store.scoped("acme").count_fact_checks() == 2


def test_bad_requests_get_clear_errors(api: tuple[TestClient, Headers, Store]) -> None:
    client, h, _ = api
    bad_kinds = client.post("/v1/exchange/export", json={"kinds": ["posts"]}, headers=h["mafindo_admin"])
    assert bad_kinds.status_code == 422 and "unknown kind posts" in bad_kinds.json()["error"]["message"]
    not_bundle = client.post("/v1/exchange/import", json={"hello": 1}, headers=h["acme_admin"])
    assert not_bundle.status_code == 422 and not_bundle.json()["error"]["code"] == "not_a_bundle"
    assert client.put("/v1/exchange/partners/bad%20name", json={"public_key": "x", "kinds": ["campaign"]},
                      headers=h["acme_admin"]).status_code == 422
    assert client.get("/v1/exchange/partners").status_code == 401
