"""delivery leases: a dispatcher claims outbox rows before sending them, so concurrent dispatchers
(several workers or hosts) deliver each event once

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as table:
        table.add_column(sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("leased_by", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as table:
        table.drop_column("leased_by")
        table.drop_column("leased_until")
