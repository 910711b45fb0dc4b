from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jaga.ingest.readers import MAX_LINE_BYTES, MAX_NESTING, InputError, RecordReader


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


def test_limits_are_named_in_the_reject_and_the_file_reads_on(tmp_path: Path) -> None:
    """Nesting, number size and line size each have a limit, and a record over one is rejected
    with that limit named; the line after it is read as usual. A byte order mark is not a record's."""
    path = tmp_path / "posts.jsonl"
    nested = "[" * 9 + "]" * 9
    with open(path, "wb") as handle:
        handle.write(b'\xef\xbb\xbf{"id": "1", "text": "after a BOM"}\r\n')
        handle.write(f'{{"id": "2", "text": "x", "urls": {nested}}}\n'.encode())
        handle.write(b'{"id": "3", "text": "x", "n": ' + b"9" * 5_000 + b"}\n")
        handle.write(b'{"id": "4", "text": "' + b"x" * (MAX_LINE_BYTES + 5) + b'"}\n')
        handle.write(b'{"id": "5", "text": "fine"}\n')
    records = list(RecordReader(str(path)))
    assert [(r.line, r.post.id if r.post else r.id) for r in records] == [(1, "1"), (2, "2"), (3, None), (4, None), (5, "5")]
    assert records[1].error == f"nested too deeply: records are limited to {MAX_NESTING} levels of objects and lists"
    assert records[2].error == "invalid JSON: a number has more than 4,300 digits"
    assert "over the 1,000,000-byte limit" in (records[3].error or "") and len(records[3].raw or "") == 1_000
    assert records[1].reject_json()["id"] == "2"


def test_a_csv_record_over_the_limit_is_skipped_to_its_end(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    huge = "line\n" * (MAX_LINE_BYTES // 5 + 10)  # a quoted field over many lines, over the limit in all
    path.write_text(f'id,text\n1,fine\n2,"{huge}"\n3,"also\nfine"\n4,last\n', encoding="utf-8")
    records = list(RecordReader(str(path)))
    assert [(r.line, r.post.id if r.post else None) for r in records] == [
        (2, "1"), (3, None), (3 + huge.count("\n") + 1, "3"), (5 + huge.count("\n") + 1, "4")]
    assert "over the 1,000,000-character limit" in (records[1].error or "")


def test_parquet_rows_and_row_groups_that_cannot_be_read_are_rejects(tmp_path: Path) -> None:
    """A timestamp past Python's dates spoils its row only; a corrupt row group its own rows only."""
    path = tmp_path / "posts.parquet"
    table = pa.table({"id": [f"p{index}" for index in range(30)],
                      "text": [f"hello number {index} " * 5 for index in range(30)],
                      "created_at": pa.array([2**62 if index == 3 else 0 for index in range(30)], pa.timestamp("us"))})
    pq.write_table(table, path, row_group_size=10)
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)
    start = column.dictionary_page_offset or column.data_page_offset
    data = bytearray(path.read_bytes())
    data[start:start + column.total_compressed_size] = b"\xab" * column.total_compressed_size
    path.write_bytes(bytes(data))
    records = list(RecordReader(str(path)))
    assert [r.line for r in records] == list(range(1, 31))
    assert [r.line for r in records if r.post is None] == [4, *range(11, 21)]
    assert "unreadable Parquet row:" in (records[3].error or "")
    assert all("unreadable Parquet row group 1" in (r.error or "") for r in records[10:20])


def test_unknown_fields_are_kept_in_extra_and_strict_rejects_them(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text('{"id": "1", "text": "hello", "author": "bob", "label": "spam", "likes": 3, '
                    '"meta": {"tags": ["a", "b"]}}\n{"id": "2", "text": "plain"}\n', encoding="utf-8")
    records = list(RecordReader(str(path)))
    assert records[0].post is not None and records[1].post is not None
    assert records[0].post.extra == {"author": "bob", "label": "spam", "likes": 3, "meta": {"tags": ["a", "b"]}}
    assert records[1].post.extra == {}
    strict = list(RecordReader(str(path), strict=True))
    assert strict[0].post is None and "author: Extra inputs are not permitted" in (strict[0].error or "")
    assert strict[1].post is not None


@pytest.mark.parametrize(("extra", "reason"), [
    ({f"k{i}": i for i in range(65)}, "65 unknown fields; at most 64"),
    ({"deep": [[[[["x"]]]]]}, "nests objects and lists more than 4 deep"),
    ({"big": "x" * 20_000}, "at most 16,384 are kept"),
    ({"k" * 129: 1}, "over 128 characters"),
])
def test_extra_past_its_limits_is_a_reject_with_the_reason(tmp_path: Path, extra: dict[str, object],
                                                           reason: str) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": "1", "text": "hello", **extra}) + "\n", encoding="utf-8")
    [record] = list(RecordReader(str(path)))
    assert record.post is None and record.id == "1" and reason in (record.error or "")


def test_csv_extra_columns_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,text,author,likes\n1,hello,bob,3\n2,world,,\n", encoding="utf-8")
    posts = [record.post for record in RecordReader(str(path))]
    assert [post.extra if post else None for post in posts] == [{"author": "bob", "likes": "3"}, {}]


@pytest.mark.parametrize(("header", "named"), [("id,body,author", "'text'"), ("post,text", "'id'"),
                                               ("author,likes", "'id' or 'text'")])
def test_csv_without_a_required_column_fails_at_once_naming_it(tmp_path: Path, header: str, named: str) -> None:
    path = tmp_path / "export.csv"
    path.write_text(header + "\n" + "\n".join("a,b,c"[: len(header.split(",")) * 2 - 1] for _ in range(1000)) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=f"has no {named} column") as raised:
        next(iter(RecordReader(str(path))))
    assert header.split(",")[0] in str(raised.value)  # the header it found is named


def test_parquet_extra_columns_become_plain_json_and_a_missing_column_fails(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    path = tmp_path / "export.parquet"
    pq.write_table(pa.table({"id": ["1"], "text": ["hello"], "seen": [datetime(2026, 1, 2, tzinfo=UTC)],
                             "likes": [7]}), path)
    [record] = list(RecordReader(str(path)))
    assert record.post is not None and record.post.extra == {"likes": 7, "seen": "2026-01-02 00:00:00+00:00"}
    pq.write_table(pa.table({"id": ["1"], "body": ["hello"]}), path)
    with pytest.raises(InputError, match="has no 'text' column"):
        list(RecordReader(str(path)))
