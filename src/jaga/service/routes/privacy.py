"""Data-subject rights: everything held about an author, and erasure."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from jaga.privacy import pseudonymise
from jaga.service.deps import ADMINS, PRIVACY_OFFICERS, ServicesDep, role_in
from jaga.service.schemas import AuthorDataOut
from jaga.store import ApiKey

router = APIRouter()

AuthorParam = Annotated[str, Path(min_length=1, max_length=256, pattern=r"^[^\x00/]+$",
                                  description="The platform's own author id (pseudonymised here) or the pseudonym.")]


def author_pseudonym(author_id: str) -> str:
    return pseudonymise(author_id) or author_id


@router.get("/v1/authors/{author_id}/data", response_model=AuthorDataOut, tags=["privacy"])
def author_data(author_id: AuthorParam, key: Annotated[ApiKey, Depends(role_in(PRIVACY_OFFICERS))],
                running: ServicesDep) -> AuthorDataOut:
    """Everything held about one author in the organisation: posts, decisions, strikes, reports.
    A key limited to some jurisdictions gets the posts decided there and only those decisions."""
    # one call; by value (`model_dump`): a post's extra fields are not attributes to copy
    return AuthorDataOut.model_validate(running.store.scoped(key.org).author_data(author_pseudonym(author_id),
                                                                                   key.jurisdictions).model_dump())


@router.delete("/v1/authors/{author_id}", tags=["privacy"])
def erase_author(author_id: AuthorParam, key: Annotated[ApiKey, Depends(role_in(ADMINS))],
                 running: ServicesDep) -> dict[str, int]:
    """Erase one author's posts, strikes and reports; their words are removed from decisions,
    which are kept for transparency and appeals, and from every copy (reviews, appeals,
    reports about the posts, webhook deliveries, remembered responses). A key limited to some
    jurisdictions erases only posts all of whose decisions lie in them."""
    return running.store.scoped(key.org).erase_author(author_pseudonym(author_id), key.id, key.jurisdictions)
