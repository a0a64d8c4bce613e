"""Sending ZPL to Zebra label printers: raw TCP (port 9100) or a serial port.

Synchronous and time-boxed. Raises :class:`DeviceDisconnected` when the printer cannot be
reached or drops the connection, :class:`DeviceTimeout` when it stops accepting data.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import serial

from drivers.errors import DeviceDisconnected, DeviceTimeout

ZPL_TCP_PORT = 9100


def parse_printer_url(url: str) -> tuple[str, str]:
    """``tcp://host[:port]`` → ("tcp", "host:port"); ``serial:<pyserial url>`` → ("serial",
    url). Raises ``ValueError`` for anything else."""
    if url.startswith("tcp://"):
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError(f"printer URL {url!r} has no host")
        return "tcp", f"{parts.hostname}:{parts.port or ZPL_TCP_PORT}"
    if url.startswith("serial:"):
        rest = url.removeprefix("serial:").removeprefix("//")
        if not rest:
            raise ValueError(f"printer URL {url!r} has no port")
        return "serial", rest
    raise ValueError(f"printer URL {url!r} must start with tcp:// or serial:")


def send_tcp(host: str, port: int, data: bytes, *, timeout_s: float = 5.0) -> None:
    """Connect, send every byte, close (the printer prints what it received). A printer that
    cannot be reached and one that drops the connection part-way (it rejected the data) are
    both :class:`DeviceDisconnected`, with different messages."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout_s)
    except TimeoutError as exc:
        raise DeviceTimeout(f"printer {host}:{port} did not answer in {timeout_s} s") from exc
    except OSError as exc:
        raise DeviceDisconnected(
            f"printer {host}:{port} unreachable: {exc.strerror or exc}"
        ) from exc
    with sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except TimeoutError as exc:
            raise DeviceTimeout(
                f"printer {host}:{port} stopped taking data for {timeout_s} s"
            ) from exc
        except OSError as exc:
            raise DeviceDisconnected(
                f"printer {host}:{port} closed the connection before taking the whole label "
                f"({exc.strerror or exc})"
            ) from exc


def send_serial(url: str, data: bytes, *, baud: int = 9600, timeout_s: float = 10.0) -> None:
    """Open the port, write every byte within the deadline, close."""
    try:
        port = serial.serial_for_url(url, baudrate=baud, write_timeout=timeout_s, timeout=1)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceDisconnected(f"printer port {url} cannot be opened: {exc}") from exc
    try:
        port.write(data)
        port.flush()
    except serial.SerialTimeoutException as exc:
        raise DeviceTimeout(f"printer port {url} stopped accepting data") from exc
    except (serial.SerialException, OSError) as exc:
        raise DeviceDisconnected(f"printer port {url} failed: {exc}") from exc
    finally:
        port.close()


def send(url: str, data: bytes, *, timeout_s: float = 5.0) -> None:
    """Send to a printer named by URL (see :func:`parse_printer_url`)."""
    kind, address = parse_printer_url(url)
    if kind == "tcp":
        host, _, port = address.rpartition(":")
        send_tcp(host, int(port), data, timeout_s=timeout_s)
    else:
        send_serial(address, data, timeout_s=timeout_s)
