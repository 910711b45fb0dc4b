from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
import typer
from typer.testing import CliRunner

from jaga.cli.campaigns import campaigns_app, parse_window
from jaga.config import data_dir

from .posts import campaign_posts, organic_posts

app = typer.Typer()
app.add_typer(campaigns_app, name="campaigns")
runner = CliRunner()


@pytest.fixture
def posts_file(tmp_path: Path) -> Path:
    path = tmp_path / "posts.jsonl"
    lines = [post.model_dump_json() for post in campaign_posts() + organic_posts()]
    lines += ["{not json", json.dumps({"id": "anon", "text": "no author here"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_detect_is_the_default_and_bad_records_are_set_aside(posts_file: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    result = runner.invoke(app, ["campaigns", str(posts_file), "--window", "10m", "--rejects", str(rejects)])
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert [campaign["size"] for campaign in data["campaigns"]] == [6]
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.parametrize("format", ["gexf", "graphml", "html"])
def test_each_format_is_written(posts_file: Path, tmp_path: Path, format: str) -> None:
    out = tmp_path / f"out.{format}"
    result = runner.invoke(app, ["campaigns", "detect", str(posts_file), "--format", format, "-o", str(out),
                                 "--min-weight", "3"])
    assert result.exit_code == 3, result.output
    if format == "html":
        assert "<svg" in out.read_text(encoding="utf-8")
    else:
        graph = nx.read_gexf(out) if format == "gexf" else nx.read_graphml(out)
        assert graph.number_of_nodes() == 6


def test_mistakes_are_explained(posts_file: Path, tmp_path: Path) -> None:
    assert "needs -o" in runner.invoke(app, ["campaigns", str(posts_file), "--format", "html"]).output
    assert "not found" in runner.invoke(app, ["campaigns", str(tmp_path / "missing.jsonl")]).output
    assert runner.invoke(app, ["campaigns", str(posts_file), "--window", "soon"]).exit_code == 2
    assert "unknown co-action" in runner.invoke(app, ["campaigns", str(posts_file), "--kinds", "likes"]).output


def test_windows_parse() -> None:
    assert parse_window("90s").total_seconds() == 90
    assert parse_window("10m").total_seconds() == parse_window("10").total_seconds() == 600
    assert parse_window("1h").total_seconds() == 3600


@pytest.mark.skipif(not (data_dir() / "vihsd").is_dir(), reason="shared datasets not present")
def test_eval_reports_scores(tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    result = runner.invoke(app, ["campaigns", "eval", "--organic", "2000", "-o", str(out)])
    assert result.exit_code == 0, result.output
    [scores] = json.loads(out.read_text(encoding="utf-8"))
    assert scores["seed"] == 25 and scores["account_recall"] >= 0.9
