"""`jaga scan --engine ray`: the scan's moderation spread over a Ray cluster (or local Ray) with Ray Data.

Plan: the driver cuts the input into splits (JSONL: byte ranges ending at a line break, ~8 MB each,
with the line and record each starts on; Parquet: row ranges; CSV: the whole file, since a quoted
field may span lines), Ray tasks read the splits with Jaga's own readers (the same limits, the same
rejects, the same line numbers as the local scan) into groups of `batch_size` records, and
`map_batches` on a pool of `workers` actors moderates each group as one batch: each actor loads the
`Moderator` once. The driver writes decisions and rejects in input order, with the bytes the local
engine writes, and with `store` records them through the one after-decision path.

Why groups, cut where the local scan cuts its batches (every `batch_size` records from the start):
a post's scores depend on the posts moderated with it (the int8 encoder tier quantises activations
per batch; on the 32 example posts, alone against together, scores moved by up to 0.055 and one
action changed), so the same decisions need the same batches. Splits therefore start at a multiple
of `batch_size` records.

What the local scan has and this has not: `--resume` (a failed Ray scan is run again; decisions
have deterministic ids, so a store upserts them). Reading the splits needs the input at the same
path on every node (a shared file system) when the cluster has more than one.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import IO, Any, BinaryIO, cast

import pyarrow as pa

from jaga.engines.arrow import json_line, moderate_records
from jaga.ingest.readers import (
    MAX_LINE_BYTES,
    InputError,
    JsonlReader,
    ParquetReader,
    Record,
    RecordReader,
    arrow_rows,
    parquet_record,
    require_columns,
    skip_line,
)
from jaga.moderation import ModerationRecord, account_rules, registry_moderator
from jaga.moderation import record as record_decided
from jaga.pipeline import Moderator, freeze_loaded_heap
from jaga.privacy import pseudonym_key
from jaga.scan import SCAN_ACTOR, ScanPaths, ScanSummary, finish_output, open_output, open_truncated, sync
from jaga.store import Store
from jaga.types import Decision, Post

logger = logging.getLogger(__name__)

SPLIT_BYTES = 8 << 20
"""A JSONL split's size (at least): large enough that a read task's start-up is noise, small enough
that a cluster's readers share even one large file."""
GROUP = pa.schema([("lines", pa.list_(pa.int64())), ("posts", pa.list_(pa.string())),
                   ("rejects", pa.list_(pa.string()))])
"""Read stage -> moderation stage, one row per batch of records: each record's line, and its post as
JSON or (null post) its reject line as the scan writes it."""
RESULT = pa.schema([("decisions", pa.list_(pa.string())), ("posts", pa.list_(pa.string())),
                    ("rejects", pa.list_(pa.string()))])
"""Moderation stage -> driver, one row per batch: decision and reject lines as the local scan writes
them (and the decided posts as JSON when a store records them)."""
GROUP_BLOCK_BYTES = 64 << 10
"""Ray Data's largest block while a Ray scan runs: smaller than one group, so that each group is a
block of its own and goes to whichever actor is free. With Ray's default (128 MB) a read task's groups
were packed into one block, one actor moderated them all in one task, and nothing reached the driver
before the end (measured on 2,000 posts: every decision at once, after 31 s)."""
LOOPBACK_ENV = {"RAY_USAGE_STATS_ENABLED": "0"}
"""Ray must not phone home: usage statistics off."""


def scan_ray(
    input_path: str,
    output: str,
    rejects: str | None = None,
    *,
    address: str | None = None,
    workers: int = 2,
    jurisdiction: str | None = None,
    input_format: str | None = None,
    strict: bool = False,
    store: Store | None = None,
    moderator: Moderator | None = None,
    registry_url: str | None = None,
    batch_size: int = 256,
    cpus_per_worker: float = 1.0,
    split_bytes: int = SPLIT_BYTES,
    progress: Callable[[ScanSummary], None] | None = None,
) -> tuple[ScanSummary, ScanPaths]:
    """Moderate `input_path` on Ray; decisions to `output` (JSONL, Parquet by suffix, "-" standard
    output) and rejects beside it, as `jaga.scan.scan` with the same `batch_size` writes them.

    `address`: a Ray cluster ("auto", "ray://head:10001"); None starts a local Ray on loopback with
    `workers` + 1 CPUs (one for the readers) and stops it at the end, unless Ray is already running
    in this process. `moderator`: pickled to each actor (its models load again there); by default
    each actor builds the default one, or with `registry_url` the registry moderator of that database
    (reachable from the workers: PostgreSQL on a cluster). `store`: decisions go through
    `jaga.moderation.record` on the driver before they are written, as in the local scan."""
    import ray
    import ray.data

    if workers < 1 or batch_size < 1:
        raise ValueError("workers and batch_size must be at least 1")
    splits = plan_splits(input_path, input_format, batch_size, split_bytes)
    key = pseudonym_key()  # the workers pseudonymise authors with the driver's key, as the local scan does
    paths = ScanPaths.for_output(output, rejects)
    rules = account_rules(moderator or Moderator(detectors=[])) if store is not None else None
    started = _start_ray(ray, address, workers)
    summary = ScanSummary()
    out_handle = open_output(paths.output, 0)
    rejects_handle = open_truncated(paths.rejects, 0)
    context = ray.data.DataContext.get_current()
    saved = (context.execution_options.preserve_order, context.enable_progress_bars, context.target_max_block_size)
    try:
        context.execution_options.preserve_order = True  # decisions in input order, as the local scan writes them
        context.enable_progress_bars = False
        context.target_max_block_size = GROUP_BLOCK_BYTES
        groups = ray.data.from_items([{"split": json.dumps(split)} for split in splits],
                                     override_num_blocks=len(splits)) if splits else None
        if groups is not None:
            dataset = (
                groups.map_batches(partial(_read_split, strict=strict, key=key, batch_size=batch_size),
                                   batch_size=1, batch_format="pyarrow", num_cpus=0.1)
                .map_batches(_ModerateBatch, batch_size=1, batch_format="pyarrow",
                             compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus_per_worker,
                             fn_constructor_kwargs={"moderator": moderator, "registry_url": registry_url, "key": key,
                                                    "jurisdiction": jurisdiction, "keep_posts": store is not None})
            )
            for batch in dataset.iter_batches(batch_format="pyarrow", batch_size=None):
                for row in cast(pa.Table, batch).to_pylist():
                    _write_group(row, out_handle, rejects_handle, store, rules, summary)
                    if progress:
                        progress(summary)
    finally:
        context.execution_options.preserve_order, context.enable_progress_bars, context.target_max_block_size = saved
        if out_handle is not sys.stdout:
            out_handle.close()
        rejects_handle.close()
        if started:
            ray.shutdown()
    finish_output(paths)
    if summary.rejects == 0 and paths.rejects.exists() and paths.rejects.stat().st_size == 0:
        paths.rejects.unlink()
    return summary, paths


def _start_ray(ray: Any, address: str | None, workers: int) -> bool:
    """Connect to `address`, or start a local Ray on loopback; whether this call started it (and so
    stops it)."""
    for name, value in LOOPBACK_ENV.items():
        os.environ.setdefault(name, value)
    if ray.is_initialized():
        return False
    if address is None:
        ray.init(num_cpus=workers + 1, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
                 configure_logging=False)
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    return True


def _write_group(row: dict[str, Any], out: IO[str], rejects: IO[str], store: Store | None, rules: Any,
                 summary: ScanSummary) -> None:
    decision_lines: list[str] = row["decisions"]
    decisions = [Decision.model_validate_json(line) for line in decision_lines]
    if store is not None:  # the one after-decision path (strikes, storage, reviews, audit, webhooks)
        posts = [Post.model_validate_json(post) for post in row["posts"]]
        decisions = record_decided(store, [ModerationRecord(store.org, posts, decisions, SCAN_ACTOR)], rules)[0]
        decision_lines = [json_line(decision.to_json_dict()) for decision in decisions]
    for line in decision_lines:
        out.write(line + "\n")
    for line in row["rejects"]:
        rejects.write(line + "\n")
    sync(out)
    sync(rejects)
    summary.add(decisions, len(row["rejects"]))


class _ModerateBatch:
    """A Ray Data actor: loads the moderator once, then moderates group after group, each as one batch."""

    def __init__(self, moderator: Moderator | None, registry_url: str | None, key: bytes, jurisdiction: str | None,
                 keep_posts: bool) -> None:
        _use_key(key)
        self.moderator = moderator or (registry_moderator(registry_url) if registry_url else Moderator())
        freeze_loaded_heap()
        self.jurisdiction = jurisdiction
        self.keep_posts = keep_posts

    def __call__(self, batch: pa.Table) -> pa.Table:
        return pa.Table.from_pylist([self._group(row) for row in batch.to_pylist()], schema=RESULT)

    def _group(self, group: dict[str, Any]) -> dict[str, Any]:
        records: list[Record] = []
        for line, post, reject in zip(group["lines"], group["posts"], group["rejects"], strict=True):
            if post is None:
                records.append(Record(line=line, error=_PASSED, raw=reject))
                continue
            try:
                records.append(Record(line=line, post=Post.model_validate_json(post)))
            except Exception as error:  # cannot happen for a post the reader validated; never lose the record
                records.append(Record(line=line, error=f"cannot read the record: {type(error).__name__}: {error}",
                                      raw=post))
        result = moderate_records(records, self.moderator, self.jurisdiction)
        return {"decisions": [json_line(decision.to_json_dict()) for decision in result.decisions],
                "posts": [post.model_dump_json() for post in result.posts] if self.keep_posts else [],
                "rejects": [record.raw if record.error is _PASSED else json_line(record.reject_json())
                            for record in result.rejects]}


_PASSED = "rejected by the reader"
"""Marks a record whose reject line the read stage already wrote (kept in `raw`)."""


# -- reading ------------------------------------------------------------------------------------------

def plan_splits(input_path: str, input_format: str | None = None, batch_size: int = 256,
                split_bytes: int = SPLIT_BYTES) -> list[dict[str, Any]]:
    """The input's splits, planned on the driver, each starting at a multiple of `batch_size`
    records; a file that cannot be read fails here, at once, before Ray starts."""
    if input_path == "-":
        raise InputError("the Ray engine reads files, not standard input")
    reader = RecordReader(input_path, input_format)  # raises for a missing file or an unknown format
    path = os.path.abspath(input_path)
    if reader.format == ParquetReader.name:
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
        except Exception as error:  # pyarrow raises several types for a corrupt file
            raise InputError(f"cannot read Parquet file {input_path}: {error}") from error
        require_columns(parquet.schema_arrow.names, f"the Parquet schema of {input_path}")
        rows = parquet.metadata.num_rows
        per_split = max(1, split_bytes // 1024 // batch_size) * batch_size  # ~1 KB a row
        return [{"format": "parquet", "path": path, "start": start, "stop": min(rows, start + per_split)}
                for start in range(0, rows, per_split)]
    if reader.format != JsonlReader.name:  # CSV, a plugin's format: one split, read by one task
        next(iter(reader), None)  # reads the header: a missing column fails the scan now, not in a task
        return [{"format": reader.format, "path": path}]
    return [{"format": "jsonl", "path": path, "start": start, "end": end, "first_line": line}
            for start, end, line in _jsonl_ranges(path, batch_size, split_bytes)]


def _jsonl_ranges(path: str, batch_size: int, split_bytes: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, first line) of byte ranges of at least `split_bytes` that end at a line break and
    hold a multiple of `batch_size` records. Counts records as `RecordReader` does (a blank line is
    none, a line over the limit is one), without parsing them."""
    start, position, lines, records, first = 0, 0, 0, 0, 1
    with open(path, "rb") as handle:
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            lines += 1
            position += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                position += skip_line(handle)
                records += 1
            else:
                line = raw.rstrip(b"\r\n")
                if lines == 1:
                    line = line.removeprefix(b"\xef\xbb\xbf")
                records += bool(line.strip())
            if position - start >= split_bytes and records % batch_size == 0:
                yield start, position, first
                start, first = position, lines + 1
    if position > start:
        yield start, position, first


def _use_key(key: bytes) -> None:
    """Pseudonymise with the driver's key in this worker: a node with a key of its own (made in its
    home directory) would give the same author another pseudonym, and strikes would miss them. Handed
    over through Ray's own channels, not an environment variable that Ray's dashboard shows."""
    if pseudonym_key() != key:
        os.environ["JAGA_PSEUDONYM_KEY"] = key.decode()
        pseudonym_key.cache_clear()


def _read_split(batch: pa.Table, strict: bool, key: bytes, batch_size: int) -> Iterator[pa.Table]:
    """A read task: the split's records in groups of `batch_size` (the local scan's batches), one
    `GROUP` row to a block, so that each group goes to whichever actor is free as soon as it is read."""
    _use_key(key)
    for text in batch.column("split").to_pylist():
        for group in _batched(_split_records(json.loads(text), strict), batch_size):
            yield pa.Table.from_pylist([_group(group)], schema=GROUP)


def _batched(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    group: list[Record] = []
    for record in records:
        group.append(record)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def _group(records: list[Record]) -> dict[str, Any]:
    return {"lines": [record.line for record in records],
            "posts": [record.post.model_dump_json() if record.post is not None else None for record in records],
            "rejects": [json_line(record.reject_json()) if record.post is None else None for record in records]}


def _split_records(split: dict[str, Any], strict: bool) -> Iterator[Record]:
    if split["format"] == ParquetReader.name:
        yield from _parquet_rows(split["path"], split["start"], split["stop"], strict)
    elif split["format"] != JsonlReader.name:
        yield from RecordReader(split["path"], split["format"], strict=strict)
    else:
        yield from _range_records(split["path"], split["start"], split["end"], split["first_line"], strict)


def _range_records(path: str, start: int, end: int, first_line: int, strict: bool) -> Iterator[Record]:
    """The JSONL reader over one byte range. A range after the first is read behind one blank line, so
    that the reader does not take a byte order mark at its start for the file's own."""
    reader = JsonlReader(path, strict)
    with open(path, "rb") as handle:
        handle.seek(start)
        stream = _Range(handle, end - start, b"\n" if start else b"")
        offset = first_line - (2 if start else 1)
        for record in reader.records(stream):  # type: ignore[arg-type]
            yield replace(record, line=record.line + offset)


def _parquet_rows(path: str, start: int, stop: int, strict: bool) -> Iterator[Record]:
    """Rows [start, stop) of a Parquet file, numbered from 1 for the file's first; a row group that
    cannot be decoded makes each of its rows in range a reject, as in the local scan."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    group_start = 0
    for group in range(parquet.num_row_groups):
        group_rows = parquet.metadata.row_group(group).num_rows
        first, last = max(start, group_start), min(stop, group_start + group_rows)
        if first < last:
            number = first
            try:
                table = parquet.read_row_group(group).slice(first - group_start, last - first)
                for batch in table.to_batches():
                    for row in arrow_rows(batch):
                        number += 1
                        yield parquet_record(number, row, strict)
            except Exception as error:  # a corrupt page: pyarrow raises OSError, ArrowException, ...
                logger.exception("row group %s of %s could not be read", group, path)
                while number < last:
                    number += 1
                    yield Record(line=number, error=f"unreadable Parquet row group {group}: {error}",
                                 raw=f"row {number}")
        group_start += group_rows


class _Range:
    """`limit` bytes of a binary file from where it stands, behind `prefix`: what the JSONL reader
    asks of a stream (`readline` with a size)."""

    def __init__(self, handle: BinaryIO, limit: int, prefix: bytes = b"") -> None:
        self.handle, self.left, self.prefix = handle, limit, prefix

    def readline(self, size: int = -1) -> bytes:
        if self.prefix:
            line, self.prefix = self.prefix, b""
            return line
        if self.left <= 0:
            return b""
        line = self.handle.readline(self.left if size < 0 else min(size, self.left))
        self.left -= len(line)
        return line


__all__ = ["plan_splits", "scan_ray"]
