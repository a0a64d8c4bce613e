"""Port enumeration (vendor recognition, by-id names, re-finding) and protocol probing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.devices.device_manager import DeviceManager
from app.devices.port_enumeration import find_port_for, list_serial_ports, vendor_of
from app.devices.reader_probe import probe_reader
from app.domain.devices import DeviceConfig, DeviceKind, PortUnavailable
from drivers.simulators.barcode_scanner import FakeBarcodeScanner
from drivers.simulators.rfid_readers import FakeMercuryReader, FakeR2000Reader


@dataclass
class FakePortInfo:
    device: str
    description: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None


def test_ports_are_listed_scanner_vendors_first_under_their_by_id_names(tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    dev.mkdir()
    for name in ("ttyACM0", "ttyUSB0", "ttyS0"):
        (dev / name).touch()
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    os.symlink(dev / "ttyACM0", by_id / "usb-Honeywell_Imaging_1900-if00")
    infos = [
        FakePortInfo(str(dev / "ttyS0"), "n/a"),
        FakePortInfo(str(dev / "ttyUSB0"), "CP2102 USB to UART", 0x10C4, 0xEA60, "0001"),
        FakePortInfo(str(dev / "ttyACM0"), "Xenon 1900", 0x0C2E, 0x0B61, "19123456"),
    ]
    ports = list_serial_ports(lambda: infos, by_id)
    assert [p.path for p in ports] == [
        str(by_id / "usb-Honeywell_Imaging_1900-if00"),
        str(dev / "ttyUSB0"),
        str(dev / "ttyS0"),
    ]
    honeywell, bridge, plain = ports
    assert (honeywell.vendor, honeywell.is_bridge, honeywell.device) == (
        "Honeywell",
        False,
        str(dev / "ttyACM0"),
    )
    assert bridge.is_bridge and "CP210x" in bridge.vendor
    assert plain.vendor == ""
    assert "0C2E:0B61" in honeywell.label


def test_missing_by_id_directory_is_fine(tmp_path: Path) -> None:
    ports = list_serial_ports(lambda: [FakePortInfo("/dev/ttyS0", "n/a")], tmp_path / "absent")
    assert [p.path for p in ports] == ["/dev/ttyS0"]


def test_known_vendor_ids_from_the_protocol_notes() -> None:
    assert vendor_of(0x05E0) == ("Zebra / Symbol", False)
    assert vendor_of(0x1EAB)[0] == "Newland"
    assert vendor_of(0x0403)[1] is True
    assert vendor_of(None) == ("", False)
    assert vendor_of(0x1234) == ("", False)


def test_find_port_for_matches_vid_pid_and_serial_number() -> None:
    ports = list_serial_ports(
        lambda: [
            FakePortInfo("/dev/ttyACM0", "a", 0x0C2E, 0x0B61, "AAA"),
            FakePortInfo("/dev/ttyACM1", "b", 0x0C2E, 0x0B61, "BBB"),
        ],
        Path("/nonexistent"),
    )
    config = DeviceConfig(
        name="s",
        kind=DeviceKind.BARCODE,
        port="/dev/gone",
        usb_vid=0x0C2E,
        usb_pid=0x0B61,
        usb_serial="BBB",
    )
    assert find_port_for(config, ports) == "/dev/ttyACM1"
    assert find_port_for(DeviceConfig(name="s", kind=DeviceKind.BARCODE, port="x"), ports) is None


def test_probe_identifies_mercury_r2000_and_nothing() -> None:
    with FakeMercuryReader([]) as mercury:
        assert probe_reader(mercury.device_path) is DeviceKind.MERCURY
    with FakeR2000Reader([]) as r2000:
        assert probe_reader(r2000.device_path) is DeviceKind.R2000
    with FakeBarcodeScanner([]) as silent:
        assert probe_reader(silent.device_path, timeout_s=0.1) is None


def test_manager_identifies_a_reader_on_a_free_port_and_names_busy_or_missing_ports(
    tmp_path: Path,
) -> None:
    events: list[object] = []
    manager = DeviceManager(events.append)
    try:
        with FakeR2000Reader([]) as r2000:
            assert manager.identify(r2000.device_path) is DeviceKind.R2000
        missing = str(tmp_path / "ttyNOPE")
        with pytest.raises(PortUnavailable) as caught:
            manager.identify(missing)
        assert caught.value.message == f"Port {missing} not found — is the device plugged in?"
        with FakeMercuryReader([]) as mercury:
            manager.configure(
                [
                    DeviceConfig(
                        name="Dock reader", kind=DeviceKind.MERCURY, port=mercury.device_path
                    )
                ]
            )
            with pytest.raises(PortUnavailable) as busy:
                manager.identify(mercury.device_path)
            assert "is in use by the device 'Dock reader'" in busy.value.message
            manager.configure([])
    finally:
        manager.close()
