"""Hash-bank routes: admins manage the organisation's banks (with an organisation-wide key, as banks
serve every jurisdiction), reviewers, auditors and admins read them, platforms match content.

Over HTTP, media are hashes the platform computed (`md5:<hex>`, `sha256:<hex>`, `pdq:<hex>`): the
service reads a file only under JAGA_MEDIA_ROOTS, and never fetches a URL.

(No `from __future__ import annotations`: FastAPI reads the route annotations at run time.)
"""

import threading
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from jaga import config
from jaga.banks.exchange import dumps, entry
from jaga.banks.matcher import BankMatcher, MediaError
from jaga.banks.model import Bank
from jaga.service.errors import ApiError
from jaga.service.routes import paging
from jaga.store import ApiKey, NotFound, Role, Store
from jaga.types import Category, ValidText

MANAGERS = frozenset({Role.ADMIN})
READERS = frozenset({Role.ADMIN, Role.REVIEWER, Role.AUDITOR})
MATCHERS = frozenset({Role.PLATFORM, Role.ADMIN})
BankName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class BankRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, ValidText] = Field(min_length=1, max_length=200)
    category: Category | None = None
    allow: bool = False
    enabled: bool = True


class BankOut(BaseModel):
    name: str
    label: str
    category: Category | None
    allow: bool
    enabled: bool
    entries: int


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signal_type: str = Field(min_length=1, max_length=32, description="md5, sha256, pdq, text (or a "
                             "ThreatExchange name: video_md5, raw_text ...)")
    signal: Annotated[str, ValidText] = Field(min_length=1, max_length=10_000)
    content_id: Annotated[str, ValidText] | None = Field(default=None, max_length=256)
    note: Annotated[str, ValidText] | None = Field(default=None, max_length=2_000)


class EntriesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryIn] = Field(min_length=1, max_length=1_000)


class EntriesOut(BaseModel):
    added: int
    already_there: int


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, ValidText] | None = Field(default=None, max_length=50_000)
    media: list[Annotated[str, ValidText]] = Field(default_factory=list, max_length=20,
                                                   description="Hashes: md5:<hex>, sha256:<hex>, pdq:<hex>")


class MatchOut(BaseModel):
    """A bank entry the content matched (`jaga.banks.matcher.BankMatch`)."""

    bank: str
    label: str
    category: Category
    signal_type: str
    signal: str | None = Field(description="The banked signal that matched (never for `text` entries).")
    distance: int
    threshold: int
    content: str = Field(description="Which content matched: `text` or `media[<index>]`.")
    content_id: str | None
    score: float


def banks_router(store: Store, role_in: Callable[[frozenset[Role]], Callable[[ApiKey], Awaitable[ApiKey]]]) -> APIRouter:
    """The routes, sharing the application's store and its authentication (`role_in`)."""
    router = APIRouter(prefix="/v1/banks", tags=["banks"])
    matchers: dict[str, BankMatcher] = {}  # one index per organisation, built on first match
    lock = threading.Lock()
    roots = config.media_roots() or ()

    def managed(key: ApiKey) -> Store:
        if key.jurisdictions:
            raise ApiError(403, "forbidden", "banks serve the whole organisation: use an admin key for every "
                           "jurisdiction")
        return store.scoped(key.org)

    def found(scoped: Store, name: str) -> Bank:
        bank = scoped.bank(name)
        if bank is None:
            raise ApiError(404, "not_found", f"no bank {name!r}")
        return bank

    def out(bank: Bank, sizes: dict[str, int]) -> BankOut:
        return BankOut(name=bank.name, label=bank.label, category=bank.category, allow=bank.allow,
                       enabled=bank.enabled, entries=sizes.get(bank.name, 0))

    @router.get("", response_model=list[BankOut], responses=paging.PAGED)
    def list_banks(key: Annotated[ApiKey, Depends(role_in(READERS))], response: Response,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100,
                   cursor: paging.CursorParam = None) -> list[BankOut]:
        """The organisation's banks by name. A page with more after it answers `X-Next-Cursor`."""
        scoped = store.scoped(key.org)
        sizes = scoped.bank_sizes()
        banks, last = paging.page(scoped.banks(), lambda bank: (bank.name,), paging.decode("banks", cursor, (str,)),
                                  limit)
        paging.set_next(response, "banks", last)
        return [out(bank, sizes) for bank in banks]

    @router.get("/{name}", response_model=BankOut)
    def get_bank(name: BankName, key: Annotated[ApiKey, Depends(role_in(READERS))]) -> BankOut:
        scoped = store.scoped(key.org)
        return out(found(scoped, name), scoped.bank_sizes())

    @router.put("/{name}", response_model=BankOut)
    def put_bank(name: BankName, request: BankRequest, key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> BankOut:
        """Create a bank or replace its label, category, kind and state."""
        scoped = managed(key)
        try:
            bank = Bank(name=name, label=request.label, category=request.category, allow=request.allow,
                        enabled=request.enabled)
        except ValueError as error:
            raise ApiError(422, "invalid_bank", str(error)) from None
        return out(scoped.save_bank(bank, actor=key.id), scoped.bank_sizes())

    @router.delete("/{name}")
    def delete_bank(name: BankName, key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> dict[str, int]:
        try:
            return {"entries_removed": managed(key).delete_bank(name, actor=key.id)}
        except NotFound:
            raise ApiError(404, "not_found", f"no bank {name!r}") from None

    @router.post("/{name}/entries", response_model=EntriesOut)
    def add_entries(name: BankName, request: EntriesRequest,
                    key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> EntriesOut:
        scoped = managed(key)
        found(scoped, name)
        problems, entries = [], []
        for index, item in enumerate(request.entries):
            try:
                entries.append(entry(name, item.signal_type, item.signal, item.content_id, item.note))
            except ValueError as error:
                problems.append({"index": index, "problem": str(error)})
        if problems:
            raise ApiError(422, "invalid_entries", "some entries are not valid signals; nothing was added",
                           details=problems)
        added = scoped.add_bank_entries(entries, actor=key.id)
        return EntriesOut(added=added, already_there=len(entries) - added)

    @router.get("/{name}/entries", response_class=PlainTextResponse, responses={200: {"content": {
        "text/plain": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}}}}})
    def export_entries(name: BankName, key: Annotated[ApiKey, Depends(role_in(READERS))],
                       format: Annotated[Literal["te", "csv", "jsonl"], Query()] = "jsonl") -> PlainTextResponse:
        """The bank's entries in a ThreatExchange/HMA format (te, csv) or Jaga's own (jsonl)."""
        scoped = store.scoped(key.org)
        bank = found(scoped, name)
        media = {"csv": "text/csv", "jsonl": "application/x-ndjson"}.get(format, "text/plain")
        return PlainTextResponse(dumps(format, scoped.bank_entries(name), {name: bank}), media_type=media)

    @router.post("/match", response_model=list[MatchOut])
    def match_banks(request: MatchRequest, key: Annotated[ApiKey, Depends(role_in(MATCHERS))]) -> list[dict[str, Any]]:
        """The enabled block banks holding this text or media, after the allow-lists."""
        with lock:
            matcher = matchers.get(key.org)
            if matcher is None:
                matcher = matchers[key.org] = BankMatcher(store.scoped(key.org), media_roots=roots)
        matcher.refresh_if_due()
        try:
            return [found.to_json() for found in matcher.match(request.text, request.media)]
        except MediaError as error:
            raise ApiError(422, "media_unreadable", str(error)) from None

    return router
