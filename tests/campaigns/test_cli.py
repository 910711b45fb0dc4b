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


def test_campaigns_over_the_stored_posts_of_a_period_are_saved_for_the_organisation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`jaga scan --store` keeps the posts; `jaga campaigns --from-store DAY --save` finds the campaign
    among them (authors are the stored pseudonyms) and keeps it for that organisation alone."""
    from jaga.cli import app as jaga
    from jaga.store import Store

    monkeypatch.setenv("JAGA_DATABASE_URL", f"sqlite:///{tmp_path / 'jaga.db'}")
    source = tmp_path / "posts.jsonl"
    source.write_text("\n".join(post.model_dump_json() for post in campaign_posts() + organic_posts()) + "\n",
                      encoding="utf-8")
    stored = runner.invoke(jaga, ["scan", str(source), "-o", str(tmp_path / "out.jsonl"), "--store", "--no-claims",
                                  "-q"])
    assert stored.exit_code == 0, stored.output
    result = runner.invoke(jaga, ["campaigns", "--from-store", "2026-03-01", "--save"])
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.stdout)["campaigns"]
    assert found["size"] == 6 and all(account.startswith("anon_") for account in found["accounts"])
    with Store() as store:
        assert [saved["id"] for saved in store.campaigns()] == [found["id"]]
        assert store.scoped("other").campaigns() == []
    nothing = runner.invoke(jaga, ["campaigns", "--from-store", "2026-03-02"])
    assert nothing.exit_code == 0 and json.loads(nothing.stdout)["campaigns"] == []
    assert runner.invoke(jaga, ["campaigns", "--from-store", "yesterday"]).exit_code == 2
