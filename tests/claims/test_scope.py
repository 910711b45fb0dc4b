"""Registry scope: a regional shared registry (the ASEAN Task Force's, `SHARED_ORG`) plus one per
organisation. A post of organisation X is matched against the shared registry and X's own, never
another organisation's; an empty scope is a clear answer, not an empty list. On SQLite and
PostgreSQL, with the real encoder, through the matcher, moderation, the CLI and the HTTP service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jaga.claims.matcher import ScopedMatcher
from jaga.claims.model import FactCheck
from jaga.claims.source import SHARED_ORG
from jaga.claims.sources import read_file
from jaga.cli import app
from jaga.detect.claims import ClaimDetector
from jaga.moderation import registry_moderator
from jaga.pipeline import Moderator
from jaga.privacy import pseudonym_key
from jaga.service import create_app
from jaga.store import Role, Store
from jaga.types import Category, Decision, Post

FIXTURE = Path(__file__).parent / "fixtures" / "claims.jsonl"
SHARED = "afnc_th:74441"             # Thailand smuggling fresh milk into Cambodia: in the shared registry
ACME = "turnbackhoax_id_2021:564"    # corned beef made from human bodies: acme's own
OTHER = "afnc_th:74667"              # the OR IPO dividend scam: other's own
MILK = "Thailand is secretly smuggling fresh milk into Cambodia"
KORNET = "Awas! Tiongkok produksi kornet dari tubuh manusia, jangan beli kornet kalengan"
IPO = "OR IPO: open a portfolio with 5,000 baht and receive 1,480 baht dividend every day"


@dataclass
class World:
    url: str
    store: Store
    moderator: Moderator


def _fact_checks() -> dict[str, FactCheck]:
    return {item.id: item for item in read_file(FIXTURE) if isinstance(item, FactCheck)}


@pytest.fixture(scope="module")
def world(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Three registries in one database; the rest of the fixture's fact-checks go to the shared one
    (so that each search has distractors)."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("JAGA_HOME", str(tmp_path_factory.mktemp("jaga-home")))
        environment.setenv("JAGA_PSEUDONYM_KEY", "test-key")
        pseudonym_key.cache_clear()
        store = Store(module_database_url)
        fact_checks = _fact_checks()
        store.scoped("acme").save_fact_checks([fact_checks.pop(ACME)])
        store.scoped("other").save_fact_checks([fact_checks.pop(OTHER)])
        store.scoped(SHARED_ORG).save_fact_checks(fact_checks.values())
        yield World(module_database_url, store, registry_moderator(module_database_url))
        store.close()


def _ids(matches: list) -> list[str]:  # type: ignore[type-arg]
    return [match.fact_check.id for match in matches]


def test_the_store_lists_the_organisations_with_registries(world: World) -> None:
    assert world.store.fact_check_orgs() == sorted(["acme", "other", SHARED_ORG])
    assert world.store.scoped("acme").count_fact_checks() == 1


def test_an_organisation_searches_the_shared_registry_and_its_own_only(world: World) -> None:
    acme = ScopedMatcher.for_org(world.store, "acme")
    assert acme.registries == [SHARED_ORG, "acme"] and acme.sync() == 28 - 1
    found = acme.search(KORNET, 5)
    assert found[0].fact_check.id == ACME and found[0].registry == "acme" and found[0].is_match
    milk = acme.search(MILK, 3)[0]
    assert milk.fact_check.id == SHARED and milk.registry == SHARED_ORG
    assert OTHER not in _ids(acme.search(IPO, 28))  # never another organisation's, however far down
    other = ScopedMatcher.for_org(world.store, "other", acme.encoder, acme.cache)
    assert other.sync() == 1  # the shared index is already built; only other's own is new
    assert other.search(IPO, 3)[0].fact_check.id == OTHER
    assert ACME not in _ids(other.search(KORNET, 28))
    task_force = ScopedMatcher.for_org(world.store, SHARED_ORG)
    assert task_force.registries == [SHARED_ORG]
    assert not {ACME, OTHER} & set(_ids(task_force.search(KORNET, 28)) + _ids(task_force.search(IPO, 28)))


def test_a_fact_check_in_both_registries_counts_once(world: World) -> None:
    acme = ScopedMatcher.for_org(world.store, "acme")
    acme.sync()
    copy = _fact_checks()[SHARED]
    world.store.scoped("acme").save_fact_checks([copy])
    try:
        assert acme.sync() == 1
        assert _ids(acme.search(MILK, 10)).count(SHARED) == 1
    finally:
        with world.store.sessions.begin() as session:
            from sqlalchemy import delete

            from jaga.store.models import FactCheckRow

            session.execute(delete(FactCheckRow).where(FactCheckRow.org == "acme", FactCheckRow.id == SHARED))


def _claim_signals(decision: Decision) -> list[str]:
    return [signal.source for signal in decision.signals if signal.source.startswith("claim:")]


def test_moderation_matches_each_post_in_its_organisations_scope(world: World) -> None:
    detector = next(detector for detector in world.moderator.detectors if isinstance(detector, ClaimDetector))
    posts = [Post(id="kornet", text=KORNET, country="ID"), Post(id="ipo", text=IPO, country="SG")]
    acme = world.moderator.moderate_batch(posts, org="acme")
    other = world.moderator.moderate_batch(posts, org="other")
    assert _claim_signals(acme[0]) == [f"claim:{ACME}"] and _claim_signals(other[0]) == []
    assert Category.DISINFORMATION in acme[0].categories and Category.DISINFORMATION not in other[0].categories
    assert next(signal for signal in acme[0].signals if signal.source.startswith("claim:")).details["registry"] == "acme"
    # The detector's own signals (a weak cross-language match, which this policy leaves unlabelled):
    # other's post meets its own fact-check, acme's does not.
    signals = {org: [[signal.source for signal in found]
                     for found in detector.detect([world.moderator.prepare(post, org) for post in posts])]
               for org in ("acme", "other", None)}
    assert signals["acme"] == [[f"claim:{ACME}"], []]
    assert signals["other"] == [[], [f"claim:{OTHER}"]]
    # A post that names no organisation is the store's own (here: "default", which has no registry
    # of its own): the shared registry only.
    assert signals[None] == [[], []]
    assert set(detector._scopes) == {"default", "acme", "other"}


def test_the_cli_searches_an_organisations_scope_and_says_when_it_is_empty(
        world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAGA_DATABASE_URL", world.url)
    runner = CliRunner()
    result = runner.invoke(app, ["claims", "search", KORNET, "--org", "acme", "--json", "-k", "28"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found[0]["id"] == ACME and found[0]["registry"] == "acme" and OTHER not in [item["id"] for item in found]
    shared_only = json.loads(runner.invoke(app, ["claims", "search", KORNET, "--org", "nobody", "--json"]).stdout)
    assert {item["registry"] for item in shared_only} == {SHARED_ORG}
    # An organisation without a registry of its own still has the shared one to search; export and
    # index act on its own registry, which is empty: an error naming it, not an empty file.
    for command in (["export", str(tmp_path / "out.jsonl")], ["index"]):
        empty = runner.invoke(app, ["claims", *command, "--org", "nobody"])
        assert empty.exit_code == 1 and "registry of nobody is empty" in empty.output, empty.output
    assert not (tmp_path / "out.jsonl").exists()
    exported = runner.invoke(app, ["claims", "export", str(tmp_path / "acme.jsonl"), "--org", "acme"])
    assert exported.exit_code == 0 and ACME in (tmp_path / "acme.jsonl").read_text(encoding="utf-8")


def test_the_cli_says_so_when_the_whole_scope_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAGA_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(app, ["claims", "search", KORNET, "--org", "acme"])
    assert result.exit_code == 1
    assert f"registries of {SHARED_ORG} and of acme are empty" in " ".join(result.output.split())
    task_force = CliRunner().invoke(app, ["claims", "search", KORNET, "--org", SHARED_ORG])
    assert task_force.exit_code == 1 and f"registry of {SHARED_ORG} is empty" in " ".join(task_force.output.split())


def test_the_service_matches_and_searches_in_the_keys_scope(world: World) -> None:
    tokens = {org: world.store.scoped(org).create_key(f"{org}-platform", Role.PLATFORM, [])[1]
              for org in ("acme", "other")}
    with TestClient(create_app(world.url, world.moderator, deliver_webhooks=False, rate=1e6)) as client:
        def moderate(org: str, text: str) -> list[str]:
            response = client.post("/v1/moderate", json={"post": {"id": f"{org}-post", "text": text, "country": "ID"}},
                                   headers={"Authorization": f"Bearer {tokens[org]}"})
            assert response.status_code == 200, response.text
            return [signal["source"] for signal in response.json()["decisions"][0]["signals"]
                    if signal["source"].startswith("claim:")]

        assert moderate("acme", KORNET) == [f"claim:{ACME}"] and moderate("other", KORNET) == []

        def search(org: str, text: str) -> list[dict[str, object]]:
            response = client.post("/v1/claims/search", json={"text": text, "top_k": 28},
                                   headers={"Authorization": f"Bearer {tokens[org]}"})
            assert response.status_code == 200, response.text
            return list(response.json())

        acme = search("acme", KORNET)
        assert acme[0]["id"] == ACME and acme[0]["registry"] == "acme"
        assert OTHER not in [item["id"] for item in search("acme", IPO)]
        assert search("other", IPO)[0]["id"] == OTHER
        assert ACME not in [item["id"] for item in search("other", KORNET)]
