"""Opening serial ports by URL.

Every driver talks to a pyserial port object; this module is the one place that creates one. A
port is named by a pyserial URL, so real hardware (``COM3``, ``/dev/ttyACM0``), a TCP fake device
(``socket://127.0.0.1:5000``), an in-process loopback (``loop://``) and a traffic logger
(``spy:///dev/ttyUSB0``) are interchangeable without changing driver code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import serial

from drivers.errors import DeviceDisconnected

Parity = Literal["N", "E", "O", "M", "S"]
StopBits = Literal[1, 1.5, 2]
ByteSize = Literal[5, 6, 7, 8]


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """Line settings for one port.

    ``read_timeout_s`` is the pyserial poll slice: drivers read in slices this long and check
    their own deadlines in between, so it bounds how late a deadline can be noticed. It is not a
    protocol timeout. Ports ignore settings that make no sense for them (a pty or a TCP socket has
    no baud rate).
    """

    baudrate: int = 9600
    bytesize: ByteSize = 8
    parity: Parity = "N"
    stopbits: StopBits = 1
    xonxoff: bool = False
    rtscts: bool = False
    read_timeout_s: float = 0.02
    write_timeout_s: float = 1.0
    # On POSIX a second station process must not share the port: two readers on one tty split
    # the byte stream between them and both see garbage.
    exclusive: bool = True

    def __post_init__(self) -> None:
        if self.baudrate <= 0:
            raise ValueError(f"baudrate must be positive, got {self.baudrate}")
        if self.read_timeout_s <= 0:
            raise ValueError(f"read_timeout_s must be positive, got {self.read_timeout_s}")


#: 115200 8N1, the default of Mercury and R2000 modules and Honeywell RS-232 scanners.
SETTINGS_115200_8N1 = SerialSettings(baudrate=115200)


class PortLike(Protocol):
    """The subset of a pyserial port the drivers use (pyserial ports satisfy it)."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...


def open_port(url: str, settings: SerialSettings) -> serial.SerialBase:
    """Open the port named by ``url`` with ``settings`` and return the open pyserial object.

    Raises :class:`DeviceDisconnected` if the port cannot be opened (missing device, busy,
    refused connection, malformed URL); the pyserial message is kept in the error text and the
    original exception is chained. The caller owns the returned port and must close it.
    """
    try:
        port = serial.serial_for_url(url, do_not_open=True)
        port.baudrate = settings.baudrate
        port.bytesize = settings.bytesize
        port.parity = settings.parity
        port.stopbits = settings.stopbits
        port.xonxoff = settings.xonxoff
        port.rtscts = settings.rtscts
        port.timeout = settings.read_timeout_s
        port.write_timeout = settings.write_timeout_s
        if settings.exclusive and "://" not in url:
            # Only local device nodes can be locked; URL handlers have no such notion.
            port.exclusive = True
        port.open()
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceDisconnected(f"could not open port {url!r}: {exc}") from exc
    return port
