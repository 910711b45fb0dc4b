"""Review tasks in the store: one per decision of an organisation, whoever opens it and however
many at once (SQLite and PostgreSQL; the race is PostgreSQL's, where writers run in parallel)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jaga import Moderator, Post
from jaga.store import Store

REPORTERS = 5  # the pool's size: after the first round every thread starts on an open connection
ROUNDS = 6


def test_concurrent_reports_on_one_post_open_one_task(database_url: str, moderator: Moderator) -> None:
    posts = [Post(id=f"hot-{round_}", text="Selamat pagi semua, jumpa lagi esok", country="MY") for round_ in range(ROUNDS)]
    with Store(database_url, org="acme") as store:
        store.save(posts, moderator.moderate_batch(posts))
        start = threading.Barrier(REPORTERS, timeout=30)

        def report(index: int) -> list[dict[str, Any]]:
            filed = []
            for post in posts:
                start.wait()  # all at once on each post: none has seen another's task
                try:
                    filed.append(store.file_report(post.id, f"anon_{index}", "spam", None, False, actor=f"key-{index}"))
                except Exception:
                    start.abort()  # the others stop waiting for this thread
                    raise
            return filed

        with ThreadPoolExecutor(REPORTERS) as pool:
            reports = [report for filed in pool.map(report, range(REPORTERS)) for report in filed]  # re-raises errors
        tasks = store.review_tasks(None, ())
        assert len(tasks) == ROUNDS and {report.review_task for report in reports} == {task.id for task in tasks}
        assert store.transparency().reports["total"] == REPORTERS * ROUNDS and store.verify_audit() == []


def test_organisations_moderating_one_post_id_get_their_own_tasks(database_url: str, moderator: Moderator) -> None:
    post = Post(id="shared-1", text="Selamat pagi semua", country="MY")
    decisions = moderator.moderate_batch([post])
    with Store(database_url, org="a") as a, Store(database_url, org="b") as b:
        a.save([post], decisions)
        b.save([post], decisions)
        first, second = a.file_report("shared-1", "u", "x", None, False), b.file_report("shared-1", "u", "y", None, False)
        assert first.review_task != second.review_task
        assert [task.id for task in b.review_tasks(None, ())] == [second.review_task]
        assert b.review_task(first.review_task or "") is None and a.review_task(second.review_task or "") is None


def test_a_scoped_report_attaches_to_a_decision_in_its_jurisdictions(database_url: str, moderator: Moderator) -> None:
    post = Post(id="p", text="Selamat pagi semua", country="MY")
    with Store(database_url, org="acme") as store:
        store.save([post], moderator.moderate_batch([post], "TH") + moderator.moderate_batch([post], "MY"))
        thai = store.file_report("p", "u", "x", None, False, jurisdictions=("TH",))
        malay = store.file_report("p", "u", "y", None, False, jurisdictions=("MY",))
        # each report's case is the decision in the key's jurisdiction (a report does not show it)
        cases = [store.review_task(report.review_task or "") for report in (thai, malay)]
        assert [case.jurisdiction if case else None for case in cases] == ["TH", "MY"]
        assert store.transparency(("TH",)).reports["total"] == 1
