"""Signed checkpoints of the audit chain's tip.

A hash chain shows a row edited or removed in its middle, but not the loss of its end: delete the
last rows (or all of them), or edit a row and recompute every later hash, and what is left is a
valid chain. A checkpoint pins a prefix: the number of rows, the last row's sequence number and its
hash, signed with an Ed25519 key that lives outside the database. Whoever keeps the JSON file and
the public key can later prove, offline, that the chain still begins with exactly those rows
(`jaga audit verify --checkpoint FILE --public-key FILE`). Keep checkpoints where the database's
writers cannot reach them: another machine, a ticket, an email.

The private key is the file `JAGA_AUDIT_KEY_FILE` names (a deployment shares one key across
machines), else `audit-signing.key` in Jaga's home, made on first use with owner-only permissions,
as the pseudonymisation key is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jaga.config import home_dir, settings
from jaga.types import now_utc

FORMAT = "jaga-audit-checkpoint/1"
KEY_FILE_VARIABLE = "JAGA_AUDIT_KEY_FILE"


class CheckpointError(ValueError):
    """A key or checkpoint file that cannot be used; the message says why, for a person."""


def signing_key_path() -> Path:
    return settings().audit_key_file or home_dir() / "audit-signing.key"


def signing_key(create: bool = True) -> Ed25519PrivateKey:
    """The audit signing key. Made on first use under Jaga's home (mode 0600) when `create`; a file
    named by `JAGA_AUDIT_KEY_FILE` is never made up: a missing one is an error, since signing with a
    fresh key would quietly break every verification against the published public key."""
    path = signing_key_path()
    if not path.exists():
        if not create or settings().audit_key_file:
            raise CheckpointError(f"no audit signing key at {path}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Ed25519PrivateKey.generate().private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path} is not an unencrypted PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes, source: str = "public key") -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as error:
        raise CheckpointError(f"{source} is not a PEM public key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{source} is a {type(key).__name__}, not an Ed25519 key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """The key's fingerprint: SHA-256 of its 32 raw bytes, in hex."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """The chain's first `length` rows end at row `seq`, whose hash is `hash` (as of `at`).

    The chain is one for the whole deployment (every organisation's entries), so a checkpoint
    covers them all and names no organisation."""

    seq: int
    length: int
    hash: str
    at: str
    key_id: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        body = {key: value for key, value in asdict(self).items() if key != "signature"}
        return json.dumps({"format": FORMAT, **body}, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def sign(cls, seq: int, length: int, tip_hash: str, key: Ed25519PrivateKey) -> Checkpoint:
        unsigned = cls(seq=seq, length=length, hash=tip_hash, at=now_utc().isoformat(),
                       key_id=key_id(key.public_key()))
        signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
        return cls(**{**asdict(unsigned), "signature": signature})

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "checkpoint") -> Checkpoint:
        try:
            data: Any = json.loads(text)
        except ValueError as error:
            raise CheckpointError(f"{source} is not JSON: {error}") from error
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CheckpointError(f"{source} is not a Jaga audit checkpoint (format {FORMAT!r})")
        fields = {"seq": int, "length": int, "hash": str, "at": str, "key_id": str, "signature": str}
        for name, kind in fields.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise CheckpointError(f"{source}: {name!r} is missing or not {'a number' if kind is int else 'text'}")
        return cls(**{name: data[name] for name in fields})

    def signature_problems(self, public_key: Ed25519PublicKey) -> list[str]:
        """Why this checkpoint cannot be trusted under `public_key`; empty when its signature holds."""
        expected = key_id(public_key)
        if self.key_id != expected:
            return [f"checkpoint: signed by key {self.key_id[:16]}…, not by the given public key {expected[:16]}…"]
        try:
            public_key.verify(base64.b64decode(self.signature, validate=True), self.signed_bytes())
        except (InvalidSignature, binascii.Error, ValueError):
            return ["checkpoint: the signature does not match its content (forged or altered checkpoint)"]
        return []
