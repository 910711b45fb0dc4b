"""Tenant isolation as a generated matrix: every endpoint x every role x two organisations x three
jurisdiction scopes (all, TH, MY), over cases whose post ids (and so decision ids) are the same in
both organisations, idempotent replays included. Built once per database (SQLite, PostgreSQL).

A breach is a response that carries a mark of a case the key may not reach (its words, task,
appeal or report ids), a replay of a response made for another organisation or scope, or a write
that changes another's case; a mismatch is any status other than the one the rules give (403 where
the role may not call the endpoint, 404 where the case is out of reach, exactly like a case that
does not exist). Both must be zero. Plus: rate limits per key."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from jaga.claims.registry import import_path
from jaga.pipeline import Moderator
from jaga.privacy import pseudonym_key
from jaga.service import create_app
from jaga.store import Role, Store

FIXTURE = Path(__file__).parents[1] / "claims" / "fixtures" / "claims.jsonl"
ORGS = ("acme", "other")
JURISDICTIONS = ("TH", "MY")
SCOPES: tuple[tuple[str, ...], ...] = ((), ("TH",), ("MY",))
CASE_READERS = {Role.REVIEWER, Role.ADMIN, Role.AUDITOR, Role.REGULATOR}
REVIEWERS = {Role.REVIEWER, Role.ADMIN}
WRITERS = {Role.PLATFORM, Role.ADMIN}
EXPORTERS = {Role.ADMIN, Role.AUDITOR}
AUTHORITIES = {Role.REGULATOR, Role.ADMIN, Role.PLATFORM}
AUTHOR = "writer-1"
BENIGN = "Selamat pagi semua {marker}, jumpa lagi esok"
ORDER = {"agency": "Ministry", "channel": "written", "received_at": "2026-11-28T08:00:00Z"}


@dataclass(frozen=True)
class Caller:
    org: str
    role: Role
    scope: tuple[str, ...]

    def may_see(self, org: str, jurisdiction: str) -> bool:
        return org == self.org and (not self.scope or jurisdiction in self.scope)

    def __str__(self) -> str:
        return f"{self.org}/{self.role.value}/{'+'.join(self.scope) or 'all'}"


@dataclass
class Case:
    """One organisation's cases in one jurisdiction; every word of them carries `marker`."""

    org: str
    jurisdiction: str
    marker: str
    decision: str = ""
    decided_task: str = ""
    open_tasks: list[str] = field(default_factory=list)
    appeal: str = ""
    reports: list[str] = field(default_factory=list)
    decisions: int = 0
    posts: set[str] = field(default_factory=set)

    def marks(self) -> set[str]:
        return {self.marker, self.decided_task, self.appeal, *self.open_tasks, *self.reports}


@dataclass
class Matrix:
    client: TestClient
    store: Store
    keys: dict[Caller, dict[str, str]]
    cases: dict[tuple[str, str], Case] = field(default_factory=dict)
    remembered: dict[tuple[str, tuple[str, ...], str], tuple[dict[str, Any], Any]] = field(default_factory=dict)
    checks: int = 0
    problems: list[str] = field(default_factory=list)

    def begin(self) -> int:
        """A test starts with no problems of its own; returns the checks made so far."""
        self.problems.clear()
        return self.checks

    def call(self, caller: Caller | None, method: str, path: str, body: dict[str, Any] | None = None,
             **headers: str) -> Response:
        auth = self.keys[caller] if caller is not None else {}
        return self.client.request(method, path, json=body, headers={**auth, **headers})

    def expect(self, caller: Caller, label: str, response: Response, *statuses: int) -> bool:
        """Records a mismatch (status) or a breach (another case's mark in the response)."""
        self.checks += 1
        sent = str(response.request.url) + response.request.content.decode()  # echoing what was sent leaks nothing
        leaked = sorted(mark for case in self.cases.values() if not caller.may_see(case.org, case.jurisdiction)
                        for mark in case.marks() if mark and mark in response.text and mark not in sent)
        if leaked:
            self.problems.append(f"BREACH {caller} {label}: {leaked}")
        if response.status_code not in statuses:
            self.problems.append(f"{caller} {label}: {response.status_code} (expected {statuses}) {response.text[:160]}")
            return False
        return True

    def visible(self, caller: Caller) -> list[Case]:
        return [case for case in self.cases.values() if caller.may_see(case.org, case.jurisdiction)]


def _callers() -> list[Caller]:
    return [Caller(org, role, scope) for org, role, scope in itertools.product(ORGS, Role, SCOPES)]


def _ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _build_case(matrix: Matrix, org: str, jurisdiction: str) -> None:
    case = Case(org, jurisdiction, f"zq{org}{jurisdiction.lower()}")
    platform, reviewer = Caller(org, Role.PLATFORM, (jurisdiction,)), Caller(org, Role.REVIEWER, (jurisdiction,))
    case.posts = {f"shared-{jurisdiction}", f"queue-{jurisdiction}", f"{org}-only-{jurisdiction}"}
    posts = [{"id": post_id, "author_id": AUTHOR, "country": jurisdiction, "text": BENIGN.format(marker=case.marker)}
             for post_id in sorted(case.posts)]
    decided = _ok(matrix.call(platform, "POST", "/v1/moderate", {"posts": posts}))["decisions"]
    assert {decision["action"] for decision in decided} == {"allow"}  # tasks open only where this test opens them
    case.decision = next(d["id"] for d in decided if d["post_id"] == f"shared-{jurisdiction}")
    case.decisions = len(decided)
    report = _ok(matrix.call(platform, "POST", "/v1/reports", {"post_id": f"shared-{jurisdiction}", "reporter": "u1",
                                                               "reason": f"{case.marker} report"}), 201)
    case.reports.append(report["id"])
    case.decided_task = report["review_task"]
    _ok(matrix.call(reviewer, "POST", f"/v1/reviews/{case.decided_task}/claim"))
    _ok(matrix.call(reviewer, "POST", f"/v1/reviews/{case.decided_task}/decide",
                    {"action": "remove", "note": f"{case.marker} note"}))
    case.appeal = _ok(matrix.call(platform, "POST", "/v1/appeals", {"decision_id": case.decision,
                                                                    "reason": f"{case.marker} appeal"}), 201)["id"]
    # this scope's idempotent requests, each under the same Idempotency-Key everywhere
    moderate = {"post": {"id": f"idem-{jurisdiction}", "text": BENIGN.format(marker=""), "country": jurisdiction}}
    _remember(matrix, platform, "moderate", moderate)
    case.decisions += 1
    report = _remember(matrix, platform, "report", {"post_id": f"queue-{jurisdiction}", "reporter": "u2",
                                                    "reason": f"{case.marker} queue"})
    case.reports.append(report["id"])
    case.open_tasks.append(report["review_task"])
    matrix.cases[(org, jurisdiction)] = case


def _remember(matrix: Matrix, caller: Caller, kind: str, body: dict[str, Any]) -> Any:
    response = matrix.call(caller, "POST", f"/v1/{kind}s" if kind == "report" else "/v1/moderate", body,
                           **{"Idempotency-Key": f"replay-{kind}"})
    stored = _ok(response, 201 if kind == "report" else 200)
    matrix.remembered[(caller.org, caller.scope, kind)] = (body, stored)
    return stored


def _build_organisation_wide(matrix: Matrix, org: str) -> None:
    """The organisation-wide scope's idempotent requests (both in TH)."""
    platform, thai = Caller(org, Role.PLATFORM, ()), matrix.cases[(org, "TH")]
    _remember(matrix, platform, "moderate", {"post": {"id": "idem-all", "text": BENIGN.format(marker=""), "country": "TH"}})
    thai.decisions += 1
    report = _remember(matrix, platform, "report", {"post_id": f"{org}-only-TH", "reporter": "u3",
                                                    "reason": f"{thai.marker} organisation-wide"})
    thai.reports.append(report["id"])
    thai.open_tasks.append(report["review_task"])


@pytest.fixture(scope="module")
def matrix(module_database_url: str, moderator: Moderator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("JAGA_HOME", str(tmp_path_factory.mktemp("jaga-home")))
        environment.setenv("JAGA_PSEUDONYM_KEY", "test-key")
        pseudonym_key.cache_clear()
        store = Store(module_database_url)
        registry = tmp_path_factory.mktemp("claims") / "claims.jsonl"  # one fact-check: indexing all costs seconds
        registry.write_text(next(line for line in FIXTURE.read_text().splitlines() if "afnc_th:74441" in line) + "\n")
        import_path(store.scoped("acme"), registry)
        keys = {caller: {"Authorization": f"Bearer {store.scoped(caller.org).create_key(str(caller), caller.role, list(caller.scope))[1]}"}
                for caller in _callers()}
        with TestClient(create_app(module_database_url, moderator, deliver_webhooks=False, rate=1e6)) as client:
            built = Matrix(client, store, keys)
            for org, jurisdiction in itertools.product(ORGS, JURISDICTIONS):
                _build_case(built, org, jurisdiction)
            for org in ORGS:
                _build_organisation_wide(built, org)
            marks = [mark for case in built.cases.values() for mark in case.marks()]
            assert len(marks) == len(set(marks))  # no task, appeal or report is shared between cases
            for jurisdiction in JURISDICTIONS:  # the same post ids, so the same decision ids, in both organisations
                assert built.cases[("acme", jurisdiction)].decision == built.cases[("other", jurisdiction)].decision
            yield built
        store.close()


def test_reads_reach_only_the_keys_own_cases(matrix: Matrix) -> None:
    start = matrix.begin()
    for caller in _callers():
        for case in matrix.cases.values():
            own = matrix.cases[(caller.org, case.jurisdiction)]  # the same decision id in the caller's organisation
            found = matrix.call(caller, "GET", f"/v1/decisions/{case.decision}")
            if matrix.expect(caller, f"decision {case.org}/{case.jurisdiction}", found,
                             200 if caller.may_see(own.org, own.jurisdiction) else 404) and found.status_code == 200:
                assert own.marker in found.text  # its own reviewed decision, not another's
            matrix.expect(caller, f"appeal {case.org}/{case.jurisdiction}", matrix.call(caller, "GET", f"/v1/appeals/{case.appeal}"),
                          200 if caller.may_see(case.org, case.jurisdiction) else 404)
        for status in ("open", "decided"):
            queue = matrix.call(caller, "GET", f"/v1/reviews?status={status}")
            if matrix.expect(caller, f"reviews {status}", queue, 200 if caller.role in CASE_READERS else 403) \
                    and queue.status_code == 200:
                wanted = {task for case in matrix.visible(caller)
                          for task in (case.open_tasks if status == "open" else [case.decided_task])}
                if {task["id"] for task in queue.json()} != wanted:
                    matrix.problems.append(f"{caller} reviews {status}: {[t['id'] for t in queue.json()]} != {wanted}")
        _check_transparency(matrix, caller)
        _check_export(matrix, caller)
    for org in ORGS:  # the registry is the organisation's, with no roles or jurisdictions to it (and a search costs ~0.5 s)
        caller = Caller(org, Role.AUDITOR, ("MY",))
        search = matrix.call(caller, "POST", "/v1/claims/search", {"text": "Thailand is secretly smuggling fresh milk into Cambodia"})
        # Only acme has a registry: the others are told theirs is empty, never shown acme's.
        if matrix.expect(caller, "claims", search, 200 if org == "acme" else 404) and org == "acme" and not search.json():
            matrix.problems.append(f"{caller} claims: its own registry found nothing")
        if org != "acme" and search.json()["error"]["code"] != "registry_empty":
            matrix.problems.append(f"{caller} claims: {search.json()}")
    assert matrix.problems == [] and matrix.checks - start >= 420


def _check_transparency(matrix: Matrix, caller: Caller) -> None:
    totals = matrix.call(caller, "GET", "/v1/transparency")
    if not matrix.expect(caller, "transparency", totals, 200):
        return
    visible = matrix.visible(caller)
    by_jurisdiction = Counter[str]()
    for case in visible:
        by_jurisdiction[case.jurisdiction] += case.decisions
    wanted = {"decisions": sum(by_jurisdiction.values()), "by_jurisdiction": dict(by_jurisdiction),
              "reports": sum(len(case.reports) for case in visible), "appeals": len(visible),
              "reviews": sum(1 + len(case.open_tasks) for case in visible)}
    got = totals.json()
    counted = {"decisions": got["decisions"], "by_jurisdiction": got["by_jurisdiction"], "reports": got["reports"]["total"],
               "appeals": got["appeals"]["filed"], "reviews": got["reviews"]["opened"]}
    if counted != wanted:
        matrix.problems.append(f"BREACH {caller} transparency counts {counted} != {wanted}")
    for jurisdiction in JURISDICTIONS:
        only = matrix.call(caller, "GET", f"/v1/transparency?jurisdiction={jurisdiction}")
        if matrix.expect(caller, f"transparency {jurisdiction}", only,
                         200 if not caller.scope or jurisdiction in caller.scope else 404) and only.status_code == 200:
            reports = sum(len(case.reports) for case in visible if case.jurisdiction == jurisdiction)
            if only.json()["reports"]["total"] != reports:
                matrix.problems.append(f"BREACH {caller} transparency {jurisdiction} reports {only.json()['reports']}")


def _check_export(matrix: Matrix, caller: Caller) -> None:
    export = matrix.call(caller, "GET", f"/v1/authors/{AUTHOR}/data")
    if not matrix.expect(caller, "author export", export, 200 if caller.role in EXPORTERS else 403) \
            or export.status_code != 200:
        return
    data = export.json()
    posts = {post["id"] for post in data["posts"]}
    wanted = {post for case in matrix.visible(caller) for post in case.posts}
    jurisdictions = {decision["jurisdiction"] for decision in data["decisions"]}
    if posts != wanted or (caller.scope and not jurisdictions <= set(caller.scope)):
        matrix.problems.append(f"BREACH {caller} author export: posts {sorted(posts)}, decisions in {jurisdictions}")


def test_writes_out_of_reach_change_nothing(matrix: Matrix) -> None:
    start = matrix.begin()
    auditors = {org: Caller(org, Role.AUDITOR, ()) for org in ORGS}
    before = {org: matrix.call(caller, "GET", "/v1/transparency").json() for org, caller in auditors.items()}
    for caller in _callers():
        for case in matrix.cases.values():
            reach = caller.may_see(case.org, case.jurisdiction)
            where = f"{case.org}/{case.jurisdiction}"
            for task in (case.decided_task, *case.open_tasks):
                denied = 403 if caller.role not in REVIEWERS else 404
                if not reach or task == case.decided_task:  # claiming an open task in reach would change it
                    matrix.expect(caller, f"claim {where}", matrix.call(caller, "POST", f"/v1/reviews/{task}/claim"),
                                  409 if reach and caller.role in REVIEWERS else denied)
                matrix.expect(caller, f"decide {where}", matrix.call(caller, "POST", f"/v1/reviews/{task}/decide",
                                                                     {"action": "allow", "note": "n"}),
                              409 if reach and caller.role in REVIEWERS else denied)  # claimed by another, or not at all
            if not reach:
                matrix.expect(caller, f"decide appeal {where}", matrix.call(
                    caller, "POST", f"/v1/appeals/{case.appeal}/decide", {"outcome": "upheld"}),
                    404 if caller.role in REVIEWERS else 403)
            own = caller.may_see(caller.org, case.jurisdiction)  # the same decision id in its own organisation
            matrix.expect(caller, f"appeal on {where}", matrix.call(
                caller, "POST", "/v1/appeals", {"decision_id": case.decision, "reason": "x"}),
                (409 if own else 404) if caller.role in WRITERS else 403)  # 409: its own appeal is open
            if not reach or caller.role not in WRITERS:
                matrix.expect(caller, f"report on {where}", matrix.call(
                    caller, "POST", "/v1/reports", {"post_id": f"{case.org}-only-{case.jurisdiction}", "reporter": "u",
                                                    "reason": "x"}), 404 if caller.role in WRITERS else 403)
        for jurisdiction in JURISDICTIONS:
            if (caller.scope and jurisdiction not in caller.scope) or caller.role not in AUTHORITIES:
                order = {"post": {"id": f"order-{jurisdiction}", "text": "Tin đồn", "country": jurisdiction,
                                  "authority_request": ORDER}}
                refused = matrix.call(caller, "POST", "/v1/authority-requests", order)
                if matrix.expect(caller, f"authority request {jurisdiction}", refused, 403) and caller.role in AUTHORITIES:
                    assert refused.json()["error"]["code"] == "jurisdiction_out_of_scope"
    after = {org: matrix.call(caller, "GET", "/v1/transparency").json() for org, caller in auditors.items()}
    assert matrix.problems == [] and matrix.checks - start >= 850
    assert before == after


def test_replays_stay_in_their_organisation_and_scope(matrix: Matrix) -> None:
    start = matrix.begin()
    for caller in _callers():
        for (org, scope, kind), (body, _) in matrix.remembered.items():
            path = "/v1/reports" if kind == "report" else "/v1/moderate"
            response = matrix.call(caller, "POST", path, body, **{"Idempotency-Key": f"replay-{kind}"})
            label = f"replay of {org}/{'+'.join(scope) or 'all'} {kind}"
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            if caller.role not in WRITERS:
                matrix.expect(caller, label, response, 403)
                continue
            # Every scope of every organisation sent its own request under this key; the same body
            # (the post ids are the same everywhere) replays the caller's own first response, never
            # another's; another body finds the key taken.
            own_body, own_response = matrix.remembered[(caller.org, caller.scope, kind)]
            if own_body != body:
                matrix.expect(caller, label, response, 409)
                if replayed:
                    matrix.problems.append(f"BREACH {caller} {label}: replayed")
            elif matrix.expect(caller, label, response, 201 if kind == "report" else 200) and \
                    (not replayed or response.json() != own_response):
                matrix.problems.append(f"BREACH {caller} {label}: not its own first response")
    assert matrix.problems == [] and matrix.checks - start >= 360


def test_metrics_and_the_webhook_take_an_organisation_wide_key(matrix: Matrix) -> None:
    start = matrix.begin()
    assert matrix.client.get("/metrics").status_code == 401
    for caller in _callers():
        organisation_wide = not caller.scope
        metrics = matrix.call(caller, "GET", "/metrics")
        if matrix.expect(caller, "metrics", metrics, 200 if caller.role in EXPORTERS and organisation_wide else 403) \
                and metrics.status_code == 200:
            assert "jaga_http_requests_total" in metrics.text and not any(org in metrics.text for org in ORGS)
        webhook = matrix.call(caller, "PUT", "/v1/webhook", {"url": "https://203.0.113.7/jaga"})
        if caller.role == Role.ADMIN and organisation_wide:
            matrix.checks += 1
            if webhook.status_code == 403:  # whether the URL itself is accepted is the outbound policy's business
                matrix.problems.append(f"{caller} webhook: refused an organisation-wide admin")
        else:
            matrix.expect(caller, "webhook", webhook, 403)
    assert matrix.problems == [] and matrix.checks - start >= 60


def test_open_metrics_are_an_operators_choice(module_database_url: str, moderator: Moderator) -> None:
    with TestClient(create_app(module_database_url, moderator, deliver_webhooks=False, open_metrics=True)) as client:
        assert client.get("/metrics").status_code == 200


def test_export_and_erasure_keep_to_the_keys_jurisdictions(matrix: Matrix) -> None:
    """A TH admin erases the author's TH posts only; a post also decided in MY is not its to erase;
    the other organisation's posts under the same ids stay."""
    keys = {(org, role, scope): {"Authorization": f"Bearer {matrix.store.scoped(org).create_key('e', role, list(scope))[1]}"}
            for org, role, scope in itertools.product(("e1", "e2"), (Role.PLATFORM, Role.ADMIN, Role.AUDITOR), SCOPES)}
    author = "writer-e"
    for org in ("e1", "e2"):
        posts = [{"id": f"e-{code}", "author_id": author, "country": code, "text": BENIGN.format(marker="")}
                 for code in JURISDICTIONS]
        _ok(matrix.client.post("/v1/moderate", json={"posts": posts}, headers=keys[(org, Role.PLATFORM, ())]))
        both = {"id": "e-both", "author_id": author, "country": "TH", "text": BENIGN.format(marker="")}
        for code in JURISDICTIONS:  # one post, decided in two jurisdictions
            _ok(matrix.client.post("/v1/moderate", json={"post": both, "jurisdiction": code},
                                   headers=keys[(org, Role.PLATFORM, ())]))

    def exported(org: str, scope: tuple[str, ...]) -> list[str]:
        data = _ok(matrix.client.get(f"/v1/authors/{author}/data", headers=keys[(org, Role.AUDITOR, scope)]))
        return sorted(post["id"] for post in data["posts"])

    assert exported("e1", ("TH",)) == ["e-TH", "e-both"] and exported("e1", ("MY",)) == ["e-MY", "e-both"]
    erased = _ok(matrix.client.delete(f"/v1/authors/{author}", headers=keys[("e1", Role.ADMIN, ("TH",))]))
    assert erased["posts"] == 1 and erased["decisions_redacted"] == 1
    assert exported("e1", ()) == ["e-MY", "e-both"] and exported("e2", ()) == ["e-MY", "e-TH", "e-both"]
    assert _ok(matrix.client.delete(f"/v1/authors/{author}", headers=keys[("e1", Role.ADMIN, ("MY",))]))["posts"] == 1
    assert _ok(matrix.client.delete(f"/v1/authors/{author}", headers=keys[("e1", Role.ADMIN, ())]))["posts"] == 1
    assert exported("e1", ()) == [] and exported("e2", ("TH",)) == ["e-TH", "e-both"]


def test_rate_limits_per_key(database_url: str, moderator: Moderator) -> None:
    store = Store(database_url)
    fast, slow = (_bearer(store, "acme", Role.AUDITOR) for _ in range(2))
    # One token per 100 s: on a loaded machine three requests can take seconds, and at 0.5 a second the
    # third once found a token refilled.
    with TestClient(create_app(database_url, moderator, deliver_webhooks=False, rate=0.01, burst=2)) as client:
        codes = [client.get("/v1/reviews", headers=fast).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = client.get("/v1/reviews", headers=fast)
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/v1/reviews", headers=slow).status_code == 200  # buckets are per key


def _bearer(store: Store, org: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {store.scoped(org).create_key(f'{org} {role.value}', role)[1]}"}
