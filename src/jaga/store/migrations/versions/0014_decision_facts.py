"""decisions: the authority-order flag as a column, and an index by time that answers the dashboard
and the time-ordered decision list without reading the decision documents

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

Measured before (bench/bench_dashboard.py, 1M decisions of ~3 KB in SQLite): a quarter's dashboard
took 61 s, almost all of it reading every row's document to find the authority orders. The flag is
now a column, filled here from the documents already stored. On SQLite the index covers every column
the dashboard groups by, so the period's rows are read from the index alone; PostgreSQL keeps large
documents out of line (TOAST), so its table scan does not read them and a plain index serves.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COVERING = ("org", "decided_at", "id", "jurisdiction", "language", "automated", "authority_order", "action",
            "categories")


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("authority_order", sa.Boolean, nullable=False, server_default=sa.false()))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("UPDATE decisions SET authority_order = 1 "
                   "WHERE json_type(document, '$.statement.authority_request') = 'object'")
        op.create_index("ix_decisions_org_decided", "decisions", list(COVERING))
    else:
        op.execute("UPDATE decisions SET authority_order = true "
                   "WHERE json_typeof(document -> 'statement' -> 'authority_request') = 'object'")
        op.create_index("ix_decisions_org_decided", "decisions", ["org", "decided_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_decisions_org_decided", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("authority_order")
