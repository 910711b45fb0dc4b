"""The review workspace in real headless Chromium (Debian's chromium, driven by Playwright): a
reviewer finds a reported post in the queue with its evidence highlighted, opens the case, claims it
by keyboard, corrects its category, writes the required note and confirms; a sexual-exploitation
case keeps its text hidden until revealed; an appeal is decided from the inbox, and an authority's
order shows with its legal deadline. A real uvicorn server over SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

from .live import live_server
from .test_console import CHROMIUM, CHROMIUM_FLAGS

SLOT = {"id": "b-slot", "text": "Slot gacor hari ini, daftar di judi88.com maxwin", "country": "ID", "author_id": "u-1"}
SEXTORTION = {"id": "b-sx", "text": "Kirim foto bugil kamu atau aku sebar video kamu ke keluarga", "country": "ID",
              "media": ["sha256:9f2c1b7e"]}
ORDER = {"id": "b-order", "text": "Daftar judi online di judi77.com sekarang", "country": "ID",
         "authority_request": {"agency": "Komdigi", "channel": "electronic", "received_at": "2026-12-04T10:00:00+07:00",
                               "deadline": "2026-12-05T10:00:00+07:00", "reference": "KOM-77"}}
WAIT = 15_000  # ms: the machine is shared; Playwright's waits end as soon as the page is right


@pytest.fixture(autouse=True)
def _patient_assertions() -> Iterator[None]:
    """`expect` waits 5 s by default, too little on a loaded machine: 15 s here, 5 s again after."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    yield
    expect.set_options(timeout=5_000)

Server = tuple[str, dict[str, dict[str, str]], dict[str, str]]


@pytest.fixture
def server(database_url: str, moderator: Moderator) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    acme = Store(database_url).scoped("acme")
    tokens = {name: acme.create_key(name, role)[1] for name, role in (
        ("platform", Role.PLATFORM), ("reviewer", Role.REVIEWER), ("second", Role.REVIEWER))}
    headers = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    with live_server(create_app(database_url, moderator, deliver_webhooks=False)) as port:
        base = f"http://127.0.0.1:{port}"
        for post in (SLOT, SEXTORTION):  # removed by the machine, then reported: each opens a task
            assert httpx.post(f"{base}/v1/moderate", json={"post": post}, headers=headers["platform"]).status_code == 200
            assert httpx.post(f"{base}/v1/reports", json={"post_id": post["id"], "reporter": "u-9", "reason": "bad"},
                              headers=headers["platform"]).status_code == 201
        yield base, headers, tokens


def test_a_reviewer_reviews_a_reported_post_end_to_end(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, headers, tokens = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.set_default_timeout(WAIT)
        page.goto(f"{base}/")
        page.fill("#key", tokens["reviewer"])
        page.click("#login button")
        slot = page.locator("#review-rows tr", has_text="judi88.com")
        expect(slot).to_have_count(1)
        expect(slot.locator("mark.evidence").first).to_have_text("Slot gacor")
        expect(slot).to_contain_text("user report (reports: 1)")
        expect(slot).to_contain_text("Illegal gambling 1.00")
        expect(slot.locator(".sla")).to_contain_text("left")

        # reviewer wellness: the sextortion text is hidden in the queue until revealed
        hidden = page.locator("#review-rows tr", has_text="Sexual exploitation")
        expect(hidden).to_contain_text("Text hidden")
        expect(page.locator("#review-rows")).not_to_contain_text("foto bugil")
        hidden.locator("button.reveal").click()
        expect(hidden).to_contain_text("Kirim foto bugil")

        page.select_option("#review-source", "user_report")
        page.select_option("#review-category", "illegal_gambling")
        page.click("#review-filters button")
        expect(page.locator("#review-rows tr")).to_have_count(1)
        page.locator("#review-rows tr").first.locator("button.open").click()
        expect(page.locator("#case-post")).to_contain_text("Slot gacor hari ini")
        expect(page.locator("#case-statement")).to_contain_text("Electronic Information and Transactions Law")
        expect(page.locator("#case-author")).to_contain_text("pseudonymised")
        page.keyboard.press("c")  # claim, by keyboard
        expect(page.locator("#case-claimed")).to_contain_text("Claimed by")
        page.keyboard.press("3")  # reduce
        expect(page.locator("#action-reduce")).to_be_checked()
        page.uncheck("#category-illegal_gambling")
        page.check("#category-scam_fraud")
        page.click("#decide-review")  # no note yet: refused in the page, nothing sent
        expect(page.locator("#decide-confirm")).to_be_hidden()
        page.fill("#decide-note", "A fake deposit scheme, not a casino: demoted.")
        page.click("#decide-review")
        expect(page.locator("#decide-summary")).to_contain_text("categories corrected to Scam or fraud")
        task = httpx.get(f"{base}/v1/reviews?status=claimed", headers=headers["reviewer"]).json()
        assert [t["post_id"] for t in task] == [SLOT["id"]]  # still undecided until confirmed
        page.click("#decide-yes")
        expect(page.locator("#status")).to_have_text("Decided: Reduce reach")
        expect(page.locator("#case-claimed")).to_contain_text("Decided: Reduce reach")

        sensitive = next(t["id"] for t in httpx.get(f"{base}/v1/reviews", headers=headers["reviewer"]).json()
                         if t["post_id"] == SEXTORTION["id"])
        page.click("#case-back")
        page.select_option("#review-category", "")
        page.click("#review-filters button")
        page.locator(f"tr[data-task='{sensitive}'] button.open").click()
        expect(page.locator("#case-post")).to_contain_text("Text hidden")
        expect(page.locator("#case-post")).not_to_contain_text("foto bugil")
        assert "blur" in page.locator("#case-media").evaluate("node => getComputedStyle(node).filter")
        assert "grayscale" in page.locator("#case-media").evaluate("node => getComputedStyle(node).filter")
        page.keyboard.press("v")
        expect(page.locator("#case-post")).to_contain_text("Kirim foto bugil")
        browser.close()

    decided = httpx.get(f"{base}/v1/reviews?status=decided", headers=headers["reviewer"]).json()[0]
    stored = httpx.get(f"{base}/v1/decisions/{decided['decision_id']}", headers=headers["platform"]).json()
    assert (stored["action"], stored["categories"], stored["automated"]) == ("reduce", ["scam_fraud"], False)
    assert "A fake deposit scheme, not a casino: demoted." in stored["reasons"]


def test_an_appeal_is_decided_from_the_inbox(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, headers, tokens = server
    decision = httpx.get(f"{base}/v1/reviews", headers=headers["reviewer"]).json()
    slot = next(task["decision_id"] for task in decision if task["post_id"] == SLOT["id"])
    appeal = httpx.post(f"{base}/v1/appeals", json={"decision_id": slot, "reason": "Itu iklan game, bukan judi."},
                        headers=headers["platform"]).json()
    assert httpx.post(f"{base}/v1/authority-requests", json={"post": ORDER}, headers=headers["platform"]).status_code == 200
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.set_default_timeout(WAIT)
        page.goto(f"{base}/")
        page.fill("#key", tokens["second"])
        page.click("#login button")
        page.click("nav button[data-tab='authority']")
        order = page.locator("#authority-rows tr", has_text="Komdigi")
        expect(order).to_contain_text("KOM-77")
        expect(order).to_contain_text("judi77.com")

        page.click("nav button[data-tab='appeals']")
        card = page.locator(f"[data-appeal='{appeal['id']}']")
        expect(card).to_contain_text("Itu iklan game, bukan judi.")
        expect(card).to_contain_text("Slot gacor hari ini")
        card.locator("button.appeal-upheld").click()  # no note: refused, nothing asked
        expect(page.locator("#status")).to_contain_text("A note is required")
        expect(card.locator("button.appeal-confirm")).to_have_count(0)
        card.locator("textarea").fill("A game advert, not gambling.")
        card.locator("button.appeal-upheld").click()
        expect(card.locator(".confirm-box")).to_contain_text("will be allowed again")
        assert httpx.get(f"{base}/v1/appeals/{appeal['id']}", headers=headers["reviewer"]).json()["status"] == "open"
        card.locator("button.appeal-confirm").click()
        expect(page.locator("#status")).to_have_text("Appeal upheld")
        expect(page.locator(f"[data-appeal='{appeal['id']}']")).to_contain_text("decided (upheld)")
        browser.close()

    stored = httpx.get(f"{base}/v1/decisions/{slot}", headers=headers["platform"]).json()
    assert stored["action"] == "allow" and "A game advert, not gambling." in stored["reasons"]


COPIES = [{"id": f"b-copy-{n}", "text": "Deposit 50rb dapat 500rb! Transfer ke rekening 1234567890 sekarang juga",
           "country": "ID", "author_id": f"u-copy-{n}"} for n in range(3)]


def test_identical_posts_are_decided_together_each_with_its_own_statement(server: Server, database_url: str) -> None:
    """Copy-paste spam: one case opened, its two identical copies offered (ticked), one decision
    confirmed once; each copy is decided by its own request, with its own statement of reasons,
    audit entry and reviewer."""
    from playwright.sync_api import expect, sync_playwright

    base, headers, tokens = server
    for post in COPIES:
        assert httpx.post(f"{base}/v1/moderate", json={"post": post}, headers=headers["platform"]).status_code == 200
        assert httpx.post(f"{base}/v1/reports", json={"post_id": post["id"], "reporter": "u-9", "reason": "penipuan"},
                          headers=headers["platform"]).status_code == 201
    tasks = {task["post_id"]: task for task in httpx.get(f"{base}/v1/reviews?limit=500", headers=headers["reviewer"]).json()
             if task["post_id"].startswith("b-copy-")}
    assert sorted(tasks) == [post["id"] for post in COPIES]
    first = tasks[COPIES[0]["id"]]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.set_default_timeout(WAIT)
        page.goto(f"{base}/")
        page.fill("#key", tokens["reviewer"])
        page.click("#login button")
        page.locator(f"tr[data-task='{first['id']}'] button.open").click()
        expect(page.locator("#case-post")).to_contain_text("Deposit 50rb")
        page.click("#case-claim")
        expect(page.locator("#identical")).to_be_visible()
        copies = page.locator("#identical-list input.identical-task")
        expect(copies).to_have_count(2)
        expect(page.locator("#identical-list")).to_contain_text(COPIES[1]["id"])
        page.check("#action-remove")
        page.fill("#decide-note", "The same deposit scam, posted three times.")
        page.click("#decide-review")
        expect(page.locator("#decide-summary")).to_contain_text("the same for identical posts: 2")
        assert httpx.get(f"{base}/v1/reviews/{tasks[COPIES[2]['id']]['id']}",
                         headers=headers["reviewer"]).json()["task"]["status"] == "open"  # nothing sent yet
        page.click("#decide-yes")
        expect(page.locator("#status")).to_have_text("Decided: Remove, with identical posts: 2")
        browser.close()

    decisions = []
    for post in COPIES:
        case = httpx.get(f"{base}/v1/reviews/{tasks[post['id']]['id']}", headers=headers["reviewer"]).json()
        assert (case["task"]["status"], case["task"]["outcome"]) == ("decided", "remove")
        decision = case["decision"]
        assert decision["post_id"] == post["id"] and decision["action"] == "remove" and decision["automated"] is False
        assert "The same deposit scam, posted three times." in decision["reasons"]
        decisions.append(decision)
    assert len({decision["id"] for decision in decisions}) == 3  # three statements, one per post
    audit = Store(database_url).scoped("acme").audit_entries(limit=500)
    decided = {entry.subject for entry in audit if entry.action == "review.decide"}
    assert {tasks[post["id"]]["id"] for post in COPIES} <= decided
