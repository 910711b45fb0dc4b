"""API keys and the audit log: the store's share of access control (mixed into `Store`).

Keys look like `jaga_<id>_<secret>`. Only SHA-256 of the secret is stored: a key has 256 bits of
randomness, so a fast hash is enough (no password stretching needed) and lookups stay cheap.

The audit log is one chain for the whole deployment: each row's hash covers its content and the
previous row's hash, so `verify_audit` finds an edited row (its hash no longer matches) and a
deleted one (the next row's `prev_hash` no longer matches, or the sequence has a gap).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from jaga.store.models import ApiKeyRow, AuditRow, IdempotencyRow
from jaga.types import now_utc

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

GENESIS = "0" * 64
_SQLITE_CHAIN_LOCK = threading.Lock()
KEY_CACHE_SECONDS = 2.0
"""How long a process trusts a key it has verified without asking the database again: a key revoked
by another process (`jaga keys revoke`, another worker) stops working within this time; in the
process that revoked it, at once. Verification was a tenth of a moderation request's server time."""
_verified: dict[str, tuple[ApiKey, float]] = {}  # SHA-256 of the whole token -> (key, trusted until)


class Role(StrEnum):
    PLATFORM = "platform"    # sends content, reads its own decisions
    REVIEWER = "reviewer"    # decides review tasks and appeals
    REGULATOR = "regulator"  # reads cases in its jurisdictions, sends authority requests
    ADMIN = "admin"          # everything in its organisation, manages keys
    AUDITOR = "auditor"      # reads everything in its organisation, writes nothing


@dataclass(frozen=True)
class ApiKey:
    id: str
    org: str
    name: str
    role: Role
    jurisdictions: tuple[str, ...]  # empty: every jurisdiction

    def may_see(self, jurisdiction: str) -> bool:
        return not self.jurisdictions or jurisdiction.upper() in self.jurisdictions


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row_hash(prev_hash: str, values: dict[str, Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


class AccessRepository:
    org: str
    engine: Engine
    sessions: sessionmaker[Any]

    # --- keys ---------------------------------------------------------------------------------

    def create_key(self, name: str, role: Role, jurisdictions: list[str] | None = None) -> tuple[ApiKey, str]:
        """A new key for this store's organisation; returns it and the token, shown once."""
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        codes = tuple(sorted({code.upper() for code in jurisdictions or []}))
        with self.sessions.begin() as session:
            session.add(ApiKeyRow(id=key_id, org=self.org, name=name, role=role.value, jurisdictions=list(codes),
                                  secret_hash=_secret_hash(secret), created_at=now_utc(), revoked_at=None))
        self.audit("admin-cli", "key.create", key_id, {"name": name, "role": role.value, "jurisdictions": list(codes)})
        return ApiKey(key_id, self.org, name, role, codes), f"jaga_{key_id}_{secret}"

    def recently_authenticated(self, token: str) -> ApiKey | None:
        """The key of a token this process verified less than `KEY_CACHE_SECONDS` ago (no I/O), or
        None: then call `authenticate`."""
        cached = _verified.get(_token_digest(token))
        if cached is None or cached[1] < time.monotonic():
            return None
        return cached[0]

    def authenticate(self, token: str) -> ApiKey | None:
        """The key a token belongs to, in any organisation, or None (unknown, malformed, revoked)."""
        key = self._authenticate(token)
        if key is not None:
            _verified[_token_digest(token)] = (key, time.monotonic() + KEY_CACHE_SECONDS)
        return key

    def _authenticate(self, token: str) -> ApiKey | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "jaga" or len(parts[1]) != 16:
            return None
        with self.sessions() as session:
            row = session.get(ApiKeyRow, parts[1])
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, _secret_hash(parts[2])):
            return None
        return ApiKey(row.id, row.org, row.name, Role(row.role), tuple(row.jurisdictions))

    def revoke_key(self, key_id: str) -> bool:
        with self.sessions.begin() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None or row.org != self.org or row.revoked_at is not None:
                return False
            row.revoked_at = now_utc()
        for token_hash, (key, _) in list(_verified.items()):
            if key.id == key_id:
                _verified.pop(token_hash, None)
        self.audit("admin-cli", "key.revoke", key_id, {})
        return True

    def api_keys(self) -> list[tuple[ApiKey, datetime, datetime | None]]:
        with self.sessions() as session:
            rows = session.scalars(select(ApiKeyRow).where(ApiKeyRow.org == self.org).order_by(ApiKeyRow.created_at))
            return [(ApiKey(row.id, row.org, row.name, Role(row.role), tuple(row.jurisdictions)), row.created_at,
                     row.revoked_at) for row in rows]

    # --- audit --------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction that may extend the audit chain: one writer at a time. On SQLite it
        takes the database's write lock at once (`BEGIN IMMEDIATE`): otherwise the driver reads the
        chain's tip outside any transaction, and another process that commits before this one writes
        forks the chain (two rows after the same tip; measured). Waiting for the lock only waits
        (busy timeout). Threads of one process also queue on a lock, so they don't poll SQLite's.
        PostgreSQL queues writers on an advisory lock inside `_append`."""
        sqlite = self.engine.dialect.name == "sqlite"
        with _SQLITE_CHAIN_LOCK if sqlite else nullcontext(), self.sessions.begin() as session:
            if sqlite:
                session.execute(text("BEGIN IMMEDIATE"))
            yield session

    def audit(self, actor: str, action: str, subject: str, payload: dict[str, Any], session: Session | None = None) -> None:
        """Append one entry to the chain (inside `session`'s transaction when given)."""
        if session is not None:
            self._append(session, actor, action, subject, payload)
            return
        with self.writing() as own:
            self._append(own, actor, action, subject, payload)

    def _append(self, session: Session, actor: str, action: str, subject: str, payload: dict[str, Any]) -> None:
        """The chain's tip is read once per transaction (under the lock) and then carried in the
        session, so a transaction that appends many entries (a batch of requests) reads it once."""
        prev_hash = session.info.get("audit_tip")
        if prev_hash is None:
            if self.engine.dialect.name == "postgresql":  # one writer at a time extends the chain
                session.execute(text("SELECT pg_advisory_xact_lock(7426)"))
            log = AuditRow.__table__
            prev_hash = session.connection().execute(
                select(log.c.hash).order_by(log.c.seq.desc()).limit(1)).scalar() or GENESIS
        at = now_utc()
        values = {"org": self.org, "at": at.isoformat(), "actor": actor, "action": action, "subject": subject,
                  "payload": payload}
        row_hash = _row_hash(prev_hash, values)
        # A Core insert, executed now: rows keep the order they are chained in, and the ORM's unit of
        # work (a flush at commit) cost more than the insert on the service's path.
        session.connection().execute(AuditRow.__table__.insert(), {**values, "at": at, "prev_hash": prev_hash,
                                                                   "hash": row_hash})
        session.info["audit_tip"] = row_hash

    def verify_audit(self) -> list[str]:
        """Every break in the chain, as 'seq N: problem'; empty when the log is intact."""
        problems = []
        expected_prev, expected_seq = GENESIS, None
        with self.sessions() as session:
            for row in session.scalars(select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=1_000)):
                if expected_seq is not None and row.seq != expected_seq:
                    problems.append(f"seq {row.seq}: rows {expected_seq}..{row.seq - 1} are missing")
                if row.prev_hash != expected_prev:
                    problems.append(f"seq {row.seq}: does not follow the previous row (deleted or reordered rows)")
                values = {"org": row.org, "at": _iso(row.at), "actor": row.actor, "action": row.action,
                          "subject": row.subject, "payload": row.payload}
                if _row_hash(row.prev_hash, values) != row.hash:
                    problems.append(f"seq {row.seq}: content changed after it was written")
                expected_prev, expected_seq = row.hash, row.seq + 1
        return problems

    def audit_entries(self, limit: int = 100) -> list[AuditRow]:
        with self.sessions() as session:
            return list(session.scalars(select(AuditRow).where(AuditRow.org == self.org)
                                        .order_by(AuditRow.seq.desc()).limit(limit)))


def _iso(value: datetime) -> str:
    from datetime import UTC

    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


class IdempotencyRepository:
    """Responses remembered per organisation and Idempotency-Key (mixed into `Store`)."""

    org: str
    sessions: sessionmaker[Any]

    def remembered(self, key: str) -> tuple[str, int, dict[str, Any]] | None:
        """(fingerprint, status, body) of the response first given to this key, if any."""
        with self.sessions() as session:
            row = session.get(IdempotencyRow, (self.org, key))
            return (row.fingerprint, row.status, row.body) if row else None

    def remember(self, key: str, fingerprint: str, status: int, body: dict[str, Any]) -> None:
        """Keep the first response; a concurrent twin that lost the race leaves it as it is."""
        from sqlalchemy.exc import IntegrityError

        try:
            with self.sessions.begin() as session:
                session.add(IdempotencyRow(org=self.org, key=key, fingerprint=fingerprint, status=status, body=body,
                                           created_at=now_utc()))
        except IntegrityError:
            pass
