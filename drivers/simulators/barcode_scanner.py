"""A fake line-framed barcode scanner on a pseudo-terminal that replays a script.

Example (a test or a demo)::

    fake = start_fake_scanner([Send(scan_bytes("ABC-123", aim_id="]C0")), Unplug()])
    port = open_port(fake.device_path, SerialSettings())
    fake.start()           # after the port is open: opening a tty flushes its input
    ...
    fake.close()

Script steps are :class:`Send` (any bytes: whole scans, garbage, partial frames), :class:`Pause`
(silence, e.g. to end a frame by the inter-character timeout) and :class:`Unplug`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from drivers.simulators.pty_port import PtyDevice


@dataclass(frozen=True, slots=True)
class Send:
    """Write these bytes at once (one burst)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Pause:
    """Stay silent for ``seconds``."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Unplug:
    """Close the device end; later steps are not run."""


ScriptStep = Send | Pause | Unplug


def scan_bytes(
    value: str | bytes,
    *,
    aim_id: str = "",
    prefix: bytes = b"",
    suffix: bytes = b"\r\n",
) -> bytes:
    """The bytes a scanner sends for one read: prefix, AIM id, data (latin-1), suffix."""
    data = value.encode("latin-1") if isinstance(value, str) else value
    return prefix + aim_id.encode("ascii") + data + suffix


class FakeBarcodeScanner:
    """Replays a script on a pty from a background thread.

    Call :meth:`start` after the driver opened :attr:`device_path`. :meth:`close` stops the
    thread and releases the pty; it is safe to call more than once.
    """

    def __init__(self, script: Sequence[ScriptStep]) -> None:
        self._script = tuple(script)
        self._pty = PtyDevice()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-barcode-scanner", daemon=True)

    @property
    def device_path(self) -> str:
        return self._pty.device_path

    def start(self) -> None:
        """Begin replaying the script."""
        self._thread.start()

    def wait_done(self, timeout_s: float) -> bool:
        """Wait until the script has run to its end; return False on timeout."""
        return self._done.wait(timeout_s)

    def send(self, data: bytes) -> None:
        """Write bytes immediately (for interactive demos and tests that drive it step by step)."""
        self._pty.write(data)

    def unplug(self) -> None:
        """Simulate pulling the cable now."""
        self._pty.unplug()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self._pty.close()

    def __enter__(self) -> FakeBarcodeScanner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self) -> None:
        try:
            for step in self._script:
                if self._stop.is_set():
                    return
                if isinstance(step, Send):
                    self._pty.write(step.data)
                elif isinstance(step, Pause):
                    # A bounded wait that close() can cut short.
                    self._stop.wait(step.seconds)
                else:
                    self._pty.unplug()
                    return
        finally:
            self._done.set()


def start_fake_scanner(script: Sequence[ScriptStep]) -> FakeBarcodeScanner:
    """Create a fake scanner on a fresh pty; its ``device_path`` is the slave to open.

    The script does not run until :meth:`FakeBarcodeScanner.start` is called.
    """
    return FakeBarcodeScanner(script)
