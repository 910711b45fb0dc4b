"""Writing what `detect_campaigns` found: JSON, GEXF and GraphML (for Gephi), and an HTML report.

The HTML report is one self-contained file: the network picture and the timeline are SVG drawn
here, on the server, with no script and nothing loaded from the network. Analysts open these
reports on locked-down machines and pass them to other agencies; a page that calls a CDN would both
fail there and tell a third party what is being investigated. Every text from the posts is escaped.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx

from jaga.campaigns.detect import CampaignResult

FORMATS = ("json", "gexf", "graphml", "html")
MAX_DRAWN_ACCOUNTS = 150
"""Accounts drawn per campaign in the HTML network picture (the most connected); the JSON has all."""
MAX_DRAWN_TOTAL = 600
"""Accounts drawn in all (the largest campaigns first): a force layout of thousands of nodes takes
seconds and draws a hairball."""
_PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
            "#7f7f7f")


def annotated_graph(result: CampaignResult) -> nx.Graph[str]:
    """The account network with each account's campaign id ("" when in none) and size, as Gephi wants
    it: plain string and number attributes only."""
    graph: nx.Graph[str] = nx.Graph()
    campaign_of = {account: campaign.id for campaign in result.campaigns for account in campaign.accounts}
    for node in result.graph.nodes:
        graph.add_node(node, label=node, campaign=campaign_of.get(node, ""),
                       degree=int(result.graph.degree(node)))
    for u, v, data in result.graph.edges(data=True):
        graph.add_edge(u, v, **{key: int(value) for key, value in data.items()})
    graph.graph["description"] = "Jaga coordinated-campaign network: edge weight = distinct co-actions"
    return graph


def write(result: CampaignResult, format: str, path: Path) -> None:
    """Write `result` to `path` in one of `FORMATS`."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if format == "json":
        path.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    elif format == "gexf":
        nx.write_gexf(annotated_graph(result), path)
    elif format == "graphml":
        nx.write_graphml(annotated_graph(result), path)
    else:
        path.write_text(html_report(result), encoding="utf-8")


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def network_svg(result: CampaignResult, width: int = 900, height: int = 560) -> str:
    """The campaigns' accounts and edges, one colour per campaign, laid out by force (seeded, so the
    same result draws the same picture)."""
    drawn: list[str] = []
    colour: dict[str, str] = {}
    for index, campaign in enumerate(result.campaigns):
        room = min(MAX_DRAWN_ACCOUNTS, MAX_DRAWN_TOTAL - len(drawn))
        if room <= 0:
            break
        members = sorted(campaign.accounts, key=lambda node: -result.graph.degree(node))[:room]
        drawn.extend(members)
        for member in members:
            colour[member] = _PALETTE[index % len(_PALETTE)]
    if not drawn:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="80" role="img">'
                '<text x="10" y="40">No campaign found.</text></svg>')
    subgraph = result.graph.subgraph(drawn)
    positions = nx.spring_layout(subgraph, seed=25, weight="weight", iterations=60)
    xs = [float(x) for x, _ in positions.values()]
    ys = [float(y) for _, y in positions.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0

    def place(node: str) -> tuple[float, float]:
        x, y = positions[node]
        return 20 + (float(x) - min(xs)) / span_x * (width - 40), 20 + (float(y) - min(ys)) / span_y * (height - 40)

    heaviest = max((data.get("weight", 1) for _, _, data in subgraph.edges(data=True)), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Account network">']
    for u, v, data in subgraph.edges(data=True):
        (x1, y1), (x2, y2) = place(u), place(v)
        stroke = 0.5 + 2.5 * data.get("weight", 1) / heaviest
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#999" '
                     f'stroke-opacity="0.5" stroke-width="{stroke:.2f}"/>')
    for node in subgraph.nodes:
        x, y = place(node)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour[node]}"><title>{_esc(node)} '
                     f'({result.graph.degree(node)} links)</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(result: CampaignResult, width: int = 900) -> str:
    """One row per campaign, one tick per co-acting post, on a shared time axis."""
    rows = [(campaign, [result.post_times[post] for post in campaign.posts if post in result.post_times])
            for campaign in result.campaigns]
    rows = [(campaign, times) for campaign, times in rows if times]
    if not rows:
        return ""
    start = min(min(times) for _, times in rows)
    end = max(max(times) for _, times in rows)
    span = (end - start).total_seconds() or 1.0
    left, row_height = 140, 26
    height = 40 + row_height * len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Timeline">']
    for index, (campaign, times) in enumerate(rows):
        y = 20 + index * row_height
        parts.append(f'<text x="4" y="{y + 5}" font-size="11">{_esc(campaign.id)}</text>')
        for when in times:
            x = left + (when - start).total_seconds() / span * (width - left - 20)
            parts.append(f'<line x1="{x:.1f}" y1="{y - 7}" x2="{x:.1f}" y2="{y + 7}" '
                         f'stroke="{_PALETTE[index % len(_PALETTE)]}" stroke-opacity="0.6"/>')
    axis = height - 12
    parts.append(f'<text x="{left}" y="{axis}" font-size="11">{_esc(_when(start))}</text>')
    parts.append(f'<text x="{width - 20}" y="{axis}" font-size="11" text-anchor="end">{_esc(_when(end))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _campaign_section(campaign: Any) -> str:
    texts = "".join(f"<li>{_esc(text)}</li>" for text in campaign.texts)
    facts = ", ".join(_esc(fact) for fact in campaign.fact_checks) or "none matched"
    languages = ", ".join(f"{_esc(code)} ({count})" for code, count in campaign.languages.items())
    co_actions = ", ".join(f"{_esc(kind)} {count}" for kind, count in campaign.co_actions.items())
    accounts = ", ".join(_esc(account) for account in campaign.accounts[:50])
    more = f" and {len(campaign.accounts) - 50} more" if len(campaign.accounts) > 50 else ""
    return (f'<section><h2>{_esc(campaign.id)}: {len(campaign.accounts)} accounts, {len(campaign.posts)} posts</h2>'
            f"<p>{_esc(_when(campaign.start))} to {_esc(_when(campaign.end))}. Languages: {languages}. "
            f"Co-actions: {co_actions}. Density {campaign.density:.2f}.</p>"
            f"<p><b>Links:</b> {', '.join(_esc(url) for url in campaign.urls) or 'none'}. "
            f"<b>Hashtags:</b> {', '.join('#' + _esc(tag) for tag in campaign.hashtags) or 'none'}. "
            f"<b>Fact-checks:</b> {facts}.</p><ol>{texts}</ol>"
            f"<details><summary>Accounts</summary><p>{accounts}{more}</p></details></section>")


def html_report(result: CampaignResult) -> str:
    """The whole report as one HTML document (inline CSS and SVG, no script)."""
    stats = ", ".join(f"{_esc(key.replace('_', ' '))}: {_esc(value)}" for key, value in result.stats.items())
    sections = "".join(_campaign_section(campaign) for campaign in result.campaigns)
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Jaga: coordinated campaigns</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2em;max-width:960px;color:#222}"
            "section{border-top:1px solid #ddd;padding-top:.5em}h2{font-size:1.1em}svg{border:1px solid #eee}"
            "</style></head><body><h1>Coordinated campaigns</h1>"
            f"<p>{len(result.campaigns)} campaigns. Window {_esc(result.settings.get('window_seconds'))} s, "
            f"minimum weight {_esc(result.settings.get('min_weight'))}.</p><p><small>{stats}</small></p>"
            f"<h2>Network</h2>{network_svg(result)}<h2>Timeline</h2>{timeline_svg(result)}{sections}"
            "</body></html>\n")
