"""GUI tests run offscreen with real windows over a real demo station on a temp SQLite file."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import Station, open_station
from app.config import DeviceSettingsFile, Settings
from app.devices.device_manager import DeviceManager
from app.services.device_setup import DeviceSetupService


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread_only() -> Iterator[None]:
    """What the app's GuiThreadGarbageCollector does, per test: with automatic GC on, a worker
    thread (DB worker, port worker) can trip a collection that destroys Qt objects off the GUI
    thread and crash the process. Collect here, on the test (GUI) thread, after the widgets
    of the test were closed (autouse fixtures are torn down last)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


@pytest.fixture
def demo_station(tmp_path: Path) -> Iterator[Station]:
    station = open_station(
        Settings(data_dir=tmp_path / "station", station_name="bench-test"), demo=True
    )
    try:
        yield station
    finally:
        station.close()


@pytest.fixture
def device_bridge(qtbot):
    from app.ui.device_event_bridge import DeviceEventBridge  # noqa: PLC0415 - after the env

    return DeviceEventBridge()


@pytest.fixture
def device_manager(device_bridge) -> Iterator[DeviceManager]:
    manager = DeviceManager(device_bridge.post)
    try:
        yield manager
    finally:
        manager.close()


@pytest.fixture
def device_setup(device_manager, demo_station: Station, tmp_path: Path) -> DeviceSetupService:
    store = DeviceSettingsFile(tmp_path / "config.toml")
    return DeviceSetupService(device_manager, store, demo_station.operators)


@pytest.fixture
def receiving_window(qtbot, demo_station: Station, device_setup, device_bridge):
    """The main window over the demo station with the demo supervisor signed in and the
    Receiving page showing, once its first loads finished; yields ``(window, runner)``."""
    from app.bootstrap import station_info  # noqa: PLC0415 - after the env
    from app.services.demo_data import DEMO_OPERATORS  # noqa: PLC0415
    from app.ui.main_window import MainWindow  # noqa: PLC0415
    from app.ui.task_runner import TaskRunner  # noqa: PLC0415

    runner = TaskRunner()
    supervisor = DEMO_OPERATORS[1]
    operator = demo_station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
    win = MainWindow(
        station_info(demo_station),
        demo_station.operators,
        demo_station.custody_log,
        runner,
        devices=device_setup,
        device_events=device_bridge,
        receiving=demo_station.receiving,
        custody=demo_station.custody,
        samples_dir=Path(__file__).resolve().parents[2] / "resources" / "samples",
    )
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.set_operator(operator)
    win.show_page("receiving")
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    yield win, runner
    runner.shutdown()
