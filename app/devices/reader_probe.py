"""Identify an RFID reader behind a generic USB bridge by asking it, protocol by protocol.

Bridge chips (FTDI, CP210x, CH340, PL2303) say nothing about the reader behind them; a valid
reply with a correct checksum to a protocol's version command does. Probes are non-destructive
(docs/scanners-and-rfid.md §8.3). Blocking for up to a second per protocol: call it off the GUI
thread.
"""

from __future__ import annotations

import logging

from app.domain.devices import DeviceKind
from drivers.errors import DeviceDisconnected, DriverError
from drivers.rfid_mercury import MercuryReader
from drivers.rfid_r2000 import R2000Reader
from drivers.transport import SerialSettings, open_port

log = logging.getLogger(__name__)


def probe_reader(port: str, *, baud: int = 115200, timeout_s: float = 0.3) -> DeviceKind | None:
    """Return the reader kind answering on ``port``, or None if neither protocol answers.

    Raises :class:`DeviceDisconnected` if the port cannot be opened.
    """
    handle = open_port(port, SerialSettings(baudrate=baud, read_timeout_s=0.02))
    try:
        try:
            MercuryReader(handle).get_version(timeout_s)
            return DeviceKind.MERCURY
        except DeviceDisconnected:
            raise
        except DriverError as exc:
            log.debug("%s: no Mercury answer: %s", port, exc)
        handle.reset_input_buffer()
        try:
            R2000Reader(handle).get_firmware_version(timeout_s)
            return DeviceKind.R2000
        except DeviceDisconnected:
            raise
        except DriverError as exc:
            log.debug("%s: no R2000 answer: %s", port, exc)
        return None
    finally:
        handle.close()
