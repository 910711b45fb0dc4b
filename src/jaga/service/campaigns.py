"""Campaign routes: find coordinated campaigns in posts sent with the request, or in the
organisation's stored posts of a period; list the campaigns it saved.

Analysts (admins, reviewers, auditors) and platforms get the campaigns as JSON, or the network as
GEXF or GraphML, or the HTML report. Author ids are pseudonymised on the way in, as on every other
door (`jaga.privacy`): the response names accounts by pseudonym only. Admins and reviewers may
`save` what they find: later posts that repeat a saved campaign get a campaign signal
(`jaga.detect.campaigns`), and the exchange shares its indicator.

(No `from __future__ import annotations`: FastAPI reads the route annotations at run time.)
"""

import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from jaga.campaigns import detect_campaigns
from jaga.campaigns.report import html_report, write
from jaga.privacy import pseudonymise
from jaga.service.deps import ServicesDep
from jaga.service.errors import ApiError
from jaga.service.routes import paging
from jaga.store import ApiKey, Role
from jaga.types import Post

ANALYSTS = frozenset({Role.ADMIN, Role.REVIEWER, Role.AUDITOR, Role.PLATFORM})
SAVERS = frozenset({Role.ADMIN, Role.REVIEWER})
MAX_POSTS = 100_000
"""Posts in one request: detection holds them all at once (about 2 KB each with the network), and
larger batches belong to `jaga campaigns FILE` or the scan engines."""
MEDIA_TYPES = {"json": "application/json", "gexf": "application/xml", "graphml": "application/xml",
               "html": "text/html; charset=utf-8"}


class CampaignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    posts: list[Post] = Field(default_factory=list, max_length=MAX_POSTS,
                              description="Posts with author_id and created_at (or give since and until).")
    since: AwareDatetime | None = Field(default=None, description="Read the organisation's stored posts created "
                                        "from this time (with until) instead of `posts`.")
    until: AwareDatetime | None = None
    save: bool = Field(default=False, description="Keep the campaigns found (admins and reviewers).")
    window_seconds: int = Field(default=600, ge=1, le=7 * 86_400)
    min_weight: int = Field(default=2, ge=1, le=1_000)
    min_accounts: int = Field(default=3, ge=2, le=100_000)
    kinds: tuple[Literal["text", "url", "hashtag", "reply"], ...] = ("text", "url", "hashtag", "reply")
    communities: bool = False
    format: Literal["json", "gexf", "graphml", "html"] = "json"

    @model_validator(mode="after")
    def _one_source(self) -> "CampaignRequest":
        if (self.since is None) != (self.until is None):
            raise ValueError("give both since and until")
        if self.since is not None and self.posts:
            raise ValueError("give posts or a period (since, until), not both")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until must come after since")
        return self


class CampaignOut(BaseModel):
    """A saved campaign (`jaga.campaigns.detect.Campaign`): accounts by pseudonym."""

    id: str
    accounts: list[str]
    posts: list[str]
    size: int
    start: str = Field(json_schema_extra={"format": "date-time"})
    end: str = Field(json_schema_extra={"format": "date-time"})
    representative_text: str
    texts: list[str] = Field(description="Up to five texts, one per near-duplicate group, the most posted first.")
    urls: list[str]
    hashtags: list[str]
    languages: dict[str, int]
    co_actions: dict[str, int] = Field(description="Co-actions inside the cluster by what was shared.")
    edges: int
    density: float
    fact_checks: list[str] = Field(default_factory=list)


def campaigns_router(role_in: Callable[[frozenset[Role]], Callable[[ApiKey], Awaitable[ApiKey]]]) -> APIRouter:
    """The routes, sharing the application's authentication (`role_in`)."""
    router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])

    @router.post("/detect", response_model=None, responses={200: {"content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()}}})
    def find_campaigns(request: CampaignRequest, key: Annotated[ApiKey, Depends(role_in(ANALYSTS))],
                       running: ServicesDep) -> Any:
        """Campaigns in the posts sent, or in the organisation's stored posts from `since` to `until`
        (at most MAX_POSTS, the oldest first); posts without an author or a time are listed under
        `skipped`, the others are analysed."""
        if request.save and key.role not in SAVERS:
            raise ApiError(403, "forbidden", f"the {key.role.value} role cannot save campaigns")
        scoped = running.store.scoped(key.org)
        if request.since is not None and request.until is not None:
            posts = list(scoped.stored_posts(request.since, request.until, limit=MAX_POSTS))
        else:
            posts = [post.model_copy(update={"author_id": pseudonymise(post.author_id)}) for post in request.posts]
        try:
            result = detect_campaigns(posts, window=timedelta(seconds=request.window_seconds),
                                      min_weight=request.min_weight, min_accounts=request.min_accounts,
                                      kinds=request.kinds, communities=request.communities)
        except ValueError as error:
            raise ApiError(422, "invalid_request", str(error)) from error
        if request.save:
            scoped.save_campaigns(result.campaigns, actor=key.id)
        if request.format == "json":
            return result.to_json()
        if request.format == "html":
            return Response(html_report(result), media_type=MEDIA_TYPES["html"])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"campaigns.{request.format}"
            write(result, request.format, path)
            return Response(path.read_bytes(), media_type=MEDIA_TYPES[request.format])

    @router.get("", response_model=list[CampaignOut], responses=paging.PAGED)
    def saved_campaigns(key: Annotated[ApiKey, Depends(role_in(ANALYSTS))], running: ServicesDep, response: Response,
                        limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
                        cursor: paging.CursorParam = None) -> list[dict[str, Any]]:
        """The organisation's saved campaigns, the most recent activity first. A page with more after
        it answers `X-Next-Cursor`: send it back as `cursor` for the next one."""
        campaigns, last = running.store.scoped(key.org).campaign_page(
            after=paging.decode("campaigns", cursor, (datetime, str)), limit=limit)
        paging.set_next(response, "campaigns", last)
        return campaigns

    return router
