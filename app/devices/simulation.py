"""Simulated devices for demo mode and ``itad-station simulate``: the fake devices of
``drivers.simulators`` on real pseudo-terminals, driven in slow loops so a newcomer sees scans and
tags arrive without hardware.

Thread contract: each running simulator owns one background thread; :meth:`close` stops it and
releases the pty. Safe to call ``close`` more than once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.domain.devices import DeviceConfig, DeviceKind, Terminator
from app.domain.errors import InvalidInput
from drivers.rfid_mercury import SimulatedTag
from drivers.simulators.barcode_scanner import FakeBarcodeScanner, scan_bytes
from drivers.simulators.rfid_readers import FakeMercuryReader, FakeR2000Reader, R2000SimTag

DEMO_SCANNER_NAME = "Demo scanner"
DEMO_READER_NAME = "Demo RFID reader"
DEMO_COMPANY_PREFIX = "0614141"
#: A tag from the next bench: always in the field but weaker than the RSSI gate, so it never
#: "arrives" (shows the gate working).
WEAK_RSSI_DBM = -78


def giai96_hex(company_prefix: str, asset_ref: int, *, filter_value: int = 0) -> str:
    """Encode a GIAI-96 EPC (numeric asset reference) as upper-case hex.

    Only the 7-digit company prefix partition (5) is needed by the demo.
    """
    if len(company_prefix) != 7 or not company_prefix.isdigit():
        raise ValueError("the demo encoder takes a 7-digit company prefix")
    if not 0 <= asset_ref < 1 << 58:
        raise ValueError("asset reference does not fit 58 bits")
    value = 0x34
    value = (value << 3) | filter_value
    value = (value << 3) | 5
    value = (value << 24) | int(company_prefix)
    value = (value << 58) | asset_ref
    return f"{value:024X}"


DEMO_EPCS = tuple(giai96_hex(DEMO_COMPANY_PREFIX, 4200 + i) for i in range(1, 7))
WEAK_EPC = giai96_hex(DEMO_COMPANY_PREFIX, 9999)


class _LoopThread:
    """Calls ``tick(n)`` every ``interval_s`` (the first after ``first_after_s``) until closed."""

    def __init__(
        self, name: str, tick: Callable[[int], None], interval_s: float, first_after_s: float
    ) -> None:
        self._tick = tick
        self._interval_s = interval_s
        self._first_after_s = first_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        n = 0
        wait_s = self._first_after_s
        while not self._stop.wait(wait_s):
            try:
                self._tick(n)
            except OSError:
                return  # the pty was unplugged or closed
            n += 1
            wait_s = self._interval_s

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)


class LoopingScanner:
    """A fake serial scanner that scans ``values`` in turn, one every ``interval_s``.

    With ``garbage``, every third scan is preceded by a burst of line noise.
    """

    def __init__(
        self,
        values: Sequence[str],
        *,
        interval_s: float,
        first_after_s: float = 0.2,
        aim_id: str = "]C0",
        garbage: bool = False,
    ) -> None:
        if not values:
            raise ValueError("a looping scanner needs at least one value")
        self._values = tuple(values)
        self._aim_id = aim_id
        self._garbage = garbage
        self._fake = FakeBarcodeScanner([])
        self._loop = _LoopThread("demo-scanner", self._scan, interval_s, first_after_s)

    @property
    def device_path(self) -> str:
        return self._fake.device_path

    def _scan(self, n: int) -> None:
        if self._garbage and n % 3 == 2:
            self._fake.send(os.urandom(12).replace(b"\r", b"").replace(b"\n", b"") + b"\r\n")
        self._fake.send(scan_bytes(self._values[n % len(self._values)], aim_id=self._aim_id))

    def close(self) -> None:
        self._loop.close()
        self._fake.close()


class RotatingTags:
    """Moves tags in and out of a fake reader's field: ``group_size`` tags at a time, next group
    every ``dwell_s`` (so each tag arrives, is confirmed, and departs)."""

    def __init__(
        self,
        set_tags: Callable[[int], None],
        *,
        dwell_s: float,
    ) -> None:
        self._loop = _LoopThread("demo-tag-rotation", set_tags, dwell_s, 0.0)

    def close(self) -> None:
        self._loop.close()


@dataclass
class SimulatedDevices:
    """Running simulators and the device configs that point at them."""

    configs: tuple[DeviceConfig, ...]
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()


def _mercury_with_rotation(
    epcs: Sequence[str], *, dwell_s: float, garbage: bool
) -> tuple[FakeMercuryReader, Callable[[], None]]:
    reader = FakeMercuryReader([], period_s=0.2)
    weak = SimulatedTag(bytes.fromhex(WEAK_EPC), rssi_dbm=WEAK_RSSI_DBM, antenna=2)

    def rotate(n: int) -> None:
        group = [
            SimulatedTag(bytes.fromhex(epcs[(n + k) % len(epcs)]), rssi_dbm=-52 - 3 * k)
            for k in range(min(2, len(epcs)))
        ]
        reader.set_tags([*group, weak])
        if garbage:
            reader.inject(os.urandom(9) + bytes.fromhex("FF0122000000"))  # noise + bad CRC

    rotation = RotatingTags(rotate, dwell_s=dwell_s)

    def close() -> None:
        rotation.close()
        reader.close()

    return reader, close


def _r2000_with_rotation(
    epcs: Sequence[str], *, dwell_s: float, garbage: bool
) -> tuple[FakeR2000Reader, Callable[[], None]]:
    reader = FakeR2000Reader([])

    def rotate(n: int) -> None:
        reader.set_tags(
            [
                R2000SimTag(bytes.fromhex(epcs[(n + k) % len(epcs)]), antenna=1 + k)
                for k in range(min(2, len(epcs)))
            ]
        )
        if garbage:
            reader.inject(os.urandom(9) + bytes.fromhex("A004FF890000"))  # noise + bad checksum

    rotation = RotatingTags(rotate, dwell_s=dwell_s)

    def close() -> None:
        rotation.close()
        reader.close()

    return reader, close


def start_simulator(
    kind: DeviceKind,
    *,
    values: Sequence[str] = (),
    interval_s: float = 2.0,
    garbage: bool = False,
    name: str = "",
) -> SimulatedDevices:
    """Start one simulated device of ``kind`` on a fresh pty; return it with its config.

    ``values``: scan values for a scanner, EPC hex strings for a reader (default: demo EPCs).
    ``interval_s``: time between scans, or how long each group of tags stays in the field.
    """
    devices = SimulatedDevices(configs=())
    if kind is DeviceKind.BARCODE:
        scanner = LoopingScanner(values or ("DEMO-0001",), interval_s=interval_s, garbage=garbage)
        devices._closers.append(scanner.close)
        config = DeviceConfig(
            name=name or DEMO_SCANNER_NAME,
            kind=kind,
            port=scanner.device_path,
            baud=9600,
            terminator=Terminator.ANY_NEWLINE,
        )
    else:
        epcs = tuple(values) or DEMO_EPCS
        start = _mercury_with_rotation if kind is DeviceKind.MERCURY else _r2000_with_rotation
        reader, close = start(epcs, dwell_s=interval_s, garbage=garbage)
        devices._closers.append(close)
        config = DeviceConfig(
            name=name or DEMO_READER_NAME,
            kind=kind,
            port=reader.device_path,
            baud=115200,
            rssi_min_dbm=-65,
        )
    devices.configs = (config,)
    return devices


def start_demo_devices(scan_values: Sequence[str], *, scan_interval_s: float) -> SimulatedDevices:
    """Demo mode: a serial scanner scanning ``scan_values`` in a slow loop, and a Mercury reader
    with demo asset tags wandering through its field."""
    scanner = start_simulator(DeviceKind.BARCODE, values=scan_values, interval_s=scan_interval_s)
    try:
        reader = start_simulator(DeviceKind.MERCURY, interval_s=max(4.0, 2 * scan_interval_s))
    except BaseException:
        scanner.close()
        raise
    return SimulatedDevices(
        configs=scanner.configs + reader.configs, _closers=[scanner.close, reader.close]
    )


def read_script(path: Path, kind: DeviceKind) -> list[str]:
    """Read a simulator script: one scan value (scanner) or EPC in hex (reader) per line;
    blank lines and lines starting with ``#`` are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(field=f"Script {path}", problem="cannot be read") from exc
    values: list[str] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if kind.is_rfid:
            epc = text.replace(" ", "").upper()
            if len(epc) % 4 or not all(c in "0123456789ABCDEF" for c in epc):
                raise InvalidInput(
                    field=f"Script {path} line {number}",
                    problem=f"{text!r} is not an EPC in hex (a whole number of 16-bit words)",
                )
            values.append(epc)
        else:
            values.append(text)
    if not values:
        raise InvalidInput(field=f"Script {path}", problem="has no scans or EPCs")
    return values
