"""The bank routes over a real store (SQLite and PostgreSQL): admins manage, reviewers and
auditors read, platforms match; organisations never see each other's banks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jaga.banks.signals import PdqSignal
from jaga.detect.lexicon import LexiconDetector
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

from .images import altered, png

ROLES = {"admin": Role.ADMIN, "reviewer": Role.REVIEWER, "auditor": Role.AUDITOR, "platform": Role.PLATFORM,
         "regulator": Role.REGULATOR}


@pytest.fixture
def api(database_url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    store = Store(database_url)
    headers = {who: {"Authorization": f"Bearer {store.scoped('acme').create_key(who, role)[1]}"}
               for who, role in ROLES.items()}
    headers["admin_th"] = {"Authorization": f"Bearer {store.scoped('acme').create_key('th', Role.ADMIN, ['TH'])[1]}"}
    headers["other_admin"] = {"Authorization": f"Bearer {store.scoped('other').create_key('o', Role.ADMIN)[1]}"}
    headers["other_platform"] = {"Authorization": f"Bearer {store.scoped('other').create_key('p', Role.PLATFORM)[1]}"}
    app = create_app(database_url, Moderator([LexiconDetector()]))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers
    app.state.store.close()
    store.close()


def test_roles_and_organisations(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, h = api
    bank = {"label": "known abuse", "category": "sexual_exploitation"}
    for who in ("reviewer", "auditor", "platform", "regulator", "admin_th"):
        assert client.put("/v1/banks/KNOWN", json=bank, headers=h[who]).status_code == 403, who
    assert client.put("/v1/banks/KNOWN", json=bank, headers=h["admin"]).json()["entries"] == 0
    assert client.put("/v1/banks/BAD", json={"label": "x"}, headers=h["admin"]).json()["error"]["code"] == "invalid_bank"
    pdq = PdqSignal.from_bytes(png(1))
    entries = {"entries": [{"signal_type": "pdq", "signal": pdq, "content_id": "c1"},
                           {"signal_type": "video_md5", "signal": "A" * 32}]}
    assert client.post("/v1/banks/KNOWN/entries", json=entries, headers=h["platform"]).status_code == 403
    assert client.post("/v1/banks/KNOWN/entries", json=entries, headers=h["admin"]).json() == {"added": 2, "already_there": 0}
    invalid = client.post("/v1/banks/KNOWN/entries", json={"entries": [{"signal_type": "pdq", "signal": "zz"}]},
                          headers=h["admin"])
    assert invalid.status_code == 422 and invalid.json()["error"]["details"][0]["index"] == 0

    for who in ("reviewer", "auditor", "admin"):
        assert [bank["entries"] for bank in client.get("/v1/banks", headers=h[who]).json()] == [2], who
    assert client.get("/v1/banks", headers=h["platform"]).status_code == 403
    exported = client.get("/v1/banks/KNOWN/entries", params={"format": "te"}, headers=h["auditor"])
    assert exported.text.splitlines() == [f"pdq {pdq}", f"video_md5 {'a' * 32}"]

    reupload = {"text": "lihat ini", "media": [f"pdq:{PdqSignal.from_bytes(altered(1))}"]}
    assert client.post("/v1/banks/match", json=reupload, headers=h["reviewer"]).status_code == 403
    found = client.post("/v1/banks/match", json=reupload, headers=h["platform"]).json()
    assert [(match["bank"], match["content_id"]) for match in found] == [("KNOWN", "c1")]
    refused = client.post("/v1/banks/match", json={"media": ["/etc/passwd"]}, headers=h["platform"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "media_unreadable"

    # another organisation sees nothing of acme's banks and matches nothing against them
    assert client.get("/v1/banks", headers=h["other_admin"]).json() == []
    assert client.get("/v1/banks/KNOWN", headers=h["other_admin"]).status_code == 404
    assert client.post("/v1/banks/match", json=reupload, headers=h["other_platform"]).json() == []

    assert client.delete("/v1/banks/KNOWN", headers=h["admin"]).json() == {"entries_removed": 2}
    assert client.get("/v1/banks/KNOWN", headers=h["admin"]).status_code == 404
