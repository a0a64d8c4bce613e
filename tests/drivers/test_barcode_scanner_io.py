"""BarcodeScanner over real ports: a pty driven by the fake scanner, loop:// and socket://."""

import socket
import threading
from collections.abc import Iterator

import pytest

from drivers.aim import Symbology
from drivers.barcode import BarcodeConfig, BarcodeScanner
from drivers.errors import DeviceDisconnected, DeviceTimeout, ProtocolError
from drivers.simulators.barcode_scanner import (
    FakeBarcodeScanner,
    Pause,
    ScriptStep,
    Send,
    Unplug,
    scan_bytes,
    start_fake_scanner,
)
from drivers.transport import SerialSettings, open_port

SETTINGS = SerialSettings(baudrate=115200, read_timeout_s=0.01)
TIMEOUT_S = 3.0  # generous upper bound; every test normally finishes in milliseconds


@pytest.fixture
def run_script() -> Iterator:
    opened: list[tuple[FakeBarcodeScanner, object]] = []

    def run(script: list[ScriptStep], config: BarcodeConfig | None = None) -> BarcodeScanner:
        fake = start_fake_scanner(script)
        port = open_port(fake.device_path, SETTINGS)
        opened.append((fake, port))
        fake.start()  # only now: opening a tty flushes bytes written before
        return BarcodeScanner(port, config or BarcodeConfig(), source=fake.device_path)

    yield run
    for fake, port in opened:
        port.close()  # type: ignore[attr-defined]
        fake.close()


def test_pty_round_trip_of_plain_and_gs1_scans(run_script) -> None:
    scanner = run_script(
        [
            Send(scan_bytes("ABC-123", aim_id="]C0")),
            Send(scan_bytes("0180614141123458216789\x1d10LOT42", aim_id="]d2", suffix=b"\r")),
            Send(scan_bytes("SN-1", suffix=b"\n") + scan_bytes("SN-2")),
        ]
    )
    first = scanner.read_scan(TIMEOUT_S)
    assert (first.value, first.symbology, first.aim_id) == ("ABC-123", Symbology.CODE128, "]C0")
    second = scanner.read_scan(TIMEOUT_S)
    assert second.gs1_dict() == {"01": "80614141123458", "21": "6789", "10": "LOT42"}
    assert [scanner.read_scan(TIMEOUT_S).value for _ in range(2)] == ["SN-1", "SN-2"]


def test_pty_scan_without_suffix_is_framed_by_silence(run_script) -> None:
    scanner = run_script(
        [Send(scan_bytes("NOSUFFIX", suffix=b"")), Pause(0.2), Send(b"NEXT\r\n")],
        BarcodeConfig(inter_char_timeout_s=0.05),
    )
    assert scanner.read_scan(TIMEOUT_S).value == "NOSUFFIX"
    assert scanner.read_scan(TIMEOUT_S).value == "NEXT"


def test_pty_garbage_raises_then_the_next_scan_is_read(run_script) -> None:
    config = BarcodeConfig(prefix=b"\x02", suffix=b"\x03")
    scanner = run_script(
        [
            Send(b"\xff\x00noise\x03"),
            Send(scan_bytes("GOOD", prefix=b"\x02", aim_id="]C0", suffix=b"\x03")),
        ],
        config,
    )
    with pytest.raises(ProtocolError, match=r"prefix 02: byte 0xFF at offset 0"):
        scanner.read_scan(TIMEOUT_S)
    assert scanner.read_scan(TIMEOUT_S).value == "GOOD"


def test_pty_partial_frame_is_a_protocol_error_when_suffix_required(run_script) -> None:
    scanner = run_script(
        [Send(b"]C0HALF"), Pause(0.2), Send(scan_bytes("WHOLE", aim_id="]C0"))],
        BarcodeConfig(require_suffix=True, inter_char_timeout_s=0.05),
    )
    with pytest.raises(ProtocolError, match="partial frame: 7 bytes ended by silence"):
        scanner.read_scan(TIMEOUT_S)
    assert scanner.read_scan(TIMEOUT_S).value == "WHOLE"


def test_pty_unplug_after_a_scan_raises_device_disconnected() -> None:
    fake = start_fake_scanner([])
    port = open_port(fake.device_path, SETTINGS)
    try:
        scanner = BarcodeScanner(port, BarcodeConfig())
        fake.send(scan_bytes("LAST"))
        assert scanner.read_scan(TIMEOUT_S).value == "LAST"
        fake.send(b"PARTIAL")
        fake.unplug()
        with pytest.raises(DeviceDisconnected, match="failed"):
            scanner.read_scan(TIMEOUT_S)
    finally:
        port.close()
        fake.close()


def test_pty_scripted_unplug_mid_frame_raises_device_disconnected(run_script) -> None:
    # Unread bytes die with the device, as after a real unplug.
    scanner = run_script([Send(b"]C0PART"), Unplug()], BarcodeConfig(inter_char_timeout_s=None))
    with pytest.raises(DeviceDisconnected, match=r"Input/output error|disconnected"):
        scanner.read_scan(TIMEOUT_S)


def test_pty_timeout_raises_and_keeps_the_partial_frame(run_script) -> None:
    scanner = run_script([Send(b"HALF")], BarcodeConfig(inter_char_timeout_s=None))
    with pytest.raises(DeviceTimeout, match="4 bytes of a partial frame buffered"):
        scanner.read_scan(0.2)


def test_pty_port_is_opened_exclusively() -> None:
    with start_fake_scanner([]) as fake:
        port = open_port(fake.device_path, SETTINGS)
        try:
            with pytest.raises(DeviceDisconnected, match="could not open port"):
                open_port(fake.device_path, SETTINGS)
        finally:
            port.close()


class SteppingClock:
    """A monotonic clock that advances a fixed step on every reading."""

    def __init__(self, step_s: float) -> None:
        self.now = 0.0
        self.step_s = step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


def test_loop_port_deadline_uses_the_injected_clock() -> None:
    port = open_port("loop://", SerialSettings(read_timeout_s=0.001))
    try:
        clock = SteppingClock(0.1)
        scanner = BarcodeScanner(port, BarcodeConfig(), clock=clock)
        with pytest.raises(DeviceTimeout, match=r"no barcode frame within 5\.000 s"):
            scanner.read_scan(5.0)
        assert clock.now >= 5.0
    finally:
        port.close()


def test_loop_port_silence_framing_uses_the_injected_clock() -> None:
    port = open_port("loop://", SerialSettings(read_timeout_s=0.001))
    try:
        port.write(b"]A0CODE39")
        scanner = BarcodeScanner(
            port, BarcodeConfig(inter_char_timeout_s=0.5), clock=SteppingClock(0.2)
        )
        scan = scanner.read_scan(5.0)
        assert (scan.value, scan.symbology) == ("CODE39", Symbology.CODE39)
    finally:
        port.close()


def test_socket_fake_device() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    host, port_number = server.getsockname()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            # pyserial drains the socket when it opens it, so the fake answers a trigger
            # instead of sending at once.
            conn.recv(1)
            conn.sendall(scan_bytes("]E04006381333931", suffix=b"\r\n"))
            conn.recv(1)  # hold the connection until the client closes

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = open_port(f"socket://{host}:{port_number}", SETTINGS)
    try:
        port.write(b"T")
        scan = BarcodeScanner(port, BarcodeConfig()).read_scan(TIMEOUT_S)
        assert (scan.value, scan.symbology, scan.gs1) == ("4006381333931", Symbology.EAN13, ())
    finally:
        port.close()
        thread.join(TIMEOUT_S)
        server.close()


class _SteppingClock:
    """Monotonic seconds that move ``step_s`` on every reading (and by hand)."""

    def __init__(self, step_s: float) -> None:
        self.now = 100.0
        self._step_s = step_s

    def __call__(self) -> float:
        self.now += self._step_s
        return self.now


def test_a_late_reader_does_not_split_a_frame_by_silence() -> None:
    """The port worker can be starved (a large import holds the GIL, a garbage collection
    runs) for longer than the inter-character timeout while the rest of a scan already waits
    in the OS buffer: that is not silence on the line, and the scan must stay whole."""
    # An injected clock (a few ms per look) instead of sleeping: the test cannot be made
    # flaky by a loaded machine, and the lateness is exact.
    clock = _SteppingClock(step_s=0.005)
    port = open_port("loop://", SerialSettings(read_timeout_s=0.001))
    try:
        scanner = BarcodeScanner(port, BarcodeConfig(inter_char_timeout_s=0.05), clock=clock)
        port.write(b"]C0SN-12")
        with pytest.raises(DeviceTimeout, match="8 bytes of a partial frame"):
            scanner.read_scan(0.02)  # the first half is read and buffered
        port.write(b"3456\r\n")
        clock.now += 0.2  # the reader is late: four times the inter-character timeout
        assert scanner.read_scan(TIMEOUT_S).value == "SN-123456"
    finally:
        port.close()


def test_real_silence_with_nothing_waiting_still_ends_a_frame() -> None:
    port = open_port("loop://", SerialSettings(read_timeout_s=0.001))
    try:
        scanner = BarcodeScanner(port, BarcodeConfig(inter_char_timeout_s=0.05))
        port.write(b"]C0NO-SUFFIX")
        assert scanner.read_scan(TIMEOUT_S).value == "NO-SUFFIX"
    finally:
        port.close()
