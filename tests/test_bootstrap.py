"""The composition root: first start, restart, demo seeding, the lock, and failure clean-up."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from app.bootstrap import (
    KEY_FILE_NAME,
    demo_settings,
    open_station,
    verify_ledger_read_only,
)
from app.config import Settings
from app.domain.audit import LedgerFilter
from app.domain.errors import DatabaseLocked
from app.ledger.chain import EventDraft, Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import KeyFileError
from app.services.demo_data import DEMO_OPERATORS
from app.storage.event_store import EventStore, iter_ledger_rows
from app.storage.projector import Projector
from app.storage.repositories import LedgerReader


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "station", station_name="Bench 3", facility_id="fac-07")


def test_first_start_creates_key_identity_and_genesis_event(settings):
    station = open_station(settings)
    try:
        key_path = settings.data_dir / KEY_FILE_NAME
        if os.name == "posix":
            assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        rows = list(iter_ledger_rows(station.database.engine))
        assert len(rows) == 1
        genesis = rows[0]
        assert (genesis.seq, genesis.type, genesis.operator_id) == (
            1,
            "station.initialized",
            "system",
        )
        assert genesis.station_id == station.station_id
        assert genesis.station_id.startswith("st-")
        assert genesis.facility_id == "fac-07"
        assert f'"public_key_hex":"{station.key.public_key_hex}"' in genesis.payload_json
        assert '"station_name":"Bench 3"' in genesis.payload_json
        assert station.custody_log.verify_unattended().ok
    finally:
        station.close()


def test_restart_keeps_identity_and_key_and_does_not_reinitialise(settings):
    first = open_station(settings)
    station_id, public_key = first.station_id, first.key.public_key
    first.events.append([EventDraft(type="note.added", payload={}, operator_id="op")])
    first.close()
    second = open_station(settings.with_data_dir(settings.data_dir))
    try:
        assert second.station_id == station_id
        assert second.key.public_key == public_key
        assert second.events.head().seq == 2
        assert [e.type for e in LedgerReader(second.database.engine).page(LedgerFilter())] == [
            "note.added",
            "station.initialized",
        ]
        report = second.custody_log.verify_unattended()
        assert report.summary() == f"OK, 2 events, head hash {second.events.head().hash}"
    finally:
        second.close()


def test_hlc_continues_after_restart_even_if_the_last_event_is_in_the_future(settings):
    station = open_station(settings)
    future_ms = 4_000_000_000_000  # year 2096: a clock that was badly wrong
    # An event stamped by a fast clock, written with this station's own key and identity.
    fast = Sealer(
        station_id=station.station_id,
        facility_id=settings.facility_id,
        key=station.key,
        hlc=HybridLogicalClock(now_ms=lambda: future_ms),
    )
    EventStore(station.database.engine, fast, Projector()).append(
        [EventDraft(type="note.added", payload={}, operator_id="op")]
    )
    station.close()
    station = open_station(settings)
    try:
        (after,) = station.events.append(
            [EventDraft(type="note.added", payload={}, operator_id="op")]
        )
        assert (after.hlc_l, after.hlc_c) == (future_ms, 1)
        assert station.custody_log.verify_unattended().ok
    finally:
        station.close()


def test_demo_data_is_seeded_once_and_verifies(settings):
    station = open_station(settings, demo=True)
    try:
        count = station.custody_log.count()
        assert count > 20
        assert len(station.operators.operators()) == len(DEMO_OPERATORS)
        assert station.operators.current is None
        assert station.custody_log.verify_unattended().ok
    finally:
        station.close()
    again = open_station(settings, demo=True)
    try:
        assert again.custody_log.count() == count
        assert len(again.operators.operators()) == len(DEMO_OPERATORS)
    finally:
        again.close()


def test_a_second_open_in_the_same_process_is_locked_out(settings):
    station = open_station(settings)
    try:
        with pytest.raises(DatabaseLocked):
            open_station(settings)
        station.events.append([EventDraft(type="note.added", payload={}, operator_id="op")])
        assert station.events.head().seq == 2
    finally:
        station.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_unsafe_key_file_is_refused_and_releases_the_database(settings):
    open_station(settings).close()
    key_path = settings.data_dir / KEY_FILE_NAME
    key_path.chmod(0o644)
    with pytest.raises(KeyFileError, match="readable by other users; run: chmod 600"):
        open_station(settings)
    key_path.chmod(0o600)
    open_station(settings).close()  # the failed open released the lock and the engine


def test_read_only_verification_works_while_the_station_is_open(settings):
    station = open_station(settings, demo=True)
    try:
        report = verify_ledger_read_only(settings.data_dir)
        assert report.ok
        assert report.event_count == station.custody_log.count()
        assert report.head_hash == station.events.head().hash
    finally:
        station.close()


def test_demo_settings_use_a_fresh_throwaway_directory(settings):
    demo = demo_settings(settings)
    try:
        assert demo.data_dir != settings.data_dir
        assert demo.data_dir.is_dir()
        assert list(demo.data_dir.iterdir()) == []
        assert demo.station_name == settings.station_name
    finally:
        shutil.rmtree(demo.data_dir)


def test_the_core_imports_without_qt(tmp_path):
    # Bootstrap imports PySide6 lazily: opening a station must not load Qt.
    script = (
        "import sys; from pathlib import Path; from app.bootstrap import open_station; "
        "from app.config import Settings; "
        f"s = open_station(Settings(data_dir=Path({str(tmp_path / 'q')!r}), station_name='q')); "
        "s.close(); print('PySide6' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"
