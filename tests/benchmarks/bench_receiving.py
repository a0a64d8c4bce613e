"""Receiving benchmarks: ``python -m tests.benchmarks.bench_receiving [--lines N] [--scans N]``

Prints one JSON line per figure: ``{"name", "value", "unit", "baseline", "ratio"}``.

* manifest import: parse + validate + seal + append + project a 100,000-line CSV through
  ``ReceivingService.import_manifest``; baseline: raw ``sqlite3`` ``executemany`` of the same
  rows into a table of the same shape, in the same run and on the same disk (target < 5 s).
* scan-to-feedback: ``ReceivingService.scan`` (match among 100,000 manifest lines and 100,000
  assets, append one signed event, commit with fsync, read the counters) p50 and p99
  (target p99 < 50 ms). Baseline: one raw ``INSERT`` + commit with the station's PRAGMAs.
* reconciliation of a 100,000-line job (target < 1 s).

Targets are reported on stderr, never asserted.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.ledger.chain import Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.services.demo_data import seed_demo_data
from app.services.operators import OperatorService
from app.services.pins import hash_pin
from app.services.receiving import ReceivingService
from app.storage.blob_store import BlobStore
from app.storage.database import open_station_database
from app.storage.event_store import EventStore
from app.storage.projector import Projector
from app.storage.receiving_repository import ReceivingRepository
from app.storage.repositories import OperatorRepository


def figure(name: str, value: float, unit: str, baseline: float | None) -> None:
    ratio = round(value / baseline, 2) if baseline else None
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 4),
                "unit": unit,
                "baseline": None if baseline is None else round(baseline, 4),
                "ratio": ratio,
            }
        ),
        flush=True,
    )


def target(description: str, met: bool) -> None:
    print(f"target {'met' if met else 'MISSED'}: {description}", file=sys.stderr)


def write_manifest(path: Path, lines: int, prefix: str) -> list[str]:
    serials = [f"{prefix}{i:08d}" for i in range(lines)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Line,Asset Tag,Serial Number,Manufacturer,Model,Device Type,Weight (kg)\r\n")
        for i, serial in enumerate(serials):
            out.write(
                f"{i + 1},TAG-{prefix}{i:08d},{serial},HP,EliteBook 840 G{i % 9},laptop,1.6\r\n"
            )
    return serials


def raw_baseline_s(db_path: Path, lines: int) -> float:
    rows = [
        (
            "MAN-RAW",
            i + 1,
            f"R{i:08d}",
            f"TAG-R{i:08d}",
            "HP",
            f"EliteBook 840 G{i % 9}",
            "laptop",
            1,
            "",
            1600,
            "",
        )
        for i in range(lines)
    ]
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE raw_lines (manifest_id TEXT, line_no INT, serial TEXT, asset_tag TEXT, "
        "make TEXT, model TEXT, device_type TEXT, quantity INT, epc TEXT, weight_g INT, "
        "customer_ref TEXT, PRIMARY KEY (manifest_id, line_no))"
    )
    conn.execute("CREATE INDEX raw_serial ON raw_lines (serial)")
    conn.execute("CREATE INDEX raw_tag ON raw_lines (asset_tag)")
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO raw_lines VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def fill_assets(db_path: Path, count: int) -> None:
    """100,000 received assets of an earlier job, written straight into the projection (the
    setup of the scan benchmark, not a figure)."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "INSERT INTO assets (asset_id, job_id, manifest_id, line_no, serial, asset_tag, "
            "device_type, make, model, custodian, location, received_seq, last_seq) "
            "VALUES (?, 'JOB-OLD', '', 0, ?, ?, 'laptop', 'HP', 'x', 'op', 'cage', 1, 1)",
            [(f"AS-OLD{i:08d}", f"OLD{i:08d}", f"OT{i:08d}") for i in range(count)],
        )
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_receiving")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=1_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-receiving-"))
    database = open_station_database(work / "data")
    key = StationKey(b"\x07" * 32)
    sealer = Sealer(station_id="st-bench", facility_id="fac", key=key, hlc=HybridLogicalClock())
    events = EventStore(database.engine, sealer, Projector())
    operators = OperatorService(
        events, OperatorRepository(database.engine), functools.partial(hash_pin, log2_n=4)
    )
    seed_demo_data(events, operators)
    operators.sign_in_with_badge("BADGE-0002", "2222")
    receiving = ReceivingService(
        events, ReceivingRepository(database.engine), BlobStore(work / "blobs"), operators
    )
    try:
        manifest = work / "big.csv"
        serials = write_manifest(manifest, args.lines, "N")
        baseline = raw_baseline_s(work / "raw.sqlite3", args.lines)
        started = time.perf_counter()
        receiving.import_manifest(manifest, customer_id="CUST-ACME", job_id="JOB-BIG")
        import_s = time.perf_counter() - started
        figure(f"manifest_import_{args.lines}_lines", import_s, "s", baseline)
        print("  baseline: raw sqlite3 executemany of the same rows", file=sys.stderr)
        target(f"import {args.lines:,} lines < 5 s ({import_s:.2f} s)", import_s < 5)

        fill_assets(database.path, args.lines)
        latencies = []
        picks = random.Random(4).sample(serials, min(args.scans, len(serials)))
        for serial in picks:
            started = time.perf_counter()
            receiving.scan("JOB-BIG", serial, "bench")
            latencies.append((time.perf_counter() - started) * 1000)
        raw = sqlite3.connect(work / "raw.sqlite3")
        raw.execute("PRAGMA synchronous=FULL")
        raw.execute("CREATE TABLE one (v TEXT)")
        raw_ms = []
        for serial in picks[:200]:
            started = time.perf_counter()
            with raw:
                raw.execute("INSERT INTO one VALUES (?)", (serial,))
            raw_ms.append((time.perf_counter() - started) * 1000)
        raw.close()
        raw_p50 = statistics.median(raw_ms)
        p50 = statistics.median(latencies)
        p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1]
        figure("scan_to_feedback_p50", p50, "ms", raw_p50)
        figure("scan_to_feedback_p99", p99, "ms", raw_p50)
        print("  baseline: one raw INSERT + commit (synchronous=FULL)", file=sys.stderr)
        target(f"scan p99 < 50 ms ({p99:.1f} ms)", p99 < 50)

        started = time.perf_counter()
        rec = receiving.reconcile("JOB-BIG")
        reconcile_s = time.perf_counter() - started
        assert rec.counters.expected == args.lines
        figure(f"reconcile_{args.lines}_lines", reconcile_s, "s", None)
        target(f"reconcile {args.lines:,} lines < 1 s ({reconcile_s:.2f} s)", reconcile_s < 1)
    finally:
        database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
