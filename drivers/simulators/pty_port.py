"""The device end of a pseudo-terminal pair.

The simulator holds the master fd and plays the device; the driver under test opens the slave
path like any serial port. Closing the master is what an unplug looks like to the driver: reads
on the slave fail with EIO, which pyserial raises as ``SerialException``.
"""

from __future__ import annotations

import os
import select
import threading
import tty


class PtyDevice:
    """Owns one pty pair. Thread-safe for one writer thread plus :meth:`unplug` from any thread."""

    def __init__(self) -> None:
        self._master_fd, self._slave_fd = os.openpty()
        # Raw mode before any byte flows: the default line discipline would turn CR into LF and
        # echo everything back to the device end.
        tty.setraw(self._slave_fd)
        self._device_path = os.ttyname(self._slave_fd)
        self._lock = threading.Lock()
        self._master_open = True

    @property
    def device_path(self) -> str:
        """Path of the slave end (e.g. ``/dev/pts/7``) to open with ``serial_for_url``."""
        return self._device_path

    @property
    def plugged_in(self) -> bool:
        return self._master_open

    def write(self, data: bytes) -> None:
        """Send ``data`` to the driver. Raises ``OSError`` after :meth:`unplug`."""
        with self._lock:
            if not self._master_open:
                raise OSError("pty device is unplugged")
            view = memoryview(data)
            while view:
                written = os.write(self._master_fd, view)
                view = view[written:]

    def read(self, timeout_s: float) -> bytes:
        """Return what the driver wrote, waiting up to ``timeout_s``; ``b""`` if none/unplugged."""
        if not self._master_open:
            return b""
        try:
            ready, _, _ = select.select([self._master_fd], [], [], timeout_s)
            if not ready:
                return b""
            return os.read(self._master_fd, 4096)
        except OSError:
            # The master was closed by unplug() from another thread, or the slave side hung up.
            return b""

    def unplug(self) -> None:
        """Close the master end: the driver's next read fails as after a USB unplug."""
        with self._lock:
            if self._master_open:
                self._master_open = False
                os.close(self._master_fd)

    def close(self) -> None:
        """Release both ends."""
        self.unplug()
        if self._slave_fd >= 0:
            os.close(self._slave_fd)
            self._slave_fd = -1
