from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest

from jaga.campaigns import detect_campaigns
from jaga.campaigns.report import html_report, write

from .posts import campaign_posts, organic_posts, post


@pytest.fixture
def result():  # type: ignore[no-untyped-def]
    hostile = [post(f"x{a}", f"<b>acct{a}</b>", 200 + a, "<script>alert(1)</script> & the same hostile text "
                    "posted by several accounts") for a in range(4)]
    hostile += [post(f"y{a}", f"<b>acct{a}</b>", 260 + a, "<img src=x onerror=alert(2)> second hostile message "
                     "from the very same accounts") for a in range(4)]
    return detect_campaigns(campaign_posts() + organic_posts() + hostile)


def test_json_has_every_campaign(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "out.json"
    write(result, "json", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [campaign["size"] for campaign in data["campaigns"]] == [6, 4]
    assert data["settings"]["window_seconds"] == 600 and data["stats"]["campaigns"] == 2


@pytest.mark.parametrize("format", ["gexf", "graphml"])
def test_graph_files_read_back_in_networkx(result, tmp_path: Path, format: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"out.{format}"
    write(result, format, path)
    graph = nx.read_gexf(path) if format == "gexf" else nx.read_graphml(path)
    assert graph.number_of_nodes() == 10 and graph.number_of_edges() == 15 + 6
    assert {data["campaign"] for _, data in graph.nodes(data=True)} == {c.id for c in result.campaigns}
    assert int(graph.edges["acct0", "acct1"]["weight"]) == 3


def test_html_is_self_contained_and_escapes_what_posts_say(result) -> None:  # type: ignore[no-untyped-def]
    page = html_report(result)
    assert page.count("<svg") == 2 and "<circle" in page and "Timeline" in page
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;acct0&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)  # nothing loaded from the network


def test_empty_result_still_writes_a_report(tmp_path: Path) -> None:
    empty = detect_campaigns(organic_posts())
    assert "No campaign found" in html_report(empty)
    write(empty, "graphml", tmp_path / "empty.graphml")
    assert nx.read_graphml(tmp_path / "empty.graphml").number_of_nodes() == 0
    with pytest.raises(ValueError, match="unknown format"):
        write(empty, "pdf", tmp_path / "x.pdf")
