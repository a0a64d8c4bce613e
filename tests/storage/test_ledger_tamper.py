"""Tampering with the stored ledger the way an attacker with file access would (drop the
append-only trigger, then edit) is named by the Custody log's verification."""

from __future__ import annotations

import sqlite3

import pytest

from app.bootstrap import open_station
from app.config import Settings
from app.ledger.chain import EventDraft
from app.storage.database import DB_FILE_NAME


@pytest.fixture
def settings(data_dir) -> Settings:
    return Settings(data_dir=data_dir, station_name="tamper-test")


@pytest.fixture
def filled_station(settings) -> Settings:
    station = open_station(settings)
    try:
        for i in range(30):
            station.events.append(
                [
                    EventDraft(
                        type="asset.received",
                        payload={
                            "asset_id": f"AS-{i:04d}",
                            "job_id": "JOB-T",
                            "serial": f"SERIAL-{i:04d}",
                            "scan_source": "bench",
                        },
                        operator_id="op-t",
                    )
                ]
            )
        assert station.custody_log.verify_unattended().ok
    finally:
        station.close()
    return settings


def attacker(settings: Settings, *statements: str) -> None:
    conn = sqlite3.connect(settings.data_dir / DB_FILE_NAME)
    try:
        conn.executescript(";".join(statements))
        conn.commit()
    finally:
        conn.close()


def verdict(settings: Settings):
    station = open_station(settings)
    try:
        return station.custody_log.verify_unattended()
    finally:
        station.close()


def test_a_modified_payload_byte_is_named(filled_station):
    attacker(
        filled_station,
        "DROP TRIGGER events_refuse_update",
        "UPDATE events SET payload = replace(payload, 'SERIAL-0005', 'SERIAL-0006') WHERE seq = 7",
    )
    report = verdict(filled_station)
    assert not report.ok
    assert report.problem.seq == 7
    assert report.summary().startswith("BROKEN at event #7 (")
    assert "modified" in report.summary()


def test_a_modified_operator_is_named(filled_station):
    attacker(
        filled_station,
        "DROP TRIGGER events_refuse_update",
        "UPDATE events SET operator_id = 'op-someone-else' WHERE seq = 20",
    )
    assert verdict(filled_station).problem.seq == 20


def test_a_deleted_row_is_named(filled_station):
    attacker(
        filled_station,
        "DROP TRIGGER events_refuse_delete",
        "DELETE FROM events WHERE seq = 9",
    )
    report = verdict(filled_station)
    assert report.problem.seq == 10
    assert report.summary().endswith("event #9 before it is missing (deleted)")


def test_an_untampered_station_is_ok(filled_station):
    report = verdict(filled_station)
    assert report.ok
    assert report.summary().startswith("OK, 31 events, head hash ")
