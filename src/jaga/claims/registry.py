"""Loading fact-checks into the store and writing them out again, with every reject accounted for."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jaga.claims.claimreview import CONTEXT, to_claimreview
from jaga.claims.model import FactCheck
from jaga.claims.source import FactCheckRegistry, FactCheckSource
from jaga.claims.sources import CSV_COLUMNS, DATASETS, Imported, Rejected, read_file


@dataclass
class ImportReport:
    source: str
    read: int = 0
    written: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def import_fact_checks(store: FactCheckRegistry, items: Iterable[Imported], source: str) -> ImportReport:
    """Upsert what is usable, collect the rest. `written` counts new or changed rows only."""
    report = ImportReport(source)

    def usable() -> Iterator[FactCheck]:
        for item in items:
            report.read += 1
            if isinstance(item, Rejected):
                report.rejected.append(item)
            else:
                yield item

    report.written = store.save_fact_checks(usable())
    return report


def import_dataset(store: FactCheckRegistry, name: str, data_dir: Path) -> ImportReport:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
    directory = data_dir / name
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} not found (set JAGA_DATA_DIR)")
    return import_fact_checks(store, DATASETS[name](directory), name)


def import_path(store: FactCheckRegistry, path: Path) -> ImportReport:
    return import_fact_checks(store, read_file(path), str(path))


def write_rejects(path: Path, reports: Iterable[ImportReport]) -> int:
    """One JSON line per reject: where it came from, its line, why, and the raw record."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for report in reports:
            for reject in report.rejected:
                handle.write(json.dumps({"source": report.source, "line": reject.line, "reason": reject.reason,
                                         "raw": reject.raw}, ensure_ascii=False) + "\n")
                count += 1
    return count


def export_fact_checks(store: FactCheckSource, path: Path) -> int:
    """By extension: `.json` / `.jsonld` (one JSON-LD document with an @graph of ClaimReviews),
    `.jsonl` (one ClaimReview per line) or `.csv`."""
    suffix = path.suffix.lower()
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        if suffix == ".csv":
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            for fact_check in store.iter_fact_checks():
                row = fact_check.model_dump(mode="json")
                row["appearances"] = json.dumps(row["appearances"], ensure_ascii=False) if row["appearances"] else ""
                writer.writerow({key: "" if value is None else value for key, value in row.items()})
                count += 1
        elif suffix == ".jsonl":
            for fact_check in store.iter_fact_checks():
                document = to_claimreview(fact_check)
                handle.write(json.dumps(document, ensure_ascii=False) + "\n")
                count += 1
        elif suffix in (".json", ".jsonld"):
            handle.write('{"@context": ' + json.dumps(CONTEXT) + ', "@graph": [\n')
            for fact_check in store.iter_fact_checks():
                document = to_claimreview(fact_check)
                document.pop("@context")
                handle.write((",\n" if count else "") + json.dumps(document, ensure_ascii=False))
                count += 1
            handle.write("\n]}\n")
        else:
            raise ValueError(f"{path}: unknown format {suffix!r}; expected .csv, .json, .jsonld or .jsonl")
    return count
