"""Fact-checks: which checked claims a text repeats, in any of the region's languages."""

from typing import Annotated

from fastapi import APIRouter, Depends

from jaga.claims.matcher import ClaimMatcher
from jaga.service.deps import READERS, ServicesDep, role_in
from jaga.service.errors import ApiError
from jaga.service.schemas import ClaimMatchOut, ClaimSearchRequest
from jaga.store import ApiKey

router = APIRouter()


@router.post("/v1/claims/search", response_model=list[ClaimMatchOut], tags=["claims"])
def claims_search(request: ClaimSearchRequest, key: Annotated[ApiKey, Depends(role_in(READERS))],
                  running: ServicesDep) -> list[ClaimMatchOut]:
    """The fact-checks in the organisation's registry that a text repeats, best first. An empty
    registry is an error (`registry_empty`), not an empty list: "no match" and "nothing to match
    against" must not look the same."""
    scoped = running.store.scoped(key.org)
    if not scoped.count_fact_checks():
        raise ApiError(404, "registry_empty", "this organisation's fact-check registry is empty: import fact-checks "
                       "first (jaga claims import --org ...)")
    if key.org not in running.matchers:
        running.matchers[key.org] = ClaimMatcher(scoped)
    matcher = running.matchers[key.org]
    matcher.sync()
    return [ClaimMatchOut(**match.to_json()) for match in matcher.search(request.text, request.top_k)]
