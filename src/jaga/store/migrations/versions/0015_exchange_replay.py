"""exchange partners: the newest bundle imported from each (its signed time and id), so that an
older bundle replayed later cannot roll the partner's items back

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_partners") as batch:
        batch.add_column(sa.Column("last_bundle_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_bundle", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchange_partners") as batch:
        batch.drop_column("last_bundle")
        batch.drop_column("last_bundle_at")
