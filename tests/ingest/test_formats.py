"""Formats by suffix: a real installed distribution (a `.dist-info` with entry points, on sys.path)
adds a reader (`jaga.readers`) and a writer (`jaga.writers`), and `jaga scan` reads and writes through
them as through the built-ins; an unknown suffix is an error that lists the known ones; two formats
cannot claim one suffix; the built-in writers (CSV, Parquet) give the same flat table."""

from __future__ import annotations

import csv
import json
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from jaga.cli import app
from jaga.ingest.formats import InputError
from jaga.ingest.readers import READERS, FormatReader, RecordReader
from jaga.ingest.writers import FLAT_COLUMNS, WRITERS
from jaga.scan import ScanPaths, scan

PLUGIN = '''
import json
from collections.abc import Iterator
from datetime import datetime

from jaga.ingest.readers import Record, StreamReader, to_record
from jaga.ingest.writers import DecisionWriter


class LineReader(StreamReader):
    """One post a line of plain text; its id is the line's number."""

    name = "lines"
    suffixes = (".txt",)

    def records(self, stream) -> Iterator[Record]:
        for number, raw in enumerate(stream, start=1):
            self.position += len(raw)
            text = raw.decode("utf-8").rstrip("\\n")
            if text:
                yield to_record(number, {"id": f"line-{number}", "text": text, "country": "ID"}, text, self.strict)


class MarkdownWriter(DecisionWriter):
    """A Markdown table of post, action and categories."""

    name = "markdown"
    suffixes = (".md",)

    def write(self, decisions, target) -> None:
        rows = ["| post | action | categories |", "| --- | --- | --- |"]
        rows += [f"| {d['post_id']} | {d['action']} | {' '.join(d['categories'])} |" for d in decisions]
        target.write_text("\\n".join(rows) + "\\n", encoding="utf-8")
'''

POSTS = ["Slot gacor hari ini maxwin depo 10rb, link alternatif di bio", "Selamat pagi, semoga harimu menyenangkan"]


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[None]:
    """The plugin as pip would leave it: its module, and a dist-info naming both classes."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "jaga_plugin_formats.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = root / "jaga_plugin_formats-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: jaga-plugin-formats\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[jaga.readers]\nlines = jaga_plugin_formats:LineReader\n\n"
                                           "[jaga.writers]\nmarkdown = jaga_plugin_formats:MarkdownWriter\n",
                                           encoding="utf-8")
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        READERS.unregister("lines")
        WRITERS.unregister("markdown")
        sys.modules.pop("jaga_plugin_formats", None)


def test_a_plugin_reader_and_writer_run_jaga_scan_by_suffix(plugin: None, tmp_path: Path) -> None:
    source = tmp_path / "posts.txt"
    source.write_text("\n".join(POSTS) + "\n", encoding="utf-8")
    target = tmp_path / "decisions.md"
    result = CliRunner().invoke(app, ["scan", str(source), "-o", str(target), "-q"])
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["| post | action | categories |", "| --- | --- | --- |"]
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in lines[2:]}
    assert set(rows) == {"line-1", "line-2"}
    assert "illegal_gambling" in rows["line-1"] and "| allow |" in rows["line-2"]
    assert not list(tmp_path.glob(".decisions.md.*"))  # the staging file and checkpoint are gone
    assert ".txt" in READERS.suffixes() and ".md" in WRITERS.suffixes()


def test_unknown_suffixes_are_clear_errors_that_list_the_known_ones(tmp_path: Path) -> None:
    posts = tmp_path / "posts.xml"
    posts.write_text("<posts/>", encoding="utf-8")
    with pytest.raises(InputError, match=r"\.xml.*known suffixes: .*\.csv.*\.jsonl.*\.parquet"):
        RecordReader(str(posts))
    with pytest.raises(InputError, match=r"unknown input format 'xml'; known formats: csv, jsonl, parquet"):
        RecordReader(str(posts), "xml")
    with pytest.raises(InputError, match=r"output format .*\.xlsx.*known suffixes: .*\.csv.*\.jsonl.*\.parquet"):
        ScanPaths.for_output(str(tmp_path / "decisions.xlsx"))
    source = tmp_path / "posts.jsonl"
    source.write_text(json.dumps({"id": "1", "text": POSTS[0]}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", str(source), "-o", str(tmp_path / "decisions.xlsx"), "-q"])
    assert result.exit_code != 0 and "known suffixes" in result.output


def test_a_suffix_belongs_to_one_format() -> None:
    class Another(FormatReader):
        name: ClassVar[str] = "another_csv"
        suffixes: ClassVar[tuple[str, ...]] = (".csv",)

        def __iter__(self) -> Iterator[object]:  # type: ignore[override]
            return iter(())

    with pytest.raises(InputError, match=r"suffix \.csv belongs to format 'csv'"):
        READERS.register(Another)
    assert READERS.by_name("csv").name == "csv"
    assert READERS.register(READERS.by_name("csv")) is READERS.by_name("csv")  # the same class again: no change


def test_csv_and_parquet_outputs_hold_the_same_flat_table(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text("".join(json.dumps({"id": str(number), "text": text, "country": "ID"}) + "\n"
                              for number, text in enumerate(POSTS)), encoding="utf-8")
    scan(str(source), str(tmp_path / "d.jsonl"))
    scan(str(source), str(tmp_path / "d.csv"))
    scan(str(source), str(tmp_path / "d.parquet"))
    decisions = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()]
    with open(tmp_path / "d.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = pq.read_table(tmp_path / "d.parquet").to_pylist()
    assert list(rows[0]) == list(FLAT_COLUMNS) and pq.read_schema(tmp_path / "d.parquet").names == list(FLAT_COLUMNS)
    assert [row["id"] for row in rows] == [row["id"] for row in table] == [decision["id"] for decision in decisions]
    assert [row["categories"].split() for row in rows] == [row["categories"] for row in table] == [
        decision["categories"] for decision in decisions]
    assert all(datetime.fromisoformat(row["decided_at"]).utcoffset() is not None for row in [*rows, *table])
    assert all(json.loads(row["signals"]) == decision["signals"] for row, decision in zip(rows, decisions, strict=True))
