"""Pseudonymisation of author identifiers.

A keyed hash (HMAC-SHA256) rather than a plain hash: platform user ids are short and guessable, so
an unkeyed hash could be reversed by enumeration. The same key gives the same pseudonym, which keeps
repeat-offender counts and campaign detection working without storing who the author is.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from jaga.config import home_dir

PSEUDONYM_PREFIX = "anon_"


@lru_cache(maxsize=1)
def pseudonym_key() -> bytes:
    """`JAGA_PSEUDONYM_KEY` if set (deployments share it across machines), else a random key made
    once and kept in Jaga's home directory with owner-only permissions."""
    configured = os.environ.get("JAGA_PSEUDONYM_KEY")
    if configured:
        return configured.encode()
    key_file = home_dir() / "pseudonym.key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def pseudonymise(author_id: str | None, key: bytes | None = None) -> str | None:
    """Idempotent: an id that is already a pseudonym is returned unchanged, so records can pass
    through ingest twice (resume, re-import) without being hashed again."""
    if author_id is None or author_id == "":
        return None
    if author_id.startswith(PSEUDONYM_PREFIX):
        return author_id
    digest = hmac.new(key or pseudonym_key(), author_id.encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:32]
