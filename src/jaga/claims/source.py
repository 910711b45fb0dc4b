"""What the claim stage needs from wherever fact-checks are kept, defined here so that `claims/`
never imports the store: the store implements these protocols (`jaga.store.claims`), and whoever
wires the stages together (a door: the CLI, the service) hands it in. Tests may hand in anything
that keeps the same promises."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from jaga.claims.model import FactCheck

SHARED_ORG = "asean-taskforce"
"""The organisation whose registry is the regional shared one (the ASEAN Task Force's): every
organisation's posts are matched against it and against the organisation's own registry, never
against another organisation's. It is imported like any other (`jaga claims import --org
asean-taskforce ...`)."""


@runtime_checkable
class FactCheckSource(Protocol):
    """Read access to one organisation's fact-check registry. `url` and `org` name it (the claim
    index kept on disk is per registry)."""

    url: str
    org: str

    def count_fact_checks(self, changed_since: datetime | None = None) -> int:
        """All fact-checks, or those written after `changed_since` (what a sync will index)."""
        ...

    def fact_checks_by_key(self, keys: Sequence[int]) -> dict[int, FactCheck]: ...

    def fact_checks_changed_since(self, since: datetime | None) -> Iterator[tuple[int, FactCheck, datetime]]: ...

    def iter_fact_checks(self) -> Iterator[FactCheck]: ...


@runtime_checkable
class FactCheckRegistry(FactCheckSource, Protocol):
    """A source that also takes fact-checks in (imports): returns how many rows were new or changed."""

    def save_fact_checks(self, fact_checks: Iterable[FactCheck]) -> int: ...


@runtime_checkable
class FactCheckRegistries(Protocol):
    """Every organisation's registry, one at a time (the store: `Store.scoped`). Matching takes the
    shared registry and one organisation's from it (`jaga.claims.matcher.ScopedMatcher`)."""

    def scoped(self, org: str) -> FactCheckSource: ...

    def fact_check_orgs(self) -> list[str]:
        """The organisations whose registries hold fact-checks (the shared one's name included)."""
        ...
