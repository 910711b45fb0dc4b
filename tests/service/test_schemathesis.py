"""Property-based tests of every operation in the OpenAPI document (schemathesis): whatever a
client sends that the schema allows, or nearly allows, the service never answers with a 5xx.
Runs on SQLite and PostgreSQL, with a key of each role that writes or reads cases."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PLATFORM, Role.REGULATOR])
def test_no_operation_answers_with_a_server_error(role: Role, database_url: str, moderator: Moderator) -> None:
    store = Store(database_url).scoped("acme")
    token = store.create_key(f"fuzz {role.value}", role, ["TH"] if role == Role.REGULATOR else None)[1]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(database_url, moderator, deliver_webhooks=False))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.operation.label, response.status_code, response.text[:300])

        no_server_error()
