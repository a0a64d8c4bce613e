"""Port workers over real ptys: reconnect after an unplug, clear messages, RFID presence."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import serial

from app.devices.port_worker import Backoff, describe_open_failure
from app.domain.devices import (
    DeviceConfig,
    DeviceKind,
    DeviceScan,
    DeviceState,
    DeviceTagEvent,
    PortCandidate,
    TagEventKind,
)
from drivers.errors import DeviceDisconnected
from drivers.rfid_mercury import SimulatedTag
from drivers.simulators.barcode_scanner import FakeBarcodeScanner, scan_bytes
from drivers.simulators.rfid_readers import FakeMercuryReader, FakeR2000Reader, R2000SimTag
from drivers.transport import SerialSettings, open_port
from tests.devices.conftest import replug_link

EPC_A = "3414257BF400000000001069"
EPC_B = "3414257BF40000000000106A"
EPC_WEAK = "3414257BF40000000000270F"
DEADLINE_FOR_STOP_S = 2.0


def _scanner(name: str, port: str) -> DeviceConfig:
    return DeviceConfig(name=name, kind=DeviceKind.BARCODE, port=port)


def test_scanner_unplugged_mid_frame_comes_back_by_itself_without_the_partial_scan(
    tmp_path: Path, run_worker, event_log
) -> None:
    link = tmp_path / "usb-Honeywell_1900-if00"
    first = FakeBarcodeScanner([])
    second = None
    try:
        replug_link(link, first.device_path)
        run_worker(_scanner("Bench scanner", str(link)))
        event_log.wait_state(DeviceState.CONNECTED)
        first.send(scan_bytes("BEFORE-UNPLUG"))
        event_log.wait_for(lambda e: isinstance(e, DeviceScan))

        first.send(b"PARTIAL-FRA")  # no terminator: the cable is pulled mid-frame
        first.unplug()
        down = event_log.wait_state(DeviceState.DISCONNECTED)
        assert str(link) in down.message
        assert "disconnected" in down.message

        first.close()
        second = FakeBarcodeScanner([])
        replug_link(link, second.device_path)  # plugged back (maybe as another pts)
        up = event_log.wait_state(DeviceState.CONNECTED)
        assert up.port == str(link)
        second.send(scan_bytes("AFTER-REPLUG"))
        event_log.wait_for(lambda e: isinstance(e, DeviceScan) and e.value == "AFTER-REPLUG")
        assert event_log.scans() == ["BEFORE-UNPLUG", "AFTER-REPLUG"]
    finally:
        first.close()
        if second is not None:
            second.close()


def test_a_port_that_does_not_exist_is_named_in_a_clear_message(
    tmp_path: Path, run_worker, event_log
) -> None:
    missing = tmp_path / "ttyUSB9"
    run_worker(_scanner("Dock scanner", str(missing)))
    status = event_log.wait_state(DeviceState.DISCONNECTED, DeviceState.ERROR)
    assert status.state is DeviceState.DISCONNECTED
    assert status.message.startswith(f"Port {missing} not found — is the device plugged in?")
    assert "Retrying in" in status.message
    assert status.retry_in_s is not None


def test_a_busy_port_is_named_in_a_clear_message(run_worker, event_log) -> None:
    with FakeBarcodeScanner([]) as fake:
        holder = open_port(fake.device_path, SerialSettings(exclusive=True))
        try:
            run_worker(_scanner("Busy scanner", fake.device_path))
            status = event_log.wait_state(DeviceState.DISCONNECTED, DeviceState.ERROR)
        finally:
            holder.close()
        assert status.state is DeviceState.ERROR
        assert status.message.startswith(f"Port {fake.device_path} is busy")
        # Once the other program lets go, the scanner connects by itself.
        event_log.wait_state(DeviceState.CONNECTED)


def test_stop_ends_a_long_back_off_at_once(tmp_path: Path, run_worker, event_log) -> None:
    worker = run_worker(
        _scanner("Gone", str(tmp_path / "nothing")), backoff=Backoff(initial_s=60, cap_s=60)
    )
    event_log.wait_state(DeviceState.DISCONNECTED)
    assert worker.stop(timeout_s=DEADLINE_FOR_STOP_S)
    event_log.wait_state(DeviceState.STOPPED)


def test_a_replugged_usb_device_is_found_again_by_vid_pid_and_serial(
    tmp_path: Path, run_worker, event_log
) -> None:
    with FakeBarcodeScanner([]) as fake:
        candidates = [
            PortCandidate(path="/dev/ttyACM7", device="/dev/ttyACM7", description="other", vid=1),
            PortCandidate(
                path=fake.device_path,
                device=fake.device_path,
                description="Xenon 1900",
                vid=0x0C2E,
                pid=0x0B61,
                serial_number="19123456",
            ),
        ]
        config = DeviceConfig(
            name="Moved scanner",
            kind=DeviceKind.BARCODE,
            port=str(tmp_path / "old-name"),
            usb_vid=0x0C2E,
            usb_pid=0x0B61,
            usb_serial="19123456",
        )
        run_worker(config, enumerate_ports=lambda: candidates)
        status = event_log.wait_state(DeviceState.CONNECTED)
        assert status.port == fake.device_path


def test_handshake_without_answer_is_an_error_naming_kind_and_port(run_worker, event_log) -> None:
    with FakeBarcodeScanner([]) as silent:
        config = DeviceConfig(
            name="Wrong kind", kind=DeviceKind.MERCURY, port=silent.device_path, baud=115200
        )
        run_worker(config)
        status = event_log.wait_state(DeviceState.ERROR)
        assert status.message.startswith(f"The Mercury reader on {silent.device_path} did not")
        assert "baud rate (115200)" in status.message


def test_mercury_reader_reports_each_tag_once_and_gates_weak_reads(run_worker, event_log) -> None:
    tags = [
        SimulatedTag(bytes.fromhex(EPC_A), rssi_dbm=-50),
        SimulatedTag(bytes.fromhex(EPC_B), rssi_dbm=-58, antenna=2),
        SimulatedTag(bytes.fromhex(EPC_WEAK), rssi_dbm=-80),
    ]
    with FakeMercuryReader(tags, period_s=0.01) as reader:
        config = DeviceConfig(
            name="Dock reader", kind=DeviceKind.MERCURY, port=reader.device_path, baud=115200
        )
        run_worker(config)
        assert event_log.wait_state(DeviceState.READING).message.startswith(
            f"Ready on {reader.device_path} (firmware "
        )
        for epc in (EPC_A, EPC_B):
            event_log.wait_for(
                lambda e, epc=epc: (
                    isinstance(e, DeviceTagEvent)
                    and e.epc_hex == epc
                    and e.kind is TagEventKind.CONFIRMED
                )
            )
    tag_events = [e for e in event_log.seen if isinstance(e, DeviceTagEvent)]
    arrived = [e for e in tag_events if e.kind is TagEventKind.ARRIVED]
    assert sorted(e.epc_hex for e in arrived) == [EPC_A, EPC_B]
    first = next(e for e in arrived if e.epc_hex == EPC_A)
    assert (first.epc_uri, first.rssi_dbm, first.antenna) == (
        "urn:epc:id:giai:0614141.4201",
        -50,
        1,
    )
    assert all(e.epc_hex != EPC_WEAK for e in tag_events)


def test_r2000_reader_reports_arrivals_and_departures(run_worker, event_log) -> None:
    with FakeR2000Reader([R2000SimTag(bytes.fromhex(EPC_A), rssi_raw=0x50)]) as reader:
        config = DeviceConfig(
            name="Tunnel", kind=DeviceKind.R2000, port=reader.device_path, baud=115200
        )
        run_worker(config)
        event_log.wait_state(DeviceState.READING)
        arrived = event_log.wait_for(
            lambda e: isinstance(e, DeviceTagEvent) and e.kind is TagEventKind.ARRIVED
        )
        assert (arrived.epc_hex, arrived.rssi_dbm) == (EPC_A, 0x50 - 129)


def test_backoff_doubles_up_to_the_cap() -> None:
    backoff = Backoff(initial_s=0.25, factor=2, cap_s=5)
    assert [backoff.delay(n) for n in range(1, 8)] == [0.25, 0.5, 1, 2, 4, 5, 5]


@pytest.mark.parametrize(
    ("code", "state", "start"),
    [
        (errno.ENOENT, DeviceState.DISCONNECTED, "Port COM9 not found"),
        (errno.EACCES, DeviceState.ERROR, "No permission to open port COM9"),
        (errno.EBUSY, DeviceState.ERROR, "Port COM9 is busy"),
        (errno.EIO, DeviceState.ERROR, "Port COM9 could not be opened"),
    ],
)
def test_open_failures_become_sentences_without_library_text(code, state, start) -> None:
    try:
        try:
            raise serial.SerialException(code, "could not open port COM9: [Errno x] library text")
        except serial.SerialException as inner:
            raise DeviceDisconnected("could not open port 'COM9'") from inner
    except DeviceDisconnected as exc:
        got_state, message = describe_open_failure("COM9", exc)
    assert got_state is state
    assert message.startswith(start)
    assert "library text" not in message
