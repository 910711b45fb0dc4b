"""Where decisions point people: the channel child sexual exploitation is reported to and the
helplines a self-harm support notice lists, per jurisdiction (`contacts.yaml`, ASEAN as fallback).

Kept apart from the policy files because these are facts about the world (numbers, addresses) that
change on their own schedule and carry their own sources and doubts, not rules about content."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

FALLBACK = "ASEAN"


@lru_cache(maxsize=1)
def _contacts() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((resources.files("jaga.policy") / "contacts.yaml").read_text(encoding="utf-8"))
    for code, entry in data.items():
        if "report_to" not in entry or not entry.get("helplines"):
            raise ValueError(f"contacts.yaml: {code} needs report_to and at least one helpline")
    return data  # type: ignore[no-any-return]


def report_channel(jurisdiction: str) -> dict[str, Any]:
    """The report-to-authority channel (name, channel, hours, source, assumption)."""
    contacts = _contacts()
    return dict(contacts.get(jurisdiction.upper(), contacts[FALLBACK])["report_to"])


def helplines(jurisdiction: str) -> list[dict[str, Any]]:
    contacts = _contacts()
    return [dict(line) for line in contacts.get(jurisdiction.upper(), contacts[FALLBACK])["helplines"]]


def helpline_texts(jurisdiction: str) -> list[str]:
    """"Name: number" for each helpline, as a notice lists them."""
    return [f"{line['name']}: {line['number']}" for line in helplines(jurisdiction)]
