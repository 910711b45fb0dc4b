"""Reading posts from JSONL, CSV or Parquet files (or standard input), record by record.

A reader never raises on a bad record: it yields a `Record` with an `error` and the raw input, so the
caller can keep it aside with its line number and go on. Only an unreadable *file* is an exception.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from jaga.privacy import pseudonymise
from jaga.types import Post

FORMATS = ("jsonl", "csv", "parquet")
LIST_FIELDS = ("urls", "media")
MAX_LINE_BYTES = 1_000_000


class InputError(Exception):
    """The input as a whole cannot be read (missing file, unknown format)."""


@dataclass(frozen=True)
class Record:
    """One input record: a valid `post`, or an `error` with the raw input kept for the rejects file."""

    line: int
    post: Post | None = None
    error: str | None = None
    raw: str | None = None
    raw_base64: str | None = None

    def reject_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line, "error": self.error, "raw": self.raw}
        if self.raw_base64 is not None:
            data["raw_base64"] = self.raw_base64
        return data


def detect_format(path: str, declared: str | None = None) -> str:
    if declared:
        if declared not in FORMATS:
            raise InputError(f"unknown format {declared!r}; use one of {', '.join(FORMATS)}")
        return declared
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise InputError(f"cannot tell the format of {path!r} from its name; pass --format jsonl|csv|parquet")


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "record"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def to_record(line: int, data: Any, raw: str) -> Record:
    if not isinstance(data, dict):
        return Record(line=line, error=f"expected a JSON object, got {type(data).__name__}", raw=raw)
    try:
        post = Post.model_validate(data)
    except ValidationError as error:
        return Record(line=line, error=describe_validation_error(error), raw=raw)
    if post.author_id is not None:  # pseudonymised on ingest: the raw id goes no further than here
        post = post.model_copy(update={"author_id": pseudonymise(post.author_id)})
    return Record(line=line, post=post)


class RecordReader:
    """Iterates records from `path` ("-" for stdin), skipping the first `skip` records (resume).
    `position` and `total` (bytes, or rows for Parquet) drive the progress bar."""

    def __init__(self, path: str, format: str | None = None, skip: int = 0) -> None:
        self.path = path
        self.format = detect_format(path, format)
        self.skip = skip
        self.position = 0
        self.total: int | None = None
        if path != "-":
            file = Path(path)
            if not file.is_file():
                raise InputError(f"input file not found: {path}")
            if self.format != "parquet":
                self.total = file.stat().st_size
        elif self.format == "parquet":
            raise InputError("Parquet cannot be read from standard input; pass a file")

    def __iter__(self) -> Iterator[Record]:
        if self.format == "parquet":
            records = self._parquet()
        else:
            stream: BinaryIO = sys.stdin.buffer if self.path == "-" else open(self.path, "rb")  # noqa: SIM115
            try:
                records = self._jsonl(stream) if self.format == "jsonl" else self._csv(stream)
                yield from self._skipping(records)
            finally:
                if stream is not sys.stdin.buffer:
                    stream.close()
            return
        yield from self._skipping(records)

    def _skipping(self, records: Iterator[Record]) -> Iterator[Record]:
        for count, record in enumerate(records):
            if count >= self.skip:
                yield record

    def _jsonl(self, stream: BinaryIO) -> Iterator[Record]:
        for number, raw_bytes in enumerate(stream, start=1):
            self.position += len(raw_bytes)
            line = raw_bytes.rstrip(b"\r\n")
            if not line.strip():
                continue  # blank lines separate nothing and hold nothing: not records
            if len(line) > MAX_LINE_BYTES:
                yield Record(line=number, error=f"line is {len(line)} bytes, over the {MAX_LINE_BYTES} limit",
                             raw=line.decode("utf-8", "backslashreplace"))
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as error:
                yield Record(line=number, error=f"not valid UTF-8 at byte {error.start}",
                             raw=line.decode("utf-8", "backslashreplace"),
                             raw_base64=base64.b64encode(line).decode())
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                yield Record(line=number, error=f"invalid JSON: {error.msg} at column {error.colno}", raw=text)
                continue
            except RecursionError:
                yield Record(line=number, error="invalid JSON: nested too deeply", raw=text)
                continue
            except ValueError as error:  # e.g. an integer of more than 4,300 digits
                yield Record(line=number, error=f"invalid JSON: {error}", raw=text)
                continue
            yield to_record(number, data, text)

    def _csv(self, stream: BinaryIO) -> Iterator[Record]:
        text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        delimiter = "\t" if self.path.endswith(".tsv") else ","
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))  # a long field is the record's problem, not the file's
        reader = csv.reader(text_stream, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip() for name in header]
        last_line = reader.line_num
        for row in reader:
            number = last_line + 1  # the line the record starts on (quoted fields may span lines)
            last_line = reader.line_num
            self.position = _tell(stream)
            raw = delimiter.join(row)
            if not any(field.strip() for field in row):
                continue
            if any(_has_surrogates(field) for field in row):
                yield Record(line=number, error="not valid UTF-8",
                             raw=raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
                             raw_base64=base64.b64encode(raw.encode("utf-8", "surrogateescape")).decode())
                continue
            if len(row) != len(header):
                yield Record(line=number, error=f"expected {len(header)} columns, found {len(row)}", raw=raw)
                continue
            data: dict[str, Any] = {}
            for name, value in zip(header, row, strict=True):
                if value == "":
                    continue
                data[name] = _split_list(value) if name in LIST_FIELDS else value
            yield to_record(number, data, raw)

    def _parquet(self) -> Iterator[Record]:
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
        except Exception as error:  # pyarrow raises several types for a corrupt file
            raise InputError(f"cannot read Parquet file {self.path}: {error}") from error
        self.total = parquet.metadata.num_rows
        number = 0
        for batch in parquet.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                number += 1
                self.position = number
                data = {key: value for key, value in row.items() if value is not None}
                yield to_record(number, data, json.dumps(data, ensure_ascii=False, default=str))


def _tell(stream: BinaryIO) -> int:
    try:
        return stream.tell()
    except OSError:  # pipes cannot tell; progress then shows records only
        return 0


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in value)


def _split_list(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
            if isinstance(parsed, list):
                return [str(item) for item in parsed]
        except json.JSONDecodeError:
            pass
    return value.split()
