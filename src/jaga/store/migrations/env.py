"""Alembic environment: the engine comes from the caller (jaga.store.migrate), so the same
migrations run on SQLite and PostgreSQL."""

from alembic import context

from jaga.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
