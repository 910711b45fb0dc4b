from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jaga.engines.arrow import DECISION_SCHEMA, REJECT_SCHEMA, RESULT_SCHEMA, map_in_arrow, moderate_table
from jaga.ingest.readers import InputError
from jaga.pipeline import Moderator
from jaga.scan import scan
from jaga.types import Decision, Post

from .helpers import EXAMPLES, read_jsonl, stable


def _table() -> pa.Table:
    posts = [json.loads(line) for line in (EXAMPLES / "posts.jsonl").read_text(encoding="utf-8").splitlines()][:12]
    rows = [{"id": post["id"], "text": post["text"], "country": post.get("country"), "author_id": post.get("author_id"),
             "likes": index} for index, post in enumerate(posts)]
    rows.insert(4, {"id": "no-text", "text": None, "country": "ID", "author_id": None, "likes": 0})
    rows.insert(7, {"id": "bad-country", "text": "hello", "country": "Malaysia", "author_id": None, "likes": 0})
    return pa.Table.from_pylist(rows)


def test_moderate_table_types_every_decision_field_and_keeps_bad_rows_aside(moderator: Moderator) -> None:
    table = _table()
    result = moderate_table(table, moderator, first_line=10)
    assert result.decisions.schema == DECISION_SCHEMA and result.rejects.schema == REJECT_SCHEMA
    assert set(DECISION_SCHEMA.names) == set(Decision.model_fields)
    assert result.decisions.num_rows == 12
    rejects = result.rejects.to_pylist()
    assert [(row["line"], row["id"]) for row in rejects] == [(14, "no-text"), (17, "bad-country")]
    assert "text" in rejects[0]["error"] and "country" in rejects[1]["error"]

    posts = [Post.model_validate({key: value for key, value in row.items() if value is not None})
             for row in table.to_pylist() if row["id"] not in ("no-text", "bad-country")]
    expected = [decision.to_json_dict() for decision in moderator.moderate_batch(posts)]
    got = [_as_json(row) for row in result.decisions.to_pylist()]
    assert stable(got) == stable(expected)
    assert any(row["statement"] for row in got) and all("likes" in row["post_extra"] for row in got)
    assert all(row["decided_at"].tzinfo is not None for row in result.decisions.to_pylist())


def _as_json(row: dict[str, Any]) -> dict[str, Any]:
    """A typed decision row as the decision's JSON (JSON columns parsed, times as text)."""
    row = dict(row)
    row["scores"] = dict(row["scores"])
    for name in ("signals", "statement", "history", "post_extra"):
        row[name] = json.loads(row[name]) if row[name] is not None else None
    for name in ("decided_at", "deadline"):
        row[name] = row[name].isoformat() if row[name] is not None else None
    return row


def test_moderate_table_matches_the_local_scan_of_the_same_parquet_file(tmp_path: Path, moderator: Moderator) -> None:
    pq.write_table(_table(), tmp_path / "in.parquet")
    scan(str(tmp_path / "in.parquet"), str(tmp_path / "out.jsonl"), moderator=moderator)
    local = stable(read_jsonl(tmp_path / "out.jsonl"))
    result = moderate_table(pq.read_table(tmp_path / "in.parquet"), moderator)
    assert stable([_as_json(row) for row in result.decisions.to_pylist()]) == local
    assert result.rejects.to_pylist() == [{**row, "raw_base64": None, "id": row.get("id")}
                                          for row in read_jsonl(tmp_path / "out.rejects.jsonl")]


def test_a_table_without_a_text_column_is_refused_whole(moderator: Moderator) -> None:
    with pytest.raises(InputError, match="'text'"):
        moderate_table(pa.table({"id": ["1"], "body": ["hello"]}), moderator)


def test_map_in_arrow_gives_one_schema_and_numbers_rows_across_batches(moderator: Moderator) -> None:
    table = _table()
    batches = table.to_batches(max_chunksize=5)
    assert len(batches) == 3
    out = list(map_in_arrow(iter(batches), moderator, batch_size=3))
    assert all(batch.schema == RESULT_SCHEMA for batch in out)
    rows = pa.Table.from_batches(out, schema=RESULT_SCHEMA).to_pylist()
    decided = [row for row in rows if row["error"] is None]
    rejected = [row for row in rows if row["error"] is not None]
    assert len(decided) == 12 and all(row["action"] is not None for row in decided)
    assert [(row["line"], row["post_id"]) for row in rejected] == [(5, "no-text"), (8, "bad-country")]
    assert all(row["action"] is None for row in rejected)
