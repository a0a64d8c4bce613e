"""GUI tests run offscreen with real windows over a real demo station on a temp SQLite file."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import Station, open_station
from app.config import Settings


@pytest.fixture
def demo_station(tmp_path: Path) -> Iterator[Station]:
    station = open_station(
        Settings(data_dir=tmp_path / "station", station_name="bench-test"), demo=True
    )
    try:
        yield station
    finally:
        station.close()
