"""The Ray engine against the local one, on a local Ray (loopback only, no usage statistics)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jaga.engines.ray import plan_splits, scan_ray
from jaga.ingest.readers import InputError
from jaga.pipeline import Moderator
from jaga.scan import scan
from jaga.store import Store

from .helpers import mixed_lines, read_jsonl, stable

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One local Ray for the module (it takes seconds to start). Its workers inherit this
    environment: the tests' pseudonym key (as the autouse fixture sets it) and no usage statistics."""
    saved = dict(os.environ)
    os.environ.update({"RAY_USAGE_STATS_ENABLED": "0", "JAGA_PSEUDONYM_KEY": "test-key",
                       "JAGA_HOME": str(tmp_path_factory.mktemp("ray-home"))})
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()
        os.environ.clear()
        os.environ.update(saved)


def _mixed(path: Path) -> Path:
    path.write_bytes(b"\n".join(mixed_lines()) + b"\n")
    return path


def test_ray_writes_the_decisions_and_rejects_of_the_local_engine(local_ray: None, tmp_path: Path,
                                                                  moderator: Moderator) -> None:
    source = _mixed(tmp_path / "in.jsonl")
    assert len(plan_splits(str(source), batch_size=4, split_bytes=1000)) >= 4  # several read tasks, each numbering its lines
    scan(str(source), str(tmp_path / "local.jsonl"), moderator=moderator, batch_size=4)
    # The session's moderator, pickled to the actors: the same detectors and policies as the local run's.
    summary, paths = scan_ray(str(source), str(tmp_path / "ray.jsonl"), workers=2, cpus_per_worker=0.9,
                              split_bytes=1000, batch_size=4, moderator=moderator)
    local, remote = read_jsonl(tmp_path / "local.jsonl"), read_jsonl(tmp_path / "ray.jsonl")
    assert len(remote) == 32 and summary.decisions == 32 and summary.rejects == 3
    assert stable(remote) == stable(local)
    assert (tmp_path / "ray.rejects.jsonl").read_bytes() == (tmp_path / "local.rejects.jsonl").read_bytes()
    assert [row["line"] for row in read_jsonl(paths.rejects)] == [6, 13, 21]
    assert any(row["post_extra"] for row in remote)


def test_ray_reads_parquet_and_csv_and_records_through_the_store(local_ray: None, tmp_path: Path,
                                                                 moderator: Moderator) -> None:
    rows = [json.loads(line) for line in mixed_lines()[:16] if line.startswith(b'{"id": "ex')]
    rows.insert(3, {"id": "no-text", "country": "ID"})
    names = ["id", "text", "country", "author_id", "platform"]
    pq.write_table(pa.Table.from_pylist([{name: row.get(name) for name in names} for row in rows]),
                   tmp_path / "in.parquet", row_group_size=4)
    with open(tmp_path / "in.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, names)
        writer.writeheader()
        writer.writerows({name: row.get(name, "") for name in names} for row in rows)
    # Parquet through a store on both engines (the store adds account measures), CSV without.
    for name, with_store in (("in.parquet", True), ("in.csv", False)):
        with Store(f"sqlite:///{tmp_path / (name + '.local.db')}") as local_store:
            scan(str(tmp_path / name), str(tmp_path / f"{name}.local.jsonl"), moderator=moderator,
                 store=local_store if with_store else None)
        with Store(f"sqlite:///{tmp_path / (name + '.ray.db')}") as store:
            summary, _ = scan_ray(str(tmp_path / name), str(tmp_path / f"{name}.ray.jsonl"), workers=1,
                                  store=store if with_store else None, moderator=moderator)
            if with_store:
                assert store.counts() == {"posts": len(rows) - 1, "decisions": len(rows) - 1}
                stored = store.post("ex-001")
                assert stored is not None and stored.author_id is not None and stored.author_id.startswith("anon_")
        assert summary.rejects == 1
        assert stable(read_jsonl(tmp_path / f"{name}.ray.jsonl")) == stable(read_jsonl(tmp_path / f"{name}.local.jsonl"))
        assert read_jsonl(tmp_path / f"{name}.ray.rejects.jsonl") == read_jsonl(tmp_path / f"{name}.local.rejects.jsonl")


def test_an_input_without_a_text_column_fails_at_once(tmp_path: Path) -> None:
    """Planned on the driver: the file is refused before any Ray work, naming the header."""
    (tmp_path / "in.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="'text'"):
        scan_ray(str(tmp_path / "in.csv"), str(tmp_path / "out.jsonl"))
    assert not (tmp_path / "out.jsonl").exists()


def test_jaga_scan_engine_ray_from_the_command_line(local_ray: None, tmp_path: Path) -> None:
    """`jaga scan --engine ray` (on the Ray already running here) writes a decision per good record
    and keeps the bad ones aside, with the CLI's exit code for rejects."""
    from typer.testing import CliRunner

    from jaga.cli import EXIT_REJECTS, app

    source = _mixed(tmp_path / "in.jsonl")
    result = CliRunner().invoke(app, ["scan", str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "ray",
                                      "--workers", "1", "--no-claims", "-q"])
    assert result.exit_code == EXIT_REJECTS, result.output
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 32
    refused = CliRunner().invoke(app, ["scan", str(source), "--engine", "ray", "--resume"])
    assert refused.exit_code == 1 and "--resume" in refused.output
