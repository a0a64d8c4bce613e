"""Scanners and RFID readers as the station sees them: their configuration, their status and what
they deliver. Pure data (stdlib only), so ``app.devices`` (which owns the hardware), the services
and the UI share one vocabulary without the UI ever importing a driver.

Times (``at``, ``received_at``) are host monotonic seconds (``time.monotonic``): good for ordering
and latency, never shown as wall-clock time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.domain.errors import InvalidInput, UserFacingError


class DeviceKind(enum.StrEnum):
    BARCODE = "barcode"
    MERCURY = "mercury"
    R2000 = "r2000"

    @property
    def title(self) -> str:
        return _KIND_TITLES[self]

    @property
    def is_rfid(self) -> bool:
        return self is not DeviceKind.BARCODE


_KIND_TITLES = {
    DeviceKind.BARCODE: "Barcode scanner (serial)",
    DeviceKind.MERCURY: "RFID reader — ThingMagic Mercury",
    DeviceKind.R2000: "RFID reader — Impinj R2000",
}


class Terminator(enum.StrEnum):
    """What ends one barcode scan on the wire (the scanner's configured suffix)."""

    ANY_NEWLINE = "any"  # CR, LF or CR LF
    CR = "cr"
    LF = "lf"
    CRLF = "crlf"
    TAB = "tab"
    ETX = "etx"

    @property
    def suffix(self) -> bytes:
        """The suffix bytes; empty means "any of CR, LF, CR LF"."""
        return _TERMINATOR_BYTES[self]

    @property
    def title(self) -> str:
        return _TERMINATOR_TITLES[self]

    @property
    def short(self) -> str:
        return _TERMINATOR_SHORT[self]


_TERMINATOR_BYTES = {
    Terminator.ANY_NEWLINE: b"",
    Terminator.CR: b"\r",
    Terminator.LF: b"\n",
    Terminator.CRLF: b"\r\n",
    Terminator.TAB: b"\t",
    Terminator.ETX: b"\x03",
}
_TERMINATOR_TITLES = {
    Terminator.ANY_NEWLINE: "CR, LF or CR LF",
    Terminator.CR: "CR only",
    Terminator.LF: "LF only",
    Terminator.CRLF: "CR LF only",
    Terminator.TAB: "Tab",
    Terminator.ETX: "ETX (0x03)",
}

_TERMINATOR_SHORT = {
    Terminator.ANY_NEWLINE: "CR/LF",
    Terminator.CR: "CR",
    Terminator.LF: "LF",
    Terminator.CRLF: "CR LF",
    Terminator.TAB: "Tab",
    Terminator.ETX: "ETX",
}

DEFAULT_BAUD = {DeviceKind.BARCODE: 9600, DeviceKind.MERCURY: 115200, DeviceKind.R2000: 115200}
STANDARD_BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
MAX_NAME_CHARS = 40


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """One configured scanner or reader.

    ``name`` identifies the device at this station (unique). ``port`` is a pyserial URL or device
    path; prefer a stable ``/dev/serial/by-id/...`` name. ``usb_vid``/``usb_pid``/``usb_serial``,
    when known, let the station re-find the device under a new name after a re-plug.
    ``rssi_min_dbm`` is the RFID gate (None: no gate); ``terminator`` applies to barcode scanners.
    ``region_code`` is the Mercury RF region (0x01 North America, 0x08 EU on Nano/M7E modules).
    Construction validates and raises :class:`InvalidInput`.
    """

    name: str
    kind: DeviceKind
    port: str
    baud: int = 9600
    terminator: Terminator = Terminator.ANY_NEWLINE
    rssi_min_dbm: int | None = -65
    region_code: int = 0x01
    usb_vid: int | None = None
    usb_pid: int | None = None
    usb_serial: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput(field="Device name", problem="is empty")
        if len(self.name) > MAX_NAME_CHARS:
            raise InvalidInput(
                field="Device name", problem=f"is longer than {MAX_NAME_CHARS} characters"
            )
        if not self.port.strip():
            raise InvalidInput(field=f"Port of {self.name}", problem="is empty")
        if not 50 <= self.baud <= 4_000_000:
            raise InvalidInput(
                field=f"Baud rate of {self.name}", problem=f"{self.baud} is not a serial speed"
            )
        if self.rssi_min_dbm is not None and not -120 <= self.rssi_min_dbm <= 0:
            raise InvalidInput(
                field=f"RSSI threshold of {self.name}",
                problem=f"{self.rssi_min_dbm} dBm is outside -120..0 dBm",
            )
        if not 0 <= self.region_code <= 0xFF:
            raise InvalidInput(field=f"Region of {self.name}", problem="must be one byte")


class DeviceState(enum.StrEnum):
    """Where a device's port worker is. ``READING``: an RFID reader with its inventory running."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    READING = "reading"
    DISCONNECTED = "disconnected"
    ERROR = "error"
    STOPPED = "stopped"

    @property
    def is_up(self) -> bool:
        return self in (DeviceState.CONNECTED, DeviceState.READING)


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device's state changed. ``message`` is one sentence for the operator, naming the port."""

    device: str
    state: DeviceState
    message: str
    at: float
    port: str = ""
    retry_in_s: float | None = None


@dataclass(frozen=True, slots=True)
class DeviceScan:
    """A barcode scan from a serial scanner, decoded. ``received_at`` is the frame end."""

    device: str
    value: str
    symbology: str
    aim_id: str | None
    gs1: tuple[tuple[str, str], ...]
    received_at: float


class TagEventKind(enum.StrEnum):
    ARRIVED = "arrived"
    CONFIRMED = "confirmed"
    DEPARTED = "departed"


@dataclass(frozen=True, slots=True)
class DeviceTagEvent:
    """An RFID tag arrived in, was confirmed in, or left a reader's field (de-duplicated).

    Raw reads never leave the port worker; these presence events are all the station sees.
    ``epc_uri`` is the pure-identity URI when the EPC decodes, else empty (keep ``epc_hex``).
    """

    device: str
    kind: TagEventKind
    epc_hex: str
    epc_uri: str
    rssi_dbm: int | None
    antenna: int | None
    read_count: int
    at: float


DeviceEvent = DeviceStatus | DeviceScan | DeviceTagEvent


@dataclass(frozen=True, slots=True)
class PortCandidate:
    """A serial port found on this computer, for the "add a device" dialog.

    ``path`` is the name to save (the ``/dev/serial/by-id`` link when there is one);
    ``device`` the kernel name behind it. ``vendor`` names a recognised scanner vendor or a
    generic USB bridge chip (readers behind bridges are identified by probing, not by VID).
    """

    path: str
    device: str
    description: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str = ""
    vendor: str = ""
    is_bridge: bool = False

    @property
    def label(self) -> str:
        parts = [self.path]
        if self.vendor:
            parts.append(self.vendor)
        if self.description and self.description not in ("n/a", self.vendor):
            parts.append(self.description)
        if self.vid is not None and self.pid is not None:
            parts.append(f"{self.vid:04X}:{self.pid:04X}")
        return " — ".join(parts)


class PortUnavailable(UserFacingError):
    """A port could not be used for an operator's request; ``reason`` names the port."""

    code = "device.port_unavailable"
    template = "{reason}"
