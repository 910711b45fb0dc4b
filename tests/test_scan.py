from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jaga import Moderator
from jaga.scan import ScanError, scan
from jaga.store import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _mixed_file(path: Path, copies: int) -> Path:
    """The 11-language example posts, repeated with new ids, with malformed lines mixed in."""
    base = [json.loads(line) for line in (EXAMPLES / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    with open(path, "wb") as handle:
        for copy in range(copies):
            for post in base:
                handle.write(json.dumps({**post, "id": f"{post['id']}-{copy}"}, ensure_ascii=False).encode() + b"\n")
            handle.write(b'{"id": "broken-%d", "text": \n' % copy)
            handle.write(b'{"id": "latin1-%d", "text": "caf\xe9"}\n' % copy)
    return path


def _stable(path: Path) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for row in rows:  # times are the only thing that may differ between two runs
        row.pop("decided_at")
        row.pop("deadline")
        if row.get("statement"):
            row["statement"].pop("deadline")
            row["statement"].pop("user_notice")  # states the deadline in words
    return rows


def _assert_same(actual: list[dict[str, object]], expected: list[dict[str, object]]) -> None:
    """Equality with a short message (pytest's full diff of 1,300 decisions takes minutes)."""
    assert len(actual) == len(expected)
    for index, (one, two) in enumerate(zip(actual, expected, strict=True)):
        assert one == two, f"decision {index} differs: {one.get('post_id')}"


def test_scan_writes_decisions_and_keeps_rejects(tmp_path: Path, moderator: Moderator) -> None:
    source = _mixed_file(tmp_path / "in.jsonl", copies=2)
    summary, paths = scan(str(source), str(tmp_path / "out.jsonl"), moderator=moderator, batch_size=7)
    assert summary.decisions == 64 and summary.rejects == 4
    assert len(_stable(tmp_path / "out.jsonl")) == 64
    rejects = [json.loads(line) for line in paths.rejects.read_text().splitlines()]
    assert [r["line"] for r in rejects] == [33, 34, 67, 68]
    assert set(summary.by_language) >= {"en", "id", "ms", "tl", "th", "vi", "km", "lo", "my", "zh", "ta"}
    assert not paths.checkpoint.exists()


def test_parquet_output(tmp_path: Path, moderator: Moderator) -> None:
    scan(str(EXAMPLES / "posts.jsonl"), str(tmp_path / "out.parquet"), moderator=moderator)
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 32 and "action" in table.column_names


def test_a_left_checkpoint_requires_resume(tmp_path: Path, moderator: Moderator) -> None:
    (tmp_path / ".out.jsonl.checkpoint.json").write_text("{}")
    with pytest.raises(ScanError, match="--resume"):
        scan(str(EXAMPLES / "posts.jsonl"), str(tmp_path / "out.jsonl"), moderator=moderator)


def test_scan_persists_to_the_store_idempotently(tmp_path: Path, moderator: Moderator, database_url: str) -> None:
    with Store(database_url) as store:
        for _ in range(2):  # a replay (as after a crash) must not duplicate rows
            scan(str(EXAMPLES / "posts.jsonl"), str(tmp_path / "out.jsonl"), moderator=moderator, store=store)
        assert store.counts() == {"posts": 32, "decisions": 32}
        stored = store.post("ex-001")
        assert stored is not None and stored.author_id.startswith("anon_")


@pytest.mark.parametrize("partial_write", [False, True])
def test_resume_after_kill_9_matches_an_uninterrupted_run(tmp_path: Path, moderator: Moderator,
                                                          partial_write: bool) -> None:
    source = _mixed_file(tmp_path / "in.jsonl", copies=40)  # 1,360 records
    scan(str(source), str(tmp_path / "reference.jsonl"), moderator=moderator, batch_size=20)

    output = tmp_path / "out.jsonl"
    checkpoint = tmp_path / ".out.jsonl.checkpoint.json"
    command = [sys.executable, "-m", "jaga.cli", "scan", str(source), "-o", str(output), "--batch-size", "20", "-q"]
    process = subprocess.Popen(command, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if checkpoint.exists() and json.loads(checkpoint.read_text())["records_done"] >= 200:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = json.loads(checkpoint.read_text())["records_done"]
    assert 0 < done < 1360, "the scan must be killed part-way"
    if partial_write:  # a batch written but not yet checkpointed when the process died
        with open(output, "a", encoding="utf-8") as handle:
            handle.write('{"id": "half a line')

    result = subprocess.run([*command, "--resume"], env=os.environ.copy(), capture_output=True, text=True)
    assert result.returncode == 3, result.stderr  # finished, with rejects
    _assert_same(_stable(output), _stable(tmp_path / "reference.jsonl"))
    assert (tmp_path / "out.rejects.jsonl").read_text() == (tmp_path / "reference.rejects.jsonl").read_text()
    assert not checkpoint.exists()


def test_authority_requests_are_counted_separately(tmp_path: Path, moderator: Moderator) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "1", "text": "hello", "country": "TH"}\n'
        '{"id": "2", "text": "ข่าวปลอม", "country": "TH", "authority_request": {"agency": "MDES", "channel": "written",'
        ' "received_at": "2026-11-28T01:00:00+07:00"}}\n'
        '{"id": "3", "text": "x", "authority_request": {"agency": "", "channel": "fax", "received_at": "soon"}}\n',
        encoding="utf-8")
    summary, paths = scan(str(source), str(tmp_path / "out.jsonl"), moderator=moderator)
    assert summary.authority_requests == 1
    assert summary.rejects == 1  # an invalid request is refused with the reason, never half-read
    reject = json.loads(paths.rejects.read_text().splitlines()[0])
    assert "authority_request.channel" in reject["error"]


def test_a_record_that_breaks_a_detector_is_rejected_and_the_rest_decided(tmp_path: Path) -> None:
    from jaga.detect.base import Detector

    class Fragile(Detector):
        name = "fragile"
        categories = ()

        def detect(self, batch):  # type: ignore[no-untyped-def]
            if any("boom" in prepared.text.text for prepared in batch):
                raise RuntimeError("this detector cannot read that")
            return [[] for _ in batch]

    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "1", "text": "hello"}\n{"id": "2", "text": "boom"}\n{"id": "3", "text": "bye"}\n',
                      encoding="utf-8")
    output = tmp_path / "out.jsonl"
    summary, _ = scan(str(source), str(output), moderator=Moderator(detectors=[Fragile()]), batch_size=10)
    assert [json.loads(line)["post_id"] for line in output.read_text().splitlines()] == ["1", "3"]
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["error"]) for r in rejects] == [(2, "moderation failed: RuntimeError: this detector cannot read that")]
    assert summary.records == 3 and summary.rejects == 1


def test_unknown_fields_travel_with_the_decision_unless_strict(tmp_path: Path, moderator: Moderator) -> None:
    source = tmp_path / "export.csv"
    source.write_text("id,text,author,label\n1,Selamat pagi semua,bob,ok\n2,Good morning all,,\n", encoding="utf-8")
    summary, _ = scan(str(source), str(tmp_path / "out.jsonl"), moderator=moderator)
    decisions = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert summary.rejects == 0 and [d["post_extra"] for d in decisions] == [{"author": "bob", "label": "ok"}, {}]
    summary, paths = scan(str(source), str(tmp_path / "strict.jsonl"), moderator=moderator, strict=True)
    assert summary.decisions == 1 and summary.rejects == 1
    [reject] = [json.loads(line) for line in paths.rejects.read_text().splitlines()]
    assert reject["line"] == 2 and "author: Extra inputs are not permitted" in reject["error"]
