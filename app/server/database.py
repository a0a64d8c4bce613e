"""Opening the server database: engine, migrations, the shared secret.

PostgreSQL through psycopg 3 (``postgresql+psycopg://...``) in production; ``sqlite:///file`` is
accepted for a quick local run on one process.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.pool import ConnectionPoolEntry

from app.server import schema

_MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """``postgresql://`` → ``postgresql+psycopg://`` (psycopg 3 is the driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_server_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA busy_timeout=10000")

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # Prepared statements stay off (F15): safe behind PgBouncer in transaction mode.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"prepare_threshold": None},
    )


def migrate(engine: Engine) -> None:
    """Bring the server schema to the newest revision (idempotent; safe from many processes on
    PostgreSQL: an advisory lock serialises concurrent starts)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7446174)")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def server_secret(engine: Engine) -> bytes:
    """The HMAC secret every server process shares (created once, stored in the database)."""
    table = schema.server_secrets
    with engine.begin() as conn:
        value = conn.execute(
            select(table.c.value).where(table.c.name == "token_hmac")
        ).scalar_one_or_none()
        if value is None:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7446175)")
                value = conn.execute(
                    select(table.c.value).where(table.c.name == "token_hmac")
                ).scalar_one_or_none()
            if value is None:
                value = secrets.token_hex(32)
                conn.execute(table.insert().values(name="token_hmac", value=value))
    return bytes.fromhex(value)
