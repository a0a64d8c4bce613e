"""Storage fixtures: a real station database in ``tmp_path`` and an event store over it."""

from __future__ import annotations

import os
import select
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.ledger.chain import Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.storage import schema
from app.storage.database import StationDatabase, open_station_database
from app.storage.event_store import EventStore
from app.storage.projector import Projector

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_KEY = StationKey(b"\x01" * 32)
TEST_STATION = "st-storage-test"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def station_db(data_dir: Path) -> Iterator[StationDatabase]:
    db = open_station_database(data_dir)
    yield db
    db.close()


def make_store(engine: Engine, key: StationKey = TEST_KEY) -> EventStore:
    sealer = Sealer(
        station_id=TEST_STATION, facility_id="fac-test", key=key, hlc=HybridLogicalClock()
    )
    return EventStore(engine, sealer, Projector())


@pytest.fixture
def store(station_db: StationDatabase) -> EventStore:
    return make_store(station_db.engine)


def dump_projections(engine: Engine) -> dict[str, list[tuple]]:
    """Every projection table, every row, sorted: equal dumps mean equal projections."""
    dumped: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in schema.PROJECTION_TABLES:
            rows = conn.execute(text(f"SELECT * FROM {table.name}")).all()
            dumped[table.name] = sorted(
                (tuple(row) for row in rows), key=lambda r: tuple(str(v) for v in r)
            )
    return dumped


def event_seqs(db_path: Path) -> list[int]:
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
    finally:
        conn.close()


def spawn_python(script: str, *args: str) -> subprocess.Popen[bytes]:
    """A real child interpreter running ``script`` from the repository root."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def read_lines_until(
    proc: subprocess.Popen[bytes], done: Callable[[list[str]], bool], timeout_s: float = 60.0
) -> list[str]:
    """Read the child's stdout line by line until ``done(lines)``; fail at the deadline or if
    the child exits first (with its stderr in the message)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout_s
    buffer = b""
    lines: list[str] = []
    while not done(lines):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            pytest.fail(f"child did not get there in {timeout_s} s; lines so far: {lines[-5:]}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            proc.wait()
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"child exited with {proc.returncode} early; stderr:\n{stderr}")
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        lines.extend(raw.decode() for raw in complete)
    return lines


# Helpers reach the tests as fixtures (several test folders have a conftest.py, so importing
# one by module name would be ambiguous).


@pytest.fixture(name="make_store")
def _make_store_fixture() -> Callable[..., EventStore]:
    return make_store


@pytest.fixture
def dump() -> Callable[[Engine], dict[str, list[tuple]]]:
    return dump_projections


@pytest.fixture(name="spawn_python")
def _spawn_python_fixture() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    children: list[subprocess.Popen[bytes]] = []

    def spawn(script: str, *args: str) -> subprocess.Popen[bytes]:
        child = spawn_python(script, *args)
        children.append(child)
        return child

    yield spawn
    for child in children:  # never leave a child behind, whatever the test did
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=30)


@pytest.fixture(name="read_lines_until")
def _read_lines_fixture() -> Callable[..., list[str]]:
    return read_lines_until


@pytest.fixture(name="event_seqs")
def _event_seqs_fixture() -> Callable[[Path], list[int]]:
    return event_seqs
