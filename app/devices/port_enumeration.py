"""Which serial ports this computer has, and which vendor is behind each.

USB vendor IDs identify scanner vendors reliably; bridge chips (FTDI, CP210x, CH340, PL2303)
identify only the chip, so a reader behind one is identified by probing
(:mod:`app.devices.reader_probe`). Saved configuration should name the stable
``/dev/serial/by-id/...`` link rather than ``/dev/ttyACM0``, which moves between plugs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from serial.tools import list_ports

from app.domain.devices import DeviceConfig, PortCandidate

BY_ID_DIR = Path("/dev/serial/by-id")

#: USB vendor id → (vendor name, is a generic bridge chip). Source: docs/scanners-and-rfid.md §8.2.
KNOWN_VENDORS: dict[int, tuple[str, bool]] = {
    0x0C2E: ("Honeywell", False),
    0x0536: ("Hand Held Products (Honeywell)", False),
    0x05E0: ("Zebra / Symbol", False),
    0x0A5F: ("Zebra Technologies", False),
    0x05F9: ("Datalogic (PSC)", False),
    0x080C: ("Datalogic", False),
    0x1EAB: ("Newland", False),
    0x072F: ("ACS (PC/SC, not serial)", False),
    0x0403: ("FTDI USB-serial bridge", True),
    0x10C4: ("Silicon Labs CP210x bridge", True),
    0x1A86: ("QinHeng CH340 bridge", True),
    0x067B: ("Prolific PL2303 bridge", True),
}


class PortInfo(Protocol):
    """The fields of pyserial's ``ListPortInfo`` used here."""

    device: str
    description: str
    vid: int | None
    pid: int | None
    serial_number: str | None


def vendor_of(vid: int | None) -> tuple[str, bool]:
    """Return (vendor name, is a bridge chip) for a USB vendor id; ("", False) if unknown."""
    if vid is None:
        return "", False
    return KNOWN_VENDORS.get(vid, ("", False))


def _by_id_links(by_id_dir: Path) -> dict[str, str]:
    """Map each real device path to its ``by-id`` link (empty if the directory is absent)."""
    try:
        entries = list(by_id_dir.iterdir())
    except OSError:
        return {}
    return {os.path.realpath(link): str(link) for link in sorted(entries)}


def list_serial_ports(
    comports: Callable[[], Iterable[PortInfo]] = list_ports.comports,
    by_id_dir: Path = BY_ID_DIR,
) -> list[PortCandidate]:
    """Enumerate serial ports, recognised scanner vendors first, then by path."""
    links = _by_id_links(by_id_dir)
    found: list[PortCandidate] = []
    for info in comports():
        vendor, is_bridge = vendor_of(info.vid)
        found.append(
            PortCandidate(
                path=links.get(os.path.realpath(info.device), info.device),
                device=info.device,
                description=info.description or "",
                vid=info.vid,
                pid=info.pid,
                serial_number=info.serial_number or "",
                vendor=vendor,
                is_bridge=is_bridge,
            )
        )
    found.sort(key=lambda c: (not (c.vendor and not c.is_bridge), not c.vendor, c.path))
    return found


def port_exists(port: str) -> bool:
    """True for URLs (``socket://``...) and for device paths that exist now."""
    return "://" in port or os.path.exists(port)


def find_port_for(config: DeviceConfig, candidates: Sequence[PortCandidate]) -> str | None:
    """Re-find a re-plugged device by VID:PID (+ USB serial number when saved).

    Returns the candidate's path, or None when the config has no USB identity or nothing
    matches. Several matches without a serial number to tell them apart: the first, by path.
    """
    if config.usb_vid is None or config.usb_pid is None:
        return None
    for candidate in candidates:
        if (candidate.vid, candidate.pid) != (config.usb_vid, config.usb_pid):
            continue
        if config.usb_serial and candidate.serial_number != config.usb_serial:
            continue
        return candidate.path
    return None
