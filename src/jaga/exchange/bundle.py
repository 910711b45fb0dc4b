"""The signed bundle: its JSON shape, canonical form, signature and verification (docs/exchange.md).

A bundle is `{"header": ..., "signature": ..., "items": [...]}`. The header names the issuer, its
key, the time, the licence and, as a manifest, every item's kind, id and SHA-256; the signature is
Ed25519 over the header's canonical JSON (RFC 8785: sorted keys, no spaces, UTF-8, ES6 numbers).
Items sit outside the signed header but each is bound to it by its digest, so one altered item is
found and refused alone while the partner's other items still prove their origin, and an item the
issuer never signed cannot be slipped in.

Verification works on the JSON as received, never on a re-serialisation of parsed models: the
digest of what arrived is what must match what was signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from jaga.config import home_dir, settings
from jaga.store.checkpoints import key_id, load_public_key, public_key_pem

FORMAT = "jaga-exchange/1"
MAX_ITEMS = 100_000
ORG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""Organisation names as they appear in bundles and in the names of imported banks."""
LICENCE = r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$"  # an SPDX identifier or expression-free name: CC-BY-4.0

OrgName = Annotated[str, Field(pattern=ORG_NAME.pattern)]
Licence = Annotated[str, Field(pattern=LICENCE)]


class Kind(StrEnum):
    FACT_CHECK = "fact-check"
    BANK_ENTRY = "bank-entry"
    CAMPAIGN = "campaign"


_KIND_NAMES = {"fact-check": Kind.FACT_CHECK, "fact-checks": Kind.FACT_CHECK, "factchecks": Kind.FACT_CHECK,
               "bank-entry": Kind.BANK_ENTRY, "bank-entries": Kind.BANK_ENTRY, "banks": Kind.BANK_ENTRY,
               "bank": Kind.BANK_ENTRY, "campaign": Kind.CAMPAIGN, "campaigns": Kind.CAMPAIGN}


def parse_kinds(text: str | list[str]) -> tuple[Kind, ...]:
    """Kinds from 'fact-checks,banks,campaigns' (singular, plural or the item kind's own name)."""
    names = [part.strip().lower() for part in (text.split(",") if isinstance(text, str) else text) if part.strip()]
    unknown = [name for name in names if name not in _KIND_NAMES]
    if unknown or not names:
        raise ValueError(f"unknown kind {', '.join(unknown) or '(none given)'}: "
                         "use fact-checks, banks or campaigns")
    return tuple(sorted({_KIND_NAMES[name] for name in names}))


class BundleError(ValueError):
    """A whole bundle refused: `code` for programs, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Provenance(BaseModel):
    """Where an item comes from. `origin` and `source` never change as an item travels on; the
    licence is the one it was first shared under (no one may re-license another's item)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    origin: OrgName = Field(description="The organisation that first shared the item.")
    shared_by: OrgName = Field(description="The organisation that put it in this bundle (the issuer).")
    shared_at: AwareDatetime = Field(description="When `origin` first shared it (RFC 3339, with offset).")
    licence: Licence = Field(description="SPDX licence identifier, e.g. CC-BY-4.0.")
    source: str | None = Field(default=None, max_length=2_000, description="Original source: dataset, "
                               "publisher or URL.")


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    id: str = Field(min_length=1, max_length=256)
    provenance: Provenance
    data: dict[str, Any]


class ManifestEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    id: str = Field(min_length=1, max_length=256)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(pattern=f"^{re.escape(FORMAT)}$")
    issuer: OrgName
    key_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: AwareDatetime
    licence: Licence
    items: list[ManifestEntry] = Field(max_length=MAX_ITEMS)


MAX_SAFE_INTEGER = 2**53 - 1


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON; ValueError for what it cannot represent (e.g. integers beyond 2^53).

    Values without floats, with safe integers and ASCII keys, serialise to the same bytes through
    `json.dumps` (sorted keys, no spaces, the same string escapes), which is C code; the rfc8785
    package, pure Python, serialises the rest (floats need ES6 formatting, non-ASCII keys UTF-16
    ordering). Measured: the pure-Python path was most of an export's time."""
    try:
        if _plain(value):
            return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False).encode("utf-8")
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, UnicodeEncodeError) as error:
        raise ValueError(f"not canonical JSON: {error}") from error


def _plain(value: Any) -> bool:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str) or current is None or isinstance(current, bool):
            continue
        if isinstance(current, int):
            if abs(current) > MAX_SAFE_INTEGER:
                return False
        elif isinstance(current, dict):
            for name, inner in current.items():
                if not (isinstance(name, str) and name.isascii()):
                    return False
                stack.append(inner)
        elif isinstance(current, list):
            stack.extend(current)
        else:
            return False
    return True


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def sign(issuer: str, licence: str, items: list[Item], key: Ed25519PrivateKey, created_at: datetime) -> dict[str, Any]:
    """The bundle document (a dict ready for `json.dumps`)."""
    documents = [item.model_dump(mode="json", exclude_none=True) for item in items]
    header = Header(format=FORMAT, issuer=issuer, key_id=key_id(key.public_key()), created_at=created_at,
                    licence=licence, items=[ManifestEntry(kind=item.kind, id=item.id, sha256=digest(document))
                                            for item, document in zip(items, documents, strict=True)])
    header_document = header.model_dump(mode="json")
    signature = base64.b64encode(key.sign(canonical(header_document))).decode("ascii")
    return {"header": header_document, "signature": signature, "items": documents}


@dataclass(frozen=True)
class Opened:
    """A bundle whose header parsed: who claims to have issued it, and its items as received."""

    header: Header
    header_document: dict[str, Any]
    signature: str
    items: list[Any]

    @property
    def id(self) -> str:
        """The bundle's identity: SHA-256 of its signed header."""
        return digest(self.header_document)


def open_bundle(document: Any) -> Opened:
    """The bundle's parts, or BundleError naming what is malformed (nothing is trusted yet)."""
    if not isinstance(document, dict) or not {"header", "signature", "items"} <= document.keys():
        raise BundleError("not_a_bundle", f"not a {FORMAT} bundle: expected an object with header, signature "
                          "and items")
    raw_header, signature, items = document["header"], document["signature"], document["items"]
    if isinstance(raw_header, dict) and raw_header.get("format") != FORMAT:
        raise BundleError("unsupported_format", f"bundle format {raw_header.get('format')!r} is not {FORMAT!r}")
    try:
        header = Header.model_validate(raw_header)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'header'}: {e['msg']}"
                             for e in error.errors()[:5])
        raise BundleError("invalid_header", f"the bundle header is invalid: {problems}") from None
    if not isinstance(signature, str) or not isinstance(items, list):
        raise BundleError("not_a_bundle", "signature must be text and items a list")
    if len(items) > MAX_ITEMS:
        raise BundleError("too_many_items", f"a bundle holds at most {MAX_ITEMS} items")
    return Opened(header, raw_header, signature, items)


def verify(opened: Opened, public_key: Ed25519PublicKey) -> None:
    """Raise BundleError unless `public_key` signed this header."""
    expected = key_id(public_key)
    if opened.header.key_id != expected:
        raise BundleError("wrong_key", f"signed with key {opened.header.key_id[:16]}…, but partner "
                          f"{opened.header.issuer!r} is registered with key {expected[:16]}…")
    try:
        public_key.verify(base64.b64decode(opened.signature, validate=True), canonical(opened.header_document))
    except (InvalidSignature, binascii.Error, ValueError):
        raise BundleError("bad_signature", "the signature does not match the bundle header "
                          "(forged, altered, or signed by another key)") from None


# Keys ---------------------------------------------------------------------------------------------

def key_path(org: str) -> Path:
    """Where an organisation's private signing key lives: `$JAGA_EXCHANGE_KEY_DIR/<org>.key`, else
    `exchange/<org>.key` in Jaga's home. One key per organisation: partners pin it."""
    if not ORG_NAME.fullmatch(org):
        raise ValueError(f"organisation names are 1-64 letters, digits, '_', '.' or '-': {org[:80]!r}")
    return (settings().exchange_key_dir or home_dir() / "exchange") / f"{org}.key"


def generate_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The key at `path`, made (mode 0600) when missing; True when made now. Never overwritten: a new
    key silently breaks every partner's pinned public key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_private_key(path), False
    with os.fdopen(fd, "wb") as handle:
        handle.write(Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return load_private_key(path), True


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ValueError(f"no exchange signing key at {path}: run `jaga exchange keygen`") from None
    except (ValueError, TypeError, OSError) as error:
        raise ValueError(f"{path} is not an unencrypted PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    return public_key_pem(key).decode("ascii")


def read_public_key(pem: str, source: str = "public key") -> tuple[Ed25519PublicKey, str]:
    """The key and its normalised PEM; ValueError saying why a text is not an Ed25519 public key."""
    key = load_public_key(pem.strip().encode("ascii", errors="replace") + b"\n", source)
    return key, key.public_bytes(serialization.Encoding.PEM,
                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
