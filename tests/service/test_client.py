"""`jaga.client`, the typed client generated from the OpenAPI document (`jaga.service.client_gen`):
the committed client is exactly what the document generates, and it works against the real service
(moderating posts, reading a decision's typed statement of reasons, paging through decisions,
raising the `Error` body's code)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jaga.client import (
    AuthorityRequest,
    Client,
    DecisionOut,
    JagaError,
    ModerateRequest,
    Page,
    Post,
    StatementOut,
)
from jaga.detect.lexicon import LexiconDetector
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.service.client_gen import CLIENT_DIR, differences, document, main, render
from jaga.store import Role, Store


def test_the_committed_client_is_what_the_document_generates() -> None:
    """Fails when the API changed and `python -m jaga.service.client_gen` was not run (the diff says where)."""
    found = differences(render(document()), CLIENT_DIR)
    assert found == [], "regenerate with `python -m jaga.service.client_gen`:\n" + "".join(found)[:4000]


def test_the_check_mode_reports_a_stale_client(tmp_path: Path) -> None:
    spec = document()
    for name, text in render(spec).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    arguments = ["--openapi", str(tmp_path / "openapi.json"), "--out", str(tmp_path), "--check"]
    assert main(arguments) == 0
    (tmp_path / "api.py").write_text((tmp_path / "api.py").read_text().replace("def list_decisions", "def old"))
    assert main(arguments) == 1


def test_the_client_moderates_and_pages_through_decisions(database_url: str) -> None:
    token = Store(database_url).scoped("acme").create_key("client", Role.ADMIN)[1]
    app = create_app(database_url, Moderator([LexiconDetector()]), deliver_webhooks=False)
    with TestClient(app) as http:
        jaga = Client(http=http, api_key=token)
        posts = [Post(id=f"c-{index}", text=f"Selamat pagi semua ({index})", country="MY") for index in range(5)]
        moderated = jaga.moderate(ModerateRequest(posts=posts), idempotency_key="batch-1").decisions
        assert [decision.post_id for decision in moderated] == [post.id for post in posts]
        assert all(isinstance(decision, DecisionOut) and decision.language.code for decision in moderated)

        order = AuthorityRequest(agency="MCMC", channel="written", received_at=datetime(2026, 12, 4, tzinfo=UTC))
        [ordered] = jaga.authority_request(ModerateRequest(
            post=Post(id="c-order", text="Selamat malam", country="MY", authority_request=order))).decisions
        assert isinstance(ordered.statement, StatementOut) and ordered.statement.authority_request is not None
        assert (ordered.action, ordered.statement.authority_request.agency) == ("review", "MCMC")
        assert jaga.get_decision(ordered.id) == ordered

        first = jaga.list_decisions(limit=2)
        assert isinstance(first, Page) and len(first.items) == 2 and first.next_cursor is not None
        every = list(jaga.iter_list_decisions(limit=2))
        assert [decision.id for decision in every[:2]] == [decision.id for decision in first.items]
        assert sorted(decision.id for decision in every) == sorted(d.id for d in [*moderated, ordered])
        assert [decision.id for decision in jaga.iter_list_decisions(limit=4, post_id="c-3")] == [moderated[3].id]

        with pytest.raises(JagaError) as missing:
            jaga.get_decision("dec_nothing")
        assert (missing.value.status, missing.value.code) == (404, "not_found")
        with pytest.raises(JagaError) as unauthenticated:
            Client(http=http, api_key="jaga_nobody_secret").list_decisions()
        assert unauthenticated.value.code == "unauthenticated"
