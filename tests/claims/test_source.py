"""The claim stage reads fact-checks through the protocols it defines (`jaga.claims.source`): the
store is one implementation, handed in; nothing in `claims/` or `detect/claims.py` opens a store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from jaga.claims.model import FactCheck
from jaga.claims.registry import export_fact_checks, import_path
from jaga.claims.source import FactCheckRegistry, FactCheckSource
from jaga.detect.claims import registry_detector
from jaga.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "claims.jsonl"


class MemoryRegistry:
    """Fact-checks in a list: another implementation of the protocols, as a platform might bring."""

    url = "memory://"
    org = "test"

    def __init__(self) -> None:
        self.items: list[FactCheck] = []

    def save_fact_checks(self, fact_checks: Iterable[FactCheck]) -> int:
        before = len(self.items)
        self.items.extend(fact_checks)
        return len(self.items) - before

    def count_fact_checks(self, changed_since: datetime | None = None) -> int:
        return len(self.items)

    def fact_checks_by_key(self, keys: Sequence[int]) -> dict[int, FactCheck]:
        return {key: self.items[key] for key in keys}

    def fact_checks_changed_since(self, since: datetime | None) -> Iterator[tuple[int, FactCheck, datetime]]:
        return ((key, item, datetime(2026, 1, 1, tzinfo=UTC)) for key, item in enumerate(self.items))

    def iter_fact_checks(self) -> Iterator[FactCheck]:
        return iter(self.items)


def test_the_store_implements_the_claim_stage_protocols(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'jaga.db'}") as store:
        assert isinstance(store, FactCheckRegistry) and isinstance(store, FactCheckSource)
        assert registry_detector(store) is None  # an empty registry: no claim matching
    assert not isinstance(object(), FactCheckSource)


def test_the_registry_functions_run_on_any_implementation(tmp_path: Path) -> None:
    memory = MemoryRegistry()
    assert registry_detector(memory) is None
    report = import_path(memory, FIXTURE)
    assert report.written == memory.count_fact_checks() == 28 and not report.rejected
    assert export_fact_checks(memory, tmp_path / "out.jsonl") == 28
