"""What the claim stage needs from wherever fact-checks are kept, defined here so that `claims/`
never imports the store: the store implements these protocols (`jaga.store.claims`), and whoever
wires the stages together (a door: the CLI, the service) hands it in. Tests may hand in anything
that keeps the same promises."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from jaga.claims.model import FactCheck


@runtime_checkable
class FactCheckSource(Protocol):
    """Read access to one organisation's fact-check registry. `url` and `org` name it (the claim
    index kept on disk is per registry)."""

    url: str
    org: str

    def count_fact_checks(self) -> int: ...

    def fact_checks_by_key(self, keys: Sequence[int]) -> dict[int, FactCheck]: ...

    def fact_checks_changed_since(self, since: datetime | None) -> Iterator[tuple[int, FactCheck, datetime]]: ...

    def iter_fact_checks(self) -> Iterator[FactCheck]: ...


@runtime_checkable
class FactCheckRegistry(FactCheckSource, Protocol):
    """A source that also takes fact-checks in (imports): returns how many rows were new or changed."""

    def save_fact_checks(self, fact_checks: Iterable[FactCheck]) -> int: ...
