"""The errors every driver raises.

Contract: drivers never return ``None`` to mean "nothing arrived" and never leak pyserial or OS
exceptions to their callers. A caller (the port worker in ``app.devices``) handles exactly these
classes:

* :class:`DeviceTimeout`: the deadline passed before a complete answer arrived. The port is still
  usable.
* :class:`ProtocolError`: bytes arrived but do not fit the protocol (bad checksum, wrong header,
  impossible length, unknown field). The message names the offending byte or field so that a
  technician reading a log can compare it with a capture.
* :class:`DeviceReportedError`: a well-formed frame in which the device itself reports a failure
  (for example a Mercury status word or an R2000 error code).
* :class:`DeviceDisconnected`: the port went away (unplug, closed pty, refused socket). The port
  must be closed and reopened; any partial frame has already been discarded.

Messages are for logs and developers; the UI maps the class to its own operator wording.
"""

from __future__ import annotations


class DriverError(Exception):
    """Base class of every error raised by ``drivers``."""


class DeviceTimeout(DriverError):
    """No complete frame or answer arrived before the deadline."""


class ProtocolError(DriverError):
    """Received bytes violate the protocol; the message says which byte or field was wrong."""


class DeviceReportedError(DriverError):
    """The device sent a valid frame that reports a failure.

    ``code`` is the device's own numeric status or error code, kept for logs and for callers that
    react to specific codes (for example "no tag" versus "antenna missing").
    """

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class DeviceDisconnected(DriverError):
    """The port is gone (unplugged, closed, or could not be opened)."""


def hex_bytes(data: bytes, limit: int = 32) -> str:
    """Format ``data`` as spaced upper-case hex for error messages, eliding after ``limit`` bytes.

    Error messages quote bytes the same way the protocol document writes them (``FF 00 03``), so
    a log line can be compared with a capture by eye.
    """
    shown = " ".join(f"{b:02X}" for b in data[:limit])
    if len(data) > limit:
        shown += f" ... ({len(data)} bytes)"
    return shown
