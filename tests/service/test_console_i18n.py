"""The console in every language: the gettext catalogs are complete (a catalog missing a message
id fails here), their JSON is the compiled .po, and in real headless Chromium, on a machine with
no system font for Thai or Khmer, the console switched to Thai and to Khmer draws real glyphs
with the Noto faces the package serves (not empty boxes)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.service.console_i18n import LANGUAGES, LOCALES, PLACEHOLDER, catalog_path, compiled, message_ids, read_catalog
from jaga.store import Role, Store

from .live import live_server
from .test_console import CHROMIUM, CHROMIUM_FLAGS

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytest.importorskip("babel", reason="the catalogs are read with Babel (the test extra)")


def test_the_console_has_its_strings_marked() -> None:
    ids = message_ids()
    assert len(ids) > 150 and len(ids) == len(set(ids))
    for expected in ("Review queue", "Decided: {action}", "Decisions by category over time", "Reduce reach"):
        assert expected in ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_translates_every_message(language: str) -> None:
    catalog = read_catalog(language)
    assert not catalog.fuzzy and not catalog.obsolete
    entries = {message.id: message for message in catalog if message.id}
    missing = [msgid for msgid in message_ids() if msgid not in entries or not entries[msgid].string]
    assert not missing, f"{catalog_path(language)} misses {missing}"
    stale = sorted(set(entries) - set(message_ids()))
    assert not stale, f"{catalog_path(language)} has ids the console no longer uses: {stale}"
    for msgid, message in entries.items():
        assert not message.fuzzy, (language, msgid)
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(msgid)), (language, msgid)
        words = PLACEHOLDER.sub("", msgid)
        if language != "en" and len(words) >= 15:  # a phrase left in English is not translated
            assert message.string != msgid, (language, msgid)
    # the page reads the compiled JSON: it must be what the .po says now
    assert json.loads((LOCALES / f"{language}.json").read_text(encoding="utf-8")) == compiled(language), \
        "run python -m jaga.service.console_i18n compile"


def test_each_script_reads_in_its_own_script() -> None:
    """A wrong file in the wrong place (Lao text in the Thai catalog) shows up as the wrong script."""
    blocks = {"th": (0x0E00, 0x0E7F), "lo": (0x0E80, 0x0EFF), "km": (0x1780, 0x17FF), "my": (0x1000, 0x109F),
              "ta": (0x0B80, 0x0BFF), "zh": (0x4E00, 0x9FFF)}
    for language, (first, last) in blocks.items():
        text = "".join(compiled(language).values())
        native = sum(first <= ord(character) <= last for character in text)
        assert native > len(text) / 3, language


Server = tuple[str, str]


@pytest.fixture
def server(database_url: str, moderator: Moderator) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    acme = Store(database_url).scoped("acme")
    _, platform = acme.create_key("platform", Role.PLATFORM)
    _, reviewer = acme.create_key("reviewer", Role.REVIEWER)
    with live_server(create_app(database_url, moderator, deliver_webhooks=False)) as port:
        base = f"http://127.0.0.1:{port}"
        post = {"id": "th-1", "text": "Those people are vermin and should be driven out of our country", "country": "TH"}
        assert httpx.post(f"{base}/v1/moderate", json={"post": post},
                          headers={"Authorization": f"Bearer {platform}"}).status_code == 200
        yield base, reviewer


def _system_has_font_for(language: str) -> bool:
    fc_list = shutil.which("fc-list")
    return fc_list is None or bool(subprocess.run([fc_list, f":lang={language}"], capture_output=True, text=True,
                                                  check=False).stdout.strip())


def _glyph(png: bytes) -> tuple[tuple[int, int], bytes]:
    """The ink of a screenshot (pixels clearly darker than the page), cut to its bounding box: the
    shape drawn, whatever the element's fractional position and edges."""
    from PIL import Image

    ink = Image.open(io.BytesIO(png)).convert("L").point(lambda value: 255 if value < 128 else 0)
    box = ink.getbbox()
    if box is None:
        return (0, 0), b""
    shape = ink.crop(box)
    return shape.size, shape.tobytes()


def _ink(glyph: tuple[tuple[int, int], bytes]) -> int:
    return sum(1 for value in glyph[1] if value)


@contextlib.contextmanager
def signed_in(base: str, reviewer: str) -> Iterator[Page]:
    """The console in headless Chromium, signed in as `reviewer`, its one review task listed."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{base}/")
            page.fill("#key", reviewer)
            page.click("#login button")
            expect(page.locator("#review-rows tr")).to_have_count(1)
            yield page
        finally:
            browser.close()


SAMPLES = {"th": ("ก", "ข", "Noto Sans Thai"), "km": ("ក", "ខ", "Noto Sans Khmer")}


@pytest.mark.parametrize("language", ["th", "km"])
def test_the_console_switched_to_a_language_draws_its_script(server: Server, language: str) -> None:
    from playwright.sync_api import expect

    base, reviewer = server
    first, second, face = SAMPLES[language]
    translated = compiled(language)
    with signed_in(base, reviewer) as page:
        page.select_option("#lang", language)
        tab = page.locator("nav button[data-tab='reviews']")
        expect(tab).to_have_text(translated["Review queue"])
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("#status")).to_have_text(translated["Tasks: {count}"].replace("{count}", "1"))
        row = page.locator("#review-rows tr").first
        expect(row).to_contain_text(translated["Hate speech"])
        expect(row.locator("button.open")).to_have_text(translated["Open"])
        # dates in the language's own words: Thai from the browser (Buddhist era), Khmer from the
        # console's month names (Chromium has no Khmer date data and would write "Dec 5, 2026")
        shown = page.evaluate("[localTime('2026-12-05T16:40:00Z'), bucketLabel('2026-03-02')]")
        expected = {"th": ("ธ.ค. 2569", "มี.ค."), "km": ("ធ្នូ 2026", "2 មីនា")}[language]
        assert expected[0] in shown[0] and expected[1] in shown[1], shown

        # every control draws with the page's font stack (a button does not inherit it by default)
        for control in ("#review-filters button", "#review-rows button.open", "#review-status"):
            assert face in page.locator(control).first.evaluate("node => getComputedStyle(node).fontFamily"), control
        # the served face is in use, loaded from the package (not a system font)
        page.evaluate("document.fonts.ready")
        loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert any(face in family for family in loaded), loaded
        assert page.evaluate(f"document.fonts.check('16px \"{face}\"', {json.dumps(first)})")

        # the tab's text is drawn (ink on the white page), and two letters of the script are two
        # different glyphs: tofu would draw the same empty box for both
        page.evaluate("""([a, b]) => {
            for (const [id, text, family] of [["glyph-a", a, ""], ["glyph-b", b, ""],
                                               ["tofu-a", a, "DejaVu Sans"], ["tofu-b", b, "DejaVu Sans"]]) {
              const span = document.createElement("span");
              span.id = id; span.textContent = text;
              span.style.cssText = "font-size:48px;background:#fff;color:#000;padding:4px;display:block;width:2em;line-height:1.6";
              if (family) span.style.fontFamily = family;
              document.querySelector("main").prepend(span);
            }}""", [first, second])
        page.evaluate("document.fonts.ready")
        pictures = {name: page.locator(f"#{name}").screenshot() for name in ("glyph-a", "glyph-b", "tofu-a", "tofu-b")}
        if os.environ.get("JAGA_SCREENSHOTS"):
            for name, png in pictures.items():
                Path(os.environ["JAGA_SCREENSHOTS"], f"{language}-{name}.png").write_bytes(png)
        shots = {name: _glyph(png) for name, png in pictures.items()}
        assert _ink(shots["glyph-a"]) > 40 and _ink(shots["glyph-b"]) > 40
        assert shots["glyph-a"] != shots["glyph-b"], "two letters drew the same box: no font for the script"
        if not _system_has_font_for(language):
            # the control: with only the system's fonts, this machine has no glyphs for the script
            assert shots["tofu-a"] == shots["tofu-b"]
        if os.environ.get("JAGA_SCREENSHOTS"):  # for a person to look at
            page.evaluate("document.querySelectorAll('main > span').forEach(span => span.remove())")
            page.screenshot(path=f"{os.environ['JAGA_SCREENSHOTS']}/console-{language}.png", full_page=True)


TRADITIONAL = "這個說法是錯誤的，請勿轉發"  # "this claim is false, do not forward it", as a Taiwanese fact-check says
TRADITIONAL_ONLY = "這個說錯誤請轉發"  # its characters outside GB 2312 level 1: not in the SC face


def test_traditional_chinese_draws_with_the_served_face(server: Server) -> None:
    """A post in Traditional Chinese: the characters Simplified Chinese does not share come from the
    served Noto Sans CJK TC face (fetched for them), each a real glyph of its own, exactly as that
    face draws it; the rest of the line from the SC face."""
    from playwright.sync_api import expect

    from jaga.service.console_fonts import _gb2312_level1, _traditional_only

    assert all(ord(character) in _traditional_only() for character in TRADITIONAL_ONLY)
    assert all(ord(character) in _gb2312_level1() for character in "法是的勿")
    base, reviewer = server
    with signed_in(base, reviewer) as page:
        page.evaluate("""([line, characters]) => {
            const add = (id, text, family) => {
              const span = document.createElement("span");
              span.id = id; span.textContent = text; span.lang = "zh-Hant";
              span.style.cssText = "font-size:48px;background:#fff;color:#000;padding:4px;display:block;width:fit-content;line-height:1.6";
              if (family) span.style.fontFamily = family;
              document.querySelector("main").prepend(span);
            };
            add("line", line, "");
            [...characters].forEach((character, index) => {
              add(`page-${index}`, character, "");                       // the page's own font stack
              add(`face-${index}`, character, '"Noto Sans CJK TC"');     // the served face alone
              add(`tofu-${index}`, character, '"DejaVu Sans"');          // what the system has
            });
        }""", [TRADITIONAL, TRADITIONAL_ONLY])
        page.evaluate("document.fonts.ready")
        expect(page.locator("#line")).to_have_text(TRADITIONAL)
        loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert any("Noto Sans CJK TC" in family for family in loaded), loaded
        assert any("Noto Sans CJK SC" in family for family in loaded), loaded  # the shared characters
        assert page.evaluate(f"document.fonts.check('16px \"Noto Sans CJK TC\"', {json.dumps(TRADITIONAL_ONLY)})")
        drawn = {f"{name}-{index}": _glyph(page.locator(f"#{name}-{index}").screenshot())
                 for name in ("page", "face", "tofu") for index in range(len(TRADITIONAL_ONLY))}
        line = page.locator("#line").screenshot()
        if os.environ.get("JAGA_SCREENSHOTS"):
            Path(os.environ["JAGA_SCREENSHOTS"], "zh-hant-line.png").write_bytes(line)
    shapes = [drawn[f"page-{index}"] for index in range(len(TRADITIONAL_ONLY))]
    assert all(_ink(shape) > 100 for shape in shapes)
    assert len(set(shapes)) == len(shapes), "two characters drew the same shape: boxes, not glyphs"
    for index in range(len(TRADITIONAL_ONLY)):  # the page draws each with the served face, glyph for glyph
        assert drawn[f"page-{index}"] == drawn[f"face-{index}"], TRADITIONAL_ONLY[index]
    if not _system_has_font_for("zh-tw"):
        # the control: with only the system's fonts, this machine draws the same box for each
        assert len({drawn[f"tofu-{index}"] for index in range(len(TRADITIONAL_ONLY))}) == 1
    assert _ink(_glyph(line)) > 1000
