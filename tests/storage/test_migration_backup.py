"""A schema upgrade at start-up takes an online backup first and never touches event rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.ledger.chain import EventDraft, Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.storage.database import (
    DB_FILE_NAME,
    create_station_engine,
    current_revision,
    head_revision,
    open_station_database,
)
from app.storage.event_store import EventStore
from app.storage.projector import Projector

MIGRATIONS = Path(__file__).resolve().parents[2] / "app" / "storage" / "migrations"


def _station_at_first_revision(data_dir: Path, events: int) -> list[tuple[int, str]]:
    data_dir.mkdir(parents=True)
    engine = create_station_engine(data_dir / DB_FILE_NAME)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    sealer = Sealer(
        station_id="st-old",
        facility_id="fac-1",
        key=StationKey(b"\x02" * 32),
        hlc=HybridLogicalClock(),
    )
    store = EventStore(engine, sealer, Projector())
    for i in range(events):
        store.append([EventDraft("test.noted", {"n": i}, "op-1")])
    engine.dispose()
    db = sqlite3.connect(data_dir / DB_FILE_NAME)
    rows = db.execute("SELECT seq, hash FROM events ORDER BY seq").fetchall()
    db.close()
    return rows


def test_upgrade_backs_up_first_and_keeps_every_event(tmp_path: Path):
    data_dir = tmp_path / "station"
    before = _station_at_first_revision(data_dir, events=25)
    assert head_revision() != "0001"

    database = open_station_database(data_dir)
    try:
        assert current_revision(database.engine) == head_revision()
        assert database.backup_path is not None
        assert database.backup_path.parent == data_dir / "backups"
        assert "from-0001" in database.backup_path.name
        with database.engine.connect() as conn:
            after = conn.exec_driver_sql("SELECT seq, hash FROM events ORDER BY seq").fetchall()
        assert [tuple(r) for r in after] == before
    finally:
        database.close()

    backup = sqlite3.connect(database.backup_path)
    assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert backup.execute("SELECT seq, hash FROM events ORDER BY seq").fetchall() == before
    backup.close()


def test_opening_at_head_takes_no_backup(tmp_path: Path):
    data_dir = tmp_path / "station"
    open_station_database(data_dir).close()
    again = open_station_database(data_dir)
    try:
        assert again.backup_path is None
    finally:
        again.close()
    assert not (data_dir / "backups").exists()
