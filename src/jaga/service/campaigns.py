"""Campaign routes: find coordinated campaigns in posts sent with the request.

Analysts (admins, reviewers, auditors) and platforms send a batch of posts and get the campaigns as
JSON, or the network as GEXF or GraphML, or the HTML report. Author ids are pseudonymised on the
way in, as on every other door (`jaga.privacy`): the response names accounts by pseudonym only.
Nothing is stored: campaigns in the store are a later step (issue 25, item 6).

(No `from __future__ import annotations`: FastAPI reads the route annotations at run time.)
"""

import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from jaga.campaigns import detect_campaigns
from jaga.campaigns.report import html_report, write
from jaga.privacy import pseudonymise
from jaga.service.errors import ApiError
from jaga.store import ApiKey, Role
from jaga.types import Post

ANALYSTS = frozenset({Role.ADMIN, Role.REVIEWER, Role.AUDITOR, Role.PLATFORM})
MAX_POSTS = 100_000
"""Posts in one request: detection holds them all at once (about 2 KB each with the network), and
larger batches belong to `jaga campaigns FILE` or the scan engines."""
MEDIA_TYPES = {"json": "application/json", "gexf": "application/xml", "graphml": "application/xml",
               "html": "text/html; charset=utf-8"}


class CampaignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    posts: list[Post] = Field(max_length=MAX_POSTS, description="Posts with author_id and created_at.")
    window_seconds: int = Field(default=600, ge=1, le=7 * 86_400)
    min_weight: int = Field(default=2, ge=1, le=1_000)
    min_accounts: int = Field(default=3, ge=2, le=100_000)
    kinds: tuple[Literal["text", "url", "hashtag", "reply"], ...] = ("text", "url", "hashtag", "reply")
    communities: bool = False
    format: Literal["json", "gexf", "graphml", "html"] = "json"


def campaigns_router(role_in: Callable[[frozenset[Role]], Callable[[ApiKey], Awaitable[ApiKey]]]) -> APIRouter:
    """The routes, sharing the application's authentication (`role_in`)."""
    router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])

    @router.post("/detect", response_model=None)
    def find_campaigns(request: CampaignRequest, key: Annotated[ApiKey, Depends(role_in(ANALYSTS))]) -> Any:
        """Campaigns in the posts sent (see `jaga.campaigns`); posts without an author or a time are
        listed under `skipped`, the others are analysed."""
        posts = [post.model_copy(update={"author_id": pseudonymise(post.author_id)}) for post in request.posts]
        try:
            result = detect_campaigns(posts, window=timedelta(seconds=request.window_seconds),
                                      min_weight=request.min_weight, min_accounts=request.min_accounts,
                                      kinds=request.kinds, communities=request.communities)
        except ValueError as error:
            raise ApiError(422, "invalid_request", str(error)) from error
        if request.format == "json":
            return result.to_json()
        if request.format == "html":
            return Response(html_report(result), media_type=MEDIA_TYPES["html"])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"campaigns.{request.format}"
            write(result, request.format, path)
            return Response(path.read_bytes(), media_type=MEDIA_TYPES[request.format])

    return router
