"""Exchange routes: admins (with an organisation-wide key) export and import signed bundles and manage
the partner allow-list; auditors read partners, provenance and the public key. The private key never
travels over HTTP: `jaga exchange keygen` makes it on the server.

(No `from __future__ import annotations`: FastAPI reads the route annotations at run time.)
"""

from collections.abc import Awaitable, Callable
from itertools import islice
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jaga.exchange.bundle import ORG_NAME, BundleError, Kind, key_path, load_private_key, parse_kinds, public_pem
from jaga.exchange.indicators import CampaignIndicator
from jaga.exchange.transfer import export_bundle, import_bundle, new_partner
from jaga.service.errors import ApiError
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

    @router.get("/partners", response_model=list[PartnerOut])
    def list_partners(key: Annotated[ApiKey, Depends(role_in(READERS))]) -> list[dict[str, Any]]:
        return [partner.to_json() for partner in store.scoped(key.org).partners()]

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

    @router.get("/public-key")
    def exchange_public_key(key: Annotated[ApiKey, Depends(role_in(READERS))]) -> dict[str, str]:
        """The organisation's public key, to give partners."""
        found = own_key(key.org)
        return {"key_id": key_id(found.public_key()), "public_key": public_pem(found)}

    @router.post("/export")
    def export_partner_bundle(request: ExportRequest, key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> dict[str, Any]:
        """A signed bundle of the organisation's items (ClaimReview, HMA bank entries, campaign
        indicators); `campaigns` adds indicators to share, which are kept and shared again later."""
        scoped = managed(key)
        try:
            kinds = parse_kinds(request.kinds)
        except ValueError as error:
            raise ApiError(422, "invalid_kinds", str(error)) from None
        try:
            return export_bundle(scoped, kinds, request.licence, own_key(key.org), request.campaigns, request.banks,
                                 actor=key.id).document
        except ValueError as error:
            raise ApiError(422, "cannot_export", str(error)) from None

    @router.post("/import")
    def import_partner_bundle(document: Annotated[dict[str, Any], Body(description="A bundle from a partner.")],
                key: Annotated[ApiKey, Depends(role_in(MANAGERS))]) -> dict[str, Any]:
        """Verify the bundle against the partner allow-list and add its good items; the report
        lists every rejected item with its reason. A bundle that cannot be trusted is refused whole."""
        try:
            return import_bundle(managed(key), document, actor=key.id).to_json()
        except BundleError as error:
            raise ApiError(422, error.code, str(error)) from None

    @router.get("/items")
    def list_exchange_items(key: Annotated[ApiKey, Depends(role_in(READERS))],
              kind: Annotated[Kind | None, Query()] = None,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 1_000) -> list[dict[str, Any]]:
        """Provenance of the organisation's exchanged items: origin, partner, licence, source, when."""
        return [item.to_json() for item in islice(store.scoped(key.org).shared_items(kind), limit)]

    return router
