"""Tables. Every row carries the organisation it belongs to (tenancy is enforced in queries by the
repository, never left to callers) and timestamps in UTC."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DEFAULT_ORG = "default"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class PostRow(Base):
    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("org", "post_id", name="uq_posts_org_post"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(64), default=DEFAULT_ORG)
    post_id: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    author: Mapped[str | None] = mapped_column(String(64), index=True, doc="pseudonym, never the raw id")
    platform: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_org_post", "org", "post_id"),
                      Index("ix_decisions_org_jurisdiction_action", "org", "jurisdiction", "action"),
                      # On SQLite it also covers the columns the dashboard groups by (migration 0014).
                      Index("ix_decisions_org_decided", "org", "decided_at", "id"))

    org: Mapped[str] = mapped_column(String(64), primary_key=True, default=DEFAULT_ORG)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(256))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    language: Mapped[str] = mapped_column(String(8))
    automated: Mapped[bool] = mapped_column(Boolean, default=True)
    authority_order: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  doc="decided on a government order (the statement's authority_request)")
    review_status: Mapped[str] = mapped_column(String(16), default="none")
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the full Decision as JSON")


class StrikeRow(Base):
    """One removal counted against an author, until it expires."""

    __tablename__ = "strikes"
    __table_args__ = (Index("ix_strikes_org_author_expires", "org", "author", "expires_at"),)

    org: Mapped[str] = mapped_column(String(64), primary_key=True, default=DEFAULT_ORG)
    decision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    author: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FactCheckRow(Base):
    """One fact-check in the registry. `key` is the integer the claim index files it under."""

    __tablename__ = "fact_checks"
    __table_args__ = (UniqueConstraint("org", "id", name="uq_fact_checks_org_id"),
                      Index("ix_fact_checks_org_updated", "org", "updated_at"))

    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(64), default=DEFAULT_ORG)
    id: Mapped[str] = mapped_column(String(256))
    claim: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    verdict: Mapped[str] = mapped_column(String(16))
    rating: Mapped[str] = mapped_column(String(200))
    publisher: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    claim_date: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    appearances: Mapped[list[Any]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """An API key: only a hash of its secret is kept. Scoped to one organisation, one role and a set
    of jurisdictions (empty = all of the organisation's)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    jurisdictions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One change, chained to the previous one by hash: editing or deleting a row breaks the chain."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(256))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ReviewTaskRow(Base):
    """A decision waiting for a person: sent to review by the policy, or reopened by an appeal."""

    __tablename__ = "review_tasks"
    __table_args__ = (Index("ix_review_tasks_org_status", "org", "status"),
                      # one task per decision of an organisation: concurrent openers insert-or-ignore on it
                      Index("uq_review_tasks_org_decision", "org", "decision_id", unique=True))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    decision_id: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[str] = mapped_column(String(256))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), doc="open, claimed, decided")
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class AppealRow(Base):
    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_org_decision", "org", "decision_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    decision_id: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), doc="open, decided")
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16), doc="upheld (decision reversed) or rejected")
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookRow(Base):
    __tablename__ = "webhooks"

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(64), doc="shared with the platform to verify signatures")


class DeliveryRow(Base):
    """One webhook event to deliver, retried with backoff until it succeeds or runs out of attempts."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_deliveries_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A dispatcher's claim on the row while it sends it: another dispatcher skips a leased row until
    # the lease ends (a dispatcher that died mid-send leaves a lease that runs out, not a lost event).
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    leased_by: Mapped[str | None] = mapped_column(String(64))


class IdempotencyRow(Base):
    """The response to a POST sent with an Idempotency-Key, replayed when the same request comes
    again: only to a key of the same organisation and the same jurisdictions (`scope`)."""

    __tablename__ = "idempotency_keys"

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(Text, primary_key=True, default="",
                                       doc="the caller key's jurisdictions, comma-separated; empty: all")
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), doc="SHA-256 of method, path and body")
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportRow(Base):
    """A user's flag or a trusted flagger's notice about a post."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_org_post", "org", "post_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[str] = mapped_column(String(256))
    reporter: Mapped[str] = mapped_column(String(256), doc="pseudonym of the reporting user or the flagger's name")
    jurisdiction: Mapped[str | None] = mapped_column(String(16), doc="the reported decision's")
    trusted_flagger: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    review_task: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HashBankRow(Base):
    """A bank of known content (`jaga.banks`): block banks flag matches under their category; an
    allow-list bank (`allow`) suppresses matches of the same content in block banks."""

    __tablename__ = "hash_banks"

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(32), doc="None only for allow-lists")
    allow: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HashBankEntryRow(Base):
    """One signal (hash or canonical text) in a bank. `digest` (SHA-256 of the signal) keeps entries
    unique without indexing long texts."""

    __tablename__ = "hash_bank_entries"
    __table_args__ = (UniqueConstraint("org", "bank", "signal_type", "digest", name="uq_hash_bank_entries_signal"),
                      Index("ix_hash_bank_entries_org_key", "org", "key"))

    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(64))
    bank: Mapped[str] = mapped_column(String(64))
    signal_type: Mapped[str] = mapped_column(String(16))
    signal: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    content_id: Mapped[str | None] = mapped_column(String(256), doc="the exchange's or platform's id of the content")
    note: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
