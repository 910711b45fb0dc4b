"""Every list the API returns pages the same way (`jaga.service.routes.paging`): a JSON array, the
next page's cursor in `X-Next-Cursor` (absent on the last page), `limit` with a maximum. Paging
through with a small limit gives every item exactly once, in the same order as one large page;
items added while a client pages are neither skipped nor repeated; a cursor only works on the list
that gave it; another organisation, or a key limited to other jurisdictions, sees none of the items.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from jaga.detect.lexicon import LexiconDetector
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.store.campaigns import CampaignRow
from jaga.store.exchange import SharedItem

Headers = dict[str, str]
ORDER = {"agency": "MCMC", "channel": "written", "received_at": "2026-12-04T08:00:00+08:00"}


def post(index: int, country: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"p-{country}-{index}", "text": f"Selamat pagi semua, jumpa lagi esok ({index})", "country": country,
            **fields}


def campaign(campaign_id: str, seen: datetime) -> dict[str, Any]:
    """A saved campaign's document, as `Campaign.to_json` writes it."""
    return {"id": campaign_id, "accounts": ["a", "b", "c"], "posts": ["1", "2", "3"], "size": 3,
            "start": seen.isoformat(), "end": seen.isoformat(), "representative_text": "Vote now", "texts": ["Vote now"],
            "urls": [], "hashtags": [], "languages": {"en": 3}, "co_actions": {"text": 3}, "edges": 3, "density": 1.0,
            "fact_checks": []}


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[TestClient, dict[str, Headers], Store]]:
    """acme: 4 posts in MY, each reported, and 3 in TH with an authority's order, each appealed; 3 banks, 3 partners, 5 exchanged items, 4 saved campaigns; beta: 2 posts of its own."""
    acme = Store(database_url).scoped("acme")
    keys = {name: {"Authorization": f"Bearer {acme.create_key(name, role, scope)[1]}"} for name, role, scope in (
        ("admin", Role.ADMIN, None), ("platform", Role.PLATFORM, None), ("reviewer", Role.REVIEWER, None),
        ("th", Role.REVIEWER, ["TH"]))}
    keys["beta"] = {"Authorization": f"Bearer {acme.scoped('beta').create_key('beta', Role.ADMIN)[1]}"}
    with TestClient(create_app(database_url, Moderator([LexiconDetector()]), deliver_webhooks=False)) as client:
        posts = [post(index, "MY") for index in range(4)] + [post(index, "TH", authority_request=ORDER)
                                                            for index in range(3)]
        decisions = client.post("/v1/moderate", json={"posts": posts}, headers=keys["admin"]).json()["decisions"]
        for decision in decisions:
            if decision["jurisdiction"] == "MY":  # allowed: a report puts it before a person
                assert client.post("/v1/reports", json={"post_id": decision["post_id"], "reporter": "u1",
                                                        "reason": "spam"}, headers=keys["platform"]).status_code == 201
            else:  # an order's decision waits for review: it can be appealed
                assert client.post("/v1/appeals", json={"decision_id": decision["id"], "reason": "no"},
                                   headers=keys["platform"]).status_code == 201
        assert client.post("/v1/moderate", json={"posts": [post(9, "MY"), post(8, "TH")]},
                           headers=keys["beta"]).status_code == 200
        for name in ("b-one", "a-two", "c-three"):
            assert client.put(f"/v1/banks/{name}", json={"label": name, "category": "scam_fraud"}, headers=keys["admin"]).status_code == 200
        for name in ("partner-b", "partner-a", "partner-c"):
            pem = Ed25519PrivateKey.generate().public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            assert client.put(f"/v1/exchange/partners/{name}", json={"public_key": pem, "kinds": ["fact-check"]},
                              headers=keys["admin"]).status_code == 200, name
        now = datetime.now(UTC)
        acme.record_shared_items([SharedItem(kind="fact-check", item_id=f"fc-{index}", origin="acme", partner=None,
                                             licence="CC-BY-4.0", source=None, shared_at=now, digest=f"{index:064x}",
                                             document={"id": f"fc-{index}"}) for index in range(5)])
        with acme.sessions.begin() as session:  # two share a time: the id breaks the tie
            for index, hours in enumerate((1, 3, 3, 2)):
                seen = now - timedelta(hours=hours)
                session.add(CampaignRow(org="acme", id=f"camp-{index}", first_seen=seen, last_seen=seen, accounts=3,
                                        posts=3, document=campaign(f"camp-{index}", seen), indicator={}, saved_at=now))
        yield client, keys, acme


def walk(client: TestClient, path: str, headers: Headers, limit: int, **params: Any) -> tuple[list[Any], int]:
    """Every item of a list, following `X-Next-Cursor` with pages of `limit`; and the number of pages."""
    items: list[Any] = []
    cursor, pages = None, 0
    while True:
        response = client.get(path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})},
                              headers=headers)
        assert response.status_code == 200, response.text
        page, pages = response.json(), pages + 1
        assert len(page) <= limit
        items += page
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            return items, pages
        assert len(page) == limit  # only a full page says more may follow


LISTS = [("/v1/decisions", "admin", "id", 7, {}), ("/v1/reviews", "reviewer", "id", 7, {}),
         ("/v1/appeals", "reviewer", "id", 3, {}), ("/v1/reports", "reviewer", "id", 4, {}),
         ("/v1/authority-requests", "reviewer", "decision_id", 3, {}), ("/v1/banks", "admin", "name", 3, {}),
         ("/v1/exchange/partners", "admin", "name", 3, {}), ("/v1/exchange/items", "admin", "id", 5, {}),
         ("/v1/campaigns", "admin", "id", 4, {})]


@pytest.mark.parametrize(("path", "who", "identity", "count", "params"), LISTS, ids=[path for path, *_ in LISTS])
def test_paging_through_gives_every_item_once_in_order(world: tuple[TestClient, dict[str, Headers], Store], path: str,
                                                       who: str, identity: str, count: int,
                                                       params: dict[str, Any]) -> None:
    client, keys, _ = world
    whole = client.get(path, params=params, headers=keys[who])
    assert whole.status_code == 200 and "X-Next-Cursor" not in whole.headers
    expected = [item[identity] for item in whole.json()]
    assert len(expected) == count
    for limit in (1, 2, 3):
        items, pages = walk(client, path, keys[who], limit, **params)
        assert [item[identity] for item in items] == expected, (path, limit)
        assert pages == -(-count // limit), (path, limit)  # the store looks one row ahead: no empty last page
    assert client.get(path, params={"limit": 0}, headers=keys[who]).status_code == 422
    assert client.get(path, params={"limit": 100_000}, headers=keys[who]).status_code == 422


def test_campaigns_page_most_recent_activity_first_with_ties_by_id(
        world: tuple[TestClient, dict[str, Headers], Store]) -> None:
    client, keys, _ = world
    items, _ = walk(client, "/v1/campaigns", keys["admin"], 1)
    assert [item["id"] for item in items] == ["camp-0", "camp-3", "camp-1", "camp-2"]


def test_items_added_while_paging_are_neither_skipped_nor_repeated(
        world: tuple[TestClient, dict[str, Headers], Store]) -> None:
    client, keys, _ = world
    first = client.get("/v1/decisions", params={"limit": 3}, headers=keys["admin"])
    seen = [decision["id"] for decision in first.json()]
    added = client.post("/v1/moderate", json={"posts": [post(index, "MY") for index in range(10, 13)]},
                        headers=keys["admin"]).json()["decisions"]
    rest = []
    cursor = first.headers["X-Next-Cursor"]
    while cursor:
        page = client.get("/v1/decisions", params={"limit": 3, "cursor": cursor}, headers=keys["admin"])
        rest += [decision["id"] for decision in page.json()]
        cursor = page.headers.get("X-Next-Cursor")
    assert len(seen + rest) == len(set(seen + rest)) == 10
    assert rest[-3:] == [decision["id"] for decision in added]


def test_a_cursor_works_only_on_its_own_list(world: tuple[TestClient, dict[str, Headers], Store]) -> None:
    client, keys, _ = world
    cursor = client.get("/v1/decisions", params={"limit": 1}, headers=keys["admin"]).headers["X-Next-Cursor"]
    for path, who in (("/v1/reports", "reviewer"), ("/v1/appeals", "reviewer"), ("/v1/banks", "admin")):
        refused = client.get(path, params={"cursor": cursor}, headers=keys[who])
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_cursor", path


def test_lists_keep_to_the_organisation_and_the_key_s_jurisdictions(
        world: tuple[TestClient, dict[str, Headers], Store]) -> None:
    client, keys, _ = world
    beta = walk(client, "/v1/decisions", keys["beta"], 1)[0]
    assert sorted(decision["post_id"] for decision in beta) == ["p-MY-9", "p-TH-8"]
    for path in ("/v1/reports", "/v1/appeals", "/v1/banks", "/v1/exchange/partners", "/v1/exchange/items",
                 "/v1/campaigns"):
        assert client.get(path, headers=keys["beta"]).json() == [], path
    th = walk(client, "/v1/reviews", keys["th"], 1)[0]
    assert len(th) == 3 and {task["jurisdiction"] for task in th} == {"TH"}
    assert walk(client, "/v1/reports", keys["th"], 1)[0] == []
    assert {decision["jurisdiction"] for decision in client.get("/v1/decisions", headers=keys["th"]).json()} == {"TH"}
    filtered = client.get("/v1/decisions", params={"post_id": "p-MY-1"}, headers=keys["admin"]).json()
    assert [decision["post_id"] for decision in filtered] == ["p-MY-1"]
