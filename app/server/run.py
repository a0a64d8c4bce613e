"""Running the server under uvicorn, and the command-line administration it offers."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from app.server import admin
from app.server.app import ENV_ADMIN_TOKEN, ENV_DATABASE_URL
from app.server.database import create_server_engine, migrate


def serve(
    database_url: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8470,
    workers: int = 1,
    admin_token: str = "",
    log_level: str = "info",
) -> None:
    """Migrate, then run uvicorn with ``workers`` processes (each builds its own engine)."""
    import uvicorn  # noqa: PLC0415 - only the server needs it

    engine = create_server_engine(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    os.environ[ENV_DATABASE_URL] = database_url
    if admin_token:
        os.environ[ENV_ADMIN_TOKEN] = admin_token
    uvicorn.run(
        "app.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def create_code(database_url: str, facility_id: str) -> str:
    engine = create_server_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as conn:
            return admin.new_enrolment_code(conn, facility_id, _now_ms())
    finally:
        engine.dispose()


def revoke(database_url: str, station_id: str) -> bool:
    engine = create_server_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as conn:
            return admin.revoke_station(conn, station_id, _now_ms())
    finally:
        engine.dispose()


def load_reference(database_url: str, path: Path) -> int:
    engine = create_server_engine(database_url)
    try:
        migrate(engine)
        data = json.loads(path.read_text(encoding="utf-8"))
        with engine.begin() as conn:
            return admin.load_reference_json(conn, data)
    finally:
        engine.dispose()
