"""Bank files in and out: the ThreatExchange/HMA exchange formats, and Jaga's own JSON lines.

- `te`: python-threatexchange's signal file (`LocalFileSignalExchangeAPI`): one `<signal type>
  <signal>` per line, with ThreatExchange's names (`pdq`, `video_md5`, `video_sha256`, `raw_text`);
  with `signal_type` given, each line is the signal alone.
- `csv`: the `hash,signal_type` table HMA and ThreatExchange exports use; more columns
  (`content_id`, `note`) are kept when the header names them. Without a header the columns are
  positional (hash, signal type); with `signal_type` given, only the first column is read, so the
  older ThreatExchange dataset CSV (`hash,indicator_id,timestamp,tags`) reads too.
- `jsonl`: Jaga's own, lossless: one entry per line with its bank's label, category and kind, so that
  one file restores several banks.

Rejected lines are kept with their line number and reason, never silently dropped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from jaga.banks.model import Bank, BankEntry
from jaga.banks.signals import signal_type
from jaga.types import Category

FORMATS = ("te", "csv", "jsonl")


@dataclass
class ImportResult:
    entries: list[BankEntry] = field(default_factory=list)
    banks: dict[str, Bank] = field(default_factory=dict)
    """Banks described by the file (jsonl only)."""
    rejected: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason)."""


def format_of(path: Path, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in FORMATS:
            raise ValueError(f"unknown format {explicit!r} (known: {', '.join(FORMATS)})")
        return explicit
    suffix = path.suffix.lower()
    return {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}.get(suffix, "te")


def entry(bank: str, kind_name: str, signal: str, content_id: str | None = None, note: str | None = None) -> BankEntry:
    """A validated entry: the signal type by any of its names, the signal in canonical form."""
    kind = signal_type(kind_name)
    return BankEntry(bank=bank, signal_type=kind.name, signal=kind.validate(signal),
                     content_id=(content_id or None) and content_id[:256], note=note or None)


def read_entries(handle: IO[str], form: str, bank: str | None, default_type: str | None = None) -> ImportResult:
    """Entries of a bank file. `bank` is required for te and csv (their lines name no bank); for
    jsonl it overrides the banks the lines name."""
    if form in ("te", "csv") and bank is None:
        raise ValueError(f"a {form} file names no bank: say which bank it goes to")
    result = ImportResult()
    rows = {"te": _te_rows, "csv": _csv_rows, "jsonl": _jsonl_rows}[form](handle, default_type)
    for line, row in rows:
        if isinstance(row, str):
            result.rejected.append((line, row))
            continue
        try:
            target = bank or str(row.get("bank") or "")
            if not target:
                raise ValueError("no bank named")
            result.entries.append(entry(target, str(row.get("signal_type") or ""), str(row.get("signal") or ""),
                                        _text(row.get("content_id")), _text(row.get("note"))))
            if form == "jsonl" and target not in result.banks and row.get("label"):
                category = row.get("category")
                result.banks[target] = Bank(name=target, label=str(row["label"]),
                                            category=Category(category) if category else None,
                                            allow=bool(row.get("allow", False)))
        except (ValueError, KeyError, TypeError) as error:
            result.rejected.append((line, str(error)))
    return result


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _te_rows(handle: IO[str], default_type: str | None) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, raw in enumerate(handle, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if default_type:
            yield number, {"signal_type": default_type, "signal": line}
            continue
        kind, _, signal = line.partition(" ")
        yield number, ({"signal_type": kind, "signal": signal.strip()} if signal.strip()
                       else f"expected '<signal type> <signal>', got {line[:80]!r}")


def _csv_rows(handle: IO[str], default_type: str | None) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.reader(handle)
    header: list[str] | None = None
    for row in reader:
        number = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        if header is None and number == 1 and {"hash", "signal", "signal_type"} & {cell.lower() for cell in cells}:
            header = [cell.lower() for cell in cells]
            continue
        if header is not None:
            named = dict(zip(header, cells, strict=False))
            values: dict[str, Any] = {"signal": named.get("hash") or named.get("signal"),
                                      "signal_type": default_type or named.get("signal_type"),
                                      "content_id": named.get("content_id"), "note": named.get("note")}
        elif default_type:
            values = {"signal": cells[0], "signal_type": default_type}
        elif len(cells) >= 2:
            values = {"signal": cells[0], "signal_type": cells[1]}
        else:
            yield number, "expected 'hash,signal_type'"
            continue
        yield number, values


def _jsonl_rows(handle: IO[str], default_type: str | None) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            yield number, f"not JSON: {error.msg}"
            continue
        if not isinstance(value, dict):
            yield number, "expected a JSON object"
            continue
        if default_type and not value.get("signal_type"):
            value["signal_type"] = default_type
        yield number, value


def write_entries(handle: IO[str], form: str, entries: Iterable[BankEntry], banks: dict[str, Bank]) -> int:
    """Write entries in `form`; returns how many. te and csv carry ThreatExchange's signal type
    names and nothing about the bank (those formats have no place for it)."""
    count = 0
    writer = csv.writer(handle, lineterminator="\n") if form == "csv" else None
    if writer is not None:
        writer.writerow(["hash", "signal_type"])
    for item in entries:
        exchange_name = signal_type(item.signal_type).exchange_name
        if form == "te":
            handle.write(f"{exchange_name} {item.signal}\n")
        elif writer is not None:
            writer.writerow([item.signal, exchange_name])
        else:
            bank = banks.get(item.bank)
            handle.write(json.dumps({"bank": item.bank, "signal_type": item.signal_type, "signal": item.signal,
                                     "content_id": item.content_id, "note": item.note,
                                     "label": bank.label if bank else None,
                                     "category": bank.category.value if bank and bank.category else None,
                                     "allow": bank.allow if bank else False}, ensure_ascii=False) + "\n")
        count += 1
    return count


def read_file(path: Path, form: str | None, bank: str | None, default_type: str | None = None) -> ImportResult:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return read_entries(handle, format_of(path, form), bank, default_type)


def dumps(form: str, entries: Iterable[BankEntry], banks: dict[str, Bank]) -> str:
    buffer = io.StringIO()
    write_entries(buffer, form, entries, banks)
    return buffer.getvalue()
