"""coordinated campaigns: campaigns an organisation found (document and exchange indicator) and the
posts each was found through

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("posts", sa.Integer, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("indicator", sa.JSON, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "id", name="pk_campaigns"),
    )
    op.create_table(
        "campaign_posts",
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(128), nullable=False),
        sa.Column("post_id", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("org", "campaign_id", "post_id", name="pk_campaign_posts"),
    )
    op.create_index("ix_campaign_posts_post", "campaign_posts", ["org", "post_id"])


def downgrade() -> None:
    op.drop_index("ix_campaign_posts_post", table_name="campaign_posts")
    op.drop_table("campaign_posts")
    op.drop_table("campaigns")
