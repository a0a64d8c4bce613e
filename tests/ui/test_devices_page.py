"""The Devices page over a real device manager and simulators on real ptys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox

from app.bootstrap import Station, station_info
from app.config import load_settings
from app.devices.simulation import start_demo_devices
from app.domain.devices import (
    DeviceConfig,
    DeviceKind,
    DeviceScan,
    DeviceState,
    DeviceStatus,
    DeviceTagEvent,
    PortCandidate,
    TagEventKind,
    Terminator,
)
from app.services.demo_data import DEMO_MANIFEST_SERIALS, DEMO_OPERATORS
from app.ui.device_dialog import NO_GATE, DeviceDialog
from app.ui.main_window import MainWindow, devices_summary
from app.ui.models.device_activity_model import ActivityColumn, DeviceActivityModel
from app.ui.models.device_table_model import DeviceColumn, DeviceTableModel
from app.ui.task_runner import TaskRunner
from drivers.simulators.barcode_scanner import FakeBarcodeScanner, scan_bytes

WAIT_MS = 5000


@pytest.fixture
def window(qtbot, demo_station: Station, device_setup, device_bridge):
    runner = TaskRunner()
    admin = DEMO_OPERATORS[0]
    operator = demo_station.operators.sign_in_with_badge(admin.badge, admin.pin)
    win = MainWindow(
        station_info(demo_station),
        demo_station.operators,
        demo_station.custody_log,
        runner,
        devices=device_setup,
        device_events=device_bridge,
    )
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.set_operator(operator)
    win.show_page("devices")
    yield win
    runner.shutdown()


def _replug(link: Path, target: str) -> None:
    tmp = link.with_name(link.name + ".new")
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _state_text(win: MainWindow, row: int = 0) -> str:
    model = win.devices_page.model
    return model.data(model.index(row, DeviceColumn.STATE))


def _activity_values(win: MainWindow) -> list[str]:
    model = win.devices_page.activity
    return [model.data(model.index(r, ActivityColumn.VALUE)) for r in range(model.rowCount())]


def test_unplugged_scanner_shows_disconnected_then_comes_back_without_a_partial_scan(
    window, qtbot, device_manager, tmp_path: Path
) -> None:
    link = tmp_path / "usb-Zebra_DS2208-if00"
    first = FakeBarcodeScanner([])
    second = FakeBarcodeScanner([])
    try:
        _replug(link, first.device_path)
        device_manager.configure(
            [DeviceConfig(name="Bench scanner", kind=DeviceKind.BARCODE, port=str(link))]
        )
        window.devices_page.reload()
        qtbot.waitUntil(
            lambda: window.devices_label.text() == "Devices: 1 connected", timeout=WAIT_MS
        )
        assert _state_text(window) == "● Connected"
        first.send(scan_bytes("BEFORE-UNPLUG", aim_id="]C0"))
        qtbot.waitUntil(lambda: _activity_values(window) == ["BEFORE-UNPLUG"], timeout=WAIT_MS)

        first.send(b"PARTIAL-FRA")
        first.unplug()
        qtbot.waitUntil(
            lambda: window.devices_label.text() == "Devices: 1 disconnected", timeout=WAIT_MS
        )
        assert _state_text(window) == "○ Disconnected"
        details = window.devices_page.model.index(0, DeviceColumn.MESSAGE).data()
        assert details.startswith(f"The scanner on {link} was disconnected. Retrying in")

        # The GUI keeps running while the device is away: a timer on the GUI thread ticks.
        ticks: list[int] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(5)
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=WAIT_MS)
        timer.stop()

        _replug(link, second.device_path)
        qtbot.waitUntil(
            lambda: window.devices_label.text() == "Devices: 1 connected", timeout=WAIT_MS
        )
        second.send(scan_bytes("AFTER-REPLUG", aim_id="]C0"))
        qtbot.waitUntil(lambda: len(_activity_values(window)) == 2, timeout=WAIT_MS)
        assert _activity_values(window) == ["AFTER-REPLUG", "BEFORE-UNPLUG"]
    finally:
        first.close()
        second.close()


def test_missing_port_is_named_on_the_page_and_in_the_status_bar(
    window, qtbot, device_manager, tmp_path: Path
) -> None:
    missing = tmp_path / "ttyACM3"
    device_manager.configure(
        [DeviceConfig(name="Dock reader", kind=DeviceKind.MERCURY, port=str(missing))]
    )
    window.devices_page.reload()
    qtbot.waitUntil(
        lambda: window.devices_label.text() == "Devices: 1 disconnected", timeout=WAIT_MS
    )
    details = window.devices_page.model.index(0, DeviceColumn.MESSAGE).data()
    assert details.startswith(f"Port {missing} not found — is the device plugged in?")
    assert f"Port {missing} not found" in window.devices_label.toolTip()


def test_remove_saves_the_settings_and_stops_the_device(
    window, qtbot, device_manager, tmp_path: Path
) -> None:
    config = DeviceConfig(name="Old scanner", kind=DeviceKind.BARCODE, port=str(tmp_path / "x"))
    device_manager.configure([config])
    page = window.devices_page
    page.reload()
    assert not page.empty_label.isVisibleTo(page)
    page.table.selectRow(0)
    assert page.remove_button.isEnabled()
    page.remove_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT_MS)
    assert device_manager.configs() == ()
    assert load_settings(tmp_path / "config.toml").devices == ()
    assert page.empty_label.isVisibleTo(page)
    assert window.devices_label.text() == "Devices: none"


def test_device_dialog_builds_a_validated_config(qtbot) -> None:
    ports = [
        PortCandidate(
            path="/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00",
            device="/dev/ttyUSB0",
            description="CP2102",
            vid=0x10C4,
            pid=0xEA60,
            serial_number="0001",
            vendor="Silicon Labs CP210x bridge",
            is_bridge=True,
        )
    ]
    dialog = DeviceDialog(ports, taken_names=["Bench scanner"])
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Bench scanner")
    dialog.kind_combo.setCurrentIndex(list(DeviceKind).index(DeviceKind.R2000))
    assert dialog.baud_combo.currentText() == "115200"
    assert not dialog.terminator_combo.isEnabled() and dialog.rssi_spin.isEnabled()
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    save.click()
    assert dialog.message.text() == "Device name: 'Bench scanner' is already used."
    dialog.name_edit.setText("Dock reader")
    dialog.rssi_spin.setValue(NO_GATE)
    save.click()
    assert dialog.config == DeviceConfig(
        name="Dock reader",
        kind=DeviceKind.R2000,
        port="/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00",
        baud=115200,
        rssi_min_dbm=None,
        usb_vid=0x10C4,
        usb_pid=0xEA60,
        usb_serial="0001",
    )


def test_device_dialog_accepts_a_typed_url_and_edits_an_existing_device(qtbot) -> None:
    existing = DeviceConfig(
        name="Scanner", kind=DeviceKind.BARCODE, port="COM3", terminator=Terminator.TAB
    )
    dialog = DeviceDialog([], config=existing, taken_names=["Scanner"])
    qtbot.addWidget(dialog)
    assert dialog.port_combo.currentText() == "COM3"
    assert dialog.build_config() == existing
    dialog.port_combo.setCurrentText("socket://127.0.0.1:5000")
    dialog.baud_combo.setCurrentText("fast")
    with pytest.raises(Exception, match="Baud rate: 'fast' is not a number"):
        dialog.build_config()
    dialog.baud_combo.setCurrentText("19200")
    assert dialog.build_config().port == "socket://127.0.0.1:5000"


def test_models_pass_qtmodeltester(qtmodeltester) -> None:
    table = DeviceTableModel()
    a = DeviceConfig(name="A", kind=DeviceKind.BARCODE, port="COM1")
    b = DeviceConfig(name="B", kind=DeviceKind.MERCURY, port="COM2", baud=115200)
    table.set_devices([a, b], {})
    table.update_status(DeviceStatus("B", DeviceState.READING, "B ready on COM2.", 1.0, "COM2"))
    qtmodeltester.check(table)
    activity = DeviceActivityModel(max_rows=3)
    for n in range(5):
        activity.add_scan(DeviceScan("A", f"V{n}", "Code 128", "]C0", (), float(n)))
    activity.add_tag(
        DeviceTagEvent("B", TagEventKind.ARRIVED, "3414", "urn:epc:id:giai:1.2", -50, 1, 1, 9.0)
    )
    activity.add_wedge_scan("WEDGE")
    qtmodeltester.check(activity)
    assert activity.rowCount() == 3
    assert [activity.row_at(r).value for r in range(3)] == ["WEDGE", "3414", "V4"]


def test_status_bar_summary() -> None:
    assert devices_summary([]) == "Devices: none"
    assert devices_summary([DeviceState.CONNECTED, DeviceState.READING]) == "Devices: 2 connected"
    assert (
        devices_summary([DeviceState.READING, DeviceState.DISCONNECTED, None, DeviceState.ERROR])
        == "Devices: 1 connected, 1 connecting, 1 disconnected, 1 with errors"
    )


def test_devices_page_screenshot_shows_live_demo_devices(
    window, qtbot, device_manager, tmp_path: Path
) -> None:
    demo = start_demo_devices(DEMO_MANIFEST_SERIALS, scan_interval_s=0.05)
    try:
        device_manager.configure(demo.configs)
        page = window.devices_page
        page.reload()
        qtbot.waitUntil(
            lambda: window.devices_label.text() == "Devices: 2 connected", timeout=WAIT_MS
        )
        qtbot.waitUntil(lambda: page.activity.rowCount() >= 6, timeout=WAIT_MS)
        values = _activity_values(window)
        assert set(values) & set(DEMO_MANIFEST_SERIALS)
        whats = {page.activity.row_at(r).what for r in range(page.activity.rowCount())}
        assert "Tag arrived" in whats
        path = tmp_path / "devices.png"
        assert window.grab().save(str(path))
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 800)
    finally:
        device_manager.close()
        demo.close()


def test_identify_button_asks_the_device_and_sets_the_kind(qtbot) -> None:
    runner = TaskRunner()
    answers = {"/dev/ttyUSB7": DeviceKind.MERCURY, "/dev/ttyUSB8": None}
    dialog = DeviceDialog([], identify=answers.__getitem__, runner=runner)
    qtbot.addWidget(dialog)
    dialog.port_combo.setCurrentText("/dev/ttyUSB7")
    dialog.identify_button.click()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Found"), timeout=WAIT_MS)
    assert dialog.message.text() == f"Found: {DeviceKind.MERCURY.title} on /dev/ttyUSB7."
    assert dialog.kind_combo.currentData() == DeviceKind.MERCURY
    dialog.port_combo.setCurrentText("/dev/ttyUSB8")
    dialog.identify_button.click()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("No RFID"), timeout=WAIT_MS)
    assert dialog.identify_button.isEnabled()
    runner.shutdown()
