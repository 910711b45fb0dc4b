"""The notice a poster receives, written plainly in the post's language (en, id, ms, tl, th, vi, km,
lo, my, zh, ta; other languages fall back to English). Texts live in `notices.yaml`, so translators
edit data."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

FALLBACK = "en"
# Han characters and full-width punctuation: Chinese is written without spaces between words or sentences.
_UNSPACED = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((resources.files("jaga.policy") / "notices.yaml").read_text(encoding="utf-8"))


def _joined(pieces: list[str]) -> str:
    """The pieces joined by spaces, except where both sides are Chinese: "。 原因" (a space after a
    full stop) or "应用内 或 向" reads as a typo to a Chinese reader. Latin text next to Chinese keeps
    its space, as Chinese typesetting does."""
    joined = ""
    for piece in pieces:
        if joined and not (piece and _UNSPACED.match(joined[-1]) and _UNSPACED.match(piece[0])):
            joined += " "
        joined += piece
    return joined


def notice_languages() -> list[str]:
    return sorted(_texts())


def render_notice(language: str, action: str, categories: list[str], law_titles: list[str], jurisdiction: str,
                  extra_actions: list[str], deadline: datetime | None, appeal_path: list[str],
                  authority: bool = False, helplines: list[str] | None = None) -> tuple[str, str]:
    """(language used, notice text) for a decision other than allow. With `helplines` (a self-harm
    support notice) the notice opens with them: the offer of help comes before anything else."""
    texts = _texts()
    used = language if language in texts else FALLBACK
    words, english = texts[used], texts[FALLBACK]

    def text(key: str) -> Any:
        return words.get(key, english[key])

    names = [text("categories").get(category, english["categories"][category]) for category in categories]
    paths = {**english["appeal_paths"], **text("appeal_paths")}
    steps = [paths.get(step, step.replace("_", " ")) for step in appeal_path]
    appeal = _joined([piece for step in steps for piece in (text("or"), step)][1:])
    parts = [text("support").format(helplines="; ".join(helplines))] if helplines else []
    parts.append(text("actions")[action])
    if names:
        parts.append(text("reason").format(categories=", ".join(names)))
    if authority:
        parts.append(text("authority"))
    if law_titles:
        parts.append(text("law").format(law="; ".join(law_titles)))
    if "geo_restrict" in extra_actions:
        parts.append(text("geo").format(jurisdiction=jurisdiction))
    if "correction_notice" in extra_actions:
        parts.append(text("correction"))
    if deadline is not None and action == "review":
        parts.append(text("deadline").format(deadline=deadline.strftime("%Y-%m-%d %H:%M UTC")))
    parts.append(text("appeal").format(appeal=appeal))
    return used, _joined(parts)


def render_outcome_notice(language: str, outcome: str, action: str, categories: list[str], law_titles: list[str],
                          jurisdiction: str, extra_actions: list[str], appeal_path: list[str],
                          authority: bool = False, helplines: list[str] | None = None) -> tuple[str, str]:
    """(language used, notice text) once a person has decided: `outcome` is `review` (a reviewer's
    action), `appeal_upheld` or `appeal_rejected`. The notice tells what was done in the end: an
    automatic notice ("a person will check...") must not outlive the person's decision."""
    texts = _texts()
    used = language if language in texts else FALLBACK
    words, english = texts[used], texts[FALLBACK]

    def text(key: str) -> Any:
        return words.get(key, english[key])

    support = [text("support").format(helplines="; ".join(helplines))] if helplines else []
    if outcome == "appeal_upheld":
        return used, _joined([*support, text("restored")])
    if action == "allow":
        return used, _joined([*support, text("reviewed"), text("kept")])
    lead = text("appeal_rejected") if outcome == "appeal_rejected" else text("reviewed")
    _, body = render_notice(used, action, categories, law_titles, jurisdiction, extra_actions, None, appeal_path,
                            authority=authority)
    return used, _joined([*support, lead, body])
