"""Hostile records through `jaga scan` (JSONL, CSV, Parquet, by the command line) and through
POST /v1/moderate: every record ends as exactly one decision or one reject, nothing is lost or
written twice, the scan exits 0 or 3, and the service never answers 5xx (issue 21: 23 of 522 hostile
records stopped a scan for good, or made the service answer 500).

Records are matched to the output by id: a decision names its post, a reject the record's id when
it could be read at all (`expected_id` says which, from the bytes alone). The rest (bytes that are
not UTF-8, not JSON, over the size limit) are counted: as many rejects without an id as inputs.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jaga.cli import EXIT_REJECTS, app
from jaga.ingest.readers import MAX_LINE_BYTES
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.store import Role, Store

runner = CliRunner()
FIELDS = ("id", "text", "lang", "country", "author_id", "platform", "created_at", "urls", "media", "reply_to",
          "repost_of", "authority_request")
CSV_COLUMNS = ("id", "text", "lang", "country", "author_id", "platform", "created_at", "urls", "media")
MISSING = object()

# -- what hostile input looks like --------------------------------------------------------------
ODD_TEXTS = [
    "promo http://shop.example.com:sale",  # the port read outside the `try` (issue 21)
    "visit http://a.example.com:99999/x and https://b.example.com:-1 or http://[::1:80/ now",
    "win big at hxxp[:]//slot-gacor[.]top:8o8o/daftar",
    "a[.]" * 400 + "com",  # defanged dots: was quadratic in the URL pattern
    "pаypаl mаybаnk ѕcam Ꭺррlе",  # Cyrillic and Cherokee look-alikes inside Latin words
    "k\u200bi\u200dl\u2060l a\u202el\u202cl\u2066 \u2067m\u2069u\u200es\u200flims",  # zero-width and bidi controls
    "a" + "\u0301\u0308\u0323" * 600,  # a base letter under a flood of combining marks
    "ေျမန္မာ ၾကည့္ ဖ်က္ဆီး ႀကီး " * 20,  # Zawgyi
    "跨性别者令人恶心" * 50 + "ฉันเกลียดพวกมันมาก" * 50,  # CJK and Thai without spaces
    "😀🔥💯👍🏽🇲🇾" * 300,
    "ｆｕｌｌｗｉｄｔｈ 𝐛𝐨𝐥𝐝 🅰🅱🅲 ⓒⓘⓡⓒⓛⓔ",
    "not? " * 500 + "“unclosed " * 300,  # negations in questions, unclosed quotation marks
    "bá»‹ lá»«a tiá»\x81n",  # mojibake
    "\ufeffBOM inside the text, \r\n CRLF inside, \x07 bell, \x1b[31m escape",
    "مرحبا שלום Привет नमस्ते 안녕하세요 こんにちは",
    "i h a t e m u s l i m s",
]
SURROGATES = ["\ud800", "\udfff", "a\udc80b"]
WRONG_TYPES: list[Any] = [123, -1.5, True, None, [], {}, ["x", 1], {"a": [1]}, "", " ", 10**30]
FIELD_VALUES: dict[str, list[Any]] = {  # odd or wrong values per field, besides WRONG_TYPES
    "lang": ["english", "x", "ms", "zz", "XX1"],
    "country": ["Malaysia", "ZZ", "my", "M1"],
    "created_at": ["yesterday", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-30", 1e300],
    "urls": [["http://shop.example.com:sale"], ["http://[::1"], ["x" * 5_000], ["a1.co " * 2_000], ["ok.com"] * 101,
             [["nested"]], "http://a.com"],
    "media": [["m"] * 21, [1, 2], "hash"],
    "authority_request": [{"agency": "A", "channel": "fax", "received_at": "soon"},
                          {"agency": "A", "channel": "written", "received_at": "2026-01-01",
                           "deadline": "9999-12-31T23:59:59-14:00"},
                          {"agency": "", "channel": "written", "received_at": "2026-01-01"}, "urgent"],
    "author_id": ["a" * 300, "anon_spoof"],
    "platform": ["p" * 100],
}


def hostile_dicts(rng: random.Random, prefix: str, count: int, longest: bool = True) -> list[dict[str, Any]]:
    """Records with ids `<prefix>-<n>`: odd texts, wrong values and wrong types in every field,
    lone surrogates and NUL anywhere, missing, empty and duplicated ids; with `longest`, texts of
    the longest length accepted too."""
    records: list[dict[str, Any]] = []
    for number in range(count):
        record: dict[str, Any] = {"id": f"{prefix}-{number}", "text": rng.choice(ODD_TEXTS)}
        kind = number % 9
        if kind == 1:  # a wrong or odd value in one field
            field = rng.choice(FIELDS)
            record[field] = rng.choice(FIELD_VALUES.get(field, []) + WRONG_TYPES)
        elif kind == 2:  # a lone surrogate or NUL somewhere
            field = rng.choice(("text", "platform", "author_id", "urls", "lang", "reply_to"))
            bad = rng.choice([*SURROGATES, "a\x00b"])
            record[field] = [f"http://x{bad}.com"] if field == "urls" else f"x{bad}"
        elif kind == 3:  # the id itself
            record["id"] = rng.choice([MISSING, "", "   ", "x" * 300, 12345, None, f"{prefix}-{number}\x00",
                                       f"{prefix}-{number}\ud800"])
            if record["id"] is MISSING:
                del record["id"]
        elif kind == 4:  # a duplicate of the previous record's id
            record["id"] = records[-1].get("id", f"{prefix}-{number}")
        elif kind == 5:  # an unknown field, or text over the limit
            if rng.random() < 0.5:
                record["unexpected\u202e"] = "x"
            else:
                record["text"] = "long " * 10_001
        elif kind == 6 and longest and number % 90 == 6:  # the longest text accepted (a few: each costs ~0.1 s)
            text = rng.choice(ODD_TEXTS)
            record["text"] = (text * (50_000 // len(text) + 1))[:50_000]
        records.append(record)
    return records


def every_field_wrong(prefix: str) -> list[dict[str, Any]]:
    """One record for each odd or wrong value of each field, the rest of it fine."""
    return [{"id": f"{prefix}-{field}-{index}", "text": "fine", field: value}
            for field in FIELDS for index, value in enumerate(FIELD_VALUES.get(field, []) + WRONG_TYPES)]


# -- JSONL ------------------------------------------------------------------------------------------
def jsonl_lines(rng: random.Random, prefix: str, count: int) -> list[bytes]:
    """The dicts as JSON lines (escaped, so lone surrogates survive), and raw hostile lines: bytes
    that are not UTF-8, JSON nested 5,000 deep, 5,000-digit numbers, non-objects, truncation, lines
    over the size limit, CRLF endings. Blank lines are added by `write_jsonl`."""
    lines = [json.dumps(record).encode() for record in hostile_dicts(rng, prefix, count) + every_field_wrong(prefix)]
    for number in range(count // 4):
        tag = f'"{prefix}-raw-{number}"'
        lines.append(rng.choice([
            b'{"id": ' + tag.encode() + b', "text": "caf\xe9 latin-1"}',
            b'{"id": ' + tag.encode() + b', "text": "x", "n": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
            b'{"id": ' + tag.encode() + b', "text": "x", "n": ' + b"[" * 40 + b"]" * 40 + b"}",
            b'{"id": ' + tag.encode() + b', "text": "x", "n": ' + b"9" * 5_000 + b"}",
            b'{"id": ' + tag.encode() + b', "text": ' + b"7" * 4_000 + b"}",
            b'{"id": ' + tag.encode() + b', "text": "truncated',
            b'["not", "an", "object"]', b'"just a string"', b"null", b"12",
            b'{"id": ' + tag.encode() + b', "text": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}',
            b'{"id": ' + tag.encode() + b', "text": "' + "\u202eΩ\u0000".encode() + b'"}',
            b'{"id": ' + tag.encode() + b', "text": NaN}',
            b'{"id": ' + tag.encode() + b', "text": "dup key", "text": "second wins"}',
        ]))
    rng.shuffle(lines)
    return lines


def write_jsonl(path: Path, lines: list[bytes], rng: random.Random) -> list[bytes]:
    """Writes the lines with a byte order mark first, mixed LF/CRLF endings and blank lines between;
    returns the record lines (what the scan must account for)."""
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        for line in lines:
            handle.write(line + rng.choice([b"\n", b"\r\n"]))
            if rng.random() < 0.1:
                handle.write(rng.choice([b"\n", b"   \n", b"\r\n", b"\t\r\n"]))
    return lines


def expected_jsonl_id(line: bytes) -> str | None:
    """The id a reject names (or a decision's post id) for one JSONL line, read from its bytes."""
    if len(line) > MAX_LINE_BYTES:
        return None
    try:
        data = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return _id_text(data.get("id")) if isinstance(data, dict) else None


def _id_text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


# -- CSV ---------------------------------------------------------------------------------------------
def csv_rows(rng: random.Random, prefix: str, count: int) -> list[tuple[bytes, str | None]]:
    """(the row's bytes, its expected id): the dicts as CSV cells (lists space-separated, other
    values as text, lone surrogates as the bytes UTF-8 cannot hold), plus rows with too few or too
    many cells, quoted fields over lines, invalid bytes and records over the size limit."""
    rows: list[tuple[bytes, str | None]] = []
    for record in hostile_dicts(rng, prefix, count):
        cells = [_cell(record.get(column, "")) for column in CSV_COLUMNS]
        if not any(cell.strip() for cell in cells):
            continue  # a blank row is no record
        raw = _csv_line(cells, rng)
        valid_utf8 = _utf8(raw)
        rows.append((raw, cells[0] if cells[0] and valid_utf8 and len(raw) <= MAX_LINE_BYTES else None))
    for number in range(count // 4):
        row_id = f"{prefix}-raw-{number}"
        choice = number % 5
        if choice == 0:
            rows.append((_csv_line([row_id, "too few"], rng), None))
        elif choice == 1:
            rows.append((_csv_line([row_id, "too", "many", *[""] * len(CSV_COLUMNS)], rng), None))
        elif choice == 2:
            rows.append((_csv_line([row_id, "caf\udce9 bytes", *[""] * (len(CSV_COLUMNS) - 2)], rng), None))
        elif choice == 3:
            text = "line one\nline two\r\n\"quoted\" ,commas, " + "x" * (MAX_LINE_BYTES + 10)
            rows.append((_csv_line([row_id, text, *[""] * (len(CSV_COLUMNS) - 2)], rng), None))
        else:
            text = "several\nlines\n\nwith a \"quote\", a comma\r\nand CRLF"
            rows.append((_csv_line([row_id, text, *[""] * (len(CSV_COLUMNS) - 2)], rng), row_id))
    rng.shuffle(rows)
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return "" if value is None or value is MISSING else str(value)


def _csv_line(cells: list[str], rng: random.Random) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=rng.choice(["\n", "\r\n"])).writerow(cells)
    return buffer.getvalue().encode("utf-8", "surrogatepass")  # a lone surrogate: bytes that are not UTF-8


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def write_csv(path: Path, rows: list[tuple[bytes, str | None]]) -> None:
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + ",".join(CSV_COLUMNS).encode() + b"\r\n")
        for raw, _ in rows:
            handle.write(raw)
            handle.write(b"\n" if raw.endswith(b"\n") and len(raw) % 7 == 0 else b"")  # some blank lines


# -- Parquet -----------------------------------------------------------------------------------------
def write_parquets(directory: Path, rng: random.Random, prefix: str, count: int) -> list[tuple[Path, list[str | None]]]:
    """Parquet files of several schemas (a file has one type per column): the dicts' texts and
    fields as strings; integer ids; binary text with invalid UTF-8 and NUL; nested lists where a
    list of strings belongs; structs nested ten deep; timestamps; null ids."""
    files: list[tuple[Path, list[str | None]]] = []
    records = [record for record in hostile_dicts(rng, prefix, count)
               if not any(_has_surrogate(value) for value in record.values())]
    strings = {column: [None if record.get(column, MISSING) is MISSING else _cell(record[column])
                        for record in records] for column in CSV_COLUMNS}
    strings["urls"] = [[_cell(record["urls"])] if "urls" in record else None for record in records]
    files.append((_parquet(directory / "strings.parquet", pa.table(strings)), [_id_text(value) for value in strings["id"]]))
    n = max(count // 4, 8)
    ids = [f"{prefix}-typed-{index}" for index in range(n)]
    beyond = [index % 4 == 1 for index in range(n)]  # a timestamp past Python's dates: the row cannot be read
    typed = [
        (pa.table({"id": list(range(n)), "text": ["integer ids"] * n, "urls": [[["a.com"], ["b.com"]]] * n,
                   "media": [[1.5]] * n, "authority_request": [_nested(10) if index % 3 else None for index in range(n)]}),
         [False] * n),
        (pa.table({"id": [None if index % 5 == 0 else ids[index] for index in range(n)],
                   "text": pa.array([rng.choice([b"caf\xe9", b"ok", b"nul\x00", "ก".encode() * 3]) for _ in range(n)],
                                    pa.binary()),
                   "created_at": pa.array([2**62 if bad else 253_402_300_799_000_000 * (index % 2)
                                           for index, bad in enumerate(beyond)], pa.timestamp("us"))}), beyond),
    ]
    for index, (table, unreadable) in enumerate(typed):
        path = _parquet(directory / f"typed-{index}.parquet", table)
        files.append((path, [None if bad else _id_text(value)
                             for value, bad in zip(table.column("id").to_pylist(), unreadable, strict=True)]))
    return files


def _parquet(path: Path, table: pa.Table) -> Path:
    pq.write_table(table, path, row_group_size=64)
    return path


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "x"}
    for _ in range(depth):
        value = {"inner": value}
    return value


def _has_surrogate(value: Any) -> bool:
    return any(_has_surrogate(item) for item in value) if isinstance(value, list) else (
        isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value))


# -- running scans and reading their output ---------------------------------------------------------
def scan_and_account(source: Path, expected: list[str | None], tmp: Path) -> tuple[int, int]:
    """Runs `jaga scan` on `source` and checks that every record is accounted for exactly once;
    returns (decisions, rejects)."""
    output = tmp / f"{source.stem}.decisions.jsonl"
    result = runner.invoke(app, ["scan", str(source), "-o", str(output), "--batch-size", "50", "--no-claims", "-q"])
    assert result.exit_code in (0, EXIT_REJECTS), (source.name, result.exit_code, result.output, result.exception)
    decisions = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()] if output.exists() else []
    rejects_file = output.with_name(f"{output.stem}.rejects.jsonl")
    rejects = [json.loads(line) for line in rejects_file.read_text(encoding="utf-8").splitlines()] \
        if rejects_file.exists() else []
    assert (result.exit_code == EXIT_REJECTS) == bool(rejects)
    assert len(decisions) + len(rejects) == len(expected), f"{source.name}: records lost or duplicated"
    seen = Counter([decision["post_id"] for decision in decisions] + [reject["id"] for reject in rejects if "id" in reject])
    assert seen == Counter(value for value in expected if value is not None), f"{source.name}: ids differ"
    assert sum(1 for reject in rejects if "id" not in reject) == sum(1 for value in expected if value is None)
    assert len({reject["line"] for reject in rejects}) == len(rejects), "a record rejected twice"
    assert all(reject["error"] for reject in rejects), "a reject without its reason"
    return len(decisions), len(rejects)


@pytest.fixture(autouse=True)
def _fast_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scans build their own moderator (as `jaga scan` does): the fast tier alone, thousands
    of posts a second. The API below reads with the full cascade."""
    monkeypatch.setenv("JAGA_ENCODER_TIER", "off")


def test_two_thousand_hostile_records_each_end_as_one_decision_or_one_reject(tmp_path: Path,
                                                                           moderator: Moderator) -> None:
    rng = random.Random(21)
    totals = Counter[str]()
    lines = write_jsonl(tmp_path / "hostile.jsonl", jsonl_lines(rng, "j", 520), rng)
    decided, rejected = scan_and_account(tmp_path / "hostile.jsonl", [expected_jsonl_id(line) for line in lines], tmp_path)
    totals.update(jsonl=decided + rejected)
    assert decided > 100 and rejected > 300  # both kinds of ending are exercised

    rows = csv_rows(rng, "c", 420)
    write_csv(tmp_path / "hostile.csv", rows)
    totals.update(csv=sum(scan_and_account(tmp_path / "hostile.csv", [row_id for _, row_id in rows], tmp_path)))

    for path, ids in write_parquets(tmp_path, rng, "p", 260):
        totals.update(parquet=sum(scan_and_account(path, ids, tmp_path)))

    totals.update(api=_through_the_api(rng, tmp_path, moderator))
    assert sum(totals.values()) >= 2_000, totals


def _through_the_api(rng: random.Random, tmp_path: Path, moderator: Moderator) -> int:
    """Each hostile record as a request of its own (and some bodies that are not JSON at all): a
    decision or a 4xx with a reason, never a 5xx. Returns how many were sent."""
    database = f"sqlite:///{tmp_path / 'api.db'}"
    token = Store(database).scoped("org").create_key("hostile", Role.PLATFORM)[1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps({"post": record}).encode()
              for record in hostile_dicts(rng, "a", 150, longest=False) + every_field_wrong("a")]
    unparsable = {b'{"post": {"id": "x", "text": "caf\xe9"}}': "the body is not valid UTF-8 (at byte 33)",
                  b'{"post": ' + b"[" * 5_000 + b"]" * 5_000 + b"}": "the JSON body is nested too deeply",
                  b'{"post": {"id": "x", "text": ' + b"9" * 5_000 + b"}}":
                      "the JSON body holds a number of more than 4,300 digits"}
    bodies += [*unparsable, b"\xef\xbb\xbf{}", b"", b"null", b"[]",
               b'{"posts": []}', b'{"post": {"id": "x", "text": "y"}, "posts": [{"id": "z", "text": "w"}]}',
               json.dumps({"posts": [{"id": "same", "text": "one"}, {"id": "same", "text": "two"}]}).encode(),
               json.dumps({"post": {"id": "x", "text": "y"}, "jurisdiction": "ZZZZ"}).encode()]
    sent = 0
    with TestClient(create_app(database, moderator, deliver_webhooks=False, rate=100_000),
                    raise_server_exceptions=False) as client:
        for index, body in enumerate(bodies):
            extra = {"Idempotency-Key": f"k-{index}"} if index % 10 == 0 else {}
            response = client.post("/v1/moderate", content=body, headers={**headers, **extra})
            sent += 1
            assert response.status_code < 500, (body[:200], response.status_code, response.text)
            if response.status_code == 200:
                assert response.json()["decisions"]
            else:
                assert 400 <= response.status_code < 500 and response.json()["error"]["message"]
            if body in unparsable:  # said in words, not "There was an error parsing the body"
                assert response.json()["error"]["message"] == unparsable[body]
    return sent


# -- generated by hypothesis --------------------------------------------------------------------------
TEXT = st.one_of(st.text(max_size=60), st.sampled_from(ODD_TEXTS), st.sampled_from(SURROGATES),
                 st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).map(lambda text: text + "\x00"))
VALUE = st.one_of(TEXT, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
                  st.lists(TEXT, max_size=3), st.dictionaries(st.text(max_size=5), TEXT, max_size=2))
RECORD = st.fixed_dictionaries({"text": st.one_of(TEXT, VALUE)},
                               optional={field: VALUE for field in FIELDS if field not in ("id", "text")})


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], list[bytes]]:
    """A format, records with unique ids (some then made wrong, missing or duplicated), and raw
    lines of arbitrary bytes (JSONL only)."""
    records = draw(st.lists(RECORD, min_size=1, max_size=25))
    for number, record in enumerate(records):
        record["id"] = draw(st.one_of(st.just(f"h-{number}"), st.just(f"h-{number}"), VALUE))
    raw = draw(st.lists(st.binary(min_size=1, max_size=80).filter(lambda line: b"\n" not in line), max_size=5))
    return draw(st.sampled_from(["jsonl", "csv", "parquet"])), records, raw


@settings(max_examples=6, deadline=None, database=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs a scan (minutes)
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(hostile_files())
def test_generated_hostile_files_lose_and_duplicate_nothing(tmp_path_factory: pytest.TempPathFactory,
                                                            generated: tuple[str, list[dict[str, Any]], list[bytes]]) -> None:
    file_format, records, raw = generated
    tmp = tmp_path_factory.mktemp("generated")
    rng = random.Random(len(records))
    if file_format == "jsonl":
        lines = [json.dumps(record, default=str).encode() for record in records] + raw
        lines = [line for line in lines if line.strip()]
        write_jsonl(tmp / "in.jsonl", lines, rng)
        scan_and_account(tmp / "in.jsonl", [expected_jsonl_id(line) for line in lines], tmp)
    elif file_format == "csv":
        rows = []
        for record in records:
            cells = [_cell(record.get(column, "")) for column in CSV_COLUMNS]
            if any(cell.strip() for cell in cells):
                encoded = _csv_line(cells, rng)
                rows.append((encoded, cells[0] if cells[0] and _utf8(encoded) else None))
        write_csv(tmp / "in.csv", rows)
        scan_and_account(tmp / "in.csv", [row_id for _, row_id in rows], tmp)
    else:
        kept = [record for record in records if not any(_has_surrogate(value) for value in record.values())]
        if not kept:
            return
        table = pa.table({column: [_text_or_none(record.get(column, MISSING)) for record in kept]
                          for column in CSV_COLUMNS})
        scan_and_account(_parquet(tmp / "in.parquet", table), table.column("id").to_pylist(), tmp)


def _text_or_none(value: Any) -> str | None:
    return None if value is MISSING or value is None else _cell(value)


def test_expected_ids_are_read_like_the_reader_reads_them() -> None:
    """The accounting above must itself be right: a quick check of its reading of ids."""
    assert expected_jsonl_id(b'{"id": "a", "text": "b"}') == "a"
    assert expected_jsonl_id(b'{"id": 7}') == "7" and expected_jsonl_id(b'{"id": true}') is None
    assert expected_jsonl_id(b'{"id": "a", "n": ' + b"9" * 5_000 + b"}") is None
    assert expected_jsonl_id(b"caf\xe9") is None and expected_jsonl_id(b"[1]") is None



def test_a_scan_interrupted_among_hostile_records_resumes_and_accounts_for_every_one(tmp_path: Path) -> None:
    """Interrupted after three batches (the checkpoint written, as after Ctrl-C or kill -9 there),
    `--resume` goes on from there through the rest of the hostile records: every record once."""
    from jaga.scan import scan

    rng = random.Random(7)
    source = tmp_path / "hostile.jsonl"
    lines = write_jsonl(source, jsonl_lines(rng, "r", 120), rng)
    output = tmp_path / "out.jsonl"
    batches = 0

    def interrupt(_position: int, _total: int | None, _summary: object) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan(str(source), str(output), moderator=Moderator(), batch_size=20, progress=interrupt)
    assert json.loads((tmp_path / ".out.jsonl.checkpoint.json").read_text())["records_done"] == 60
    result = runner.invoke(app, ["scan", str(source), "-o", str(output), "--batch-size", "20", "--resume", "-q",
                                 "--no-claims"])
    assert result.exit_code == EXIT_REJECTS, result.output
    decisions = [json.loads(line)["post_id"] for line in output.read_text(encoding="utf-8").splitlines()]
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(decisions) + len(rejects) == len(lines)
    assert Counter(decisions + [reject["id"] for reject in rejects if "id" in reject]) == Counter(
        value for value in (expected_jsonl_id(line) for line in lines) if value is not None)

    (tmp_path / ".out.jsonl.checkpoint.json").write_text('{"version": 1, "input": ')  # a disk that failed
    broken = runner.invoke(app, ["scan", str(source), "-o", str(output), "--resume", "-q", "--no-claims"])
    assert broken.exit_code == 1 and "cannot be read" in broken.output
