"""The issue's "done means", end to end with real processes: a demo station enrolled with a real
server (uvicorn on real PostgreSQL) shows its events synced; the server stops, the station keeps
working; the server starts again: everything arrives, nothing twice - evidence files included."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from app.bootstrap import open_station
from app.config import Settings
from app.domain.sync import SyncState
from app.server import admin
from app.server.database import create_server_engine
from app.services.demo_data import DEMO_OPERATORS
from tests.server.server_process import REPO, free_port, server_env, stop, wait_healthy
from tests.sync.harness import FACILITY, server_database


def _serve(url: str, port: int, key_file: Path) -> subprocess.Popen:
    """The server as an operator starts it: ``python -m app server`` (the CLI), not bare uvicorn."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "server", "--database-url", url, "--port", str(port)],
        cwd=REPO,
        env=server_env(url, key_file),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_healthy(port, proc, timeout_s=60)
    return proc


def _cycle_until(worker, wanted: SyncState, rounds: int = 20) -> None:
    for _ in range(rounds):
        worker.run_cycle()
        if worker.status().state is wanted:
            return
    raise AssertionError(f"state {worker.status().state}, wanted {wanted}: {worker.status()}")


def test_demo_station_syncs_through_a_server_outage(pg, tmp_path):
    url = server_database(pg)
    port = free_port()
    key_file = tmp_path / "checkpoint.key"
    proc = _serve(url, port, key_file)
    engine = create_server_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            code = admin.new_enrolment_code(conn, FACILITY, time.time_ns() // 1_000_000)
        settings = Settings(data_dir=tmp_path / "demo", station_name="Demo bench")
        station = open_station(settings, demo=True)
        try:
            worker = station.sync_worker
            assert worker is not None
            worker.enrol(f"http://127.0.0.1:{port}", code)  # what the Sync page's form does
            _cycle_until(worker, SyncState.UP_TO_DATE)

            def on_server() -> list[tuple[int, str]]:
                with engine.connect() as conn:
                    return [
                        (int(r[0]), r[1])
                        for r in conn.exec_driver_sql(
                            "SELECT seq, hash FROM events WHERE station_id = %s ORDER BY seq",
                            (station.station_id,),
                        )
                    ]

            def local() -> list[tuple[int, str]]:
                rows = worker._store.pending_rows(from_seq=1, limit=10**9)
                return [(r.seq, r.hash) for r in rows]

            assert on_server() == local()
            assert worker.status().pending_blobs == 0  # the demo's evidence files went too

            # The server stops; the station keeps working.
            stop(proc)
            admin_spec = DEMO_OPERATORS[0]
            station.operators.sign_in_with_badge(admin_spec.badge, admin_spec.pin)
            station.operators.sign_out(reason="shift change")
            photo = station.receiving._blobs.put(b"dock photo taken while offline")
            worker.run_cycle()
            status = worker.status()
            assert status.state is SyncState.OFFLINE
            assert status.pending_count >= 2
            assert len(on_server()) < len(local())

            # The server is back: everything arrives, once.
            proc = _serve(url, port, key_file)
            _cycle_until(worker, SyncState.UP_TO_DATE)
            assert on_server() == local()
            with engine.connect() as conn:
                ids = [r[0] for r in conn.exec_driver_sql("SELECT event_id FROM events")]
                assert len(ids) == len(set(ids))
                stored = conn.exec_driver_sql(
                    "SELECT count(*) FROM blobs WHERE sha256 = %s", (photo,)
                ).scalar()
            assert stored == 1
            assert worker.status().pending_blobs == 0
        finally:
            station.close()
    finally:
        engine.dispose()
        stop(proc)
