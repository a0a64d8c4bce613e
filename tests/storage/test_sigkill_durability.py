"""A station process killed with SIGKILL mid-stream loses nothing it acknowledged, and what it
left behind is a consistent ledger (verifies) with consistent projections (equal a rebuild)."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from app.bootstrap import open_station
from app.config import Settings
from app.storage.database import DB_FILE_NAME

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

WRITER_SCRIPT = """
import sys
from pathlib import Path
from app.bootstrap import open_station
from app.config import Settings
from app.ledger.chain import EventDraft

station = open_station(Settings(data_dir=Path(sys.argv[1]), station_name="kill-test"))
batch = int(sys.argv[2])
print("ready", flush=True)
i = 0
while True:
    drafts = []
    for _ in range(batch):
        i += 1
        if i % 5 == 0:
            payload = {
                "kind": "BENCH_CHECK_OUT", "from_party": "Dock 1", "to_party": "Bench 3",
                "asset_ids": [f"AS-{i - 1:07d}", f"AS-{i - 2:07d}"], "location": "Bench 3",
            }
            drafts.append(EventDraft("custody.transferred", payload, "op-kill"))
        else:
            payload = {
                "asset_id": f"AS-{i:07d}", "job_id": "JOB-K", "serial": f"SN{i:09d}",
                "scan_source": "kill test",
            }
            drafts.append(EventDraft("asset.received", payload, "op-kill"))
    envelopes = station.events.append(drafts)
    # Printed only after append returned, i.e. after the commit.
    print(" ".join(str(e.seq) for e in envelopes), flush=True)
"""


def acknowledged_seqs(lines: list[str]) -> list[int]:
    return [int(s) for line in lines if line and line != "ready" for s in line.split()]


def kill_writer_after(spawn_python, read_lines_until, data_dir, *, batch: int, acks: int):
    writer = spawn_python(WRITER_SCRIPT, str(data_dir), str(batch))
    lines = read_lines_until(
        writer, lambda ls: len([x for x in ls if x and x != "ready"]) >= acks, timeout_s=120
    )
    os.kill(writer.pid, signal.SIGKILL)
    rest, _ = writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    # Lines already in the pipe were acknowledged too; a torn last line was not.
    complete = rest.decode().split("\n")[:-1]
    return acknowledged_seqs(lines + complete)


def reopen_and_check(data_dir, dump, event_seqs, acked: list[int], batch: int) -> int:
    stored = event_seqs(data_dir / DB_FILE_NAME)
    assert stored == list(range(1, len(stored) + 1))
    missing = sorted(set(acked) - set(stored))
    assert missing == [], f"acknowledged but lost: {missing[:10]}"
    # At most the batch in flight was committed without being acknowledged.
    assert len(stored) - max(acked) <= batch
    station = open_station(Settings(data_dir=data_dir, station_name="kill-test"))
    try:
        report = station.custody_log.verify_unattended()
        assert report.ok, report.summary()
        assert report.event_count == len(stored)
        incremental = dump(station.database.engine)
        assert incremental["assets"], "nothing was projected"
        station.events.rebuild_projections()
        assert dump(station.database.engine) == incremental
    finally:
        station.close()
    return len(stored)


def test_sigkill_loses_no_acknowledged_single_event_append(
    data_dir, spawn_python, read_lines_until, dump, event_seqs
):
    acked = kill_writer_after(spawn_python, read_lines_until, data_dir, batch=1, acks=200)
    assert len(acked) >= 200
    assert acked == list(range(2, len(acked) + 2))  # seq 1 is station.initialized
    reopen_and_check(data_dir, dump, event_seqs, acked, batch=1)


def test_sigkill_never_leaves_half_a_batch(
    data_dir, spawn_python, read_lines_until, dump, event_seqs
):
    acked = kill_writer_after(spawn_python, read_lines_until, data_dir, batch=50, acks=12)
    stored = reopen_and_check(data_dir, dump, event_seqs, acked, batch=50)
    assert (stored - 1) % 50 == 0, f"{stored - 1} events after the genesis is not whole batches"
