from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jaga.ingest.readers import InputError, RecordReader


def test_jsonl_reports_each_bad_line_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b'{"id": "1", "text": "fine"}\n\n{"id": "2", "text": ""}\n{broken\n'
                     b'{"id": "3", "text": "caf\xe9"}\n[1]\n{"id": "4", "text": "also fine", "author_id": "bob"}\n')
    records = list(RecordReader(str(path)))
    assert [(r.line, r.post.id if r.post else None) for r in records] == [
        (1, "1"), (3, None), (4, None), (5, None), (6, None), (7, "4")]
    errors = {r.line: r.error for r in records if r.error}
    assert "text is empty" in errors[3]
    assert "invalid JSON" in errors[4]
    assert "UTF-8" in errors[5] and records[3].raw_base64
    assert "JSON object" in errors[6]
    assert records[-1].post is not None and records[-1].post.author_id.startswith("anon_")


def test_csv_with_quoted_multiline_fields_and_list_columns(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text('id,text,country,urls\n1,"line one\nline two",MY,https://a.com https://b.com\n'
                    '2,,ID,\n3,"ok",XX1,\n4,"short row"\n', encoding="utf-8")
    records = list(RecordReader(str(path)))
    assert records[0].post is not None and records[0].post.urls == ["https://a.com", "https://b.com"]
    assert records[0].line == 2
    assert [r.line for r in records[1:]] == [4, 5, 6]
    assert "text" in (records[1].error or "")
    assert "country" in (records[2].error or "")
    assert "columns" in (records[3].error or "")


def test_parquet_rows(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pq.write_table(pa.table({"id": ["1", "2"], "text": ["hello", ""], "lang": ["en", None]}), path)
    records = list(RecordReader(str(path)))
    assert records[0].post is not None and records[0].post.lang == "en"
    assert records[1].line == 2 and records[1].error


def test_skip_for_resume_counts_records_not_lines(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(json.dumps({"id": str(i), "text": f"post {i}"}) for i in range(10)) + "\n")
    assert [r.post.id for r in RecordReader(str(path), skip=7) if r.post] == ["7", "8", "9"]


def test_unknown_format_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--format"):
        RecordReader(str(tmp_path / "posts.txt"))
    with pytest.raises(InputError, match="not found"):
        RecordReader(str(tmp_path / "missing.jsonl"))


def test_nul_characters_are_rejected_with_their_line(tmp_path: Path) -> None:
    """PostgreSQL cannot store U+0000; such a record is kept aside at ingest, not lost at save."""
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": "1", "text": "fine"}) + "\n"
                    + json.dumps({"id": "2", "text": "bad\u0000text"}) + "\n"
                    + json.dumps({"id": "3", "text": "ok", "urls": ["https://a.com/\u0000"]}) + "\n", encoding="utf-8")
    records = list(RecordReader(str(path)))
    assert records[0].post is not None
    assert [(r.line, "NUL" in (r.error or "")) for r in records[1:]] == [(2, True), (3, True)]


def test_hostile_records_are_rejected_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    deep = "[" * 5_000 + "]" * 5_000
    path.write_text('{"id": "1", "text": "fine"}\n'
                    f'{{"id": "2", "text": "x", "n": {deep}}}\n'
                    f'{{"id": "3", "text": "x", "n": {"9" * 5_000}}}\n'
                    '{"id": "4", "text": "also fine"}\n'
                    '{"id": "5", "text": "promo", "urls": ["http://a\\ud800b.com"]}\n', encoding="utf-8")
    records = list(RecordReader(str(path)))
    assert [r.post.id if r.post else None for r in records] == ["1", None, None, "4", None]
    assert "nested too deeply" in (records[1].error or "") and "digits" in (records[2].error or "")
    assert "lone surrogate" in (records[4].error or "")


def test_a_csv_field_over_the_module_limit_is_the_record_s_problem(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(f'id,text\n1,fine\n2,"{"x" * 200_000}"\n3,also fine\n', encoding="utf-8")
    records = list(RecordReader(str(path)))
    assert [r.post.id if r.post else None for r in records] == ["1", None, "3"]
    assert "text" in (records[1].error or "")
