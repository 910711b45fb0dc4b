"""`jaga report`: a period's transparency report over decisions stored through the real moderator
(SQLite and PostgreSQL): the same headline numbers as `GET /v1/transparency`, breakdowns by
language, source and agency, a CSV that holds exactly the JSON's numbers, and an HTML page whose SVG charts draw in Chromium."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jaga import Moderator, Post
from jaga.cli import app
from jaga.store import Store
from jaga.store.cases import review_task_id
from jaga.store.reports import PeriodError, period_bounds, to_csv, transparency_report
from jaga.types import Action, AuthorityRequest

CHROMIUM = Path(os.environ.get("JAGA_CHROMIUM", "/usr/bin/chromium"))  # as in tests/service/test_console.py
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _current_quarter() -> str:
    now = datetime.now(UTC)
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


def _stored(database_url: str, moderator: Moderator) -> Store:
    """Five posts in Malaysia: two greetings, a scam, a hateful post and a government order."""
    now = datetime.now(UTC)
    order = AuthorityRequest(agency="MCMC", channel="written", received_at=now - timedelta(hours=1),
                             deadline=now + timedelta(days=2))
    posts = [Post(id="hello", text="Selamat pagi semua, jumpa lagi esok", country="MY"),
             Post(id="hello-en", text="Good morning everyone, see you tomorrow at the market", country="MY"),
             Post(id="hate", text="Those people are vermin and should be driven out of our country", country="MY"),
             Post(id="order", text="Kerajaan menyembunyikan kebenaran tentang banjir", country="MY",
                  authority_request=order)]
    store = Store(database_url, org="acme")
    decisions = moderator.moderate_batch(posts, "MY")
    store.record_moderation(posts, decisions, "platform")  # as the service does: review tasks opened
    by_post = {decision.post_id: decision for decision in decisions}
    assert by_post["order"].action == Action.REVIEW and by_post["hello"].action == Action.ALLOW
    task = review_task_id("acme", by_post["order"].id)
    store.claim_review(task, "reviewer-1")
    store.decide_review(task, "reviewer-1", Action.REMOVE, "Unlawful under the order, checked.")
    store.file_report("hello-en", "anon_1", "looks like spam", None, False)
    appeal = store.file_appeal(by_post["order"].id, "It is true, not false.", "author")
    store.decide_appeal(appeal.id, "reviewer-2", True, "The post is accurate; reversed.")
    return store


def test_the_report_keeps_the_api_numbers_and_adds_breakdowns(database_url: str, moderator: Moderator) -> None:
    store = _stored(database_url, moderator)
    period = _current_quarter()
    report = transparency_report(store, period, "MY")
    since, until = period_bounds(period)
    api = store.transparency(("MY",), since, until).model_dump()
    assert {key: report[key] for key in api if key != "appeals"} == {key: api[key] for key in api if key != "appeals"}
    assert {key: value for key, value in report["appeals"].items() if key != "reversal_rate"} == api["appeals"]
    assert report["decisions"] == 4
    assert sum(report["by_language"].values()) == 4 and report["by_language"]["ms"] >= 1
    assert report["by_source"] == {"automated_detection": 3, "authority_order": 1, "user_report": 1, "trusted_flagger": 0}
    assert report["automated_detection_share"] == 0.75
    assert report["authority_requests_by_agency"] == {
        "MCMC": {"requests": 1, "within_deadline": 1, "share_within_deadline": 1.0}}
    assert report["appeals"]["upheld"] == 1 and report["appeals"]["reversal_rate"] == 1.0
    assert report["reviews"]["decided"] >= 1 and report["reviews"]["median_hours_to_decision"] is not None
    assert transparency_report(store, period, "TH")["decisions"] == 0
    assert transparency_report(store, "2020-Q1")["decisions"] == 0


def test_the_cli_writes_json_csv_and_html_with_the_same_numbers(database_url: str, moderator: Moderator,
                                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _stored(database_url, moderator)
    monkeypatch.setenv("JAGA_DATABASE_URL", database_url)
    runner = CliRunner()
    period = _current_quarter()
    outputs = {}
    for fmt in ("json", "csv", "html"):
        result = runner.invoke(app, ["report", "--period", period, "--jurisdiction", "MY", "--org", "acme",
                                     "--format", fmt])
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.stdout
    report = json.loads(outputs["json"])
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert outputs["csv"] == to_csv(report)
    leaves = 0
    for row in rows:
        value = report
        for part in row["metric"].split("/"):
            value = value[part]
        assert str("" if value is None else value) == row["value"], row
        leaves += 1
    assert leaves >= 20 and {"metric": "authority_requests_by_agency/MCMC/requests", "value": "1"} in rows
    page = outputs["html"]
    assert page.count("<svg") == 5 and "MCMC" in page and "http" not in page.replace(period, "")
    bad = runner.invoke(app, ["report", "--period", "2026-Q5", "--org", "acme"])
    assert bad.exit_code != 0 and "2026-Q5" in bad.output


def test_periods() -> None:
    assert period_bounds("2026-Q3") == (datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
    assert period_bounds("2026-Q4")[1] == datetime(2027, 1, 1, tzinfo=UTC)
    assert period_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert period_bounds("2026") == (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    for wrong in ("2026-Q0", "2026-13", "Q3", "0000", "9999-Q4"):  # years datetime cannot hold (schemathesis found 0)
        with pytest.raises(PeriodError):
            period_bounds(wrong)


def test_the_html_report_draws_its_charts_in_chromium(tmp_path: Path, moderator: Moderator) -> None:
    from playwright.sync_api import sync_playwright

    from jaga.store.reports import to_html
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    store = _stored(f"sqlite:///{tmp_path / 'jaga.db'}", moderator)
    page_file = tmp_path / "report.html"
    page_file.write_text(to_html(transparency_report(store, _current_quarter(), "MY")), encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri())
            widths = page.eval_on_selector_all("svg rect", "rects => rects.map(r => r.getBoundingClientRect().width)")
            assert page.locator("svg").count() == 5 and len(widths) >= 8 and min(widths) > 0
            assert page.get_by_text("MCMC").count() == 1
        finally:
            browser.close()
    assert requests == [page_file.as_uri()]  # nothing fetched beyond the page itself
