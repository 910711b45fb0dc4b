"""tenant scopes: idempotency keys per organisation and jurisdictions, one review task per decision
of an organisation, reports carry their jurisdiction; column sizes that match the API's limits

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A trusted flagger's name may be as long as the API lets it be (256); PostgreSQL refused 65+.
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("reporter", type_=sa.String(256), existing_type=sa.String(64), existing_nullable=False)
        batch.add_column(sa.Column("jurisdiction", sa.String(16)))
    # Transparency counts a scoped key's reports by jurisdiction: the reported decision's, through its task.
    op.execute("UPDATE reports SET jurisdiction = (SELECT review_tasks.jurisdiction FROM review_tasks "
               "WHERE review_tasks.id = reports.review_task)")
    op.create_index("uq_review_tasks_org_decision", "review_tasks", ["org", "decision_id"], unique=True)
    # The primary key gains `scope`: the table is copied (SQLite cannot change a primary key in place).
    op.create_table(
        "idempotency_keys_scoped",
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "scope", "key", name="pk_idempotency_keys_scoped"),
    )
    # Responses remembered before are kept for organisation-wide keys (scope ''): a scoped key never
    # reaches them, which is the safe side (it runs its request instead of replaying another's).
    op.execute("INSERT INTO idempotency_keys_scoped (org, scope, key, fingerprint, status, body, created_at) "
               "SELECT org, '', key, fingerprint, status, body, created_at FROM idempotency_keys")
    op.drop_table("idempotency_keys")
    op.rename_table("idempotency_keys_scoped", "idempotency_keys")


def downgrade() -> None:
    op.create_table(
        "idempotency_keys_unscoped",
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "key", name="pk_idempotency_keys_unscoped"),
    )
    op.execute("INSERT INTO idempotency_keys_unscoped (org, key, fingerprint, status, body, created_at) "
               "SELECT org, key, fingerprint, status, body, created_at FROM idempotency_keys WHERE scope = ''")
    op.drop_table("idempotency_keys")
    op.rename_table("idempotency_keys_unscoped", "idempotency_keys")
    op.drop_index("uq_review_tasks_org_decision", "review_tasks")
    op.execute("UPDATE reports SET reporter = substr(reporter, 1, 64) WHERE length(reporter) > 64")  # the old limit
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("jurisdiction")
        batch.alter_column("reporter", type_=sa.String(64), existing_type=sa.String(256), existing_nullable=False)
