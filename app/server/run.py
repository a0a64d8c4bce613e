"""Running the server under uvicorn, and the command-line administration it offers."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection

from app.server import admin, merkle_log
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
    checkpoint_key: str = "",
) -> None:
    """Migrate, then run uvicorn with ``workers`` processes (each builds its own engine).

    ``checkpoint_key``: the checkpoint signing key file (default ``$ITAD_SERVER_CHECKPOINT_KEY``,
    else the server user's data directory); created here, once, before the workers start."""
    import uvicorn  # noqa: PLC0415 - only the server needs it

    key_path = Path(
        checkpoint_key
        or os.environ.get(merkle_log.ENV_CHECKPOINT_KEY, "")
        or merkle_log.default_key_path()
    )
    signer = merkle_log.load_signer(key_path)
    engine = create_server_engine(database_url)
    try:
        migrate(engine)
        merkle_log.bind_signer(engine, signer)
    finally:
        engine.dispose()
    print(f"checkpoint key {key_path}: {signer.verifier.text}")
    os.environ[merkle_log.ENV_CHECKPOINT_KEY] = str(key_path)
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


@contextmanager
def _admin_transaction(database_url: str) -> Iterator[Connection]:
    """One transaction on the server database, migrated first; the engine is disposed after."""
    engine = create_server_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def create_code(database_url: str, facility_id: str) -> str:
    with _admin_transaction(database_url) as conn:
        return admin.new_enrolment_code(conn, facility_id, _now_ms())


def revoke(database_url: str, station_id: str) -> bool:
    with _admin_transaction(database_url) as conn:
        return admin.revoke_station(conn, station_id, _now_ms())


def load_reference(database_url: str, path: Path) -> int:
    """Load an admin reference file; a file that cannot be read or parsed raises
    :class:`admin.ReferenceFileInvalid` naming it (and the line and column for bad JSON)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise admin.ReferenceFileInvalid(why=f"{path} cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise admin.ReferenceFileInvalid(why=f"{path} is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise admin.ReferenceFileInvalid(
            why=f"{path} is not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        ) from exc
    with _admin_transaction(database_url) as conn:
        return admin.load_reference_json(conn, data)


def upload_manifest(
    database_url: str,
    path: Path,
    *,
    facility_id: str,
    customer_id: str,
    job_id: str,
    customer_name: str = "",
) -> admin.UploadedManifest:
    """Publish a manifest file to a facility's stations (see :func:`admin.upload_manifest`)."""
    data = path.read_bytes()
    with _admin_transaction(database_url) as conn:
        return admin.upload_manifest(
            conn,
            data=data,
            file_name=path.name,
            facility_id=facility_id,
            customer_id=customer_id,
            job_id=job_id,
            customer_name=customer_name,
        )
