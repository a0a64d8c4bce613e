"""Opening a station database that is damaged, too new, or already open elsewhere: a clear
error and the file left exactly as it was (bytes, mtime, no -wal/-shm next to it)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
from pathlib import Path

import pytest

from app.domain.errors import DatabaseCorrupt, DatabaseLocked, DatabaseTooNew
from app.ledger.chain import EventDraft, Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.storage.database import (
    DB_FILE_NAME,
    LOCK_FILE_NAME,
    current_revision,
    head_revision,
    open_station_database,
)
from app.storage.event_store import EventStore
from app.storage.process_lock import ProcessLock
from app.storage.projector import Projector

SIDE_FILES = ("-wal", "-shm", "-journal")


def snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    """The file's bytes, its mtime, and every file next to it except the lock."""
    neighbours = sorted(p.name for p in path.parent.iterdir() if p.name != LOCK_FILE_NAME)
    return path.read_bytes(), path.stat().st_mtime_ns, neighbours


def assert_untouched(path: Path, before: tuple[bytes, int, list[str]]) -> None:
    after = snapshot(path)
    assert after[0] == before[0], "the file's bytes changed"
    assert after[1] == before[1], "the file's mtime changed"
    assert after[2] == before[2], "files appeared or vanished next to it"
    for suffix in SIDE_FILES:
        assert not path.with_name(path.name + suffix).exists()


def assert_lock_released(data_dir: Path) -> None:
    lock = ProcessLock(data_dir / LOCK_FILE_NAME)
    lock.acquire()  # raises if the failed open kept the lock
    lock.release()


def one_sentence(message: str, path: Path) -> bool:
    body = message.replace(str(path), "<path>")
    return "\n" not in body and body.endswith(".") and body.count(". ") <= 1


def make_station_file(data_dir: Path, events: int = 50) -> Path:
    """A real, healthy, closed station database holding some events."""
    db = open_station_database(data_dir)
    sealer = Sealer(
        station_id="st-x", facility_id="f", key=StationKey(b"\x01" * 32), hlc=HybridLogicalClock()
    )
    store = EventStore(db.engine, sealer, Projector())
    store.append(
        [
            EventDraft(type="note.added", payload={"i": i, "pad": "x" * 300}, operator_id="op")
            for i in range(events)
        ]
    )
    db.close()
    for suffix in SIDE_FILES:
        assert not db.path.with_name(db.path.name + suffix).exists()
    return db.path


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(random.Random(1).randbytes(64 * 1024), id="random-bytes"),
        pytest.param(
            b"SQLite format 3\x00" + random.Random(2).randbytes(8 * 1024), id="header-then-random"
        ),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 4096, id="header-then-ff"),
        pytest.param(
            b"SQLite format 3\x00" + bytes([0x10, 0x00, 2, 2]) + b"\x00" * 4076,
            id="wal-header-then-zeros",
        ),
    ],
)
def test_a_corrupt_file_is_refused_and_left_untouched(data_dir, content):
    data_dir.mkdir()
    path = data_dir / DB_FILE_NAME
    path.write_bytes(content)
    before = snapshot(path)
    with pytest.raises(DatabaseCorrupt) as caught:
        open_station_database(data_dir)
    assert caught.value.code == "storage.corrupt"
    assert "it was not modified" in caught.value.message
    assert_untouched(path, before)
    assert_lock_released(data_dir)


def test_a_station_file_with_damaged_pages_is_refused_and_left_untouched(data_dir):
    path = make_station_file(data_dir)
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    page = 4096
    data[3 * page : 6 * page] = random.Random(3).randbytes(3 * page)
    path.write_bytes(bytes(data))
    before = snapshot(path)
    with pytest.raises(DatabaseCorrupt):
        open_station_database(data_dir)
    assert_untouched(path, before)
    assert_lock_released(data_dir)


def test_a_foreign_sqlite_database_is_refused(data_dir):
    data_dir.mkdir()
    path = data_dir / DB_FILE_NAME
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = snapshot(path)
    with pytest.raises(DatabaseCorrupt, match="holds tables but no station schema version"):
        open_station_database(data_dir)
    assert_untouched(path, before)


def test_a_newer_schema_is_refused_and_left_untouched(data_dir):
    path = make_station_file(data_dir)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    for suffix in SIDE_FILES:
        assert not path.with_name(path.name + suffix).exists()
    before = snapshot(path)
    with pytest.raises(DatabaseTooNew) as caught:
        open_station_database(data_dir)
    assert caught.value.params["found"] == "9999_from_the_future"
    assert "was not modified" in caught.value.message
    assert_untouched(path, before)
    assert_lock_released(data_dir)


def test_an_empty_file_is_a_new_station(data_dir):
    data_dir.mkdir()
    (data_dir / DB_FILE_NAME).write_bytes(b"")
    db = open_station_database(data_dir)
    try:
        # Migrated to the newest schema, and nothing to back up from an empty file.
        assert current_revision(db.engine) == head_revision()
        assert db.backup_path is None
    finally:
        db.close()


HOLD_SCRIPT = """
import sys
from pathlib import Path
from app.storage.database import open_station_database
db = open_station_database(Path(sys.argv[1]))
print("holding", flush=True)
sys.stdin.readline()
db.close()
print("released", flush=True)
"""

TRY_OPEN_SCRIPT = """
import sys
from pathlib import Path
from app.domain.errors import DatabaseLocked
from app.storage.database import open_station_database
try:
    db = open_station_database(Path(sys.argv[1]))
except DatabaseLocked as exc:
    print(exc.code)
    print(exc.message)
    sys.exit(3)
db.close()
print("opened")
"""


def test_a_second_process_is_refused_while_the_first_holds_the_station(data_dir, spawn_python):
    first = open_station_database(data_dir)
    try:
        second = spawn_python(TRY_OPEN_SCRIPT, str(data_dir))
        out, err = second.communicate(timeout=60)
        assert second.returncode == 3, err.decode()
        code, message = out.decode().splitlines()
        assert code == "storage.locked"
        assert one_sentence(message, first.path)
        assert "in use by another station process" in message
        # The refused process changed nothing: the first still writes fine.
        with first.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO station_meta VALUES ('k', 'v')")
    finally:
        first.close()
    again = spawn_python(TRY_OPEN_SCRIPT, str(data_dir))
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err.decode()
    assert out.decode().strip() == "opened"


def test_this_process_is_refused_while_another_holds_it_until_that_one_is_killed(
    data_dir, spawn_python, read_lines_until
):
    holder = spawn_python(HOLD_SCRIPT, str(data_dir))
    read_lines_until(holder, lambda lines: "holding" in lines)
    with pytest.raises(DatabaseLocked) as caught:
        open_station_database(data_dir)
    assert caught.value.code == "storage.locked"
    # The OS drops the lock when the holder dies, even by SIGKILL.
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    db = open_station_database(data_dir)
    db.close()
