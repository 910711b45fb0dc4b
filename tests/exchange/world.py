"""A small world shared by the exchange tests: a fact-checker (mafindo) with fact-checks, a bank and
a campaign indicator, and a platform (acme) that imports from it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from jaga.banks.exchange import entry
from jaga.banks.model import Bank
from jaga.claims.model import Appearance, FactCheck, Verdict
from jaga.exchange import CampaignIndicator, MinHashSignature
from jaga.store import Store
from jaga.types import Category

FACT_CHECKS = [
    FactCheck(id="mafindo:1", claim="Vaksin mengandung chip pelacak", language="id", country="ID",
              verdict=Verdict.FALSE, rating="Hoaks", publisher="Mafindo", url="https://turnbackhoax.id/1",
              review_date=date(2026, 11, 2), appearances=[Appearance(text="vaksin ada chipnya!!")], source="mafindo"),
    FactCheck(id="mafindo:2", claim="ข่าวปลอม น้ำมะนาวรักษามะเร็ง", language="th", verdict=Verdict.MISLEADING,
              rating="ทำให้เข้าใจผิด", publisher="Mafindo"),
]
TEXT = "jual video bocil full no sensor dm untuk link"
MD5 = "0123456789abcdef0123456789abcdef"
INDICATOR = CampaignIndicator(
    id="c-0001", representative_text="Pilih nomor 3, yang lain antek asing!", urls=["https://example.org/x"],
    hashtags=["pilih3"], minhash=MinHashSignature(shingle=5, num_perm=16, seed=1, hashvalues=list(range(16))),
    first_seen=datetime(2026, 11, 30, 8, 0, tzinfo=UTC), last_seen=datetime(2026, 11, 30, 8, 10, tzinfo=UTC),
    languages=["id"], accounts=42, posts=311, fact_checks=["mafindo:1"])


def fill(store: Store) -> None:
    store.save_fact_checks(FACT_CHECKS)
    store.save_bank(Bank(name="KNOWN", label="known scam kits", category=Category.SCAM_FRAUD))
    store.add_bank_entries([entry("KNOWN", "text", TEXT, "kit-1"), entry("KNOWN", "video_md5", MD5)])


def transported(document: dict[str, Any]) -> dict[str, Any]:
    """As the partner receives it: through a file."""
    return json.loads(json.dumps(document, ensure_ascii=False, indent=1))
