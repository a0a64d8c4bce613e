"""Migrations create exactly the declared schema; connections get the station PRAGMAs; the
ledger table refuses UPDATE and DELETE even from a raw sqlite3 connection."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from app.ledger.chain import EventDraft
from app.storage import schema
from app.storage.database import (
    BUSY_TIMEOUT_MS,
    current_revision,
    head_revision,
    open_station_database,
)


def test_migrating_from_empty_yields_exactly_the_declared_metadata(station_db):
    with station_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diffs == []
    assert current_revision(station_db.engine) == head_revision()
    assert station_db.backup_path is None  # nothing to back up on a fresh file


def test_compare_metadata_would_notice_a_difference(station_db):
    # Guard against a vacuous check: drop an index and the comparison must report it.
    with station_db.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_assets_serial")
    with station_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert [d[0] for d in diffs] == ["add_index"]


def test_every_declared_table_exists_plus_triggers(station_db):
    with station_db.engine.connect() as conn:
        names = {
            (r.type, r.name)
            for r in conn.execute(text("SELECT type, name FROM sqlite_master")).all()
        }
    tables = {name for kind, name in names if kind == "table"}
    assert tables == set(schema.metadata.tables) | {"alembic_version"}
    assert ("trigger", "events_refuse_update") in names
    assert ("trigger", "events_refuse_delete") in names


def test_connections_have_the_station_pragmas(station_db):
    with station_db.engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": BUSY_TIMEOUT_MS,
    }


def test_reopen_keeps_the_schema_and_does_not_back_up(data_dir):
    first = open_station_database(data_dir)
    first.close()
    second = open_station_database(data_dir)
    try:
        assert second.backup_path is None
        assert current_revision(second.engine) == head_revision()
    finally:
        second.close()


def test_foreign_keys_are_enforced(station_db):
    with pytest.raises(Exception, match="FOREIGN KEY"), station_db.engine.begin() as conn:
        conn.execute(schema.event_sync_state.insert().values(seq=999, acknowledged=False))


@pytest.fixture
def one_event(station_db, make_store):
    store = make_store(station_db.engine)
    store.append([EventDraft(type="note.added", payload={"text": "original"}, operator_id="op")])
    return station_db.path


def test_raw_update_of_an_event_is_refused(one_event):
    conn = sqlite3.connect(one_event)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only: UPDATE refused"):
            conn.execute("""UPDATE events SET payload = '{"text":"forged"}' WHERE seq = 1""")
        conn.rollback()
        assert conn.execute("SELECT payload FROM events").fetchall() == [('{"text":"original"}',)]
    finally:
        conn.close()


def test_raw_delete_of_an_event_is_refused(one_event):
    conn = sqlite3.connect(one_event)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only: DELETE refused"):
            conn.execute("DELETE FROM events")
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (1,)
    finally:
        conn.close()
