"""Cursor pagination, one pattern for every list the API returns: a page's last sort key, opaque to
clients. Lists keep their JSON array body (older clients read it as before); a page with more after
it answers the cursor of the next one in the `X-Next-Cursor` header, which comes back as `?cursor=`;
the last page has no such header. `limit` has a maximum per list. The store reads each page after
the key (keyset), so paging through never skips or repeats an item, and a cursor names the list it
came from, so it cannot be replayed against another one (`decode`)."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query, Response

from jaga.service.errors import ApiError

NEXT_CURSOR = "X-Next-Cursor"
Item = TypeVar("Item")
CursorParam = Annotated[str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_=-]+$",
                                          description="`X-Next-Cursor` of the previous page.")]


def encode(kind: str, key: tuple[Any, ...]) -> str:
    values = [{"t": value.isoformat()} if isinstance(value, datetime) else value for value in key]
    return base64.urlsafe_b64encode(json.dumps({"k": kind, "v": values}).encode()).decode()


def decode(kind: str, cursor: str | None, shape: tuple[type, ...]) -> tuple[Any, ...] | None:
    """The key a cursor carries, checked against `shape` (the types of the list's sort key); a
    cursor from another list or sort order, or not ours, is a 422 (never a page from the wrong
    place, nor a database error)."""
    if cursor is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(data, dict) or data.get("k") != kind or not isinstance(data.get("v"), list):
            raise ValueError("not a cursor for this list")
        key = tuple(datetime.fromisoformat(value["t"]) if isinstance(value, dict) else value for value in data["v"])
        if len(key) != len(shape) or not all(
                isinstance(value, wanted) and not isinstance(value, bool)
                and (not isinstance(value, datetime) or value.tzinfo is not None)
                for value, wanted in zip(key, shape, strict=True)):
            raise ValueError("not a cursor for this list")
        return key
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ApiError(422, "invalid_cursor", "the cursor is not one this list (with this sort order) "
                       "gave out; start again without it") from None


def set_next(response: Response, kind: str, key: tuple[Any, ...] | None) -> None:
    if key is not None:
        response.headers[NEXT_CURSOR] = encode(kind, key)


PAGED: dict[int | str, dict[str, Any]] = {200: {"description": "A page of the list.", "headers": {NEXT_CURSOR: {
    "description": "Present when more items follow: pass it as `cursor` for the next page.",
    "schema": {"type": "string"}}}}}
"""`responses=` of a list operation: documents the header a generated client reads."""


def page(items: Sequence[Item], sort_key: Callable[[Item], tuple[Any, ...]], after: tuple[Any, ...] | None,
         limit: int) -> tuple[list[Item], tuple[Any, ...] | None]:
    """A page of a short list held in memory (an organisation's banks or partners), sorted by
    `sort_key`, after the key `after`; and the key of the next page, as the store's pages give it."""
    ordered = sorted(items, key=sort_key)
    rest = [item for item in ordered if after is None or sort_key(item) > after]
    if len(rest) <= limit:
        return rest, None
    return rest[:limit], sort_key(rest[limit - 1])
