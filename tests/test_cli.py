"""The command line, run as a user would: a real subprocess on a real data directory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from app import __version__
from app.bootstrap import open_station
from app.config import Settings


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None):
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        check=False,
    )


@pytest.fixture
def station_dir(tmp_path: Path) -> Path:
    data = tmp_path / "station"
    result = run_cli(
        "add-operator",
        "--data-dir",
        str(data),
        "--name",
        "Ada Admin",
        "--badge",
        "B-1",
        "--role",
        "admin",
        "--pin-stdin",
        stdin="1234\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Enrolled Ada Admin (admin), badge B-1" in result.stdout
    return data


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"itad-station {__version__}"


def test_verify_ledger_ok_prints_count_and_head(station_dir: Path):
    result = run_cli("verify-ledger", "--data-dir", str(station_dir))
    assert result.returncode == 0, result.stderr
    # station.initialized, operator.enrolled, then the CLI session: nothing else.
    assert result.stdout.startswith("OK, 2 events, head hash ")
    head = result.stdout.strip().rsplit(" ", 1)[1]
    db = sqlite3.connect(station_dir / "station.sqlite3")
    assert db.execute("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()[0] == head
    db.close()


def test_verify_ledger_names_a_deleted_event(station_dir: Path):
    second = run_cli(
        "add-operator",
        "--data-dir",
        str(station_dir),
        "--name",
        "Tom Tech",
        "--badge",
        "B-2",
        "--role",
        "technician",
        "--as-badge",
        "B-1",
        "--pin-stdin",
        stdin="5678\n1234\n",
    )
    assert second.returncode == 0, second.stderr
    db = sqlite3.connect(station_dir / "station.sqlite3")
    db.execute("DROP TRIGGER events_refuse_delete")
    db.execute("DELETE FROM events WHERE seq = 3")
    db.commit()
    db.close()
    result = run_cli("verify-ledger", "--data-dir", str(station_dir))
    assert result.returncode == 1
    assert result.stdout.startswith("BROKEN at event #4 ")
    assert "event #3 before it is missing (deleted)" in result.stdout


def test_first_operator_must_be_admin(tmp_path: Path):
    result = run_cli(
        "add-operator",
        "--data-dir",
        str(tmp_path / "s"),
        "--name",
        "T",
        "--badge",
        "B",
        "--role",
        "technician",
        "--pin-stdin",
        stdin="1234\n",
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "itad-station: Role: the first operator must be an admin."


def test_verify_ledger_on_a_missing_station_says_so(tmp_path: Path):
    result = run_cli("verify-ledger", "--data-dir", str(tmp_path / "nothing-here"))
    assert result.returncode == 2
    assert "There is no station database in" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_database_is_one_sentence_and_untouched(tmp_path: Path):
    data = tmp_path / "station"
    data.mkdir()
    db = data / "station.sqlite3"
    db.write_bytes(b"this is not a database at all" * 100)
    before = db.read_bytes()
    result = run_cli("verify-ledger", "--data-dir", str(data))
    assert result.returncode == 2
    assert "is damaged (it is not an SQLite database); it was not modified" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in data.iterdir()) == ["station.sqlite3"]


def test_screenshot_writes_a_png_of_the_requested_page(tmp_path: Path):
    out = tmp_path / "custody.png"
    result = run_cli(
        "screenshot", "--demo", "--page", "custody-log", "--out", str(out), "--size", "1024x700"
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(out) as image:
        assert image.size == (1024, 700)
        # Not a blank frame: a rendered window has many distinct colours.
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 50


def test_screenshot_refuses_an_unknown_page(tmp_path: Path):
    result = run_cli("screenshot", "--page", "nope", "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "unknown page 'nope'" in result.stderr


def test_self_test_checks_the_installation_end_to_end():
    result = run_cli("self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "self-test OK"
    assert any(line.startswith("ledger: OK, ") for line in lines)
    assert any(line.startswith("window: 1024x700, custody log shows ") for line in lines)


def test_backup_while_running_restores_to_a_verifying_station(station_dir: Path, tmp_path: Path):
    # Hold the station open (as a running window would) while the backup is taken.
    station = open_station(Settings(data_dir=station_dir, station_name="running"))
    try:
        out = tmp_path / "backup-1"
        result = run_cli("backup", "--data-dir", str(station_dir), "--out", str(out))
    finally:
        station.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Backed up {station_dir} to {out}: OK, 2 events")
    assert sorted(p.name for p in out.iterdir()) == ["station.key", "station.sqlite3"]
    assert (out / "station.key").stat().st_mode & 0o777 == 0o600
    # Restore drill: the copy is a station of its own and verifies on its own.
    restored = run_cli("verify-ledger", "--data-dir", str(out))
    assert restored.returncode == 0
    assert restored.stdout.startswith("OK, 2 events")
    again = run_cli("backup", "--data-dir", str(station_dir), "--out", str(out))
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_publish_rubric_needs_an_admin_and_a_newer_version(station_dir: Path, tmp_path: Path):
    source = Path(__file__).resolve().parents[1] / "resources" / "rubrics" / "laptop.toml"
    newer = tmp_path / "laptop-v2.toml"
    newer.write_text(source.read_text().replace("version = 1", "version = 2", 1))
    args = ["publish-rubric", str(newer), "--data-dir", str(station_dir), "--pin-stdin"]
    wrong_pin = run_cli(*args, "--as-badge", "B-1", stdin="9999\n")
    assert wrong_pin.returncode == 2
    assert "not recognised" in wrong_pin.stderr
    published = run_cli(*args, "--as-badge", "B-1", stdin="1234\n")
    assert published.returncode == 0, published.stderr
    assert published.stdout.strip() == "Published rubric laptop version 2 from laptop-v2.toml"
    again = run_cli(*args, "--as-badge", "B-1", stdin="1234\n")
    assert again.returncode == 2
    assert "2 is not newer than the current version 2" in again.stderr
