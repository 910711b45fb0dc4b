"""Pseudonymisation of author identifiers.

A keyed hash (HMAC-SHA256) rather than a plain hash: platform user ids are short and guessable, so
an unkeyed hash could be reversed by enumeration. The same key gives the same pseudonym, which keeps
repeat-offender counts and campaign detection working without storing who the author is.

A pseudonym carries a keyed mark (`anon_<digest><mark>`), so `pseudonymise` can recognise one it made
and leave it alone (records pass through ingest more than once) while an id that merely looks like
one (`anon_...` sent by a platform) is hashed like any other: the prefix alone bypasses nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from jaga.config import home_dir, settings

PSEUDONYM_PREFIX = "anon_"
DIGEST_CHARS = 32  # 128 bits of HMAC-SHA256 of the author id
MARK_CHARS = 16  # 64 bits of HMAC-SHA256 of the digest: forging one takes the key


@lru_cache(maxsize=1)
def pseudonym_key() -> bytes:
    """`JAGA_PSEUDONYM_KEY` if set (deployments share it across machines), else a random key made
    once and kept in Jaga's home directory with owner-only permissions."""
    configured = settings().pseudonym_key
    if configured:
        return configured.get_secret_value().encode()
    key_file = home_dir() / "pseudonym.key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def pseudonymise(author_id: str | None, key: bytes | None = None) -> str | None:
    """Idempotent: a pseudonym made with the same key is returned unchanged, so records can pass
    through ingest twice (resume, re-import) without being hashed again. Anything else, whatever its
    prefix, is hashed."""
    if author_id is None or author_id == "":
        return None
    key = key or pseudonym_key()
    if is_pseudonym(author_id, key):
        return author_id
    digest = hmac.new(key, author_id.encode(), hashlib.sha256).hexdigest()[:DIGEST_CHARS]
    return PSEUDONYM_PREFIX + digest + _mark(key, digest)


def is_pseudonym(value: str, key: bytes | None = None) -> bool:
    """Whether `value` is a pseudonym made with `key`: its mark is an HMAC of its digest, which
    nobody without the key can produce."""
    body = value.removeprefix(PSEUDONYM_PREFIX)
    if body == value or len(body) != DIGEST_CHARS + MARK_CHARS:
        return False
    return hmac.compare_digest(body[DIGEST_CHARS:], _mark(key or pseudonym_key(), body[:DIGEST_CHARS]))


def legacy_form(pseudonym: str) -> str | None:
    """The unmarked pseudonym of the same author written before pseudonyms carried a mark (the same
    digest, without it), so that an export or an erasure also finds data stored then."""
    body = pseudonym.removeprefix(PSEUDONYM_PREFIX)
    if body == pseudonym or len(body) != DIGEST_CHARS + MARK_CHARS:
        return None
    return PSEUDONYM_PREFIX + body[:DIGEST_CHARS]


def _mark(key: bytes, digest: str) -> str:
    return hmac.new(key, b"jaga-pseudonym-mark\x00" + digest.encode(), hashlib.sha256).hexdigest()[:MARK_CHARS]
