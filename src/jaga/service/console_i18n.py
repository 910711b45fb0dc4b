"""The console's gettext catalogs: extraction of its strings, and their compilation to the JSON
the page reads.

Why gettext: translators work in .po files with the tools they know (Poedit, Weblate), and each
message id is the English text, so an untranslated string still reads as English. The page
cannot read .po, so each catalog is compiled to `locales/<lang>.json` ({msgid: msgstr}), which the
service serves with the console. Strings are found in index.html (`data-i18n`,
`data-i18n-placeholder`, `data-i18n-aria-label` attributes) and in console.js (the literal first
argument of `t(...)` and `N_(...)`, always a double-quoted string).

    python -m jaga.service.console_i18n extract   # refresh console.pot and merge it into every .po
    python -m jaga.service.console_i18n compile   # write locales/<lang>.json from the .po files

Babel (the `test` extra) is needed for both; serving the console needs neither.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

CONSOLE = Path(__file__).parent / "console"
LOCALES = CONSOLE / "locales"
LANGUAGES = ("en", "id", "ms", "tl", "th", "vi", "km", "lo", "my", "zh", "ta")
DOMAIN = "console"
_ATTRIBUTE = re.compile(r'\bdata-i18n(?:-placeholder|-aria-label)?="([^"]*)"')
_CALL = re.compile(r'\b(?:t|N_)\(\s*"((?:[^"\\\n]|\\.)*)"')
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def message_ids() -> list[str]:
    """Every message id of the console, in order of first appearance (HTML, then JavaScript).
    The script's ids are double-quoted literals (JSON's escapes), the first argument of t() or N_():
    a plain pattern reads them exactly, where Babel's JavaScript lexer drops a call that has another
    call among its arguments."""
    found = [html.unescape(value) for value in _ATTRIBUTE.findall((CONSOLE / "index.html").read_text(encoding="utf-8"))]
    script = (CONSOLE / "console.js").read_text(encoding="utf-8")
    found += [json.loads(f'"{literal}"') for literal in _CALL.findall(script)]
    return list(dict.fromkeys(found))


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str):  # type: ignore[no-untyped-def]  # babel ships no type hints
    from babel.messages.pofile import read_po

    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language if language != "tl" else "fil", domain=DOMAIN)


def extract() -> None:
    """console.pot from the sources; each .po updated against it (new ids added empty, gone ids
    dropped), so a translator sees exactly what is missing."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = Catalog(project="Jaga console", version="1", domain=DOMAIN, copyright_holder="the Jaga authors",
                       msgid_bugs_address="the Jaga issue tracker", fuzzy=False)
    for message in message_ids():
        template.add(message)
    LOCALES.mkdir(exist_ok=True)
    with (LOCALES / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=False, width=120)
    for language in LANGUAGES:
        catalog = read_catalog(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with catalog_path(language).open("wb") as handle:
            write_po(handle, catalog, width=120)


def compiled(language: str) -> dict[str, str]:
    """{msgid: msgstr} of a catalog, translated entries only (fuzzy ones left out, as msgfmt does)."""
    return {message.id: message.string for message in read_catalog(language)
            if message.id and isinstance(message.id, str) and message.string and not message.fuzzy}


def compile_all() -> None:
    for language in LANGUAGES:
        (LOCALES / f"{language}.json").write_text(
            json.dumps(compiled(language), ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    {"extract": extract, "compile": compile_all}[sys.argv[1] if len(sys.argv) > 1 else "compile"]()
