"""API keys and the audit log: the store's share of access control (mixed into `Store`).

Keys look like `jaga_<id>_<secret>`. Only SHA-256 of the secret is stored: a key has 256 bits of
randomness, so a fast hash is enough (no password stretching needed) and lookups stay cheap.

The audit log is one chain for the whole deployment: each row's hash covers its content and the
previous row's hash, so `verify_audit` finds an edited row (its hash no longer matches) and a
deleted one (the next row's `prev_hash` no longer matches, or the sequence has a gap). What a chain
alone cannot show, a trimmed end or a tail recomputed after an edit, a signed checkpoint of its tip
shows (`checkpoints.py`). Decisions and keys are inside the chain: every write of a decision or key
row appends, in the same transaction, the SHA-256 of the row as written (its "seal"), and
`verify_audit` compares every stored row with the seal the chain last recorded for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    type_coerce,
)

from jaga.store.models import ApiKeyRow, AuditRow, DecisionRow, IdempotencyRow
from jaga.types import now_utc

if TYPE_CHECKING:
    from sqlalchemy import Engine, FromClause
    from sqlalchemy.orm import Session, sessionmaker

    from jaga.store.checkpoints import Checkpoint

GENESIS = "0" * 64
_SQLITE_CHAIN_LOCK = threading.Lock()
KEY_CACHE_SECONDS = 2.0
PENDING = 0  # the status of an Idempotency-Key reserved by a request that has not answered yet
IDEMPOTENCY_TTL = timedelta(hours=24)  # how long a response is replayed for its key
PENDING_TTL = timedelta(minutes=10)  # a reservation older than this belongs to a request that died
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


DECISION_SEALED = ("org", "id", "post_id", "jurisdiction", "policy_version", "action", "categories", "max_score",
                   "language", "automated", "review_status", "deadline", "decided_at", "document")
KEY_SEALED = ("id", "org", "name", "role", "jurisdictions", "secret_hash", "created_at", "revoked_at")
"""The columns a seal covers, named rather than taken from the model: a column added later must not
change the digest of every row sealed before it."""


def row_digest(table: FromClause, columns: Sequence[str], row: Mapping[str, Any] | object) -> str:
    """SHA-256 of a row's sealed columns (from a mapping of values or an ORM row), in a canonical
    form that is the same for what a writer passes in and for what either database gives back:
    timestamps as naive UTC ISO strings, booleans and floats as such, JSON with sorted keys."""
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name)
    plain = {name: _plain(table.c[name].type, get(name)) for name in columns}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def decision_digest(row: Mapping[str, Any] | object) -> str:
    return row_digest(DecisionRow.__table__, DECISION_SEALED, row)


def key_digest(row: Mapping[str, Any] | object) -> str:
    return row_digest(ApiKeyRow.__table__, KEY_SEALED, row)


def _plain(kind: Any, value: Any) -> Any:
    """A column's value as plain JSON; ValueError for one its column cannot hold (a malformed row)."""
    if value is None:
        return None
    if isinstance(kind, DateTime):
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            raise ValueError(f"not a timestamp: {value!r:.40}")
        return (moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment).isoformat()
    if isinstance(kind, Boolean):
        if value not in (0, 1):
            raise ValueError(f"not a boolean: {value!r:.40}")
        return bool(value)
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, Integer):
        return int(value)
    return value


def _parse_json(raw: Any, column: str) -> Any:
    """A JSON column read as text (verification reads raw values, so a bad row is a finding, not a
    traceback in the driver)."""
    if raw is None:
        raise ValueError(f"{column} is missing (NULL)")
    try:
        return json.loads(raw)
    except (ValueError, TypeError, RecursionError) as error:
        raise ValueError(f"{column} is not JSON: {str(error)[:80]}") from None


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
        values = {"id": key_id, "org": self.org, "name": name, "role": role.value, "jurisdictions": list(codes),
                  "secret_hash": _secret_hash(secret), "created_at": now_utc(), "revoked_at": None}
        with self.writing() as session:  # the key exists only together with its sealed audit entry
            session.connection().execute(insert(ApiKeyRow), values)
            self._append(session, "admin-cli", "key.create", key_id, {
                "name": name, "role": role.value, "jurisdictions": list(codes), "digest": key_digest(values)})
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
        with self.writing() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None or row.org != self.org or row.revoked_at is not None:
                return False
            row.revoked_at = now_utc()
            self._append(session, "admin-cli", "key.revoke", key_id, {"digest": key_digest(row)})
        for token_hash, (key, _) in list(_verified.items()):
            if key.id == key_id:
                _verified.pop(token_hash, None)
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

    def _append(self, session: Session, actor: str, action: str, subject: str, payload: dict[str, Any],
                org: str | None = None) -> None:
        """The chain's tip is read once per transaction (under the lock) and then carried in the
        session, so a transaction that appends many entries (a batch of requests) reads it once.
        The entry is this store's organisation's, or `org`'s."""
        prev_hash = session.info.get("audit_tip")
        if prev_hash is None:
            if self.engine.dialect.name == "postgresql":  # one writer at a time extends the chain
                session.execute(text("SELECT pg_advisory_xact_lock(7426)"))
            log = AuditRow.__table__
            prev_hash = session.connection().execute(
                select(log.c.hash).order_by(log.c.seq.desc()).limit(1)).scalar() or GENESIS
        at = now_utc()
        values = {"org": org or self.org, "at": at.isoformat(), "actor": actor, "action": action, "subject": subject,
                  "payload": payload}
        row_hash = _row_hash(prev_hash, values)
        # A Core insert, executed now: rows keep the order they are chained in, and the ORM's unit of
        # work (a flush at commit) cost more than the insert on the service's path.
        session.connection().execute(insert(AuditRow), {**values, "at": at, "prev_hash": prev_hash, "hash": row_hash})
        session.info["audit_tip"] = row_hash

    def _seal_decisions(self, session: Session, actor: str, action: str, subject: str,
                        rows: Sequence[Mapping[str, Any] | DecisionRow]) -> None:
        """Record the digest of each decision row as this transaction writes it, in one entry for them
        all (a scan's batch pays one insert, not one per decision). Call it after the last change to
        the rows in the transaction: `verify_audit` holds every row to the seal recorded last."""
        if rows:
            self._append(session, actor, action, subject[:256], {"decisions": [
                {"id": _value(row, "id"), "action": _value(row, "action"), "digest": decision_digest(row)}
                for row in rows]})

    def audit_tip(self) -> tuple[int, int, str]:
        """(seq, number of rows, hash) of the chain's last row, read in one statement so that the
        three agree while others append: what a checkpoint signs. (0, 0, GENESIS) when empty."""
        log = AuditRow.__table__
        earlier = log.alias("earlier")
        length = select(func.count()).select_from(earlier).where(earlier.c.seq <= log.c.seq).scalar_subquery()
        with self.sessions() as session:
            tip = session.execute(select(log.c.seq, length, log.c.hash).order_by(log.c.seq.desc()).limit(1)).first()
        return (int(tip[0]), int(tip[1]), str(tip[2])) if tip else (0, 0, GENESIS)

    def verify_audit(self, checkpoint: Checkpoint | None = None) -> list[str]:
        """Every break in the chain ('seq N: problem'); every decision or key whose row differs from
        the seal the chain recorded last for it, or that the chain does not know; and, given a
        checkpoint, whether the chain still begins with the rows it pinned (its signature is for
        `Checkpoint.signature_problems`). Empty when all is intact. Rows are read as raw values, so
        a malformed one is a finding, never a traceback; all in one snapshot of the database, so a
        write committed meanwhile cannot look like tampering."""
        seals: dict[str, dict[tuple[Any, Any], str]] = {"decision": {}, "key": {}}
        with self._snapshot() as session:
            problems = self._verify_chain(session, checkpoint, seals)
            for table, columns, noun in ((DecisionRow.__table__, DECISION_SEALED, "decision"),
                                         (ApiKeyRow.__table__, KEY_SEALED, "key")):
                problems += _seal_problems(_sealed_rows(session, table, columns), seals[noun], noun)
        return problems

    def adopt_unsealed(self, actor: str = "admin-cli") -> dict[str, int]:
        """Seal the decision and key rows the chain knows nothing of: those a Jaga from before
        decisions and keys were sealed stored. Run once after upgrading, then take a checkpoint. A row
        whose seal differs stays a finding: adopting never overwrites what the chain recorded. Refused
        (ValueError) while the chain itself has breaks: rows whose seals were cut out with them would
        be taken in as if they had never been sealed."""
        seals: dict[str, dict[tuple[Any, Any], str]] = {"decision": {}, "key": {}}
        with self.writing() as session:
            breaks = self._verify_chain(session, None, seals)
            if breaks:
                raise ValueError(f"the audit chain has {len(breaks)} breaks (first: {breaks[0]}); adopting nothing")
            decisions: dict[str, list[dict[str, str]]] = {}
            for (org, decision_id), digest, error in list(_sealed_rows(session, DecisionRow.__table__,
                                                                       DECISION_SEALED)):
                if error is None and (org, decision_id) not in seals["decision"]:
                    decisions.setdefault(org, []).append({"id": decision_id, "digest": str(digest)})
            keys = [(org, key_id, str(digest)) for (org, key_id), digest, error
                    in list(_sealed_rows(session, ApiKeyRow.__table__, KEY_SEALED))
                    if error is None and (org, key_id) not in seals["key"]]
            for org, entries in decisions.items():
                for start in range(0, len(entries), 1_000):
                    chunk = entries[start:start + 1_000]
                    self._append(session, actor, "decisions.adopt", f"{len(chunk)} decisions", {"decisions": chunk},
                                 org=org)
            for org, key_id, digest in keys:
                self._append(session, actor, "key.adopt", key_id, {"digest": digest}, org=org)
        return {"decisions": sum(len(entries) for entries in decisions.values()), "keys": len(keys)}

    @contextmanager
    def _snapshot(self) -> Iterator[Session]:
        """A read transaction that sees one state of the database from its first read to its end."""
        with self.sessions.begin() as session:
            if self.engine.dialect.name == "sqlite":
                session.execute(text("BEGIN"))  # pysqlite begins only before writes; WAL gives the snapshot
            else:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    def _verify_chain(self, session: Session, checkpoint: Checkpoint | None,
                      seals: dict[str, dict[tuple[Any, Any], str]]) -> list[str]:
        """The chain's breaks, and the checkpoint's prefix recomputed from the first row; fills
        `seals` with the digest each decision and key was last sealed with."""
        problems: list[str] = []
        log = AuditRow.__table__
        query = select(log.c.seq, log.c.org, type_coerce(log.c.at, String), log.c.actor, log.c.action, log.c.subject,
                       cast(log.c.payload, Text), log.c.prev_hash, log.c.hash).order_by(log.c.seq)
        expected_prev: Any = GENESIS
        expected_seq: int | None = None
        chained: str | None = GENESIS  # the chain recomputed from its start, whatever the rows claim
        length = last_seq = 0
        pinned = checkpoint is None or checkpoint.length == 0
        for seq, org, at, actor, action, subject, payload, prev_hash, row_hash in session.execute(
                query.execution_options(yield_per=1_000)):
            length += 1
            if expected_seq is not None and seq != expected_seq:
                problems.append(f"seq {seq}: rows {expected_seq}..{seq - 1} are missing")
            if prev_hash != expected_prev:
                problems.append(f"seq {seq}: does not follow the previous row (deleted or reordered rows)")
            try:
                if not isinstance(prev_hash, str) or not isinstance(row_hash, str):
                    raise ValueError("its hash or previous hash is missing")
                values = {"org": org, "at": _iso(_moment(at)), "actor": actor, "action": action, "subject": subject,
                          "payload": _parse_json(payload, "payload")}
            except (ValueError, TypeError) as error:
                problems.append(f"seq {seq}: malformed row ({error})")
                chained = None
            else:
                if _row_hash(prev_hash, values) != row_hash:
                    problems.append(f"seq {seq}: content changed after it was written")
                chained = _row_hash(chained, values) if chained is not None else None
                _collect_seals(org, action, subject, values["payload"], seals)
            if checkpoint is not None and not pinned and seq >= checkpoint.seq:
                pinned = True
                problems += _against_checkpoint(checkpoint, seq, length, chained)
            expected_prev, expected_seq, last_seq = row_hash, seq + 1, seq
        if checkpoint is not None and not pinned:
            covered = f"the checkpoint of {checkpoint.at} covers {checkpoint.length} rows up to seq {checkpoint.seq}"
            problems.append(f"the log is empty, but {covered}: every row was deleted" if length == 0 else
                            f"the log ends at seq {last_seq} ({length} rows), but {covered}: "
                            "rows were deleted from its end")
        return problems

    def audit_entries(self, limit: int = 100) -> list[AuditRow]:
        with self.sessions() as session:
            return list(session.scalars(select(AuditRow).where(AuditRow.org == self.org)
                                        .order_by(AuditRow.seq.desc()).limit(limit)))


def _iso(value: datetime) -> str:
    """As the entry was hashed: UTC, with its offset (PostgreSQL hands timestamps back in the
    session's time zone, SQLite without one)."""
    return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _moment(value: Any) -> datetime:
    """A timestamp read raw: SQLite gives text, PostgreSQL a datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise ValueError(f"its time is not a timestamp: {value!r:.40}")
    return moment


def _value(row: Mapping[str, Any] | object, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _collect_seals(org: Any, action: Any, subject: Any, payload: Any,
                   seals: dict[str, dict[tuple[Any, Any], str]]) -> None:
    """The digests an entry seals: decisions listed under "decisions" (any action that writes them),
    and the key a "key.*" entry is about."""
    if not isinstance(payload, dict):
        return
    decisions = payload.get("decisions")
    if isinstance(decisions, list):
        for item in decisions:
            if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("digest"), str):
                seals["decision"][(org, item["id"])] = item["digest"]
    if isinstance(action, str) and action.startswith("key.") and isinstance(payload.get("digest"), str):
        seals["key"][(org, subject)] = payload["digest"]


def _against_checkpoint(checkpoint: Checkpoint, seq: int, length: int, chained: str | None) -> list[str]:
    """The first row at or after the checkpoint's: is it the one signed, with the same rows before it?"""
    signed = f"the checkpoint of {checkpoint.at}"
    if seq != checkpoint.seq:
        return [f"seq {checkpoint.seq}: the row {signed} ends with is missing (deleted)"]
    problems = []
    if length != checkpoint.length:
        problems.append(f"seq {seq}: {signed} counts {checkpoint.length} rows up to here, the log {length} "
                        "(rows before it were deleted or inserted)")
    if chained is None:
        problems.append(f"seq {seq}: the chain up to {signed} cannot be recomputed (malformed rows before it)")
    elif chained != checkpoint.hash:
        problems.append(f"seq {seq}: the chain up to here is not the one {signed} signed: rows were edited or "
                        "replaced and the later hashes recomputed")
    return problems


def _sealed_rows(session: Session, table: FromClause, columns: Sequence[str]
                 ) -> Iterator[tuple[tuple[Any, Any], str | None, str | None]]:
    """((org, id), digest, None) for each row of a sealed table, or ((org, id), None, why) for a row
    that cannot be read. Values come raw from the driver (JSON as text, no SQLAlchemy processing)."""
    selected = [cast(table.c[name], Text) if isinstance(table.c[name].type, JSON) else type_coerce(table.c[name], String)
                for name in columns]
    json_columns = [name for name in columns if isinstance(table.c[name].type, JSON)]
    for raw in session.execute(select(*selected).execution_options(yield_per=1_000)):
        values = dict(zip(columns, raw, strict=True))
        digest = error = None
        try:
            values.update({name: _parse_json(values[name], name) for name in json_columns})
            digest = row_digest(table, columns, values)
        except (ValueError, TypeError) as problem:
            error = str(problem)
        yield (values["org"], values["id"]), digest, error


def _seal_problems(rows: Iterator[tuple[tuple[Any, Any], str | None, str | None]],
                   sealed: dict[tuple[Any, Any], str], noun: str, shown: int = 20) -> list[str]:
    """Rows that differ from their seal, rows the chain does not know, seals whose row is gone. At
    most `shown` lines of each kind, then a count: a wholesale change must not flood the report."""
    changed: list[str] = []
    unknown: list[str] = []
    malformed: list[str] = []
    for (org, row_id), digest, error in rows:
        recorded = sealed.pop((org, row_id), None)
        if error is not None:
            malformed.append(f"{noun} {row_id} ({org}): malformed row ({error})")
        elif recorded is None:
            unknown.append(f"{row_id} ({org})")
        elif recorded != digest:
            changed.append(f"{noun} {row_id} ({org}): differs from what the audit chain recorded (changed outside Jaga)")
    gone = [f"{row_id} ({org})" for org, row_id in sealed]
    problems = malformed[:shown] + changed[:shown]
    hidden = max(0, len(malformed) - shown) + max(0, len(changed) - shown)
    if hidden:
        problems.append(f"... and {hidden} more {noun}s malformed or changed")
    if unknown:
        problems.append(f"{len(unknown)} {noun}s are not in the audit chain (written outside Jaga, their entries "
                        "deleted, or stored by a Jaga from before they were sealed: `jaga audit adopt` takes those "
                        f"in): {', '.join(unknown[:shown])}{' ...' if len(unknown) > shown else ''}")
    if gone:
        problems.append(f"{len(gone)} {noun}s in the audit chain have no row any more (deleted): "
                        f"{', '.join(gone[:shown])}{' ...' if len(gone) > shown else ''}")
    return problems


class IdempotencyRepository:
    """Responses remembered per organisation, jurisdiction scope and Idempotency-Key (mixed into
    `Store`). `scope` is the caller key's jurisdictions (`idempotency_scope`): a key limited to TH
    must never be handed a response made for a key that may act in MY, even with the same
    Idempotency-Key."""

    org: str
    sessions: sessionmaker[Any]

    def remembered(self, key: str, scope: str = "") -> tuple[str, int, dict[str, Any]] | None:
        """(fingerprint, status, body) of the response first given to this key, if any (status
        `PENDING` while the first request still runs)."""
        with self.sessions() as session:
            row = session.get(IdempotencyRow, (self.org, scope, key))
            return (row.fingerprint, row.status, row.body) if row else None

    def reserve(self, key: str, fingerprint: str, scope: str = "") -> tuple[str, int, dict[str, Any]] | None:
        """Claims the key before the request runs, so that a concurrent twin (another thread, worker
        or host) does not run it too: None when this caller holds the key now; else what the key
        holds, (fingerprint, status, body), with status `PENDING` while its first request runs.
        Records past `IDEMPOTENCY_TTL` (and reservations of a request that died without answering,
        past `PENDING_TTL`) are purged here, on write, so the table does not grow without end."""
        from sqlalchemy.exc import IntegrityError

        now = now_utc()
        keys = IdempotencyRow
        try:
            with self.sessions.begin() as session:
                session.execute(delete(IdempotencyRow).where(
                    keys.org == self.org,
                    (keys.created_at < now - IDEMPOTENCY_TTL)
                    | ((keys.status == PENDING) & (keys.created_at < now - PENDING_TTL))))
                session.execute(insert(IdempotencyRow).values(
                    org=self.org, scope=scope, key=key, fingerprint=fingerprint, status=PENDING, body={},
                    created_at=now))
            return None
        except IntegrityError:
            held = self.remembered(key, scope)
            # Released between the insert and the read (its request failed): the caller may retry.
            return held if held is not None else (fingerprint, PENDING, {})

    def release(self, key: str, scope: str = "") -> None:
        """Drops this key's reservation (its request failed), so a retry runs it again."""
        keys = IdempotencyRow
        with self.sessions.begin() as session:
            session.execute(delete(IdempotencyRow).where(
                keys.org == self.org, keys.scope == scope, keys.key == key, keys.status == PENDING))

    def remember(self, key: str, fingerprint: str, status: int, body: dict[str, Any], scope: str = "") -> None:
        """Stores the response for the key: fills its reservation, or keeps the first response when
        there was none and a concurrent twin got there first."""
        from sqlalchemy.exc import IntegrityError

        try:
            with self.sessions.begin() as session:
                row = session.get(IdempotencyRow, (self.org, scope, key))
                if row is None:
                    session.add(IdempotencyRow(org=self.org, scope=scope, key=key, fingerprint=fingerprint,
                                               status=status, body=body, created_at=now_utc()))
                elif row.status == PENDING and row.fingerprint == fingerprint:
                    # Dated when the response exists: erasure scrubs responses written since the
                    # erased post was stored, and the reservation predates the post.
                    row.status, row.body, row.created_at = status, body, now_utc()
        except IntegrityError:
            pass


def idempotency_scope(key: ApiKey) -> str:
    """The jurisdictions a key may act in, as stored with its idempotency records ('' for all)."""
    return ",".join(key.jurisdictions)
