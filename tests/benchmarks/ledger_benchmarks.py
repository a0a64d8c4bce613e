"""Ledger write and verify benchmarks against raw-SQLite and bare-crypto baselines.

Every figure compares the station's real path with the physical floor under it, measured in the
same run on the same disk:

* batched append (seal: hash + sign, insert, project, commit) vs raw ``sqlite3`` executemany of
  the very same rows into an identical, freshly migrated ``events`` table (triggers included);
* one-event-per-transaction append latency vs a raw single-row INSERT + COMMIT;
* verification (read, re-encode, hash, check links and signatures) vs bare Ed25519 verifies.
"""

from __future__ import annotations

import base64
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings

from app.domain.events import parse_payload
from app.ledger.chain import EventDraft, Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.services.custody_log import CustodyLogService
from app.services.operators import OperatorService
from app.storage.database import (
    BUSY_TIMEOUT_MS,
    DB_FILE_NAME,
    StationDatabase,
    open_station_database,
)
from app.storage.event_store import EventStore
from app.storage.projector import Projector
from app.storage.repositories import LedgerReader, OperatorRepository
from tests.benchmarks.figure import Figure

EVENT_COLUMNS = (
    "seq, event_id, station_id, facility_id, hlc_l, hlc_c, device_time, operator_id, type, "
    "schema_version, payload, refs, prev_hash, hash, sig"
)
INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 15)})"
STATION_ID = "st-bench0000000001"
OPERATOR_ID = "op-01a1fc2b81bb7c3e9a512f7d0c4e8b16"


def asset_received_draft(i: int) -> EventDraft:
    """A realistic receiving event: what one scan against a manifest line records."""
    return EventDraft(
        type="asset.received",
        payload={
            "asset_id": f"AS-{i:012d}",
            "job_id": "JOB-2026-0042",
            "manifest_id": "MAN-ACME-0042",
            "line_no": i + 1,
            "serial": f"5CG{i:09d}",
            "asset_tag": f"ACME-L-{i:06d}",
            "device_type": "laptop",
            "make": "HP",
            "model": "EliteBook 840 G8",
            "scan_source": "Honeywell 1900 on /dev/ttyACM0 (AIM ]C0)",
        },
        operator_id=OPERATOR_ID,
    )


# The benchmark payload must be one the station itself would accept.
parse_payload("asset.received", asset_received_draft(0).payload)


class BenchStation:
    """A fresh station database wired like ``bootstrap`` (sign/verify pool of two threads)."""

    def __init__(self, data_dir: Path, key: StationKey, pool: ThreadPoolExecutor) -> None:
        self.database: StationDatabase = open_station_database(data_dir)
        self.key = key
        sealer = Sealer(
            station_id=STATION_ID,
            facility_id="fac-bench",
            key=key,
            hlc=HybridLogicalClock(),
            sign_executor=pool,
        )
        self.events = EventStore(self.database.engine, sealer, Projector())
        operators = OperatorService(self.events, OperatorRepository(self.database.engine))
        self.custody_log = CustodyLogService(
            LedgerReader(self.database.engine),
            operators,
            key.public_key,
            STATION_ID,
            verify_executor=pool,
        )

    @property
    def path(self) -> Path:
        return self.database.path

    def close(self) -> None:
        self.database.close()


def stored_rows(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


@contextmanager
def raw_events_table(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """A freshly migrated station file (same schema and triggers) opened with bare sqlite3 and
    the station's PRAGMAs, in autocommit mode so the caller controls transactions."""
    open_station_database(data_dir).close()
    conn = sqlite3.connect(data_dir / DB_FILE_NAME, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    try:
        yield conn
    finally:
        conn.close()


def bench_batched_append(
    work_dir: Path, key: StationKey, pool: ThreadPoolExecutor, events: int, batch: int
) -> tuple[Figure, Path]:
    """Append ``events`` in batches of ``batch`` through the real EventStore; return the
    figure and the resulting ledger file (reused by the verify benchmark)."""
    drafts = [asset_received_draft(i) for i in range(events)]
    station = BenchStation(work_dir / "batched", key, pool)
    try:
        start = time.perf_counter()
        for offset in range(0, events, batch):
            station.events.append(drafts[offset : offset + batch])
        elapsed = time.perf_counter() - start
        assert station.events.head().seq == events
    finally:
        station.close()
    rows = stored_rows(station.path)

    with raw_events_table(work_dir / "raw-batched") as conn:
        start = time.perf_counter()
        for offset in range(0, events, batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT_EVENT, rows[offset : offset + batch])
            conn.execute("COMMIT")
        raw_elapsed = time.perf_counter() - start
    figure = Figure(
        name=(
            f"append {events} events in batches of {batch} "
            "(EventStore: hash+sign+insert+project+commit)"
        ),
        value=events / elapsed,
        unit="events/s",
        baseline=events / raw_elapsed,
        baseline_name=f"raw sqlite3 executemany of the same rows, batches of {batch}",
    )
    return figure, station.path


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=1000, method="inclusive")[round(q * 1000) - 1]


def bench_single_append(
    work_dir: Path, key: StationKey, pool: ThreadPoolExecutor, count: int
) -> list[Figure]:
    """``count`` appends of one event each (one transaction, one fsync'd commit per event)."""
    station = BenchStation(work_dir / "single", key, pool)
    latencies_ms: list[float] = []
    try:
        for i in range(count):
            draft = asset_received_draft(i)
            start = time.perf_counter()
            station.events.append([draft])
            latencies_ms.append((time.perf_counter() - start) * 1000)
    finally:
        station.close()
    rows = stored_rows(station.path)

    raw_ms: list[float] = []
    with raw_events_table(work_dir / "raw-single") as conn:
        for row in rows:
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(INSERT_EVENT, row)
            conn.execute("COMMIT")
            raw_ms.append((time.perf_counter() - start) * 1000)
    baseline_name = "raw sqlite3 single-row INSERT + COMMIT, same PRAGMAs"
    return [
        Figure(
            name=f"single-event append latency p{int(q * 100)} ({count} appends)",
            value=percentile(latencies_ms, q),
            unit="ms",
            baseline=percentile(raw_ms, q),
            baseline_name=baseline_name,
        )
        for q in (0.50, 0.99)
    ]


def bench_verify(
    ledger_dir: Path, key: StationKey, pool: ThreadPoolExecutor, events: int
) -> Figure:
    """Verify the batched benchmark's ledger through the Custody log service."""
    station = BenchStation(ledger_dir, key, pool)
    try:
        start = time.perf_counter()
        report = station.custody_log.verify_unattended()
        elapsed = time.perf_counter() - start
    finally:
        station.close()
    if not report.ok or report.event_count != events:
        raise RuntimeError(f"benchmark ledger does not verify: {report.summary()}")

    pairs = [
        (bytes.fromhex(row[13]), base64.b64decode(row[14])) for row in stored_rows(station.path)
    ]
    public_key = key.public_key
    crypto_sign_open = nacl.bindings.crypto_sign_open
    start = time.perf_counter()
    for digest, sig in pairs:
        crypto_sign_open(sig + digest, public_key)
    bare_elapsed = time.perf_counter() - start
    return Figure(
        name=(
            f"verify {events}-event ledger (CustodyLogService.verify_unattended, "
            "2 verify threads as bootstrap wires it)"
        ),
        value=events / elapsed,
        unit="events/s",
        baseline=events / bare_elapsed,
        baseline_name="bare Ed25519 verify (libsodium) of the same signatures, 1 thread",
    )


@dataclass(frozen=True, slots=True)
class Target:
    figure_prefix: str
    description: str
    met: bool


def run(
    *, events: int, batch: int, single: int, work_dir: Path | None = None
) -> Iterator[Figure | Target]:
    """Run every benchmark, yielding figures as they are measured and then the targets."""
    key = StationKey(b"\x07" * 32)
    with (
        tempfile.TemporaryDirectory(prefix="itad-bench-", dir=work_dir) as tmp,
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="ledger-crypto") as pool,
    ):
        base = Path(tmp)
        append, ledger_path = bench_batched_append(base, key, pool, events, batch)
        yield append
        verify = bench_verify(ledger_path.parent, key, pool, events)
        yield verify
        p50, p99 = bench_single_append(base, key, pool, single)
        yield p50
        yield p99
    yield Target("verify", "verify >= 20,000 events/s", verify.value >= 20_000)
    yield Target("append", "batched append within 5x of raw SQLite", append.ratio >= 0.2)
    yield Target("single", "single-event append p99 < 10 ms", p99.value < 10.0)
