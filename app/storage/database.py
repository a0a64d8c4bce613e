"""Opening the station database safely.

Order matters: take the process lock, inspect the file **read-only** (corrupt? newer schema?),
back it up with SQLite's online backup API if a migration is due, migrate, and only then open
the read-write engine (WAL, ``synchronous=FULL``, foreign keys, busy timeout). A file that fails
inspection is never modified: not even a WAL file is created next to it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import ConnectionPoolEntry

from app.domain.errors import DatabaseCorrupt, DatabaseLocked, DatabaseTooNew, UserFacingError
from app.storage.process_lock import ProcessLock, ProcessLockHeld

DB_FILE_NAME = "station.sqlite3"
LOCK_FILE_NAME = "station.lock"
BUSY_TIMEOUT_MS = 5000
_SQLITE_MAGIC = b"SQLite format 3\x00"
_MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class StationDatabase:
    """An open, migrated station database: the engine plus the lock that guards it.

    The engine is safe to share between threads; each thread takes its own connection.
    """

    path: Path
    engine: Engine
    lock: ProcessLock
    backup_path: Path | None

    def close(self) -> None:
        self.engine.dispose()
        self.lock.release()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema revision this version of the station knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def open_station_database(data_dir: Path) -> StationDatabase:
    """Open (creating if needed) and migrate the station database in ``data_dir``.

    Raises :class:`DatabaseLocked`, :class:`DatabaseCorrupt` or :class:`DatabaseTooNew`
    without modifying the file.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_FILE_NAME
    lock = ProcessLock(data_dir / LOCK_FILE_NAME)
    try:
        lock.acquire()
    except ProcessLockHeld as exc:
        raise DatabaseLocked(path=str(path)) from exc
    try:
        current = _inspect_read_only(path, lock_held=True)
        backup_path = None
        head = head_revision()
        if current != head:
            if current is not None:
                backup_path = _online_backup(path, current)
            _migrate(path)
        engine = create_station_engine(path)
        return StationDatabase(path=path, engine=engine, lock=lock, backup_path=backup_path)
    except BaseException:
        lock.release()
        raise


def _inspect_read_only(path: Path, *, lock_held: bool = False) -> str | None:
    """Return the file's schema revision (``None`` for a new or empty file), read-only.

    ``lock_held``: the caller holds the station's process lock, so no station writes the file.
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        raise DatabaseCorrupt(path=str(path), detail="it is not an SQLite database")
    # A read-only open of a WAL database still creates -shm and -wal files next to it. With the
    # lock held and no -wal present, the main file is the whole database and nobody writes it,
    # so open it immutable: SQLite then creates nothing (a file we refuse stays untouched).
    wal_exists = path.with_name(path.name + "-wal").exists()
    mode = "immutable=1" if lock_held and not wal_exists else "mode=ro"
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?{mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise DatabaseCorrupt(path=str(path), detail="it cannot be opened") from exc
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise DatabaseCorrupt(path=str(path), detail="the integrity check failed")
        has_version = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not has_version:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise DatabaseCorrupt(
                    path=str(path), detail="it holds tables but no station schema version"
                )
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseLocked(path=str(path)) from exc
        raise DatabaseCorrupt(path=str(path), detail="it cannot be read") from exc
    except sqlite3.DatabaseError as exc:
        raise DatabaseCorrupt(path=str(path), detail="it cannot be read") from exc
    finally:
        conn.close()
    revision = row[0] if row else None
    known = {
        script.revision
        for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
    }
    if revision is not None and revision not in known:
        raise DatabaseTooNew(path=str(path), found=revision)
    return revision


def _online_backup(path: Path, revision: str) -> Path:
    """Copy the live database with SQLite's online backup API before a migration."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.parent / "backups" / f"station-before-migration-from-{revision}-{stamp}.sqlite3"
    backup_database(path, target)
    return target


def backup_database(source: Path, target: Path) -> None:
    """Copy a station database with SQLite's online backup API: consistent even while a
    station writes to it (the copy is a snapshot of one committed state). ``target`` must not
    exist yet; the copy is made under a temporary name and renamed when complete."""
    if target.exists():
        raise FileExistsError(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    dest = sqlite3.connect(partial)
    try:
        src.backup(dest)
        # A self-contained file: no WAL beside it, so copying it elsewhere is safe.
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
        src.close()
    partial.replace(target)


def _migrate(path: Path) -> None:
    engine = create_station_engine(path)
    try:
        with engine.begin() as conn:
            config = _alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        engine.dispose()


class NoStationDatabase(UserFacingError):
    code = "storage.missing"
    template = "There is no station database in {data_dir}; start the station there first."


def open_read_only_engine(data_dir: Path) -> Engine:
    """An engine that can only read the station database in ``data_dir`` (no lock taken, so
    it works while the station window is open). Checks the file like a normal open."""
    path = data_dir / DB_FILE_NAME
    if not path.exists():
        raise NoStationDatabase(data_dir=str(data_dir))
    _inspect_read_only(path)
    engine = create_engine(f"sqlite+pysqlite:///{path.as_uri()}?mode=ro&uri=true")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def create_station_engine(path: Path) -> Engine:
    """An engine whose every connection has the station's PRAGMAs, and whose transactions
    start with ``BEGIN IMMEDIATE`` (take the write lock up front: no upgrade deadlocks)."""
    engine = create_engine(f"sqlite+pysqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is lazy).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit the UI reported as saved survives power loss (NORMAL may roll back).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("station_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
