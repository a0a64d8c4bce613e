"""Device benchmarks through real pseudo-terminals: ``python -m tests.benchmarks.bench_devices``.

Prints one JSON line per figure on stdout (``{"name", "value", "unit", "baseline", "ratio"}``,
``ratio = value / baseline``); baselines and targets go to stderr. Targets (issue 3) are
reported, never asserted:

* RFID burst: a fake Mercury module in a separate process streams 1,000 tag-record frames/s for
  10 s over a pty, 200 unique EPCs (one new EPC every 50 ms, reads spread round-robin over the
  EPCs in the field). The station's real port worker (driver → presence pipeline → events) reads
  it. Every unique EPC must arrive exactly once; arrival delivery p99 (frame end → event at the
  worker's sink) under 5 ms; process CPU under 25 % of one core. Beside it: the 115,200-baud
  line-rate ceiling for the same frames (a pty has no baud rate, a real UART does), and the CPU
  of a bare pyserial read loop over the same stream (the floor).
* Barcode: frame end (the scanner's write of CR LF returns) → ``DeviceScan`` at the sink, p99
  under 2 ms, beside the time the same scan takes on the wire at the scanner's 9600 baud.

"Delivered" means handed to the sink on the port worker's thread: the GUI's queued signal hop is
not included (the Qt event loop is not running here).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import resource
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection

import serial

from app.devices.port_worker import PortWorker
from app.devices.simulation import giai96_hex
from app.domain.devices import (
    DeviceConfig,
    DeviceEvent,
    DeviceKind,
    DeviceScan,
    DeviceState,
    DeviceStatus,
    DeviceTagEvent,
    TagEventKind,
)
from drivers.rfid_mercury import SimulatedTag, encode_tag_record
from drivers.simulators.barcode_scanner import FakeBarcodeScanner, scan_bytes
from drivers.simulators.rfid_readers import FakeMercuryReader
from drivers.transport import SerialSettings, open_port
from tests.benchmarks.figure import Figure

LINE_BYTES_PER_S_115200 = 115200 / 10  # 8N1: 10 bits on the wire per byte


def _p99(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the fake reader process ------------------------------------------------------------


def _epcs(count: int) -> list[str]:
    return [giai96_hex("0614141", 100_000 + i) for i in range(count)]


class _BurstMercury(FakeMercuryReader):
    """Streams ``rate`` one-tag frames per second once reading starts (or on ``go``)."""

    def __init__(self, epcs: list[str], rate: int, duration_s: float) -> None:
        self._frames = [
            encode_tag_record([SimulatedTag(bytes.fromhex(e), rssi_dbm=-50)]) for e in epcs
        ]
        self._epc_list = epcs
        self._rate = rate
        self._duration_s = duration_s
        self._introduce_every_s = duration_s / len(epcs)
        self._t0: float | None = None
        self._sent = 0
        self._introduced = 0
        self.first_write: dict[str, float] = {}
        self.finished = threading.Event()
        super().__init__([], period_s=1.0, keepalive_every=0)

    def go(self) -> None:
        self._streaming = True

    def _on_tick(self, now: float) -> None:
        if not self._streaming or self.finished.is_set():
            return
        if self._t0 is None:
            self._t0 = now
        elapsed = now - self._t0
        if elapsed >= self._duration_s:
            self.finished.set()
            return
        due = int(elapsed * self._rate) + 1
        while self._sent < due:
            frame_time = self._sent / self._rate
            present = min(len(self._frames), int(frame_time / self._introduce_every_s) + 1)
            if present > self._introduced:
                index = self._introduced  # a new tag enters the field: its first read now
                self._introduced += 1
            else:
                index = self._sent % present
            self._send(self._frames[index])
            self.first_write.setdefault(self._epc_list[index], time.monotonic())
            self._sent += 1


def _reader_process(conn: Connection, count: int, rate: int, duration_s: float, raw: bool) -> None:
    reader = _BurstMercury(_epcs(count), rate, duration_s)
    conn.send(reader.device_path)
    if raw:
        conn.recv()  # the bare reader has opened the port
        reader.go()
    reader.finished.wait(duration_s + 30)
    conn.send({"first_write": reader.first_write, "frames": reader._sent})
    conn.recv()  # the reader side is done: now the pty may go
    reader.close()


class _CountingPort:
    """Wraps a pyserial port and counts the bytes read (to count frames without a hook)."""

    def __init__(self, port: serial.SerialBase) -> None:
        self._port = port
        self.bytes_read = 0

    @property
    def in_waiting(self) -> int:
        return self._port.in_waiting

    def read(self, size: int = 1) -> bytes:
        data = self._port.read(size)
        self.bytes_read += len(data)
        return data

    def write(self, data: bytes) -> int | None:
        return self._port.write(data)

    def close(self) -> None:
        self._port.close()


def rfid_burst(count: int, rate: int, duration_s: float) -> list[Figure]:
    ctx = multiprocessing.get_context("spawn")
    frame_bytes = len(encode_tag_record([SimulatedTag(bytes.fromhex(_epcs(1)[0]))]))
    ceiling = LINE_BYTES_PER_S_115200 / frame_bytes

    # The floor: a bare pyserial read loop over the same stream.
    raw_cpu_pct = _raw_reader_cpu(ctx, count, rate, min(duration_s, 3.0))

    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_reader_process, args=(child, count, rate, duration_s, False))
    proc.start()
    path = parent.recv()
    arrivals: dict[str, list[float]] = {}
    ready = threading.Event()
    ports: list[_CountingPort] = []

    def sink(event: DeviceEvent) -> None:
        if isinstance(event, DeviceTagEvent) and event.kind is TagEventKind.ARRIVED:
            arrivals.setdefault(event.epc_hex, []).append(time.monotonic())
        elif isinstance(event, DeviceStatus) and event.state is DeviceState.READING:
            ready.set()

    def opener(url: str, settings: SerialSettings) -> _CountingPort:
        port = _CountingPort(open_port(url, settings))
        ports.append(port)
        return port

    config = DeviceConfig(name="bench", kind=DeviceKind.MERCURY, port=path, baud=115200)
    worker = PortWorker(config, sink, opener=opener)  # type: ignore[arg-type]
    cpu0, wall0 = _cpu_s(), time.monotonic()
    worker.start()
    if not ready.wait(10):
        raise RuntimeError("the benchmark reader never became ready")
    result = parent.recv()  # the fake has streamed for duration_s
    time.sleep(0.1)  # the last frames in flight
    cpu1, wall1 = _cpu_s(), time.monotonic()
    worker.stop()
    parent.send("done")
    proc.join(10)

    first_write: dict[str, float] = result["first_write"]
    latencies_ms = [
        (arrivals[epc][0] - first_write[epc]) * 1000 for epc in first_write if epc in arrivals
    ]
    twice = sum(1 for times in arrivals.values() if len(times) > 1)
    delivered_once = sum(1 for epc in first_write if len(arrivals.get(epc, [])) == 1)
    reads_processed = ports[0].bytes_read / frame_bytes
    wall = wall1 - wall0
    cpu_pct = (cpu1 - cpu0) / wall * 100
    print(
        f"rfid burst: {result['frames']} frames written, {reads_processed:.0f} read, "
        f"{len(arrivals)} EPCs arrived ({twice} more than once) of {count}; "
        f"arrival latency max {max(latencies_ms):.2f} ms; frame {frame_bytes} bytes",
        file=sys.stderr,
    )
    return [
        Figure(
            "rfid_burst_reads_per_s",
            reads_processed / duration_s,
            "reads/s",
            ceiling,
            f"115200-baud line-rate ceiling for {frame_bytes}-byte frames",
        ),
        Figure(
            "rfid_line_rate_ceiling_115200",
            ceiling,
            "reads/s",
            rate,
            "the offered burst rate (a real 115200 UART caps the reader below it)",
        ),
        Figure(
            "rfid_unique_epcs_delivered_exactly_once",
            delivered_once,
            "EPCs",
            count,
            "unique EPCs in the burst",
        ),
        Figure(
            "rfid_arrival_delivery_p99",
            _p99(latencies_ms),
            "ms",
            frame_bytes / LINE_BYTES_PER_S_115200 * 1000,
            "time one frame takes on a 115200-baud line",
        ),
        Figure(
            "rfid_burst_process_cpu",
            cpu_pct,
            "% of one core",
            raw_cpu_pct,
            "bare pyserial read loop over the same stream",
        ),
    ]


def _raw_reader_cpu(ctx, count: int, rate: int, duration_s: float) -> float:
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_reader_process, args=(child, count, rate, duration_s, True))
    proc.start()
    path = parent.recv()
    port = open_port(path, SerialSettings(baudrate=115200, read_timeout_s=0.02))
    done = threading.Event()
    total = [0]

    def drain() -> None:
        while not done.is_set():
            total[0] += len(port.read(max(1, port.in_waiting)))

    thread = threading.Thread(target=drain)
    cpu0, wall0 = _cpu_s(), time.monotonic()
    thread.start()
    parent.send("go")
    parent.recv()
    cpu1, wall1 = _cpu_s(), time.monotonic()
    done.set()
    thread.join()
    port.close()
    parent.send("done")
    proc.join(10)
    return (cpu1 - cpu0) / (wall1 - wall0) * 100


# ---- barcode ------------------------------------------------------------------------------


def barcode_latency(scans: int, interval_s: float) -> list[Figure]:
    delivered: queue.Queue[tuple[str, float]] = queue.Queue()
    ready = threading.Event()

    def sink(event: DeviceEvent) -> None:
        if isinstance(event, DeviceScan):
            delivered.put((event.value, time.monotonic()))
        elif isinstance(event, DeviceStatus) and event.state is DeviceState.CONNECTED:
            ready.set()

    values = [f"BC-{n:06d}" for n in range(scans)]
    with FakeBarcodeScanner([]) as fake:
        config = DeviceConfig(name="bench scanner", kind=DeviceKind.BARCODE, port=fake.device_path)
        worker = PortWorker(config, sink)
        worker.start()
        if not ready.wait(10):
            raise RuntimeError("the benchmark scanner never connected")
        written = _write_scans(fake, values, interval_s)
        got = {}
        deadline = time.monotonic() + 10
        while len(got) < scans and time.monotonic() < deadline:
            value, at = delivered.get(timeout=10)
            got[value] = at
        worker.stop()
    station_ms = [(got[v] - written[v]) * 1000 for v in values if v in got]
    frame_bytes = len(scan_bytes(values[0], aim_id="]C0"))
    wire_ms = frame_bytes * 10 / config.baud * 1000
    print(
        f"barcode: {len(station_ms)}/{scans} scans delivered, max {max(station_ms):.2f} ms; "
        f"frame {frame_bytes} bytes",
        file=sys.stderr,
    )
    return [
        Figure(
            "barcode_frame_end_to_scan_p99",
            _p99(station_ms),
            "ms",
            wire_ms,
            f"time the {frame_bytes}-byte scan takes on a {config.baud}-baud line",
        )
    ]


def _write_scans(
    fake: FakeBarcodeScanner, values: list[str], interval_s: float
) -> dict[str, float]:
    written: dict[str, float] = {}
    next_at = time.monotonic()
    for value in values:
        next_at += interval_s
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        fake.send(scan_bytes(value, aim_id="]C0"))
        written[value] = time.monotonic()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_devices")
    parser.add_argument("--epcs", type=int, default=200, help="unique EPCs (200)")
    parser.add_argument("--rate", type=int, default=1000, help="tag reads per second (1000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="burst length (10)")
    parser.add_argument("--scans", type=int, default=2000, help="barcode scans (2000)")
    args = parser.parse_args(argv)
    targets = {
        "rfid_arrival_delivery_p99": ("<", 5.0),
        "rfid_burst_process_cpu": ("<", 25.0),
        "rfid_unique_epcs_delivered_exactly_once": ("==", float(args.epcs)),
        "barcode_frame_end_to_scan_p99": ("<", 2.0),
    }
    figures = rfid_burst(args.epcs, args.rate, args.seconds) + barcode_latency(args.scans, 0.005)
    for figure in figures:
        figure.print()
        if figure.name in targets:
            op, goal = targets[figure.name]
            met = figure.value < goal if op == "<" else figure.value == goal
            verdict = "met" if met else "MISSED"
            print(
                f"target {verdict}: {figure.name} {op} {goal} (got {figure.value:.3f})",
                file=sys.stderr,
            )
    print(f"pid {os.getpid()} done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
