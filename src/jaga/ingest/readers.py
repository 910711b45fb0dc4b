"""Reading posts from JSONL, CSV or Parquet files (or standard input), record by record.

A reader never raises on a bad record: it yields a `Record` with an `error` and the raw input, so the
caller can keep it aside with its line number and go on. Only an unreadable *file* is an exception, and
so is a CSV or Parquet file without a required column: every row would fail for the same reason.

Fields Jaga does not know (a platform's `author`, `label`, `likes`) are kept in `Post.extra`; with
`strict=True` they make the record a reject instead.

Each format is a `FormatReader` registered by suffix in `READERS` (`jaga.ingest.formats`): the three
built-ins here, and any a plugin adds through the `jaga.readers` entry-point group. `RecordReader`
picks one by `--format` or by the file's suffix.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TextIO

from pydantic import ValidationError

from jaga.ingest.formats import READERS_GROUP, Formats, InputError
from jaga.privacy import pseudonymise
from jaga.types import STRICT, Post

LIST_FIELDS = ("urls", "media")
REQUIRED_FIELDS = ("id", "text")
MAX_LINE_BYTES = 1_000_000
"""Longest JSONL line, and longest CSV record in characters. What is over it is skipped unread (a
record's problem, reported with its line; the file reads on), so a 1 GB line never sits in memory."""
MAX_NESTING = 8
"""Deepest nesting of objects and lists a record may have: a post needs two (`authority_request`,
`urls`); deeper is an attack on whatever walks it recursively."""
RAW_PREVIEW_CHARS = 1_000
"""What a reject keeps of a record over the size limit: enough to recognise it (its line says where)."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Record:
    """One input record: a valid `post`, or an `error` with the raw input kept for the rejects file.
    `id` is the record's own id when it could be read, so that a reject can be matched to its input."""

    line: int
    post: Post | None = None
    error: str | None = None
    raw: str | None = None
    raw_base64: str | None = None
    id: str | None = None

    def reject_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line, "error": self.error, "raw": self.raw}
        if self.id is not None:
            data["id"] = self.id
        if self.raw_base64 is not None:
            data["raw_base64"] = self.raw_base64
        return data


def detect_format(path: str, declared: str | None = None) -> str:
    """The name of the format that reads `path`: the one `declared` (`--format`), JSONL for standard
    input, else the one registered for the file's suffix."""
    if declared:
        return READERS.by_name(declared).name
    if path == "-":
        return JsonlReader.name
    return READERS.for_path(path, hint="; or pass --format").name


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "record"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def to_record(line: int, data: Any, raw: str, strict: bool = False) -> Record:
    """The record's post, or the reason it has none. Never raises: whatever a hostile value makes
    validation throw is that record's reject (logged with its traceback), not the file's end.
    `strict` rejects unknown fields rather than keeping them in `Post.extra`."""
    if not isinstance(data, dict):
        return Record(line=line, error=f"expected a JSON object, got {type(data).__name__}", raw=raw)
    record_id = _id_of(data)
    if _deeper_than(data, MAX_NESTING):
        return Record(line=line, error=f"nested too deeply: records are limited to {MAX_NESTING} levels of "
                      "objects and lists", raw=raw, id=record_id)
    try:
        post = Post.model_validate(data, context={STRICT: strict})
        if post.author_id is not None:  # pseudonymised on ingest: the raw id goes no further than here
            post = post.model_copy(update={"author_id": pseudonymise(post.author_id)})
    except ValidationError as error:
        return Record(line=line, error=describe_validation_error(error), raw=raw, id=record_id)
    except Exception as error:
        logger.exception("record at line %s could not be read", line)
        return Record(line=line, error=f"cannot read the record: {type(error).__name__}: {error}", raw=raw,
                      id=record_id)
    return Record(line=line, post=post)


def _id_of(data: dict[str, Any]) -> str | None:
    """The record's id as text, when it has one (a reject names it)."""
    value = data.get("id")
    return None if isinstance(value, bool) or not isinstance(value, str | int) else str(value)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and lists nest more than `limit` deep (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


class FormatReader(ABC):
    """Reads one file format into `Record`s, one per input record, never raising for a bad record
    (see the module's docstring); only a file that cannot be read at all raises `InputError`.
    Registered in `READERS` under `name` and its `suffixes`. `position` and `total` (bytes, or rows)
    drive the progress bar; `total` stays None where the size is unknown (standard input)."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    reads_stdin: ClassVar[bool] = True
    """Whether '-' (standard input) can be read: not for a format that needs to seek (Parquet)."""

    def __init__(self, path: str, strict: bool = False) -> None:
        self.path = path
        self.strict = strict
        self.position = 0
        self.total: int | None = None

    @abstractmethod
    def __iter__(self) -> Iterator[Record]: ...


class StreamReader(FormatReader):
    """A format read front to back from a byte stream (the file, or standard input): progress is
    the bytes read of the file's size. Subclasses say how a stream becomes records (`records`)."""

    def __init__(self, path: str, strict: bool = False) -> None:
        super().__init__(path, strict)
        if path != "-":
            self.total = Path(path).stat().st_size

    def __iter__(self) -> Iterator[Record]:
        stream: BinaryIO = sys.stdin.buffer if self.path == "-" else open(self.path, "rb")  # noqa: SIM115
        try:
            yield from self.records(stream)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()

    @abstractmethod
    def records(self, stream: BinaryIO) -> Iterator[Record]: ...


class JsonlReader(StreamReader):
    """One JSON object a line (JSON Lines / NDJSON)."""

    name = "jsonl"
    suffixes = (".jsonl", ".ndjson", ".json")

    def records(self, stream: BinaryIO) -> Iterator[Record]:
        """The records of a JSONL stream, numbered by line (blank lines skipped, an over-long line a
        reject read past in bounded chunks)."""
        number = 0
        while raw_bytes := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            self.position += len(raw_bytes)
            if len(raw_bytes) > MAX_LINE_BYTES and not raw_bytes.endswith(b"\n"):
                self.position += skip_line(stream)
                yield Record(line=number, error=f"line is over the {MAX_LINE_BYTES:,}-byte limit (raw: its first "
                             f"{RAW_PREVIEW_CHARS:,} characters)",
                             raw=raw_bytes[:RAW_PREVIEW_CHARS].decode("utf-8", "backslashreplace"))
                continue
            line = raw_bytes.rstrip(b"\r\n")
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")  # a byte order mark, as some editors write
            if not line.strip():
                continue  # blank lines separate nothing and hold nothing: not records
            yield json_record(number, line, self.strict)


def json_record(number: int, line: bytes, strict: bool = False) -> Record:
    """One JSON document (a JSONL line, a queue message's body) as a record, with the same checks
    and reasons wherever it came from."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return Record(line=number, error=f"not valid UTF-8 at byte {error.start}",
                      raw=line.decode("utf-8", "backslashreplace"), raw_base64=base64.b64encode(line).decode())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return Record(line=number, error=f"invalid JSON: {error.msg} at column {error.colno}", raw=text)
    except RecursionError:
        return Record(line=number, error=f"invalid JSON: nested too deeply (records are limited to {MAX_NESTING} "
                      "levels of objects and lists)", raw=text)
    except ValueError as error:
        if "integer string conversion" in str(error):
            error = ValueError(f"a number has more than {sys.get_int_max_str_digits():,} digits")
        return Record(line=number, error=f"invalid JSON: {error}", raw=text)
    return to_record(number, data, text, strict)


class CsvReader(StreamReader):
    """Comma-separated values with a header row (tab-separated for `.tsv`); list fields (`urls`,
    `media`) as a JSON list or separated by spaces."""

    name = "csv"
    suffixes = (".csv", ".tsv")

    def records(self, stream: BinaryIO) -> Iterator[Record]:
        text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        delimiter = "\t" if self.path.lower().endswith(".tsv") else ","
        # A record is bounded by `_BoundedLines`; csv's own limit on a field must not come first.
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES + 1))
        lines = _BoundedLines(text_stream, MAX_LINE_BYTES)
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            header = next(reader, None)
        except (csv.Error, RecordTooLong) as error:
            raise InputError(f"cannot read the CSV header of {self.path}: {error}") from error
        if header is None:
            return
        header = [name.strip() for name in header]
        require_columns(header, f"the CSV header of {self.path}")
        while True:
            lines.start_record()
            number = lines.line + 1  # the line the record starts on (quoted fields may span lines)
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, RecordTooLong) as error:
                lines.skip_record()
                self.position = _tell(stream)
                yield Record(line=number, error=f"unreadable CSV record: {error}", raw=lines.preview)
                continue
            self.position = _tell(stream)
            if not any(field.strip() for field in row):
                continue
            yield self._csv_record(number, header, row, delimiter, self.strict)

    @staticmethod
    def _csv_record(number: int, header: list[str], row: list[str], delimiter: str, strict: bool = False) -> Record:
        raw = delimiter.join(row)
        if any(_has_surrogates(field) for field in row):
            return Record(line=number, error="not valid UTF-8",
                          raw=raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
                          raw_base64=base64.b64encode(raw.encode("utf-8", "surrogateescape")).decode())
        if len(row) != len(header):
            return Record(line=number, error=f"expected {len(header)} columns, found {len(row)}", raw=raw)
        data: dict[str, Any] = {}
        for name, value in zip(header, row, strict=True):
            if value == "":
                continue
            data[name] = _split_list(value) if name in LIST_FIELDS else value
        return to_record(number, data, raw, strict)


class ParquetReader(FormatReader):
    """Apache Parquet, row group by row group: a group that cannot be decoded makes each of its rows
    a reject (counted, so that `--resume` skips them too), and the file reads on."""

    name = "parquet"
    suffixes = (".parquet", ".pq")
    reads_stdin = False
    extra = "parquet"  # pyarrow: `pip install 'jaga[parquet]'`

    def __iter__(self) -> Iterator[Record]:
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
        except Exception as error:  # pyarrow raises several types for a corrupt file
            raise InputError(f"cannot read Parquet file {self.path}: {error}") from error
        self.total = parquet.metadata.num_rows
        require_columns(parquet.schema_arrow.names, f"the Parquet schema of {self.path}")
        number = 0
        for group in range(parquet.num_row_groups):
            group_rows = parquet.metadata.row_group(group).num_rows
            read = 0
            try:
                for batch in parquet.iter_batches(batch_size=1024, row_groups=[group]):
                    for row in arrow_rows(batch):
                        number, read = number + 1, read + 1
                        self.position = number
                        yield parquet_record(number, row, self.strict)
            except Exception as error:  # a corrupt page: pyarrow raises OSError, ArrowException, ...
                logger.exception("row group %s of %s could not be read", group, self.path)
                for _ in range(group_rows - read):
                    number += 1
                    self.position = number
                    yield Record(line=number, error=f"unreadable Parquet row group {group}: {error}",
                                 raw=f"row {number}")


READERS: Formats[FormatReader] = Formats("input", READERS_GROUP)
"""Input formats by name and suffix: the built-ins below, and plugins' (`jaga.readers`)."""
for _builtin in (JsonlReader, CsvReader, ParquetReader):
    READERS.register(_builtin)


class RecordReader:
    """Iterates records from `path` ("-" for stdin), skipping the first `skip` records (resume),
    with the reader of the format `format` names, else of the file's suffix (JSONL for stdin).
    `position` and `total` (bytes, or rows for Parquet) drive the progress bar."""

    def __init__(self, path: str, format: str | None = None, skip: int = 0, strict: bool = False) -> None:
        self.path = path
        self.format = detect_format(path, format)
        reader = READERS.by_name(self.format)
        self.skip = skip
        self.strict = strict
        if path == "-":
            if not reader.reads_stdin:
                raise InputError(f"{reader.name} cannot be read from standard input; pass a file")
        elif not Path(path).is_file():
            raise InputError(f"input file not found: {path}")
        self.reader = reader(path, strict)

    @property
    def position(self) -> int:
        return self.reader.position

    @property
    def total(self) -> int | None:
        return self.reader.total

    def __iter__(self) -> Iterator[Record]:
        for count, record in enumerate(self.reader):
            if count >= self.skip:
                yield record


def arrow_rows(batch: Any) -> Iterator[dict[str, Any] | Exception]:
    """The batch's rows as dicts; a row pyarrow cannot turn into Python values (a timestamp out of
    Python's range) is the exception it raised, in its place."""
    try:
        yield from batch.to_pylist()
        return
    except Exception:
        pass
    for index in range(batch.num_rows):
        try:
            yield batch.slice(index, 1).to_pylist()[0]
        except Exception as error:
            yield error


def require_columns(names: list[str], where: str) -> None:
    """Fail the file at once when a required column is missing: row by row, every record would be
    rejected for the same reason."""
    missing = [name for name in REQUIRED_FIELDS if name not in names]
    if missing:
        found = ", ".join(repr(name) for name in names) or "none"
        raise InputError(f"{where} has no {' or '.join(repr(name) for name in missing)} column "
                         f"(columns found: {found})")


def parquet_record(number: int, row: dict[str, Any] | Exception, strict: bool = False) -> Record:
    """One Arrow row (from `arrow_rows`: a Parquet file, a Spark or Ray batch) as a record."""
    if isinstance(row, Exception):
        return Record(line=number, error=f"unreadable Parquet row: {type(row).__name__}: {row}", raw=f"row {number}")
    data = {key: value if key in Post.model_fields else _plain_json(value)
            for key, value in row.items() if value is not None}
    try:
        raw = json.dumps(data, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as error:
        raw = f"row {number} ({error})"
    return to_record(number, data, raw, strict)


def _plain_json(value: Any) -> Any:
    """An unknown Parquet column's value as JSON can hold it (timestamps, decimals and dates as their
    text), since it is kept in `Post.extra`. Bytes become text too, lossily where not UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


class RecordTooLong(Exception):
    """A CSV record over `MAX_LINE_BYTES` characters."""


class _BoundedLines:
    """A text stream's lines for `csv.reader`, read at most `limit` characters at a time, and a record
    (the lines one `next(reader)` pulls) at most `limit` characters in all: over that, `RecordTooLong`
    is raised before more is read. `skip_record` then reads past the rest of the record: to the end
    of its line, and on while a quoted field is open (an odd number of quote marks so far)."""

    def __init__(self, stream: TextIO, limit: int) -> None:
        self.stream, self.limit = stream, limit
        self.line = 0
        self.preview = ""
        self._record_chars = self._quotes = 0
        self._line_open = False  # the last read stopped inside a line

    def start_record(self) -> None:
        self._record_chars = self._quotes = 0
        self.preview = ""

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        text = self._read()
        if not text:
            raise StopIteration
        if self._record_chars > self.limit:
            raise RecordTooLong(f"the record is over the {self.limit:,}-character limit (raw: its first "
                                f"{RAW_PREVIEW_CHARS:,} characters)")
        return text

    def skip_record(self) -> None:
        while self._line_open or self._quotes % 2:
            if not self._read():
                return

    def _read(self) -> str:
        text = self.stream.readline(self.limit + 1)
        if not text:
            self._line_open = False
            return text
        if not self._line_open:
            self.line += 1
        self._line_open = not text.endswith(("\n", "\r"))
        self._record_chars += len(text)
        self._quotes += text.count('"')
        if len(self.preview) < RAW_PREVIEW_CHARS:
            self.preview += text[:RAW_PREVIEW_CHARS - len(self.preview)]
        return text


def skip_line(stream: BinaryIO) -> int:
    """Read past the rest of an over-long line, a bounded chunk at a time; the bytes skipped."""
    skipped = 0
    while chunk := stream.readline(MAX_LINE_BYTES):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


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
