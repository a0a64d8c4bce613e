"""The print queue and the ZPL driver against a real TCP socket on 127.0.0.1 acting as the
printer: bytes arrive intact and in order; a printer that is down keeps the job queued with the
error, and it prints once the printer is back."""

from __future__ import annotations

import os
import socket
import struct
import threading

import pytest

from app.devices.printer import PrintQueue
from app.domain.printing import JobState
from drivers import zpl
from drivers.errors import DeviceDisconnected


class RawPrinter:
    """A listening socket started by the test: accepts, reads to EOF, keeps the bytes."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(4096):
                    data += chunk
            with self.arrived:
                self.jobs.append(data)
                self.arrived.notify_all()

    def wait(self, count: int) -> list[bytes]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.jobs) >= count, timeout=10)
            return list(self.jobs)

    def close(self) -> None:
        self.server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_zpl_reaches_the_printer_in_order():
    printer = RawPrinter()
    queue = PrintQueue(retry_interval_s=30)
    try:
        big = b"^XA" + b"^FO10,10^FDX^FS" * 20_000 + b"^XZ"
        for data in (b"^XA^FDone^FS^XZ", big, b"^XA^FDthree^FS^XZ"):
            queue.submit(f"tcp://127.0.0.1:{printer.port}", data, "label")
        assert queue.wait_idle(10)
        assert printer.wait(3) == [b"^XA^FDone^FS^XZ", big, b"^XA^FDthree^FS^XZ"]
    finally:
        queue.close()
        printer.close()


def test_printer_down_then_back():
    port = free_port()
    delivered: list[str] = []
    queue = PrintQueue(retry_interval_s=30)
    try:
        job = queue.submit(
            f"tcp://127.0.0.1:{port}", b"^XA^XZ", "label", lambda: delivered.append("ok")
        )
        with queue._cond:  # wait for the first failed attempt to be recorded
            queue._cond.wait_for(lambda: queue._pending[0].status.attempts >= 1, timeout=10)
        status = queue.jobs()[0]
        assert status.job_id == job and status.state is JobState.RETRYING
        assert "unreachable" in status.error
        assert delivered == []
        printer_server = socket.create_server(("127.0.0.1", port))
        printer = RawPrinter.__new__(RawPrinter)
        printer.server, printer.port, printer.jobs = printer_server, port, []
        printer.arrived = threading.Condition()
        printer.thread = threading.Thread(target=printer._serve, daemon=True)
        printer.thread.start()
        queue.retry_now()
        assert queue.wait_idle(10)
        assert printer.wait(1) == [b"^XA^XZ"]
        assert queue.jobs()[0].state is JobState.PRINTED
        assert delivered == ["ok"]
        printer.close()
    finally:
        queue.close()


def test_driver_errors_and_urls():
    with pytest.raises(DeviceDisconnected):
        zpl.send_tcp("127.0.0.1", free_port(), b"^XA^XZ", timeout_s=2)
    assert zpl.parse_printer_url("tcp://zebra1") == ("tcp", "zebra1:9100")
    assert zpl.parse_printer_url("serial:///dev/ttyUSB0") == ("serial", "/dev/ttyUSB0")
    with pytest.raises(ValueError):
        zpl.parse_printer_url("lpt1")
    with pytest.raises(ValueError):
        PrintQueue.submit  # noqa: B018 - the queue validates URLs before queueing
        queue = PrintQueue()
        try:
            queue.submit("http://x", b"", "x")
        finally:
            queue.close()


def test_serial_printer_over_a_pty():
    main_fd, sub_fd = os.openpty()
    try:
        zpl.send_serial(os.ttyname(sub_fd), b"^XA^FDserial^FS^XZ", timeout_s=2)
        assert os.read(main_fd, 100) == b"^XA^FDserial^FS^XZ"
    finally:
        os.close(main_fd)
        os.close(sub_fd)


class RejectingPrinter:
    """A printer that takes the connection, reads a little, then resets it (RST): what a
    printer does when it rejects the data (buffer full, wrong language, error state)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.recv(1024)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self.server.close()


def test_a_printer_rejecting_the_data_keeps_the_job_with_the_reason():
    printer = RejectingPrinter()
    # 24 MB: more than the socket buffers of both ends hold, so the reset reaches the sender.
    label = b"^XA" + b"^FO10,10^FDrejected^FS" * 1_100_000 + b"^XZ"
    with pytest.raises(DeviceDisconnected, match="closed the connection before taking the whole"):
        zpl.send_tcp("127.0.0.1", printer.port, label, timeout_s=5)
    delivered: list[str] = []
    queue = PrintQueue(retry_interval_s=30)
    try:
        job = queue.submit(
            f"tcp://127.0.0.1:{printer.port}", label, "label", lambda: delivered.append("x")
        )
        with queue._cond:  # the first failed attempt is recorded
            queue._cond.wait_for(lambda: queue._pending[0].status.attempts >= 1, timeout=10)
        status = queue.jobs()[0]
        assert status.job_id == job and status.state is JobState.RETRYING
        assert "did not take the label" in status.error
        assert "closed the connection before taking the whole label" in status.error
        assert delivered == []  # no label.printed for a rejected label
    finally:
        queue.close()
        printer.close()
