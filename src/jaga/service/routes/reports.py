"""Reports in both senses: a user's or trusted flagger's report about a post, and the aggregates
for transparency reporting."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from jaga.privacy import pseudonymise
from jaga.service.deps import (
    CASE_READERS,
    READERS,
    WRITERS_OF_CONTENT,
    IdempotencyKey,
    RawBody,
    ServicesDep,
    idempotent,
    role_in,
)
from jaga.service.errors import ApiError
from jaga.service.openapi import errors
from jaga.service.routes import paging
from jaga.service.schemas import ObjectId, ReportOut, ReportRequest, Transparency
from jaga.store import ApiKey
from jaga.store.reports import PeriodError, dashboard, to_csv, to_html, transparency_report

router = APIRouter()


def report_deadlines(http: Request) -> Callable[[str, bool, datetime], datetime | None] | None:
    """The policy's periods for reports (user and trusted flagger), from the moderator's policy
    engine; None for a policy that sets none."""
    policy = getattr(http.app.state.moderator, "policy", None)
    return getattr(policy, "report_deadline", None)


@router.post("/v1/reports", response_model=ReportOut, status_code=201, tags=["reports"], responses=errors(404, 409))
def file_report(request: ReportRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
           running: ServicesDep, http: Request, body: RawBody, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """A user's flag or a trusted flagger's notice: the post's decision goes to a person."""
    def file() -> ReportOut:
        reporter = request.reporter if request.trusted_flagger else pseudonymise(request.reporter) or "anonymous"
        # Only the organisation's decisions in the key's jurisdictions: a key cannot file (and so
        # write) against a case it cannot see; that answers 404 like a post never sent.
        return ReportOut.model_validate(running.store.scoped(key.org).file_report(
            request.post_id, reporter, request.reason, request.category, request.trusted_flagger, actor=key.id,
            jurisdictions=key.jurisdictions, deadline_for=report_deadlines(http)))

    return idempotent(running.store, key, http, body, idempotency_key, file, status=201)


@router.get("/v1/reports", response_model=list[ReportOut], tags=["reports"], responses=paging.PAGED)
def list_reports(key: Annotated[ApiKey, Depends(role_in(CASE_READERS))], running: ServicesDep, response: Response,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: paging.CursorParam = None,
                 post_id: Annotated[ObjectId | None, Query()] = None) -> list[ReportOut]:
    """Reports (users' flags and trusted flaggers' notices) on the organisation's decisions in the
    key's jurisdictions, oldest first. A page with more after it answers `X-Next-Cursor`: send it
    back as `cursor` for the next one."""
    reports, last = running.store.scoped(key.org).report_page(
        key.jurisdictions, after=paging.decode("reports", cursor, (datetime, str)), limit=limit, post_id=post_id)
    paging.set_next(response, "reports", last)
    return [ReportOut.model_validate(report) for report in reports]


@router.get("/v1/reports/transparency", tags=["reports"], response_model=None,
            responses={200: {"content": {"application/json": {}, "text/csv": {}, "text/html": {}}}, **errors(404)})
def transparency_report_for(key: Annotated[ApiKey, Depends(role_in(READERS))], running: ServicesDep,
                            period: Annotated[str, Query(pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
                                                         description="2026-Q3, 2026-07 or 2026 (UTC).")],
                            jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,5}$")] = None,
                            format: Literal["json", "csv", "html"] = "json") -> Response:
    """The transparency report of a period (as `jaga report`): decisions by category, action,
    source, language and jurisdiction, automated shares, time to action, appeals and reversals,
    authority requests by agency and the share met within their deadline. As JSON, CSV, or HTML
    with bar charts (server-rendered SVG, no script). A key limited to some jurisdictions names
    one of them."""
    if jurisdiction is not None and not key.may_see(jurisdiction):
        raise ApiError(404, "not_found", f"no data for {jurisdiction.upper()}")
    if jurisdiction is None and key.jurisdictions:
        raise ApiError(422, "jurisdiction_required", "this key sees only "
                       f"{', '.join(key.jurisdictions)}: name one of them (jurisdiction=...)")
    try:
        report = transparency_report(running.store.scoped(key.org), period, jurisdiction.upper() if jurisdiction else None)
    except PeriodError as error:
        raise ApiError(422, "invalid_period", str(error)) from None
    if format == "csv":
        return Response(to_csv(report), media_type="text/csv; charset=utf-8")
    if format == "html":
        return Response(to_html(report), media_type="text/html; charset=utf-8")
    return JSONResponse(report)


@router.get("/v1/reports/dashboard", tags=["reports"], responses=errors(404))
def dashboard_series(key: Annotated[ApiKey, Depends(role_in(READERS))], running: ServicesDep,
                     period: Annotated[str, Query(pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
                                                  description="2026-Q3, 2026-07 or 2026 (UTC).")],
                     jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,5}$")] = None,
                     bucket: Literal["day", "week"] | None = None) -> JSONResponse:
    """The console dashboard's charts over time (per day for a month, per week otherwise): decisions
    by category, jurisdiction and language, automated share, reviews within and after their deadline
    and the mean hours to action, appeals upheld and rejected (reversal rate), reports by source.
    SQL aggregates, one GROUP BY per series. Scoped as the transparency report is."""
    if jurisdiction is not None and not key.may_see(jurisdiction):
        raise ApiError(404, "not_found", f"no data for {jurisdiction.upper()}")
    if jurisdiction is None and key.jurisdictions:
        raise ApiError(422, "jurisdiction_required", "this key sees only "
                       f"{', '.join(key.jurisdictions)}: name one of them (jurisdiction=...)")
    try:
        series = dashboard(running.store.scoped(key.org), period, bucket, jurisdiction.upper() if jurisdiction else None)
    except PeriodError as error:
        raise ApiError(422, "invalid_period", str(error)) from None
    return JSONResponse(series)


@router.get("/v1/transparency", response_model=Transparency, tags=["reports"], responses=errors(404))
def transparency(key: Annotated[ApiKey, Depends(role_in(READERS))], running: ServicesDep,
                 jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,5}$")] = None,
                 since: datetime | None = None, until: datetime | None = None) -> Transparency:
    """Aggregates for transparency reporting over the key's organisation and jurisdictions."""
    wanted = (jurisdiction.upper(),) if jurisdiction else key.jurisdictions
    if jurisdiction and not key.may_see(jurisdiction):
        raise ApiError(404, "not_found", f"no data for {jurisdiction.upper()}")
    return Transparency.model_validate(running.store.scoped(key.org).transparency(wanted, since, until))
