"""Moderation of Arrow batches: the entry point for engines that move data as Arrow (Ray Data,
Spark's `mapInArrow`, DuckDB, Polars).

`moderate_table` reads the columns the local scan reads from a Parquet file (`id`, `text` and the
other `Post` fields; unknown columns go to `Post.extra` unless `strict`) and returns two typed
tables: one row per decision, with every `Decision` field, and one row per bad record, with the
reason. A bad record never stops the batch; only a table without an `id` or `text` column is refused
whole, as the scan refuses such a file (every row would fail for the same reason).

`map_in_arrow` is the same over an iterator of record batches, with decisions and rejects in one
schema (`RESULT_SCHEMA`; a reject has `error` set), because Spark's `mapInArrow` takes one output
schema. It loads the default `Moderator` once per Python worker process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa

from jaga.ingest.readers import Record, arrow_rows, parquet_record, require_columns
from jaga.ingest.writers import json_line
from jaga.pipeline import Moderator
from jaga.scan import moderate_guarded
from jaga.types import Decision, Post

_LANGUAGE = pa.struct([("code", pa.string()), ("confidence", pa.float64()), ("mixed", pa.list_(pa.string())),
                       ("variety", pa.string()), ("script", pa.string())])
_TIME = pa.timestamp("us", tz="UTC")

DECISION_SCHEMA = pa.schema([
    ("schema_version", pa.string()),
    ("id", pa.string()),
    ("post_id", pa.string()),
    ("action", pa.string()),
    ("categories", pa.list_(pa.string())),
    ("scores", pa.map_(pa.string(), pa.float64())),
    ("signals", pa.string()),  # JSON: each signal's `details` is free-form
    ("language", _LANGUAGE),
    ("jurisdiction", pa.string()),
    ("policy_version", pa.string()),
    ("reasons", pa.string()),
    ("automated", pa.bool_()),
    ("review_status", pa.string()),
    ("deadline", _TIME),
    ("extra_actions", pa.list_(pa.string())),
    ("statement", pa.string()),  # JSON: the statement of reasons
    ("history", pa.string()),  # JSON
    ("check_worthy", pa.float64()),
    ("post_extra", pa.string()),  # JSON: the platform's own fields, as sent
    ("decided_at", _TIME),
])
"""One row per decision: every `Decision` field, typed; free-form nested parts as JSON text."""

REJECT_SCHEMA = pa.schema([("line", pa.int64()), ("error", pa.string()), ("raw", pa.string()),
                           ("raw_base64", pa.string()), ("id", pa.string())])
"""One row per bad record: where it was (`line`: its row, counted from `first_line`), why, and what."""

RESULT_SCHEMA = pa.schema(list(DECISION_SCHEMA) + [field for field in REJECT_SCHEMA if field.name != "id"])
"""`map_in_arrow`'s rows: a decision (`error` null) or a reject (`error` set, `post_id` its id when
known, the decision fields null)."""

_JSON_FIELDS = ("signals", "statement", "history", "post_extra")


@dataclass(frozen=True)
class ArrowModeration:
    decisions: pa.Table  # DECISION_SCHEMA
    rejects: pa.Table  # REJECT_SCHEMA


@dataclass(frozen=True)
class Moderated:
    posts: list[Post]  # the decided posts, in the decisions' order (for `jaga.moderation.record`)
    decisions: list[Decision]
    rejects: list[Record]  # in line order


def moderate_table(table: pa.Table | pa.RecordBatch, moderator: Moderator | None = None, *,
                   jurisdiction: str | None = None, strict: bool = False, first_line: int = 1,
                   batch_size: int = 256) -> ArrowModeration:
    """Decisions and rejects for the rows of `table`, moderated `batch_size` rows at a time as the
    local scan does (a post's encoder-tier scores depend slightly on the posts in its batch, so the
    same batches give the same decisions; and memory stays bounded for a large table). `first_line`
    numbers its first row (a caller that feeds a file in slices passes each slice's offset, so that
    rejects name the file's row)."""
    require_columns(table.schema.names, "the Arrow table")
    batches = table.to_batches() if isinstance(table, pa.Table) else [table]
    decisions: list[Decision] = []
    rejects: list[Record] = []
    group: list[Record] = []
    number = first_line - 1
    moderator = moderator or default_moderator()
    for batch in batches:
        for row in arrow_rows(batch):
            number += 1
            group.append(parquet_record(number, row, strict))
            if len(group) >= batch_size:
                moderated = moderate_records(group, moderator, jurisdiction)
                decisions, rejects, group = decisions + moderated.decisions, rejects + moderated.rejects, []
    if group:
        moderated = moderate_records(group, moderator, jurisdiction)
        decisions, rejects = decisions + moderated.decisions, rejects + moderated.rejects
    return ArrowModeration(decisions_table(decisions), rejects_table(rejects))


def moderate_records(records: list[Record], moderator: Moderator, jurisdiction: str | None = None) -> Moderated:
    """Decisions for the records that hold a post; the others, and a post that made a stage fail, as
    rejects. The same guard as the scan's, so both engines reject the same records."""
    posts, decisions, failed = moderate_guarded(moderator, [record for record in records if record.post is not None],
                                                 jurisdiction)
    bad = sorted([record for record in records if record.post is None] + failed, key=lambda record: record.line)
    return Moderated(posts, decisions, bad)


def decisions_table(decisions: Iterable[Decision]) -> pa.Table:
    rows = []
    for decision in decisions:
        row = decision.model_dump(mode="python")
        row["action"] = str(decision.action)
        row["categories"] = [category.value for category in decision.categories]
        row["scores"] = [(category.value, score) for category, score in decision.scores.items()]
        row["language"] = decision.language.model_dump()
        for name in _JSON_FIELDS:
            row[name] = None if row[name] is None else json.dumps(
                decision.model_dump(mode="json", include={name})[name], ensure_ascii=False)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=DECISION_SCHEMA)


def rejects_table(records: Iterable[Record]) -> pa.Table:
    rows = [{name: _utf8(value) for name, value in record.reject_json().items()} for record in records]
    return pa.Table.from_pylist([{"line": row["line"], "error": row["error"], "raw": row.get("raw"),
                                  "raw_base64": row.get("raw_base64"), "id": row.get("id")} for row in rows],
                                schema=REJECT_SCHEMA)


def map_in_arrow(batches: Iterable[pa.RecordBatch], moderator: Moderator | None = None, *,
                 jurisdiction: str | None = None, strict: bool = False, batch_size: int = 256
                 ) -> Iterator[pa.RecordBatch]:
    """Spark's `df.mapInArrow(map_in_arrow, schema)` (schema: `RESULT_SCHEMA` as Spark's type, e.g.
    `pyspark.sql.pandas.types.from_arrow_schema(RESULT_SCHEMA)`): each batch in, its decisions and
    rejects out. `line` counts rows across this call's batches (a partition), from 1."""
    moderator = moderator or default_moderator()
    line = 1
    for batch in batches:
        result = moderate_table(batch, moderator, jurisdiction=jurisdiction, strict=strict, first_line=line,
                                batch_size=batch_size)
        line += batch.num_rows
        yield from result_table(result).to_batches()


def result_table(result: ArrowModeration) -> pa.Table:
    """Decisions and rejects in `RESULT_SCHEMA`, decisions first."""
    decisions = result.decisions
    for field in RESULT_SCHEMA:
        if field.name not in decisions.schema.names:
            decisions = decisions.append_column(field, pa.nulls(decisions.num_rows, field.type))
    rejects = result.rejects
    columns = {field.name: pa.nulls(rejects.num_rows, field.type) for field in RESULT_SCHEMA}
    columns.update({name: rejects.column(name) for name in ("line", "error", "raw", "raw_base64")})
    columns["post_id"] = rejects.column("id")
    return pa.concat_tables([decisions.select(RESULT_SCHEMA.names),
                             pa.table(columns, schema=RESULT_SCHEMA)])


@lru_cache(maxsize=1)
def default_moderator() -> Moderator:
    """The default `Moderator`, loaded once per process (a Spark Python worker serves many tasks)."""
    return Moderator()


def _utf8(value: Any) -> Any:
    """A reject's text as Arrow can hold it (valid UTF-8; a lone surrogate escaped)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


__all__ = ["DECISION_SCHEMA", "REJECT_SCHEMA", "RESULT_SCHEMA", "ArrowModeration", "Moderated", "decisions_table",
           "default_moderator", "json_line", "map_in_arrow", "moderate_records", "moderate_table", "rejects_table",
           "result_table"]
