"""strikes against authors

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strikes",
        sa.Column("org", sa.String(64), primary_key=True),
        sa.Column("decision_id", sa.String(64), primary_key=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_strikes_org_author_expires", "strikes", ["org", "author", "expires_at"])


def downgrade() -> None:
    op.drop_table("strikes")
