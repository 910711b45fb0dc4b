"""Reports in both senses: a user's or trusted flagger's report about a post, and the aggregates
for transparency reporting."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from jaga.privacy import pseudonymise
from jaga.service.deps import READERS, WRITERS_OF_CONTENT, IdempotencyKey, RawBody, ServicesDep, idempotent, role_in
from jaga.service.errors import ApiError
from jaga.service.schemas import ReportOut, ReportRequest, Transparency
from jaga.store import ApiKey

router = APIRouter()


def report_deadlines(http: Request) -> Callable[[str, bool, datetime], datetime | None] | None:
    """The policy's periods for reports (user and trusted flagger), from the moderator's policy
    engine; None for a policy that sets none."""
    policy = getattr(http.app.state.moderator, "policy", None)
    return getattr(policy, "report_deadline", None)


@router.post("/v1/reports", response_model=ReportOut, status_code=201, tags=["reports"])
def file_report(request: ReportRequest, key: Annotated[ApiKey, Depends(role_in(WRITERS_OF_CONTENT))],
           running: ServicesDep, http: Request, body: RawBody, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """A user's flag or a trusted flagger's notice: the post's decision goes to a person."""
    def file() -> ReportOut:
        reporter = request.reporter if request.trusted_flagger else pseudonymise(request.reporter) or "anonymous"
        # Only the organisation's decisions in the key's jurisdictions: a key cannot file (and so
        # write) against a case it cannot see; that answers 404 like a post never sent.
        return ReportOut(**running.store.scoped(key.org).file_report(
            request.post_id, reporter, request.reason, request.category, request.trusted_flagger, actor=key.id,
            jurisdictions=key.jurisdictions, deadline_for=report_deadlines(http)))

    return idempotent(running.store, key, http, body, idempotency_key, file, status=201)


@router.get("/v1/transparency", response_model=Transparency, tags=["reports"])
def transparency(key: Annotated[ApiKey, Depends(role_in(READERS))], running: ServicesDep,
                 jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,5}$")] = None,
                 since: datetime | None = None, until: datetime | None = None) -> Transparency:
    """Aggregates for transparency reporting over the key's organisation and jurisdictions."""
    wanted = (jurisdiction.upper(),) if jurisdiction else key.jurisdictions
    if jurisdiction and not key.may_see(jurisdiction):
        raise ApiError(404, "not_found", f"no data for {jurisdiction.upper()}")
    return Transparency(**running.store.scoped(key.org).transparency(wanted, since, until))
