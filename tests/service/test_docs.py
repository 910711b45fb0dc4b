"""/docs (Swagger UI) and /redoc render in real headless Chromium with every request that would
leave 127.0.0.1 blocked: their scripts and styles come from the package, not a CDN."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from jaga.pipeline import Moderator
from jaga.service import create_app

from .live import live_server
from .test_console import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, moderator: Moderator) -> Iterator[str]:
    """One server for the module, over SQLite: the documentation pages do not touch the store."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    database: Path = tmp_path_factory.mktemp("docs") / "jaga.db"
    with live_server(create_app(f"sqlite:///{database}", moderator, deliver_webhooks=False)) as port:
        yield f"http://127.0.0.1:{port}"


def _render_offline(url: str, expected: str) -> tuple[list[str], list[str]]:
    """Open `url` with every non-loopback request aborted; return (blocked URLs, local URLs) once
    `expected` text is visible."""
    from playwright.sync_api import Route, expect, sync_playwright

    blocked: list[str] = []
    local: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            local.append(route.request.url)
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.route("**/*", only_loopback)
            page.goto(url)
            expect(page.get_by_text(expected).first).to_be_visible(timeout=15_000)
            page.wait_for_load_state("networkidle")  # late fetches (logos, fonts) are caught too
        finally:
            browser.close()
    return blocked, local


def test_swagger_ui_lists_the_operations_offline(base: str) -> None:
    blocked, local = _render_offline(f"{base}/docs", "/v1/moderate")
    assert blocked == []
    assert f"{base}/docs-assets/swagger-ui-bundle.js" in local
    assert f"{base}/openapi.json" in local


def test_redoc_shows_the_operations_offline(base: str) -> None:
    blocked, local = _render_offline(f"{base}/redoc", "/v1/moderate")
    assert blocked == []
    assert f"{base}/docs-assets/redoc.standalone.js" in local
