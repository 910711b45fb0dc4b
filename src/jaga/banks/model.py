"""What a bank is: a named set of known content with a label and a harm category. A match in an
enabled block bank is a signal in that category; a match in an enabled allow-list bank (a negative
bank: content known to be fine, such as a news photo or a public-health poster that collides with
banked content) suppresses the matches of the same content in block banks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from jaga.types import Category

BANK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""Bank names fit a URL path segment; HMA's own (CAPS_AND_UNDERSCORES) are a subset."""


def valid_bank_name(name: str) -> str:
    if not BANK_NAME.fullmatch(name):
        raise ValueError(f"bank names are 1-64 letters, digits, '_', '.' or '-' (not first): {name[:80]!r}")
    return name


@dataclass(frozen=True)
class Bank:
    name: str
    label: str
    category: Category | None
    allow: bool = False
    enabled: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        valid_bank_name(self.name)
        if not self.label.strip() or len(self.label) > 200:
            raise ValueError("a bank's label is 1-200 characters")
        if self.category is None and not self.allow:
            raise ValueError(f"bank {self.name!r}: a block bank needs a category (allow-lists may have none)")

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "label": self.label, "category": self.category.value if self.category else None,
                "allow": self.allow, "enabled": self.enabled,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


@dataclass(frozen=True)
class BankEntry:
    """One signal in a bank. `signal` is canonical for its type (see `jaga.banks.signals`)."""

    bank: str
    signal_type: str
    signal: str
    content_id: str | None = None
    note: str | None = None
    key: int | None = field(default=None, compare=False)
