"""Exchange bundles at scale: export N fact-checks and N bank entries from one organisation, import
them into another (all new), then re-import the same bundle (all unchanged). Runs on a SQLite file
in a temporary directory (or JAGA_DATABASE_URL). Prints items per second for each step, the bundle's
size and the process's peak RSS.

    python bench/bench_exchange.py [--items 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jaga.banks.exchange import entry
from jaga.banks.model import Bank
from jaga.claims.model import FactCheck, Verdict
from jaga.exchange import Kind, export_bundle, import_bundle
from jaga.exchange.bundle import public_pem
from jaga.exchange.transfer import new_partner
from jaga.store import Store
from jaga.types import Category


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000, help="fact-checks, and as many bank entries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        store = Store(f"sqlite:///{directory}/bench.db")
        source, target = store.scoped("mafindo"), store.scoped("acme")
        source.save_fact_checks(FactCheck(id=f"fc:{n}", claim=f"Klaim palsu nomor {n} tentang vaksin dan chip",
                                          language="id", verdict=Verdict.FALSE, rating="Hoaks", publisher="Mafindo",
                                          url=f"https://turnbackhoax.id/{n}") for n in range(args.items))
        source.save_bank(Bank(name="KNOWN", label="known", category=Category.SCAM_FRAUD))
        source.add_bank_entries(entry("KNOWN", "md5", f"{n:032x}") for n in range(args.items))
        key = Ed25519PrivateKey.generate()
        target.save_partner(new_partner("mafindo", public_pem(key), "fact-checks,banks"))
        total = 2 * args.items

        started = time.perf_counter()
        document = export_bundle(source, (Kind.FACT_CHECK, Kind.BANK_ENTRY), "CC-BY-4.0", key).document
        text = json.dumps(document, ensure_ascii=False)
        exported = time.perf_counter() - started
        print(f"export: {total:,} items in {exported:.1f} s ({total / exported:,.0f} items/s), "
              f"bundle {len(text.encode()) / 1e6:.1f} MB")
        for label in ("import (new)", "re-import (unchanged)"):
            started = time.perf_counter()
            report = import_bundle(target, json.loads(text))
            took = time.perf_counter() - started
            print(f"{label}: {total / took:,.0f} items/s; added {sum(report.added.values()):,}, "
                  f"unchanged {report.unchanged:,}, rejected {len(report.rejected)}")
        print(f"peak RSS {peak_rss_mb():.0f} MB")
        store.close()


if __name__ == "__main__":
    main()
