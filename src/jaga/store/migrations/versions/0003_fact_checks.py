"""fact-check registry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_checks",
        sa.Column("key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("id", sa.String(256), nullable=False),
        sa.Column("claim", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("rating", sa.String(200), nullable=False),
        sa.Column("publisher", sa.String(200), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("claim_date", sa.Date),
        sa.Column("review_date", sa.Date),
        sa.Column("appearances", sa.JSON, nullable=False),
        sa.Column("source", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org", "id", name="uq_fact_checks_org_id"),
    )
    op.create_index("ix_fact_checks_org_updated", "fact_checks", ["org", "updated_at"])


def downgrade() -> None:
    op.drop_table("fact_checks")
