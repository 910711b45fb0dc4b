"""The web console in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
a reviewer signs in with a key, opens a case from the queue, claims and decides it; the dashboard shows
the totals. The server is a real uvicorn on a local port, over SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

from .live import live_server

CHROMIUM = Path(os.environ.get("JAGA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HATE_ID = {"id": "c1", "text": "Those people are vermin and should be driven out of our country", "country": "ID"}


@pytest.fixture
def server(database_url: str, moderator: Moderator) -> Iterator[tuple[str, dict[str, str]]]:
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    store = Store(database_url).scoped("acme")
    tokens = {"platform": store.create_key("platform", Role.PLATFORM)[1],
              "reviewer": store.create_key("reviewer", Role.REVIEWER)[1]}
    with live_server(create_app(database_url, moderator, deliver_webhooks=False)) as port:
        yield f"http://127.0.0.1:{port}", tokens


def test_a_reviewer_decides_a_case_in_the_browser(server: tuple[str, dict[str, str]]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, tokens = server
    platform = {"Authorization": f"Bearer {tokens['platform']}"}
    decision = httpx.post(f"{base}/v1/moderate", json={"post": HATE_ID}, headers=platform).json()["decisions"][0]
    assert decision["action"] == "review"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(f"{base}/")
        expect(page.locator("#status")).to_have_text("Enter an API key to start.")
        page.fill("#key", tokens["reviewer"])
        page.click("#login button")
        row = page.locator("tr[data-task^='rev_']", has_text=HATE_ID["text"])
        expect(row).to_have_count(1)
        row.locator("button.open").click()
        page.click("#case-claim")
        expect(page.locator("#status")).to_have_text("Claimed")
        page.check("#action-remove")
        page.fill("#decide-note", "Dehumanising language about a group.")
        page.click("#decide-review")
        page.click("#decide-yes")
        expect(page.locator("#status")).to_have_text("Decided: Remove")

        page.click("nav button[data-tab='dashboard']")
        expect(page.locator("#stats")).to_contain_text("Reviews decided")
        expect(page.locator("#stats .stat").first).to_contain_text("1")
        # The charts of this quarter's report: one bar per action taken, drawn as SVG.
        actions = page.locator("#charts figure", has_text="Decisions by action")
        expect(actions.locator("svg rect")).to_have_count(1)
        expect(actions.locator("svg")).to_contain_text("Remove")
        expect(page.locator("#charts figure svg")).to_have_count(5)
        # the charts over time (per week of the quarter): category, jurisdiction, language, automated
        # share, reviews against deadline, hours to action, appeal reversals, reports by source
        expect(page.locator("#timecharts figure")).to_have_count(8)
        over_time = page.locator("#timecharts figure", has_text="Decisions by category over time")
        expect(over_time.locator("svg rect")).to_have_count(1)  # one week with one hate-speech removal
        expect(over_time.locator(".legend")).to_have_text("Hate speech")
        deadlines = page.locator("#timecharts figure", has_text="Reviews decided against their deadline")
        expect(deadlines.locator("svg rect")).to_have_count(1)
        page.fill("#key", "jaga_0000000000000000_wrong")
        page.click("#login button")
        expect(page.locator("#status")).to_contain_text("unauthenticated")
        browser.close()

    stored = httpx.get(f"{base}/v1/decisions/{decision['id']}", headers=platform).json()
    assert stored["action"] == "remove" and stored["automated"] is False
    assert "Dehumanising language about a group." in stored["reasons"]


def test_a_fact_checker_searches_the_registry_in_the_browser(server: tuple[str, dict[str, str]],
                                                             database_url: str) -> None:
    """A match shows its verdict and claim; the fact-checker's summary is on the claim, on hover."""
    from playwright.sync_api import expect, sync_playwright

    from jaga.claims.registry import import_path

    import_path(Store(database_url).scoped("acme"), Path(__file__).parents[1] / "claims" / "fixtures" / "claims.jsonl")
    base, tokens = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(f"{base}/")
        page.fill("#key", tokens["reviewer"])
        page.click("#login button")
        page.click("nav button[data-tab='claims']")
        page.fill("#claim-text", "Awas! Tiongkok produksi kornet dari tubuh manusia, jangan beli kornet kalengan")
        page.click("#claim-form button")
        best = page.locator("#claim-rows tr").first
        # the first search loads the claim index (about 10 s on a loaded machine)
        expect(best).to_contain_text("Tiongkok Produksi Kornet Berbahan Tubuh Manusia", timeout=30_000)
        expect(best.locator("td").nth(3)).to_have_attribute("title", re.compile("^Foto-foto tentang daging"))
        browser.close()
