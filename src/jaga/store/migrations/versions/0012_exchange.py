"""exchange between members: the partners an organisation accepts signed bundles from, and the
provenance of every item shared or received

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_partners",
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(1000), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "name", name="pk_exchange_partners"),
    )
    op.create_table(
        "exchange_items",
        sa.Column("key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(256), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(64)),
        sa.Column("licence", sa.String(64), nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bundle", sa.String(64)),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.UniqueConstraint("org", "kind", "item_id", name="uq_exchange_items_item"),
    )


def downgrade() -> None:
    op.drop_table("exchange_items")
    op.drop_table("exchange_partners")
