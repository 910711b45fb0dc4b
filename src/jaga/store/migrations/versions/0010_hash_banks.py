"""hash banks: banks of known content and their signals (MD5, SHA-256, PDQ, canonical text)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hash_banks",
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32)),
        sa.Column("allow", sa.Boolean, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "name", name="pk_hash_banks"),
    )
    op.create_table(
        "hash_bank_entries",
        sa.Column("key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("signal", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("content_id", sa.String(256)),
        sa.Column("note", sa.Text),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org", "bank", "signal_type", "digest", name="uq_hash_bank_entries_signal"),
    )
    op.create_index("ix_hash_bank_entries_org_key", "hash_bank_entries", ["org", "key"])


def downgrade() -> None:
    op.drop_index("ix_hash_bank_entries_org_key", "hash_bank_entries")
    op.drop_table("hash_bank_entries")
    op.drop_table("hash_banks")
