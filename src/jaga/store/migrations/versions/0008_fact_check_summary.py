"""fact-check summary (the fact-checker's finding, ClaimReview reviewBody)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fact_checks", sa.Column("summary", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("fact_checks") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("summary")
