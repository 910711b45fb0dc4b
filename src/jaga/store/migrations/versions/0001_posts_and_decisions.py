"""posts and decisions

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("post_id", sa.String(256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(8)),
        sa.Column("country", sa.String(2)),
        sa.Column("author", sa.String(64)),
        sa.Column("platform", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org", "post_id", name="uq_posts_org_post"),
    )
    op.create_index("ix_posts_author", "posts", ["author"])
    op.create_table(
        "decisions",
        sa.Column("org", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("post_id", sa.String(256), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("review_status", sa.String(16), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True)),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_index("ix_decisions_org_post", "decisions", ["org", "post_id"])
    op.create_index("ix_decisions_org_jurisdiction_action", "decisions", ["org", "jurisdiction", "action"])


def downgrade() -> None:
    op.drop_table("decisions")
    op.drop_table("posts")
