"""WCAG 2.1 AA in real headless Chromium: axe-core (Deque's rules engine, vendored by the
axe-playwright-python package, so no npm at run time) audits every view of the console (queue,
case page with its confirmation, appeals, authority requests, dashboard, fact-checks) in English and
in Thai, and the test fails on any serious or critical violation (contrast, names of controls,
landmarks, the page's language, ARIA), printing them. The dashboard's SVG charts, which axe does not
measure, are checked here: every mark against its card at 3:1 (graphics), every label at 4.5:1
(text). And on a 390 px phone no view scrolls sideways."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

from .live import live_server
from .test_console import CHROMIUM, CHROMIUM_FLAGS
from .test_console_review import ORDER, SEXTORTION, SLOT

pytest.importorskip("axe_playwright_python", reason="axe-core comes with axe-playwright-python (the test extra)")

WAIT = 30_000  # ms: the machine is shared; the first fact-check search loads the claim index
# WCAG 2.0 and 2.1, A and AA, and Deque's best practices (landmarks, one main, headings): all run,
# every result reported; serious and critical ones, and the landmark rules, fail the test.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations", "incomplete"]}
FAILING_IMPACTS = {"serious", "critical"}
LANDMARK_RULES = {"region", "landmark-one-main", "landmark-unique", "landmark-no-duplicate-banner",
                  "landmark-no-duplicate-main", "page-has-heading-one", "aria-allowed-role"}

Server = tuple[str, dict[str, str]]


@pytest.fixture
def server(tmp_path: Path, moderator: Moderator) -> Iterator[Server]:
    """A queue with a reported gambling post (evidence highlighted) and a hidden sexual-exploitation
    case, an authority's order, an open appeal, the fact-check registry, and a decided review for the
    dashboard's deadline chart. SQLite only: what the browser is shown is the same on PostgreSQL."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from jaga.claims.registry import import_path

    database_url = f"sqlite:///{tmp_path / 'jaga.db'}"
    acme = Store(database_url).scoped("acme")
    tokens = {name: acme.create_key(name, role)[1] for name, role in (
        ("platform", Role.PLATFORM), ("reviewer", Role.REVIEWER), ("second", Role.REVIEWER))}
    import_path(acme, Path(__file__).parents[1] / "claims" / "fixtures" / "claims.jsonl")
    headers = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    copy = {**SLOT, "id": "b-slot-2", "author_id": "u-2"}
    with live_server(create_app(database_url, moderator, deliver_webhooks=False)) as port:
        base = f"http://127.0.0.1:{port}"
        for post in (SLOT, SEXTORTION, copy):
            assert httpx.post(f"{base}/v1/moderate", json={"post": post}, headers=headers["platform"]).status_code == 200
            assert httpx.post(f"{base}/v1/reports", json={"post_id": post["id"], "reporter": "u-9", "reason": "bad"},
                              headers=headers["platform"]).status_code == 201
        # one order past its legal deadline and one due within the hour: the SLA badges in both colours
        now = datetime.now(UTC)
        for suffix, due in (("late", now - timedelta(hours=1)), ("soon", now + timedelta(minutes=50))):
            order = {**ORDER, "id": f"{ORDER['id']}-{suffix}", "authority_request": {
                **cast(dict[str, Any], ORDER["authority_request"]), "received_at": (now - timedelta(days=1)).isoformat(),
                "deadline": due.isoformat(), "reference": f"KOM-{suffix}"}}
            assert httpx.post(f"{base}/v1/authority-requests", json={"post": order},
                              headers=headers["platform"]).status_code == 200
        tasks = {task["post_id"]: task for task in httpx.get(f"{base}/v1/reviews", headers=headers["reviewer"]).json()}
        decided = tasks[copy["id"]]["id"]
        assert httpx.post(f"{base}/v1/reviews/{decided}/claim", headers=headers["second"]).status_code == 200
        assert httpx.post(f"{base}/v1/reviews/{decided}/decide", json={"action": "remove", "note": "Gambling advert."},
                          headers=headers["second"]).status_code == 200
        assert httpx.post(f"{base}/v1/appeals", json={"decision_id": tasks[SLOT["id"]]["decision_id"],
                                                      "reason": "Itu iklan game, bukan judi."},
                          headers=headers["platform"]).status_code in (200, 201)
        yield base, tokens


def _audit(page: Any, view: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    """axe-core on the page as it is now; every violation kept with the view it was seen in."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]  # ships no hints

    page.evaluate("document.fonts.ready")
    results = Axe().run(page, options=AXE_OPTIONS)
    found.extend((view, violation) for violation in results.response["violations"])
    # contrast axe could not decide (text over an image or a gradient) is printed for a person to check
    # (SVG chart labels are among them: test_chart_colours_contrast_with_their_background measures those)
    for unsure in results.response["incomplete"]:
        if unsure["id"] == "color-contrast":
            reasons = Counter(f"{node['html'].split(' ')[0][1:]}: {node['any'][0]['message'][:100]}"
                              for node in unsure["nodes"] if node["any"])
            print(f"[{view}] contrast axe could not decide:", dict(reasons))


def _report(found: list[tuple[str, dict[str, Any]]]) -> str:
    lines = []
    for view, violation in found:
        lines.append(f"[{view}] {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:6]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').splitlines()[-1:]}")
    counts = Counter(violation["id"] for _, violation in found)
    return "\n".join([f"violations by rule: {dict(sorted(counts.items()))}", *lines])


def _failing(found: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(view, violation) for view, violation in found
            if violation["impact"] in FAILING_IMPACTS or violation["id"] in LANDMARK_RULES]


def _open_console(playwright: Any, base: str, token: str, language: str, width: int = 1280) -> Any:
    from playwright.sync_api import expect

    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.goto(f"{base}/")
    page.fill("#key", token)
    page.click("#login button")
    expect(page.locator("#review-rows tr").first).to_be_visible()
    if language != "en":
        page.select_option("#lang", language)
        expect(page.locator("html")).to_have_attribute("lang", language)
    return page


def _visit_every_view(page: Any, check: Any) -> None:
    """Walks the console as a reviewer would, calling check(view) with each view on screen."""
    from playwright.sync_api import expect

    expect(page.locator("#review-rows mark.evidence").first).to_be_visible()
    check("queue")
    page.locator("#review-rows tr", has_text="judi88.com").first.locator("button.open").click()
    expect(page.locator("#case-statement dd").first).to_be_visible()
    page.click("#case-claim")
    expect(page.locator("#decide-form")).to_be_visible()
    check("case")
    page.check("#action-reduce")
    page.fill("#decide-note", "A fake deposit scheme.")
    page.click("#decide-review")
    expect(page.locator("#decide-confirm")).to_be_visible()
    check("case, confirming")
    page.keyboard.press("Escape")
    page.click("nav button[data-tab='appeals']")
    expect(page.locator("#appeal-rows .appeal").first).to_be_visible()
    page.locator("#appeal-rows textarea").first.fill("A game advert.")
    page.locator("#appeal-rows button.appeal-upheld").first.click()
    expect(page.locator("#appeal-rows button.appeal-confirm")).to_be_visible()
    check("appeals")
    page.click("nav button[data-tab='authority']")
    expect(page.locator("#authority-rows .sla.overdue")).to_have_count(1)
    expect(page.locator("#authority-rows .sla.soon")).to_have_count(1)
    check("authority requests")
    page.click("nav button[data-tab='dashboard']")
    expect(page.locator("#timecharts figure")).to_have_count(8)
    expect(page.locator("#charts figure svg")).to_have_count(5)
    check("dashboard")
    page.click("nav button[data-tab='claims']")
    page.fill("#claim-text", "Awas! Tiongkok produksi kornet dari tubuh manusia, jangan beli kornet kalengan")
    page.click("#claim-form button")
    expect(page.locator("#claim-rows tr").first).to_be_visible()
    check("fact-checks")


@pytest.mark.parametrize("language", ["en", "th"])
def test_every_view_passes_axe_at_wcag_21_aa(server: Server, language: str) -> None:
    from playwright.sync_api import sync_playwright

    base, tokens = server
    found: list[tuple[str, dict[str, Any]]] = []
    with sync_playwright() as playwright:
        page = _open_console(playwright, base, tokens["reviewer"], language)
        _visit_every_view(page, lambda view: _audit(page, view, found))
        page.context.browser.close()
    print(_report(found))  # every violation, failing or not, for the log
    failing = _failing(found)
    assert not failing, _report(failing)


def test_the_language_attribute_follows_the_chosen_language(server: Server) -> None:
    """Screen readers pick their voice from `lang`: Thai read with an English voice is noise."""
    from playwright.sync_api import expect, sync_playwright

    base, tokens = server
    with sync_playwright() as playwright:
        page = _open_console(playwright, base, tokens["reviewer"], "en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        for language, tag in (("zh", "zh-Hans"), ("tl", "tl"), ("km", "km"), ("en", "en")):
            page.select_option("#lang", language)
            expect(page.locator("html")).to_have_attribute("lang", tag)
        # each language's own name in the picker is read in its language (WCAG 3.1.2, language of parts),
        # and so is each post, in its own language whatever the console's
        assert page.locator("#lang option[value='th']").get_attribute("lang") == "th"
        expect(page.locator("#review-rows tr", has_text="judi88.com").first.locator(".post-holder")).to_have_attribute(
            "lang", "id")
        page.context.browser.close()


def test_the_tabs_work_from_the_keyboard(server: Server) -> None:
    """The WAI-ARIA tabs pattern: one tab stop, arrows move between tabs and open them, each tab
    controls its panel (WCAG 2.1.1 keyboard, 4.1.2 name, role, value)."""
    from playwright.sync_api import expect, sync_playwright

    base, tokens = server
    with sync_playwright() as playwright:
        page = _open_console(playwright, base, tokens["reviewer"], "en")
        queue = page.locator("#tab-reviews")
        expect(queue).to_have_attribute("tabindex", "0")
        expect(page.locator("#tab-appeals")).to_have_attribute("tabindex", "-1")
        queue.focus()
        page.keyboard.press("ArrowRight")
        expect(page.locator("#tab-appeals")).to_be_focused()
        expect(page.locator("#tab-appeals")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#appeals")).to_be_visible()
        expect(page.locator("#reviews")).to_be_hidden()
        page.keyboard.press("End")
        expect(page.locator("#tab-claims")).to_be_focused()
        expect(page.locator("#claims")).to_be_visible()
        page.keyboard.press("ArrowRight")  # wraps round to the first
        expect(queue).to_be_focused()
        expect(page.locator("#reviews")).to_be_visible()
        for tab in page.locator("nav [role='tab']").all():
            panel = page.locator(f"#{tab.get_attribute('aria-controls')}")
            expect(panel).to_have_attribute("role", "tabpanel")
            expect(panel).to_have_attribute("aria-labelledby", tab.get_attribute("id") or "")
        page.context.browser.close()


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value) for value in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two CSS rgb() colours (as getComputedStyle writes them)."""
    def rgb(colour: str) -> tuple[int, int, int]:
        values = [int(float(v)) for v in re.findall(r"[\d.]+", colour)[:3]]
        return values[0], values[1], values[2]

    lighter, darker = sorted((_luminance(rgb(first)), _luminance(rgb(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_chart_colours_contrast_with_their_background(server: Server) -> None:
    """axe measures text in HTML, not the marks of an SVG chart: every bar, dot, line and legend
    swatch against its card at 3:1 (WCAG 1.4.11, graphics), every chart label at 4.5:1 (1.4.3)."""
    from playwright.sync_api import expect, sync_playwright

    base, tokens = server
    with sync_playwright() as playwright:
        page = _open_console(playwright, base, tokens["reviewer"], "en")
        page.click("nav button[data-tab='dashboard']")
        expect(page.locator("#timecharts figure")).to_have_count(8)
        expect(page.locator("#charts figure svg")).to_have_count(5)
        colours = page.evaluate("""() => {
            const background = (node) => {
              for (let at = node; at; at = at.parentElement) {
                const colour = getComputedStyle(at).backgroundColor;
                if (colour && colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
              }
              return "rgb(255, 255, 255)";
            };
            const out = {marks: [], texts: [], swatches: []};
            for (const node of document.querySelectorAll("#dashboard svg rect, #dashboard svg circle, #dashboard svg polyline, #dashboard svg line")) {
              const style = getComputedStyle(node);
              const paint = ["polyline", "line"].includes(node.tagName) ? style.stroke : style.fill;
              out.marks.push([node.tagName, paint, background(node.closest("figure"))]);
            }
            for (const node of document.querySelectorAll("#dashboard svg text"))
              out.texts.push([node.textContent, getComputedStyle(node).fill, background(node.closest("figure"))]);
            for (const node of document.querySelectorAll("#dashboard .legend i"))
              out.swatches.push([node.parentElement.textContent, getComputedStyle(node).backgroundColor,
                                 background(node.closest("figure"))]);
            return out;
        }""")
        # a screen reader hears the numbers of a bar chart, not only its title
        expect(page.locator("#charts figure", has_text="Decisions by action").locator("svg")).to_have_attribute(
            "aria-label", re.compile(r"^Decisions by action: (\w[\w ]*? \d+)(, \w[\w ]*? \d+)*$"))
        palette = page.evaluate("PALETTE")
        page.context.browser.close()
    assert colours["marks"] and colours["texts"] and colours["swatches"]
    low = [(what, paint, ground, round(_contrast(paint, ground), 2)) for what, paint, ground in
           colours["marks"] + colours["swatches"] if _contrast(paint, ground) < 3]
    assert not low, f"chart marks under 3:1 against their background: {low}"
    low = [(text, paint, ground, round(_contrast(paint, ground), 2)) for text, paint, ground in colours["texts"]
           if _contrast(paint, ground) < 4.5]
    assert not low, f"chart labels under 4.5:1 against their background: {low}"
    # the whole palette, not only the colours this data happened to use
    for colour in palette:
        rgb = f"rgb({int(colour[1:3], 16)}, {int(colour[3:5], 16)}, {int(colour[5:7], 16)})"
        assert _contrast(rgb, "rgb(255, 255, 255)") >= 3, colour


@pytest.mark.parametrize("language", ["en", "th"])
def test_no_view_scrolls_sideways_on_a_phone(server: Server, language: str) -> None:
    """At 390 px (a common phone) the page itself never scrolls sideways: wide tables scroll in
    their own box (reachable by keyboard: axe runs here too), long words wrap."""
    from playwright.sync_api import sync_playwright

    base, tokens = server
    wide: list[tuple[str, int]] = []

    found: list[tuple[str, dict[str, Any]]] = []

    def check(page: Any, view: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide.append((view, width))
        _audit(page, f"{view}, 390 px", found)

    with sync_playwright() as playwright:
        page = _open_console(playwright, base, tokens["reviewer"], language, width=390)
        _visit_every_view(page, lambda view: check(page, view))
        page.context.browser.close()
    print(_report(found))
    assert not wide, f"views wider than the 390 px screen: {wide}"
    assert not _failing(found), _report(_failing(found))
