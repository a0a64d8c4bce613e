"""Heartbeats (docs §14): each round the station reports its head, backlog and last checkpoint;
the server keeps the latest per station and the facility view shows last contact and stale
stations. Halt clearing: a supervisor clears a sync stop with a reason (recorded as an event);
sync resumes, and stops again while the cause persists."""

from __future__ import annotations

import json

import pytest

from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.roles import Role
from app.domain.sync import SyncState
from app.services.sync import NotHalted, SyncService
from app.sync.engine import META_HALT
from app.sync.worker import SyncWorker
from tests.sync.harness import ADMIN_TOKEN, FACILITY, sync_until_quiet
from tests.sync.test_reference_apply import Receiving

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _health(server) -> dict[str, dict]:
    answer = server.test_client.get(f"/v1/admin/facilities/{FACILITY}/stations", headers=AUTH)
    assert answer.status_code == 200
    return {row["station_id"]: row for row in answer.json()}


def test_heartbeat_reports_head_backlog_and_checkpoint(make_station, server):
    station = make_station("a")
    station.engine = station.make_engine(max_batches=1)  # 7 events per round
    station.record(20)
    station.engine.run_once()
    beat = server.sql(
        "SELECT last_seq, head_hash, pending_count, oldest_pending_age_s, last_checkpoint_size "
        "FROM station_heartbeats WHERE station_id = 'st-a'"
    )
    head_seq, head_hash = station.store.chain_head()
    assert head_seq == 20
    (row,) = beat
    assert (row[0], row[1]) == (20, head_hash)
    assert row[2] == station.store.pending_summary().count == 13
    assert row[3] is not None and row[3] >= 0
    seen = station.store.last_checkpoint()
    assert row[4] == (seen.tree_size if seen else None)

    sync_until_quiet(station)
    health = _health(server)["st-a"]
    assert health["pending_count"] == 0
    assert health["reported_seq"] == health["stored_seq"] == 20
    assert health["stale"] is False


def test_facility_view_lists_stale_stations(make_station, server):
    fresh, silent = make_station("fresh", 1), make_station("silent", 2)
    fresh.record(1)
    silent.record(1)
    sync_until_quiet(fresh)
    sync_until_quiet(silent)
    # The silent station was last heard from an hour ago.
    server.sql(
        "UPDATE station_heads SET last_contact_ms = last_contact_ms - 3600000 "
        "WHERE station_id = 'st-silent'"
    )
    server.sql(
        "UPDATE station_heartbeats SET received_at_ms = received_at_ms - 3600000 "
        "WHERE station_id = 'st-silent'"
    )
    health = _health(server)
    assert health["st-silent"]["stale"] is True
    assert health["st-fresh"]["stale"] is False
    page = server.test_client.get(f"/facilities/{FACILITY}", headers=AUTH).text
    assert "Station health (1 stale)" in page
    assert "60 min ago" in page


def _halt_setup(make_station, server, tmp_path):
    station = make_station("a")
    receiving = Receiving(station, tmp_path)
    ops = receiving.operators
    ops.enrol(display_name="Sue Supervisor", badge="B-SUP", role=Role.SUPERVISOR, pin="2222")
    ops.enrol(display_name="Tom Tech", badge="B-TECH", role=Role.TECHNICIAN, pin="3333")
    worker = SyncWorker(station.engine, station.store, station_name="a")
    service = SyncService(worker, ops, station.events)
    return station, ops, worker, service


def test_clearing_a_stop_needs_a_supervisor_and_a_reason(make_station, server, tmp_path):
    station, ops, worker, service = _halt_setup(make_station, server, tmp_path)
    worker.run_cycle()
    ops.sign_in_with_badge("B-SUP", "2222")
    with pytest.raises(NotHalted):
        service.clear_halt("nothing is wrong")
    station.store.meta_put(
        META_HALT, json.dumps({"seq": 3, "words": "event #3: a test stop", "reason": "fork"})
    )
    worker.run_cycle()
    assert worker.status().state is SyncState.HALTED
    ops.sign_in_with_badge("B-TECH", "3333")
    with pytest.raises(PermissionDenied):
        service.clear_halt("I want it to go")
    ops.sign_in_with_badge("B-SUP", "2222")
    with pytest.raises(InvalidInput):
        service.clear_halt("  ")
    assert worker.status().state is SyncState.HALTED


def test_cleared_stop_resumes_sync_and_is_in_the_ledger(make_station, server, tmp_path):
    station, ops, worker, service = _halt_setup(make_station, server, tmp_path)
    # A stop whose cause is gone (e.g. the right database was put back): events wait.
    station.store.meta_put(
        META_HALT, json.dumps({"seq": 2, "words": "event #2: a test stop", "reason": "fork"})
    )
    station.record(3)
    worker.run_cycle()
    assert worker.status().state is SyncState.HALTED
    waiting = station.store.pending_summary().count
    assert waiting > 0

    ops.sign_in_with_badge("B-SUP", "2222")
    service.clear_halt("checked with IT: the station's database is the right one")
    worker.run_cycle()
    assert worker.status().state is SyncState.UP_TO_DATE
    assert station.store.pending_summary().count == 0
    cleared = server.sql(
        "SELECT payload::json->>'reason', payload::json->>'halted_seq', status FROM events "
        "WHERE type = 'sync.halt_cleared'"
    )
    assert cleared == [
        ("checked with IT: the station's database is the right one", "2", "accepted")
    ]


def test_stop_comes_back_while_the_cause_persists(make_station, server, tmp_path):
    station, _ops, worker, service = _halt_setup(make_station, server, tmp_path)
    station.record(2)
    sync_until_quiet(station)
    station.backup_to(tmp_path / "backup")
    station.record(2)
    sync_until_quiet(station)
    station.restore_from(tmp_path / "backup")  # a fork: the server holds other seq 3..
    worker = SyncWorker(station.engine, station.store, station_name="a")
    receiving = Receiving(station, tmp_path)
    service = SyncService(worker, receiving.operators, station.events)
    station.record(1)
    worker.run_cycle()
    assert worker.status().state is SyncState.HALTED
    first_words = worker.status().halted_reason

    receiving.operators.sign_in_with_badge("B-SUP", "2222")
    service.clear_halt("trying again after the restore")
    worker.run_cycle()
    status = worker.status()
    assert status.state is SyncState.HALTED
    assert status.halted_reason == first_words
    # The decision is in the station's own ledger, waiting like every other unsent event.
    kinds = [r.type for r in station.rows()]
    assert kinds.count("sync.halt_cleared") == 1
