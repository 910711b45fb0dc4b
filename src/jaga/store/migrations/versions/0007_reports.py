"""user reports and trusted-flagger notices

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("post_id", sa.String(256), nullable=False),
        sa.Column("reporter", sa.String(64), nullable=False),
        sa.Column("trusted_flagger", sa.Boolean, nullable=False),
        sa.Column("category", sa.String(32)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("review_task", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reports_org_post", "reports", ["org", "post_id"])


def downgrade() -> None:
    op.drop_table("reports")
