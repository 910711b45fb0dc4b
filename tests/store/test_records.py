"""The store answers with typed records (`jaga.store.records`), not dicts read by string keys."""

from __future__ import annotations

import builtins
import collections.abc
import inspect
import typing
from datetime import UTC
from typing import Any

import pytest
from pydantic import ValidationError

from jaga.pipeline import Moderator
from jaga.store import Report, ReviewTask, Store
from jaga.types import Post

EXCEPTIONS = {
    # A remembered HTTP response body: whatever JSON the route answered, replayed verbatim.
    "remembered", "reserve",
    # Campaign documents and indicators are `jaga.campaigns`' exchange formats: typing them belongs
    # with that package (and with its readers in `jaga.detect` and `jaga.exchange`).
    "campaigns", "campaign_indicators", "campaign_page",
}
"""Public `Store` methods that may still return a bare `dict[str, Any]`, each for its reason."""


def _bare_dicts(annotation: Any) -> bool:
    """Whether a (resolved) annotation is or contains `dict[str, Any]`."""
    if typing.get_origin(annotation) is dict and typing.get_args(annotation) == (str, Any):
        return True
    return any(_bare_dicts(argument) for argument in typing.get_args(annotation))


class _Opaque:
    """A name imported only for type checking (`Session`, `CursorResult[Any]`): no dict inside."""

    def __class_getitem__(cls, _item: object) -> type[_Opaque]:
        return cls


class _Names(dict[str, Any]):
    """A module's names, where one imported only for type checking reads as `_Opaque`."""

    def __missing__(self, name: str) -> Any:
        if name.startswith("__"):  # asked by tools, not by an annotation (pytest's `__tracebackhide__`)
            raise KeyError(name)
        return _Opaque


def _returns(function: Any) -> Any:
    """The return annotation, evaluated in the function's module (the store writes annotations as
    strings: `from __future__ import annotations`), so that an alias of `dict[str, Any]` is seen."""
    annotation = inspect.signature(function).return_annotation
    if isinstance(annotation, str):
        names = _Names({**vars(builtins), **vars(collections.abc), **function.__globals__})
        return eval(annotation, {}, names)  # the store's own annotation text
    return annotation


def test_public_store_methods_return_no_bare_dicts() -> None:
    checked, offenders = 0, []
    for name, function in inspect.getmembers(Store, inspect.isfunction):
        if name.startswith("_") or not function.__module__.startswith("jaga.store"):
            continue
        checked += 1
        if name not in EXCEPTIONS and _bare_dicts(_returns(function)):
            offenders.append(f"{function.__module__}.{function.__qualname__}")
    assert checked > 40  # the walk did reach the store's methods
    assert offenders == [], "return a record from jaga.store.records (or add a commented exception)"
    # no stale exception: each still returns a bare dict (else it leaves the list)
    assert [name for name in sorted(EXCEPTIONS) if not _bare_dicts(_returns(getattr(Store, name)))] == []


def test_the_check_sees_a_bare_dict_in_any_position() -> None:
    assert _bare_dicts(dict[str, Any]) and _bare_dicts(tuple[list[dict[str, Any]], int | None])
    assert not _bare_dicts(dict[str, int]) and not _bare_dicts(list[ReviewTask])


def test_records_are_frozen_and_their_times_carry_an_offset(database_url: str, moderator: Moderator) -> None:
    post = Post(id="rec-1", text="Selamat pagi semua", country="MY")
    with Store(database_url, org="acme") as store:
        store.save([post], moderator.moderate_batch([post]))
        report = store.file_report(post.id, "anon_1", "spam", None, False)
        assert isinstance(report, Report) and report.review_task is not None
        task = store.review_task(report.review_task)
        assert isinstance(task, ReviewTask) and task.post_id == post.id and task.status == "open"
        # SQLite hands times back without their offset: the record puts it back (UTC)
        assert task.created_at.tzinfo is not None and task.created_at.utcoffset() == UTC.utcoffset(None)
        assert store.report_page(())[0] == [report]  # the listing's record equals the one filed
        with pytest.raises(ValidationError):
            task.status = "decided"  # type: ignore[misc]
        claimed = store.claim_review(task.id, "reviewer-1")
        assert (claimed.status, claimed.claimed_by, task.status) == ("claimed", "reviewer-1", "open")
