"""Alembic environment for the server: migrations run on a connection handed in by
``app.server.database.migrate``."""

from __future__ import annotations

from alembic import context

from app.server.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
    version_table="alembic_version_server",
)
with context.begin_transaction():
    context.run_migrations()
