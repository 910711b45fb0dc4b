"""Fact-checks: which checked claims a text repeats, in any of the region's languages."""

from typing import Annotated

from fastapi import APIRouter, Depends

from jaga.claims.matcher import ClaimMatcher, ScopedMatcher
from jaga.claims.source import SHARED_ORG
from jaga.service.deps import READERS, Services, ServicesDep, role_in
from jaga.service.errors import ApiError
from jaga.service.openapi import errors
from jaga.service.schemas import ClaimMatchOut, ClaimSearchRequest
from jaga.store import ApiKey

router = APIRouter()


@router.post("/v1/claims/search", response_model=list[ClaimMatchOut], tags=["claims"], responses=errors(404))
def claims_search(request: ClaimSearchRequest, key: Annotated[ApiKey, Depends(role_in(READERS))],
                  running: ServicesDep) -> list[ClaimMatchOut]:
    """The fact-checks a text repeats, best first, from the shared regional registry and the
    organisation's own (never another organisation's). When both are empty that is an error
    (`registry_empty`), not an empty list: "no match" and "nothing to match against" must not look
    the same."""
    scope = ScopedMatcher([_matcher(running, org) for org in dict.fromkeys((SHARED_ORG, key.org))])
    if not scope.count_fact_checks():
        raise ApiError(404, "registry_empty", "this organisation's fact-check registry and the shared one are empty: "
                       "import fact-checks first (jaga claims import --org ...)")
    scope.sync()
    return [ClaimMatchOut(**match.to_json()) for match in scope.search(request.text, request.top_k)]


def _matcher(running: Services, org: str) -> ClaimMatcher:
    """One matcher per registry for the service's life, sharing one query cache."""
    if org not in running.matchers:
        others = list(running.matchers.values())
        running.matchers[org] = ClaimMatcher(running.store.scoped(org), cache=others[0].cache if others else None)
    return running.matchers[org]
