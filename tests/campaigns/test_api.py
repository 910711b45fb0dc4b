"""The campaign routes inside the real service (its authentication and store)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from jaga.detect.lexicon import LexiconDetector
from jaga.pipeline import Moderator
from jaga.privacy import is_pseudonym, pseudonym_key
from jaga.service import create_app
from jaga.store import Role, Store

from .posts import campaign_posts, organic_posts


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    folder = tmp_path_factory.mktemp("service")
    with pytest.MonkeyPatch.context() as patch:  # the per-test home is not set up yet at module scope
        patch.setenv("JAGA_HOME", str(folder))
        patch.setenv("JAGA_PSEUDONYM_KEY", "test-key")
        url = f"sqlite:///{folder / 'jaga.db'}"
        store = Store(url)
        headers = {role.value: {"Authorization": f"Bearer {store.scoped('acme').create_key(role.value, role)[1]}"}
                   for role in (Role.ADMIN, Role.REGULATOR, Role.PLATFORM)}
        app = create_app(url, Moderator([LexiconDetector()]))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, headers
        app.state.store.close()
        store.close()


def body(**settings: object) -> dict[str, object]:
    posts = [json.loads(post.model_dump_json()) for post in campaign_posts() + organic_posts()]
    return {"posts": posts, **settings}


def test_campaigns_come_back_under_pseudonyms(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, headers = api
    response = client.post("/v1/campaigns/detect", json=body(), headers=headers["platform"])
    assert response.status_code == 200, response.text
    [campaign] = response.json()["campaigns"]
    assert campaign["size"] == 6
    assert all(is_pseudonym(account, pseudonym_key()) for account in campaign["accounts"])


def test_graph_and_report_formats(api: tuple[TestClient, dict[str, dict[str, str]]], tmp_path: Path) -> None:
    client, headers = api
    graphml = client.post("/v1/campaigns/detect", json=body(format="graphml"), headers=headers["admin"])
    assert graphml.status_code == 200 and graphml.headers["content-type"].startswith("application/xml")
    (tmp_path / "g.graphml").write_bytes(graphml.content)
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() == 6
    page = client.post("/v1/campaigns/detect", json=body(format="html"), headers=headers["admin"])
    assert page.status_code == 200 and "<svg" in page.text


def test_roles_and_bad_requests(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, headers = api
    assert client.post("/v1/campaigns/detect", json=body()).status_code == 401
    assert client.post("/v1/campaigns/detect", json=body(), headers=headers["regulator"]).status_code == 403
    bad = client.post("/v1/campaigns/detect", json=body(kinds=["likes"]), headers=headers["admin"])
    assert bad.status_code == 422
    assert client.post("/v1/campaigns/detect", json=body(window_seconds=0), headers=headers["admin"]).status_code == 422


def test_campaigns_in_the_stored_posts_of_a_period_are_saved_and_listed(
        api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    """The posts the platform sent to /v1/moderate are read back from the store for a period; an
    admin saves what is found, the organisation lists it, a platform key may look but not save."""
    client, headers = api
    posts = [json.loads(post.model_dump_json()) for post in campaign_posts() + organic_posts()]
    for start in range(0, len(posts), 50):
        moderated = client.post("/v1/moderate", json={"posts": posts[start:start + 50]}, headers=headers["platform"])
        assert moderated.status_code == 200, moderated.text
    period = {"since": "2026-03-01T00:00:00+00:00", "until": "2026-03-02T00:00:00+00:00"}
    assert client.post("/v1/campaigns/detect", json={**period, "save": True},
                       headers=headers["platform"]).status_code == 403
    found = client.post("/v1/campaigns/detect", json={**period, "save": True}, headers=headers["admin"])
    assert found.status_code == 200, found.text
    [campaign] = found.json()["campaigns"]
    assert campaign["size"] == 6
    listed = client.get("/v1/campaigns", headers=headers["platform"])
    assert listed.status_code == 200 and [saved["id"] for saved in listed.json()] == [campaign["id"]]
    assert client.post("/v1/campaigns/detect", json={**period, "posts": posts[:1]},
                       headers=headers["admin"]).status_code == 422
    assert client.post("/v1/campaigns/detect", json={"since": period["since"]},
                       headers=headers["admin"]).status_code == 422
