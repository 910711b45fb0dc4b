"""Output formats for decisions, registered by suffix in `WRITERS` (`jaga.ingest.formats`).

A scan appends each batch's decisions as JSON lines and fsyncs them before its checkpoint, so that a
scan killed at any instant resumes with nothing lost or doubled (`jaga.scan`). JSONL is written so
directly (`streams`); every other format is written from such a JSON-lines staging file once the scan
is complete, by its writer's `write`. A plugin adds a format through the `jaga.writers` entry-point
group: a `DecisionWriter` subclass with a name, its suffixes and `write`.
"""

from __future__ import annotations

import csv
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from jaga.ingest.formats import WRITERS_GROUP, Formats

LINE_BREAKS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
"""Characters JSON leaves as they are but many line readers (Python's `str.splitlines`, JavaScript
before ES2019) take for the end of a line: escaped, so that one record stays one line for them too."""

FLAT_COLUMNS = ("id", "post_id", "action", "categories", "scores", "language", "language_confidence", "jurisdiction",
                "policy_version", "reasons", "automated", "review_status", "decided_at", "signals")
"""The columns of a flat decision table (Parquet, CSV) for analysts' tools; nested parts as JSON text."""


def json_line(data: dict[str, Any]) -> str:
    """One JSON line (no newline) in UTF-8, or with escapes where the data holds what UTF-8 cannot
    encode (a lone surrogate in a reject's id): a line must never fail to be written."""
    text = json.dumps(data, ensure_ascii=False).translate(LINE_BREAKS)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)
    return text


def flat_decision(decision: dict[str, Any]) -> dict[str, Any]:
    """A decision (as JSON) as one row of `FLAT_COLUMNS`."""
    return {"id": decision["id"], "post_id": decision["post_id"], "action": decision["action"],
            "categories": decision["categories"], "scores": json.dumps(decision["scores"]),
            "language": decision["language"]["code"], "language_confidence": decision["language"]["confidence"],
            "jurisdiction": decision["jurisdiction"], "policy_version": decision["policy_version"],
            "reasons": decision["reasons"], "automated": decision["automated"],
            "review_status": decision["review_status"], "decided_at": decision["decided_at"],
            "signals": json.dumps(decision["signals"], ensure_ascii=False)}


class DecisionWriter(ABC):
    """Writes decisions (as JSON, `Decision.to_json_dict`) to a file of one format."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    streams: ClassVar[bool] = False
    """True: the scan appends decisions to the target itself as JSON lines (JSONL). False: to a
    staging file beside it, which `write` turns into the target when the scan is complete."""

    @abstractmethod
    def write(self, decisions: Iterable[dict[str, Any]], target: Path) -> None:
        """Write every decision to `target` (created or replaced)."""


class JsonlWriter(DecisionWriter):
    """One decision a line: the format `jaga scan` writes as it goes."""

    name = "jsonl"
    suffixes = (".jsonl", ".ndjson", ".json")
    streams = True

    def write(self, decisions: Iterable[dict[str, Any]], target: Path) -> None:
        with open(target, "w", encoding="utf-8") as handle:
            for decision in decisions:
                handle.write(json_line(decision) + "\n")


class CsvWriter(DecisionWriter):
    """A flat table (`FLAT_COLUMNS`), comma-separated (tab-separated for `.tsv`); `categories` as
    the names separated by spaces, nested parts as JSON text."""

    name = "csv"
    suffixes = (".csv", ".tsv")

    def write(self, decisions: Iterable[dict[str, Any]], target: Path) -> None:
        delimiter = "\t" if target.suffix.lower() == ".tsv" else ","
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, FLAT_COLUMNS, delimiter=delimiter)
            writer.writeheader()
            for decision in decisions:
                row = flat_decision(decision)
                writer.writerow({**row, "categories": " ".join(row["categories"])})


class ParquetWriter(DecisionWriter):
    """A flat, typed table (`FLAT_COLUMNS`) for analysts' tools, in row groups of `ROWS` decisions
    (memory stays bounded for a scan of millions)."""

    name = "parquet"
    suffixes = (".parquet", ".pq")
    ROWS = 65_536
    extra = "parquet"  # pyarrow: `pip install 'jaga[parquet]'`

    def write(self, decisions: Iterable[dict[str, Any]], target: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(name, pa.list_(pa.string()) if name == "categories" else pa.float64()
                             if name == "language_confidence" else pa.bool_() if name == "automated" else pa.string())
                            for name in FLAT_COLUMNS])
        with pq.ParquetWriter(target, schema) as writer:
            for chunk in _chunks((flat_decision(decision) for decision in decisions), self.ROWS):
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


WRITERS: Formats[DecisionWriter] = Formats("output", WRITERS_GROUP)
"""Output formats by name and suffix: the built-ins below, and plugins' (`jaga.writers`)."""
for _builtin in (JsonlWriter, CsvWriter, ParquetWriter):
    WRITERS.register(_builtin)


def read_staged(staging: Path) -> Iterator[dict[str, Any]]:
    """The decisions of a JSON-lines staging file, one at a time."""
    with open(staging, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
