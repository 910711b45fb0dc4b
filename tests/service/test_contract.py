"""The OpenAPI document as a contract: every answer is a typed schema (no object left open, a
decision described field by field down to its statement of reasons), every list documents its
paging, and a decision read through the API is exactly the JSON that was stored, whatever versions
of its statement a review, an appeal or an authority's order added."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.service.schemas import DecisionOut
from jaga.store import Role, Store

POSTS = [
    {"id": "hate", "text": "Muslims are vermin and should be thrown out", "country": "MY", "author_id": "u1"},
    {"id": "scam", "text": "Claim your prize now at http://bit.ly/win", "country": "ID", "likes": 3},
    {"id": "harm", "text": "I want to kill myself tonight", "country": "SG"},
    {"id": "fine", "text": "Selamat pagi semua, jumpa lagi esok", "country": "TH"},
]
ORDER = {"agency": "MCMC", "channel": "written", "received_at": "2026-12-04T08:00:00+08:00", "reference": "MCMC/9"}


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def open_objects(document: dict[str, Any], schema: Any, where: str, seen: set[str]) -> list[str]:
    """Every place under `schema` where an object is left open (`additionalProperties: true`, or an
    object or a `$ref` with no fields at all). Maps of JSON values (a detector's details, a post's
    own fields, a bundle's foreign items) are `additionalProperties: {$ref: JsonValue}`, not open."""
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        target = resolve(document, schema)
        if target == {} and name != "JsonValue":
            return [f"{where} -> {name} is {{}}"]
        return open_objects(document, target, name, seen | {name})
    found = [where] if schema.get("additionalProperties") is True else []
    if schema.get("type") == "object" and not schema.get("properties") and "additionalProperties" not in schema:
        found.append(f"{where} (object without fields)")
    for key, value in schema.items():
        children = value.values() if key == "properties" else value if isinstance(value, list) else [value]
        for child in children:
            found += open_objects(document, child, f"{where}.{key}", seen)
    return found


def test_every_answer_is_typed_and_every_list_pages(database_url: str) -> None:
    with TestClient(create_app(database_url, Moderator([]), deliver_webhooks=False)) as client:
        document = client.get("/openapi.json").json()
    problems, lists = [], 0
    for path, operations in document["paths"].items():
        for verb, operation in operations.items():
            for status, response in operation["responses"].items():
                for media, content in response.get("content", {}).items():
                    problems += open_objects(document, content.get("schema", {}), f"{verb} {path} {status} {media}", set())
            ok = operation["responses"].get("200", {})
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            if verb == "get" and schema.get("type") == "array":
                lists += 1
                parameters = {parameter["name"]: parameter for parameter in operation.get("parameters", [])}
                assert "X-Next-Cursor" in ok.get("headers", {}), path
                assert "cursor" in parameters and parameters["limit"]["schema"]["maximum"] <= 10_000, path
    assert problems == []
    assert lists >= 9  # decisions, reviews, appeals, reports, authority requests, banks, partners, items, ...
    decision = document["components"]["schemas"]["DecisionOut"]
    assert {"statement", "signals", "language", "history"} <= decision["properties"].keys()
    assert document["components"]["schemas"]["StatementOut"]["properties"]["legal_basis"]["items"] == {
        "$ref": "#/components/schemas/LegalBasisOut"}


def test_decisions_read_back_exactly_as_stored(database_url: str, moderator: Moderator) -> None:
    store = Store(database_url).scoped("acme")
    keys = {name: {"Authorization": f"Bearer {store.create_key(name, role)[1]}"} for name, role in (
        ("platform", Role.PLATFORM), ("reviewer", Role.REVIEWER), ("lead", Role.ADMIN))}
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False)) as client:
        moderated = client.post("/v1/moderate", json={"posts": POSTS}, headers=keys["platform"]).json()["decisions"]
        ordered = client.post("/v1/authority-requests", json={"post": {**POSTS[3], "authority_request": ORDER}},
                              headers=keys["platform"]).json()["decisions"][0]
        tasks = client.get("/v1/reviews", headers=keys["reviewer"]).json()
        assert len(tasks) >= 2
        for task in tasks:  # a person decides each case: a new version of each statement
            assert client.post(f"/v1/reviews/{task['id']}/claim", headers=keys["reviewer"]).status_code == 200
            assert client.post(f"/v1/reviews/{task['id']}/decide", json={"action": "remove", "note": "Checked."},
                               headers=keys["reviewer"]).status_code == 200
        hate = moderated[0]["id"]
        assert moderated[0]["action"] == "review" and hate in {task["decision_id"] for task in tasks}
        appeal = client.post("/v1/appeals", json={"decision_id": hate, "reason": "A joke"},
                             headers=keys["platform"]).json()
        assert client.post(f"/v1/appeals/{appeal['id']}/decide", json={"outcome": "upheld", "note": "Satire."},
                           headers=keys["lead"]).status_code == 200
        listed = client.get("/v1/decisions", params={"limit": 200}, headers=keys["platform"]).json()
        assert len(listed) == len(POSTS)  # the order superseded the greeting's decision: one per post
        for decision in [*moderated, ordered]:
            stored = store.decision(decision["id"])
            assert stored is not None
            read = client.get(f"/v1/decisions/{decision['id']}", headers=keys["platform"]).json()
            assert read == stored.to_json_dict() == next(item for item in listed if item["id"] == decision["id"])
            assert DecisionOut.model_validate(read).model_dump(mode="json", by_alias=True) == read
        versions = client.get(f"/v1/decisions/{hate}", headers=keys["platform"]).json()
        assert [entry["version"] for entry in versions["history"]] == [1, 2]
        assert versions["statement"]["issued_because"] == "appeal_upheld"
