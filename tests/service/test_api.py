"""The HTTP service over a real store (SQLite and PostgreSQL): auth, roles, tenant and jurisdiction
scopes, validation errors with stable codes, the audit chain, metrics."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jaga.detect.classifier import ClassifierDetector
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

SCAM_MY = {"id": "p-my", "text": "Pinjaman segera tanpa dokumen, klik maybank2u-secure.xyz untuk sahkan akaun anda sekarang",
           "country": "MY"}
GAMBLING_VN = {"id": "p-vn", "text": "Nhà cái uy tín, nạp 100k tặng 200k, cá cược bóng đá", "country": "VN"}


@dataclass
class Service:
    client: TestClient
    store: Store
    tokens: dict[str, str]

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def service(database_url: str, moderator: Moderator) -> Iterator[Service]:
    store = Store(database_url)
    tokens = {
        "acme": store.scoped("acme").create_key("acme platform", Role.PLATFORM)[1],
        "acme_auditor": store.scoped("acme").create_key("acme audit", Role.AUDITOR)[1],
        "other": store.scoped("other").create_key("other platform", Role.PLATFORM)[1],
        "acme_regulator_th": store.scoped("acme").create_key("th regulator", Role.REGULATOR, ["TH"])[1],
        "acme_regulator_vn": store.scoped("acme").create_key("vn regulator", Role.REGULATOR, ["VN"])[1],
        "acme_platform_my": store.scoped("acme").create_key("acme my", Role.PLATFORM, ["MY"])[1],
    }
    with TestClient(create_app(database_url, moderator), raise_server_exceptions=False) as client:
        yield Service(client, store, tokens)


def test_health_and_openapi_need_no_key(service: Service) -> None:
    assert service.client.get("/healthz").json()["status"] == "ok"
    paths = service.client.get("/openapi.json").json()["paths"]
    assert {"/v1/moderate", "/v1/decisions/{decision_id}", "/v1/claims/search"} <= set(paths)


def test_probes_and_the_openapi_contract(service: Service) -> None:
    """/livez and /readyz for orchestrators (ready once the models are warm: the TestClient ran the
    start-up); the document declares one bearer scheme and the real error body on every error."""
    assert service.client.get("/livez").json()["status"] == "ok"
    assert service.client.get("/readyz").status_code == 200
    service.client.app.state.ready = False  # type: ignore[attr-defined]
    try:
        starting = service.client.get("/readyz")
        assert starting.status_code == 503 and starting.json()["error"]["code"] == "starting"
    finally:
        service.client.app.state.ready = True  # type: ignore[attr-defined]
    document = service.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "An API key from `jaga keys create`: jaga_<id>_<secret>."}
    read = document["paths"]["/v1/decisions/{decision_id}"]["get"]
    assert read["operationId"] == "get_decision" and read["security"] == [{"bearer": []}]
    assert all(p["name"].lower() != "authorization" for p in read["parameters"])
    for code in ("401", "403", "404", "422", "429", "500"):
        assert read["responses"][code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "security" not in document["paths"]["/livez"]["get"]
    ids = [operation["operationId"] for methods in document["paths"].values() for operation in methods.values()]
    assert len(ids) == len(set(ids))
    # The error body the document promises is the one sent.
    refused = service.client.get("/v1/decisions/x").json()
    assert set(refused) == {"error"} and {"code", "message"} <= set(refused["error"])


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer jaga_0123456789abcdef_wrong", "Basic abc"])
def test_requests_without_a_valid_key_are_refused(service: Service, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_moderate_one_and_read_it_back(service: Service) -> None:
    response = service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=service.as_("acme"))
    assert response.status_code == 200, response.text
    decision = response.json()["decisions"][0]
    assert decision["jurisdiction"] == "MY" and decision["action"] == "remove"
    assert decision["statement"]["user_notice"]["language"] == "ms"
    again = service.client.get(f"/v1/decisions/{decision['id']}", headers=service.as_("acme"))
    assert again.status_code == 200 and again.json()["id"] == decision["id"]


def test_unknown_fields_of_a_post_come_back_with_its_decision_and_are_stored(service: Service) -> None:
    post = {**SCAM_MY, "author": "bob", "label": "spam", "likes": 3, "meta": {"thread": [1, 2]}}
    response = service.client.post("/v1/moderate", json={"posts": [post, GAMBLING_VN]}, headers=service.as_("acme"))
    assert response.status_code == 200, response.text
    first, second = response.json()["decisions"]
    assert first["post_extra"] == {"author": "bob", "label": "spam", "likes": 3, "meta": {"thread": [1, 2]}}
    assert second["post_extra"] == {}
    stored = service.store.scoped("acme").post("p-my")
    assert stored is not None and stored.extra == first["post_extra"]
    again = service.client.get(f"/v1/decisions/{first['id']}", headers=service.as_("acme")).json()
    assert again["post_extra"] == first["post_extra"]
    document = service.client.get("/openapi.json").json()
    assert document["components"]["schemas"]["Post"]["additionalProperties"] is True


def test_another_organisation_cannot_see_the_case(service: Service) -> None:
    decision = service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=service.as_("acme")).json()["decisions"][0]
    response = service.client.get(f"/v1/decisions/{decision['id']}", headers=service.as_("other"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_regulator_sees_only_its_jurisdictions(service: Service) -> None:
    decisions = service.client.post("/v1/moderate", json={"posts": [SCAM_MY, GAMBLING_VN]},
                                    headers=service.as_("acme")).json()["decisions"]
    vietnamese = next(d for d in decisions if d["jurisdiction"] == "VN")
    assert service.client.get(f"/v1/decisions/{vietnamese['id']}", headers=service.as_("acme_regulator_th")).status_code == 404
    assert service.client.get(f"/v1/decisions/{vietnamese['id']}", headers=service.as_("acme_regulator_vn")).status_code == 200


def test_roles_and_jurisdictions_limit_writes(service: Service) -> None:
    auditor = service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=service.as_("acme_auditor"))
    assert auditor.status_code == 403 and auditor.json()["error"]["code"] == "forbidden"
    out_of_scope = service.client.post("/v1/moderate", json={"post": GAMBLING_VN}, headers=service.as_("acme_platform_my"))
    assert out_of_scope.status_code == 403 and out_of_scope.json()["error"]["code"] == "jurisdiction_out_of_scope"


@pytest.mark.parametrize(("body", "field"), [
    ({"post": {**SCAM_MY, **{f"column_{n}": n for n in range(65)}}}, "body.post.extra"),
    ({"post": {**SCAM_MY, "text": "   "}}, "body.post.text"),
    ({"posts": [SCAM_MY] * 101}, "body.posts"),
    ({"post": SCAM_MY, "posts": [SCAM_MY]}, "body"),
    ({"post": SCAM_MY, "jurisdiction": "Malaysia!"}, "body.jurisdiction"),
])
def test_invalid_requests_name_the_field(service: Service, body: dict[str, object], field: str) -> None:
    response = service.client.post("/v1/moderate", json=body, headers=service.as_("acme"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and any(d["field"].startswith(field) for d in error["details"])


def test_oversized_bodies_are_refused_before_parsing(service: Service) -> None:
    response = service.client.post("/v1/moderate", content=b"x" * 2_000_001, headers={
        **service.as_("acme"), "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


def test_every_change_is_audited_and_tampering_is_detected(service: Service) -> None:
    service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=service.as_("acme"))
    service.client.post("/v1/moderate", json={"post": GAMBLING_VN}, headers=service.as_("acme"))
    store = service.store
    assert store.verify_audit() == []
    actions = [entry.action for entry in store.scoped("acme").audit_entries()]
    assert actions.count("moderate") == 2 and "key.create" in actions
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET subject = 'forged' WHERE seq = 3"))
    assert any("seq 3: content changed" in problem for problem in store.verify_audit())
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    problems = store.verify_audit()
    assert any("seq 4" in problem and "missing" in problem for problem in problems)


def test_metrics_count_decisions(service: Service) -> None:
    service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=service.as_("acme"))
    body = service.client.get("/metrics", headers=service.as_("acme_auditor")).text
    assert 'jaga_decisions_total{action="remove",jurisdiction="MY"} 1.0' in body


def test_metrics_count_requests_by_route_and_status(service: Service) -> None:
    service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=service.as_("acme"))
    service.client.post("/v1/moderate", json={"post": SCAM_MY})  # no key
    service.client.get("/no/such/page")
    body = service.client.get("/metrics", headers=service.as_("acme_auditor")).text
    assert 'jaga_http_requests_total{route="/v1/moderate",status="200"} 1.0' in body
    assert 'jaga_http_requests_total{route="/v1/moderate",status="401"} 1.0' in body
    assert 'jaga_http_requests_total{route="unmatched",status="404"} 1.0' in body
    assert 'jaga_http_request_seconds_count{route="/v1/moderate"} 2.0' in body


def test_metrics_count_posts_read_by_the_encoder_tier(service: Service) -> None:
    hateful = {"id": "e1", "text": "Muslims should be banned from entering the country.", "country": "SG"}
    plain = {"id": "e2", "text": "The weather is lovely this morning.", "country": "SG"}
    service.client.post("/v1/moderate", json={"posts": [hateful, plain]}, headers=service.as_("acme"))
    body = service.client.get("/metrics", headers=service.as_("acme_auditor")).text
    assert "jaga_encoder_escalations_total 1.0" in body
    assert "jaga_moderation_batch_posts_count 1.0" in body and "jaga_moderation_batch_posts_sum 2.0" in body


def test_revoked_keys_stop_working(service: Service) -> None:
    key_id = service.tokens["acme"].split("_")[1]
    assert service.store.scoped("acme").revoke_key(key_id)
    response = service.client.post("/v1/moderate", json={"post": SCAM_MY}, headers=service.as_("acme"))
    assert response.status_code == 401


def test_a_started_service_has_read_every_kind_of_post_before_its_first_request(database_url: str) -> None:
    """The warm-up reaches the encoder tier and leaves what it loaded frozen out of the collector's way."""
    moderator = Moderator()
    classifier = next(detector for detector in moderator.detectors if isinstance(detector, ClassifierDetector))
    assert classifier.escalations == 0
    with TestClient(create_app(database_url, moderator)):
        assert classifier.escalations >= 1
        assert gc.get_freeze_count() > 0
