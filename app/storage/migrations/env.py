"""Alembic environment: migrations always run on a connection handed in by the station."""

from __future__ import annotations

from alembic import context

from app.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite can only ALTER by copying tables
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
