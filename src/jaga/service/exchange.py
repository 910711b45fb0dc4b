"""Exchange routes: admins (with an organisation-wide key) export and import signed bundles and manage
the partner allow-list; auditors read partners, provenance and the public key. The private key never
travels over HTTP: `jaga exchange keygen` makes it on the server.

(No `from __future__ import annotations`: FastAPI reads the route annotations at run time.)
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Body, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from jaga.exchange.bundle import (
    ORG_NAME,
    BundleError,
    Header,
    Kind,
    key_path,
    load_private_key,
    parse_kinds,
    public_pem,
)
from jaga.exchange.indicators import CampaignIndicator
from jaga.exchange.transfer import export_bundle, import_bundle, new_partner
from jaga.service.errors import ApiError
from jaga.service.openapi import errors
from jaga.service.routes import paging
from jaga.store import ApiKey, Role, Store
from jaga.store.checkpoints import key_id

MANAGERS = frozenset({Role.ADMIN})
READERS = frozenset({Role.ADMIN, Role.AUDITOR})
PartnerName = Annotated[str, Path(pattern=ORG_NAME.pattern)]


class PartnerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_key: str = Field(min_length=1, max_length=1_000, description="Ed25519 public key, PEM.")
    kinds: list[Kind] = Field(min_length=1, max_length=3)


class PartnerOut(BaseModel):
    name: str
    key_id: str
    kinds: list[str]
    public_key: str
    added_at: str | None


class SharedItemOut(BaseModel):
    """Where an exchanged item came from and on what terms."""

    kind: str
    id: str
    origin: str = Field(description="The organisation that first shared it.")
    partner: str | None = Field(description="Who sent it here; null for the organisation's own.")
    licence: str
    source: str | None
    shared_at: str = Field(json_schema_extra={"format": "date-time"})
    received_at: str | None = Field(json_schema_extra={"format": "date-time"})
    bundle: str | None
    digest: str


class RejectedItemOut(BaseModel):
    index: int | None = Field(description="Position in the bundle's items; null for a manifest entry whose item "
                              "is missing.")
    kind: str | None
    id: str | None
    reason: str


class ImportReportOut(BaseModel):
    """What an import added, updated and left alone, and each item it refused with the reason."""

    bundle: str
    issuer: str
    created_at: str
    added: dict[str, int] = Field(description="Items added, by kind.")
    updated: dict[str, int] = Field(description="Items replaced by a newer version, by kind.")
    unchanged: int
    rejected: list[RejectedItemOut]


class BundleOut(BaseModel):
    """A signed bundle (docs/exchange.md): the header (issuer, key, time, licence and the manifest of
    every item's kind, id and SHA-256), the Ed25519 signature over the header's canonical JSON, and
    the items, each a document of its kind (ClaimReview, HMA bank entry, campaign indicator) as JSON."""

    header: Header
    signature: str = Field(description="Ed25519 over the header's RFC 8785 canonical JSON, base64.")
    items: list[dict[str, JsonValue]]


class PublicKeyOut(BaseModel):
    key_id: str
    public_key: str = Field(description="Ed25519 public key, PEM.")


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: list[str] = Field(min_length=1, max_length=9, description="fact-checks, banks, campaigns")
    licence: str = Field(default="CC-BY-4.0", pattern=r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")
    banks: list[str] | None = Field(default=None, max_length=1_000)
    campaigns: list[CampaignIndicator] = Field(default_factory=list, max_length=10_000)


def _default_key(org: str) -> Ed25519PrivateKey | None:
    path = key_path(org)
    return load_private_key(path) if path.exists() else None


def exchange_router(store: Store, role_in: Callable[[frozenset[Role]], Callable[[ApiKey], Awaitable[ApiKey]]],
                    signing_key: Callable[[str], Ed25519PrivateKey | None] = _default_key) -> APIRouter:
    """The routes, sharing the application's store and authentication (`role_in`); `signing_key`
    gives an organisation's private key (None when it has none yet)."""
    router = APIRouter(prefix="/v1/exchange", tags=["exchange"])

    def managed(key: ApiKey) -> Store:
        if key.jurisdictions:
            raise ApiError(403, "forbidden", "exchange serves the whole organisation: use an admin key for every "
                           "jurisdiction")
        return store.scoped(key.org)

    def own_key(org: str) -> Ed25519PrivateKey:
        try:
            found = signing_key(org)
        except ValueError as error:
            raise ApiError(500, "signing_key_unusable", str(error)) from None
        if found is None:
            raise ApiError(409, "no_signing_key", f"organisation {org!r} has no signing key: run "
                           f"`jaga exchange keygen --org {org}` on the server")
        return found

    @router.get("/partners", response_model=list[PartnerOut], responses=paging.PAGED)
    def list_partners(key: Annotated[ApiKey, Depends(role_in(READERS))], response: Response,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100,
                      cursor: paging.CursorParam = None) -> list[dict[str, Any]]:
        """The partners whose bundles are accepted, by name. A page with more after it answers
        `X-Next-Cursor`."""
        partners, last = paging.page(store.scoped(key.org).partners(), lambda partner: (partner.name,),
                                     paging.decode("partners", cursor, (str,)), limit)
        paging.set_next(response, "partners", last)
        return [partner.to_json() for partner in partners]

    @router.put("/partners/{name}", response_model=PartnerOut)
    def put_partner(name: PartnerName, request: PartnerRequest,
                    key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> dict[str, Any]:
        """Accept bundles signed by this partner's key, of these kinds (replaces key and kinds)."""
        scoped = managed(key)
        try:
            partner = new_partner(name, request.public_key, request.kinds)
        except ValueError as error:
            raise ApiError(422, "invalid_partner", str(error)) from None
        return scoped.save_partner(partner, actor=key.id).to_json()

    @router.delete("/partners/{name}")
    def delete_partner(name: PartnerName, key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> dict[str, bool]:
        if not managed(key).remove_partner(name, actor=key.id):
            raise ApiError(404, "not_found", f"no partner {name!r}")
        return {"removed": True}

    @router.get("/public-key", response_model=PublicKeyOut, responses=errors(409))
    def exchange_public_key(key: Annotated[ApiKey, Depends(role_in(READERS))]) -> dict[str, str]:
        """The organisation's public key, to give partners."""
        found = own_key(key.org)
        return {"key_id": key_id(found.public_key()), "public_key": public_pem(found)}

    # Answers the signed document as made: re-serialising it through the model could change a byte
    # the signature covers. `response_model` documents it.
    @router.post("/export", response_model=BundleOut, responses=errors(409))
    def export_partner_bundle(request: ExportRequest, key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> JSONResponse:
        """A signed bundle of the organisation's items (ClaimReview, HMA bank entries, campaign
        indicators); `campaigns` adds indicators to share, which are kept and shared again later."""
        scoped = managed(key)
        try:
            kinds = parse_kinds(request.kinds)
        except ValueError as error:
            raise ApiError(422, "invalid_kinds", str(error)) from None
        try:
            return JSONResponse(export_bundle(scoped, kinds, request.licence, own_key(key.org), request.campaigns,
                                              request.banks, actor=key.id).document)
        except ValueError as error:
            raise ApiError(422, "cannot_export", str(error)) from None

    @router.post("/import", response_model=ImportReportOut)
    def import_partner_bundle(document: Annotated[dict[str, Any], Body(description="A bundle from a partner.")],
                key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> dict[str, Any]:
        """Verify the bundle against the partner allow-list and add its good items; the report
        lists every rejected item with its reason. A bundle that cannot be trusted is refused whole."""
        try:
            return import_bundle(managed(key), document, actor=key.id).to_json()
        except BundleError as error:
            raise ApiError(422, error.code, str(error)) from None

    @router.get("/items", response_model=list[SharedItemOut], responses=paging.PAGED)
    def list_exchange_items(key: Annotated[ApiKey, Depends(role_in(READERS))], response: Response,
                            kind: Annotated[Kind | None, Query()] = None,
                            limit: Annotated[int, Query(ge=1, le=10_000)] = 1_000,
                            cursor: paging.CursorParam = None) -> list[dict[str, Any]]:
        """Provenance of the organisation's exchanged items (origin, partner, licence, source, when),
        in the order they were first recorded. A page with more after it answers `X-Next-Cursor`."""
        items, last = store.scoped(key.org).shared_item_page(
            kind, after=paging.decode(f"exchange-items:{kind or ''}", cursor, (int,)), limit=limit)
        paging.set_next(response, f"exchange-items:{kind or ''}", last)
        return [item.to_json() for item in items]

    return router
