"""Transparency reports for a period (`jaga report`): the numbers regulators and the public ask for
(Santa Clara Principles "Numbers", the DSA transparency database, Malaysia's and Singapore's
online-safety reporting), as JSON, CSV or an HTML page with bar charts drawn in inline SVG.

The headline figures are `Store.transparency`'s, the ones `GET /v1/transparency` serves, so a
published report and the API never disagree; the breakdowns added here (language, source, authority
requests by agency and within their deadline) are SQL aggregates, computed by the database."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, func, select

from jaga.store.cases import CaseRepository
from jaga.store.models import AppealRow, DecisionRow, ReportRow, ReviewTaskRow
from jaga.types import Action

FORMATS = ("json", "csv", "html")


class PeriodError(ValueError):
    """A period that is not a year (2026), a quarter (2026-Q3) or a month (2026-07)."""


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of '2026', '2026-Q3' or '2026-07'."""
    match = re.fullmatch(r"(\d{4})(?:-Q([1-4])|-(\d{2}))?", period.strip())
    if match is None or (match[3] is not None and not 1 <= int(match[3]) <= 12):
        raise PeriodError(f"unknown period {period!r}: use a year (2026), a quarter (2026-Q3) or a month (2026-07)")
    year = int(match[1])
    if not 1970 <= year <= 9998:  # datetime has no year 0, and an end in year 10000 does not exist either
        raise PeriodError(f"unknown period {period!r}: the year must be between 1970 and 9998")
    if match[2] is not None:
        first, months = (int(match[2]) - 1) * 3 + 1, 3
    elif match[3] is not None:
        first, months = int(match[3]), 1
    else:
        first, months = 1, 12
    end_month = first + months
    start = datetime(year, first, 1, tzinfo=UTC)
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=UTC)
    return start, end


def transparency_report(store: CaseRepository, period: str, jurisdiction: str | None = None) -> dict[str, Any]:
    """The report for one organisation (`store` is scoped to it), a period and optionally one
    jurisdiction."""
    since, until = period_bounds(period)
    wanted = (jurisdiction,) if jurisdiction else ()
    report: dict[str, Any] = {"period": period, "since": since.isoformat(), "until": until.isoformat(),
                              "jurisdiction": jurisdiction or "all"}
    report.update(store.transparency(wanted, since, until).model_dump())

    def scoped(query: Any, table: Any, when: Any) -> Any:
        query = query.where(table.org == store.org, when >= since, when < until)
        return query.where(table.jurisdiction.in_(wanted)) if wanted else query

    agency = DecisionRow.document["statement"]["authority_request"]["agency"].as_string()
    within = and_(ReviewTaskRow.status == "decided", ReviewTaskRow.deadline.is_not(None),
                  ReviewTaskRow.decided_at <= ReviewTaskRow.deadline)
    with store.sessions() as session:
        by_language = dict(session.execute(scoped(select(DecisionRow.language, func.count()), DecisionRow,
                                                  DecisionRow.decided_at).group_by(DecisionRow.language)).all())
        ordered = report["authority_requests"]
        flags = dict(session.execute(scoped(select(ReportRow.trusted_flagger, func.count()), ReportRow,
                                            ReportRow.created_at).group_by(ReportRow.trusted_flagger)).all())
        agencies = session.execute(
            scoped(select(agency, func.count(), func.sum(case((within, 1), else_=0))), DecisionRow,
                   DecisionRow.decided_at)
            .outerjoin(ReviewTaskRow, and_(ReviewTaskRow.org == DecisionRow.org,
                                           ReviewTaskRow.decision_id == DecisionRow.id))
            .where(DecisionRow.authority_order, agency.is_not(None)).group_by(agency)).all()  # documents of orders only
    total = report["decisions"]
    report["by_language"] = by_language
    # Where each decision came from: the system's own detection or a government order; user and
    # trusted-flagger reports are counted as filed (a report may bring in an already-decided post).
    report["by_source"] = {"automated_detection": total - ordered, "authority_order": ordered,
                           "user_report": int(flags.get(False, 0)), "trusted_flagger": int(flags.get(True, 0))}
    report["automated_detection_share"] = round((total - ordered) / total, 4) if total else 0.0
    report["automated_decision_share"] = report["automated_share"]
    decided_appeals = report["appeals"]["upheld"] + report["appeals"]["rejected"]
    report["appeals"]["reversal_rate"] = round(report["appeals"]["upheld"] / decided_appeals, 4) if decided_appeals else 0.0
    report["authority_requests_by_agency"] = {
        name: {"requests": count, "within_deadline": int(met or 0), "share_within_deadline": round(int(met or 0) / count, 4)}
        for name, count, met in agencies}
    return report


def _rows(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Every leaf of the report as (path/with/slashes, value): the CSV holds exactly the JSON's numbers."""
    if isinstance(value, dict):
        return [row for key, inner in value.items() for row in _rows(inner, (*path, str(key)))]
    return [("/".join(path), "" if value is None else value)]


def to_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "value"])
    writer.writerows(_rows(report))
    return buffer.getvalue()


def _bar_chart(title: str, counts: dict[str, int]) -> str:
    """A horizontal bar chart as inline SVG: no script, no CDN, prints and archives as it is."""
    if not counts:
        return f"<h2>{html.escape(title)}</h2><p>None in this period.</p>"
    items = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    top = max(value for _, value in items) or 1
    row, label_width, bar_width = 24, 180, 360
    bars = []
    for index, (name, value) in enumerate(items):
        y = index * row
        width = max(1, round(bar_width * value / top))
        bars.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{html.escape(str(name))}</text>'
                    f'<rect x="{label_width}" y="{y + 4}" width="{width}" height="{row - 8}" fill="#2b6cb0">'
                    f"<title>{html.escape(str(name))}: {value}</title></rect>"
                    f'<text x="{label_width + width + 6}" y="{y + 16}">{value}</text>')
    height = len(items) * row
    return (f"<h2>{html.escape(title)}</h2>"
            f'<svg role="img" aria-label="{html.escape(title)}" width="{label_width + bar_width + 80}" '
            f'height="{height}" viewBox="0 0 {label_width + bar_width + 80} {height}" '
            f'font-family="sans-serif" font-size="13">{"".join(bars)}</svg>')


def to_html(report: dict[str, Any]) -> str:
    title = f"Jaga transparency report {report['period']} ({report['jurisdiction']})"
    reviews, appeals = report["reviews"], report["appeals"]
    facts = [("Decisions", report["decisions"]),
             ("Automated detection share", f"{report['automated_detection_share']:.1%}"),
             ("Automated decision share", f"{report['automated_decision_share']:.1%}"),
             ("Median hours to action (reviews)", reviews["median_hours_to_decision"]),
             ("Appeals filed / upheld (reversed) / rejected / open",
              f"{appeals['filed']} / {appeals['upheld']} / {appeals['rejected']} / {appeals['open']}"),
             ("Appeal reversal rate", f"{appeals['reversal_rate']:.1%}"),
             ("Authority requests", report["authority_requests"])]
    rows = "".join(f"<tr><th scope='row'>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
                   for name, value in facts)
    agencies = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{counts['requests']}</td><td>{counts['within_deadline']}</td>"
        f"<td>{counts['share_within_deadline']:.1%}</td></tr>"
        for name, counts in sorted(report["authority_requests_by_agency"].items()))
    charts = "".join(_bar_chart(name, report[key]) for name, key in (
        ("Decisions by category", "by_category"), ("Decisions by action", "by_action"),
        ("Decisions by source", "by_source"), ("Decisions by language", "by_language"),
        ("Decisions by jurisdiction", "by_jurisdiction")))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}th,td{{text-align:left;padding:.25rem .75rem;border-bottom:1px solid #ccc}}</style>
</head><body><h1>{html.escape(title)}</h1>
<p>From {html.escape(report['since'])} to {html.escape(report['until'])} (exclusive).</p>
<table>{rows}</table>
<h2>Authority requests by agency</h2>
<table><tr><th>Agency</th><th>Requests</th><th>Decided within deadline</th><th>Share</th></tr>{agencies}</table>
{charts}
</body></html>
"""


# --- the dashboard: the same figures over time ---------------------------------------------------

BUCKETS = ("day", "week")


def _bucket(column: Any, bucket: str, dialect: str) -> Any:
    """The UTC day (or the Monday of the UTC week) of a timestamp as 'YYYY-MM-DD', in SQL, so the
    database groups a million rows and Python only sees one row per bucket and key. SQLite keeps
    timestamps as UTC text ('2026-12-04 10:00:00.000000'); PostgreSQL as timestamptz."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        return func.to_char(func.date_trunc(bucket, utc), "YYYY-MM-DD")
    if bucket == "week":
        return func.date(column, "-6 days", "weekday 1")  # back to the Monday on or before the day
    return func.substr(column, 1, 10)


def _hours(start: Any, end: Any, dialect: str) -> Any:
    """Hours from `start` to `end` in SQL."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def dashboard(store: CaseRepository, period: str, bucket: str | None = None,
              jurisdiction: str | None = None) -> dict[str, Any]:
    """The console dashboard's series for a period: per day (a month) or per week (a quarter or a
    year) decisions by category, jurisdiction and language, the automated share, reviews decided
    within and after their deadline with the mean hours to action, appeals upheld (reversals) and
    rejected, and reports by source. The series come from GROUP BYs in the database (bucket, keys): the
    rows that reach Python are a few per bucket and key, however many decisions there are (one pass
    over the decisions of the period, one over each other table).

    Returns {"buckets": [...], "series": {name: {key: [count per bucket]}}, ...}: every series
    has a value for every bucket (0 where nothing happened), ready to draw."""
    since, until = period_bounds(period)
    bucket = bucket or ("day" if re.fullmatch(r"\d{4}-\d{2}", period.strip()) else "week")
    if bucket not in BUCKETS:
        raise PeriodError(f"unknown bucket {bucket!r}: use day or week")
    wanted = (jurisdiction,) if jurisdiction else ()
    dialect = store.engine.dialect.name

    def scoped(query: Any, table: Any, when: Any) -> Any:
        query = query.where(table.org == store.org, when >= since, when < until)
        return query.where(table.jurisdiction.in_(wanted)) if wanted else query

    def grouped(session: Any, table: Any, when: Any, keys: tuple[Any, ...], *extra: Any) -> list[Any]:
        day = _bucket(when, bucket, dialect)
        return list(session.execute(scoped(select(day, *keys, func.count(), *extra), table, when).group_by(day, *keys)))

    decisions, tasks = DecisionRow, ReviewTaskRow
    ordered = decisions.authority_order  # a column since migration 0014: no document is parsed or read
    hours = _hours(tasks.created_at, tasks.decided_at, dialect)
    within = case((tasks.deadline.is_(None), "no_deadline"), (tasks.decided_at <= tasks.deadline, "within"), else_="late")
    with store.sessions() as session:
        # One pass over the decisions (a table scan costs the same for one key or six: the rows are
        # read either way). Categories are a JSON list: grouped by its text (few distinct sets) and
        # split below; they count while the decision restricts the post, as the report counts them.
        facts = grouped(session, decisions, decisions.decided_at,
                        (decisions.jurisdiction, decisions.language, decisions.automated, ordered,
                         cast(decisions.categories, String), decisions.action == str(Action.ALLOW)))
        reviews = grouped(session, tasks, tasks.decided_at, (within,), func.sum(hours))
        appeals = grouped(session, AppealRow, AppealRow.decided_at, (AppealRow.outcome,))
        reports = grouped(session, ReportRow, ReportRow.created_at, (ReportRow.trusted_flagger,))
    days = _bucket_labels(since, until, bucket)
    index = {day: position for position, day in enumerate(days)}
    series: dict[str, dict[str, list[float]]] = {}

    def add(name: str, day: Any, key: Any, value: float) -> None:
        if day is None or str(day)[:10] not in index:
            return
        values = series.setdefault(name, {}).setdefault(str(key), [0] * len(days))
        values[index[str(day)[:10]]] += value

    for day, jurisdiction, language, is_automated, is_order, chosen, allowed, count in facts:
        if not allowed:
            for category in json.loads(chosen or "[]"):
                add("by_category", day, category, count)
        add("by_jurisdiction", day, jurisdiction, count)
        add("by_language", day, language or "und", count)
        add("decisions", day, "automated" if is_automated else "by_a_person", count)
        if is_order:
            add("by_source", day, "authority_order", count)
    for day, flagger, count in reports:
        add("by_source", day, "trusted_flagger" if flagger else "user_report", count)
    total_hours = [0.0] * len(days)
    for day, kind, count, summed in reviews:
        add("reviews", day, kind, count)
        if day is not None and str(day)[:10] in index:
            total_hours[index[str(day)[:10]]] += float(summed or 0.0)
    for day, outcome, count in appeals:
        if outcome:
            add("appeals", day, outcome, count)
    decided = [sum(column) for column in zip(*series.get("reviews", {}).values(), strict=True)] or [0] * len(days)
    made = series.get("decisions", {})
    people = made.get("by_a_person", [0] * len(days))
    machine = made.get("automated", [0] * len(days))
    appealed = series.get("appeals", {})
    upheld, rejected = appealed.get("upheld", [0] * len(days)), appealed.get("rejected", [0] * len(days))
    return {
        "period": period, "since": since.isoformat(), "until": until.isoformat(), "bucket": bucket,
        "jurisdiction": jurisdiction or "all", "buckets": days, "series": series,
        "automated_share": [round(a / (a + p), 4) if a + p else None for a, p in zip(machine, people, strict=True)],
        "mean_hours_to_action": [round(h / n, 2) if n else None for h, n in zip(total_hours, decided, strict=True)],
        "appeal_reversal_rate": [round(u / (u + r), 4) if u + r else None for u, r in zip(upheld, rejected, strict=True)],
    }


def _bucket_labels(since: datetime, until: datetime, bucket: str) -> list[str]:
    """Every bucket of the period, empty ones included, labelled as the SQL above labels them."""
    from datetime import timedelta

    day = since.date()
    if bucket == "week":
        day -= timedelta(days=day.weekday())
    labels = []
    while day < until.date():
        labels.append(day.isoformat())
        day += timedelta(days=7 if bucket == "week" else 1)
    return labels
