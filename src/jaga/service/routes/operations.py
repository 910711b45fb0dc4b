"""Operations: the health check, Prometheus metrics and the console's front door."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import RedirectResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from jaga import __version__
from jaga.service.deps import ServicesDep, principal
from jaga.service.errors import ApiError
from jaga.service.openapi import errors
from jaga.service.schemas import Health
from jaga.store import Role

router = APIRouter()


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/healthz", response_model=Health, tags=["operations"])
def healthz(running: ServicesDep) -> Health:
    """The service answers and its database does."""
    with running.store.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Health(status="ok", version=__version__, database=running.store.engine.dialect.name)


@router.get("/livez", response_model=Health, tags=["operations"])
def livez(running: ServicesDep) -> Health:
    """The process answers (for a liveness probe: no database call, so a database outage does not
    get every worker restarted)."""
    return Health(status="ok", version=__version__, database=running.store.engine.dialect.name)


@router.get("/readyz", response_model=Health, tags=["operations"], responses=errors(503))
def readyz(request: Request, running: ServicesDep) -> Health:
    """Ready for traffic (for a readiness probe): the models are loaded and warmed, and the database
    answers. 503 until then, so a load balancer sends nothing to a worker still loading."""
    if not getattr(request.app.state, "ready", False):
        raise ApiError(503, "starting", "the models are still loading", headers={"Retry-After": "5"})
    try:
        with running.store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise ApiError(503, "database_unavailable", "the database does not answer",
                       headers={"Retry-After": "5"}) from None
    return Health(status="ok", version=__version__, database=running.store.engine.dialect.name)


async def metrics_reader(request: Request, running: ServicesDep,
                         authorization: Annotated[str | None, Header()] = None) -> None:
    """The metrics count every organisation's traffic together: an organisation-wide admin or
    auditor key reads them, unless the operator opened them (JAGA_METRICS_OPEN)."""
    if running.open_metrics:
        return
    key = await principal(request, authorization)
    if key.role not in (Role.ADMIN, Role.AUDITOR) or key.jurisdictions:
        raise ApiError(403, "forbidden", "metrics need an admin or auditor key for every jurisdiction")


@router.get("/metrics", tags=["operations"], response_class=Response, dependencies=[Depends(metrics_reader)])
def metrics(running: ServicesDep) -> Response:
    """Prometheus metrics: totals over the deployment, no per-organisation labels."""
    return Response(running.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
