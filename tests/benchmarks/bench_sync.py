"""Sync benchmark: ``python -m tests.benchmarks.bench_sync [--events N] [--batch N]``.

Pushes an N-event backlog (default 100,000) from a real station database over loopback HTTP to
the real server (uvicorn, one process) on a throwaway PostgreSQL cluster started here (fsync on),
and times it end to end: reading the ledger, JSON + gzip, HTTP, signature and hash checks,
the one-transaction ingest with per-event receipts, and storing the receipts locally.
Baseline, same run, same cluster: a raw PostgreSQL ``COPY`` of the same rows into a table with
the same columns and indexes. Prints JSON lines ``{"name","value","unit","baseline","ratio"}``
on stdout; the target (>= 5,000 events/s, issue 8) is reported on stderr, never asserted.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from app.domain.events import CustodyTransferred
from app.ledger.chain import EventDraft, Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.server import admin
from app.server.database import create_server_engine, migrate
from app.storage.database import open_station_database
from app.storage.event_store import EventStore
from app.storage.projector import Projector
from app.storage.sync_store import SqliteSyncStore
from app.sync.client import SyncClient
from app.sync.engine import SyncEngine
from tests.benchmarks.figure import print_figure
from tests.pg_cluster import start_cluster
from tests.server.server_process import free_port, spawn_uvicorn, stop, wait_healthy

TARGET_EVENTS_PER_S = 5_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_sync")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="events per push (1000)")
    args = parser.parse_args(argv)

    cluster = start_cluster(durable=True)
    work = Path(tempfile.mkdtemp(prefix="itad-bench-sync-"))
    server_proc = None
    try:
        dbname = cluster.create_database()
        url = cluster.url(dbname)
        engine = create_server_engine(url)
        migrate(engine)
        with engine.begin() as conn:
            code = admin.new_enrolment_code(conn, "fac-bench", time.time_ns() // 1_000_000)

        port = free_port()
        server_proc = spawn_uvicorn(url, port, work / "checkpoint.key")
        wait_healthy(port, server_proc)
        base = f"http://127.0.0.1:{port}"

        print(f"building a {args.events}-event station ledger…", file=sys.stderr)
        database = open_station_database(work / "station")
        key = StationKey.generate()
        hlc = HybridLogicalClock()
        events = EventStore(
            database.engine,
            Sealer(station_id="st-bench", facility_id="fac-bench", key=key, hlc=hlc),
            Projector(),
        )
        payload = CustodyTransferred(
            kind="DOCK_RECEIVE",
            from_party="carrier",
            to_party="dock-3",
            container_ids=("GAY-0042",),
            location="bay 7",
        ).model_dump(mode="json")
        made = 0
        while made < args.events:
            n = min(1000, args.events - made)
            events.append([EventDraft("custody.transferred", payload, "op-112")] * n)
            made += n

        store = SqliteSyncStore(database.engine)
        sync = SyncEngine(
            store,
            key,
            "st-bench",
            client_factory=lambda u: SyncClient(u, timeout_s=120),
            hlc=hlc,
            batch_size=args.batch,
            max_batches=10**6,
        )
        sync.enrol(base, code, "bench")

        started = time.perf_counter()
        result = sync.run_once()
        push_s = time.perf_counter() - started
        sync.close()
        assert result.acknowledged == args.events, result
        assert store.pending_summary().count == 0
        # Every batch's checkpoint was verified (signature + consistency) and stored.
        assert store.last_checkpoint().tree_size == args.events
        push_rate = args.events / push_s

        # Baseline: raw COPY of the same rows into a same-shaped table, same cluster.
        with cluster.connect(dbname) as conn:
            buffer = io.BytesIO()
            with conn.cursor().copy("COPY events TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            conn.execute("CREATE TABLE events_copy (LIKE events INCLUDING ALL)")
            data = buffer.getvalue()
            started = time.perf_counter()
            with conn.transaction(), conn.cursor().copy("COPY events_copy FROM STDIN") as copy:
                copy.write(data)
            copy_s = time.perf_counter() - started
            count = conn.execute("SELECT count(*) FROM events_copy").fetchone()[0]
            gaps = conn.execute("SELECT count(*) <> max(server_seq) FROM events").fetchone()[0]
        assert count == args.events and not gaps
        copy_rate = args.events / copy_s

        print_figure("sync_push_events_per_s", push_rate, "events/s", copy_rate)
        print_figure("sync_push_seconds", push_s, "s", copy_s)
        print(
            f"  baseline: raw PostgreSQL COPY of the same {args.events} rows ({copy_rate:,.0f}/s)",
            file=sys.stderr,
        )
        verdict = "met" if push_rate >= TARGET_EVENTS_PER_S else "MISSED"
        print(
            f"target {verdict}: >= {TARGET_EVENTS_PER_S} events/s end to end "
            f"(measured {push_rate:,.0f}/s, batch {args.batch})",
            file=sys.stderr,
        )
        database.close()
        engine.dispose()
    finally:
        if server_proc is not None:
            stop(server_proc)
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
