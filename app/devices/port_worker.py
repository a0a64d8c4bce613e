"""One worker thread per configured device: it alone opens the port, runs the driver, and
reconnects after an unplug.

Life of a worker: resolve the port name (re-finding a re-plugged USB device by VID:PID + serial
number) → open it → handshake → poll until stopped or the port fails → close → wait out a capped
exponential back-off → again. Every change of state is reported as a :class:`DeviceStatus` whose
message names the port; scans and tag events follow as they arrive. A new driver session is
built on every connection, so a frame cut by an unplug is never completed with later bytes.

Thread contract: :meth:`start` and :meth:`stop` are called by the owner (the device manager);
``sink`` is called on the worker thread and must be thread-safe.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import serial

from app.devices.device_sessions import DeviceSession, make_session
from app.devices.port_enumeration import find_port_for, list_serial_ports, port_exists
from app.domain.devices import DeviceConfig, DeviceEvent, DeviceState, DeviceStatus, PortCandidate
from drivers.errors import (
    DeviceDisconnected,
    DeviceReportedError,
    DeviceTimeout,
    ProtocolError,
)
from drivers.transport import SerialSettings, open_port

log = logging.getLogger(__name__)

Sink = Callable[[DeviceEvent], None]
Opener = Callable[[str, SerialSettings], serial.SerialBase]
Enumerator = Callable[[], Sequence[PortCandidate]]

_KIND_WORDS = {"barcode": "scanner", "mercury": "Mercury reader", "r2000": "R2000 reader"}


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential back-off: ``initial_s``, doubling (``factor``), at most ``cap_s``."""

    initial_s: float = 0.25
    factor: float = 2.0
    cap_s: float = 10.0

    def delay(self, failures: int) -> float:
        """Delay before the retry after ``failures`` consecutive failures (>= 1)."""
        return min(self.cap_s, self.initial_s * self.factor ** max(0, failures - 1))


def _errno_of(exc: BaseException) -> int | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno:
            return current.errno
        current = current.__cause__ or current.__context__
    return None


def describe_open_failure(port: str, exc: BaseException) -> tuple[DeviceState, str]:
    """Turn a failure to open ``port`` into a state and one sentence naming the port.

    Never quotes the library's text: the operator gets the cause and what to do.
    """
    code = _errno_of(exc)
    text = str(exc)
    if code in (errno.ENOENT, errno.ENXIO, errno.ENODEV):
        return DeviceState.DISCONNECTED, f"Port {port} not found — is the device plugged in?"
    if code in (errno.EACCES, errno.EPERM):
        return (
            DeviceState.ERROR,
            f"No permission to open port {port} — add this user to the 'dialout' group.",
        )
    if code in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK) or "exclusively lock" in text:
        return (
            DeviceState.ERROR,
            f"Port {port} is busy — another program (or station) has it open.",
        )
    if code == errno.ECONNREFUSED or "refused" in text.lower():
        return DeviceState.DISCONNECTED, f"Nothing answers at {port} — is the device server on?"
    if isinstance(exc.__cause__, ValueError):
        return DeviceState.ERROR, f"{port} is not a serial port name or URL."
    return DeviceState.ERROR, f"Port {port} could not be opened (details in the log)."


class PortWorker:
    """Owns one device's port and driver on a dedicated thread; reconnects by itself."""

    def __init__(
        self,
        config: DeviceConfig,
        sink: Sink,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        opener: Opener = open_port,
        enumerate_ports: Enumerator = list_serial_ports,
        read_timeout_s: float = 0.02,
    ) -> None:
        self.config = config
        self._sink = sink
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._opener = opener
        self._enumerate = enumerate_ports
        self._settings = SerialSettings(baudrate=config.baud, read_timeout_s=read_timeout_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"port-worker:{config.name}", daemon=True
        )
        self._failures = 0

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the worker to stop; back-off waits end at once, a poll slice within ~50 ms."""
        self._stop.set()

    def stop(self, timeout_s: float = 3.0) -> bool:
        """Stop and wait for the thread (closing the port); False if it did not end in time."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        return not self._thread.is_alive()

    # -- worker thread --------------------------------------------------------------------

    def _status(
        self, state: DeviceState, message: str, port: str, retry_in_s: float | None = None
    ) -> None:
        self._sink(
            DeviceStatus(
                device=self.config.name,
                state=state,
                message=message,
                at=self._clock(),
                port=port,
                retry_in_s=retry_in_s,
            )
        )

    def _resolve_port(self) -> str:
        port = self.config.port
        if port_exists(port) or self.config.usb_vid is None:
            return port
        try:
            candidates = self._enumerate()
        except OSError as exc:
            log.warning("%s: enumerating ports failed: %s", self.config.name, exc)
            return port
        return find_port_for(self.config, candidates) or port

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                state, message, port = self._connect_once()
                if self._stop.is_set():
                    break
                self._failures += 1
                delay = self._backoff.delay(self._failures)
                self._status(state, f"{message} Retrying in {delay:.2g} s.", port, delay)
                self._stop.wait(delay)
        finally:
            self._status(DeviceState.STOPPED, f"{self.config.name} stopped.", self.config.port)

    def _handshake_failure(self, exc: Exception, port_name: str) -> str:
        what = _KIND_WORDS[self.config.kind.value]
        if isinstance(exc, DeviceTimeout):
            return (
                f"The {what} on {port_name} did not answer — check the device kind and "
                f"baud rate ({self.config.baud})."
            )
        if isinstance(exc, DeviceReportedError):
            return f"The {what} on {port_name} refused the set-up (code 0x{exc.code:04X})."
        log.warning("%s: handshake garbled: %s", self.config.name, exc)
        return f"{port_name} answered, but not as a {what} — check the device kind."

    def _connect_once(self) -> tuple[DeviceState, str, str]:
        """One connection attempt and, if it succeeds, the reading loop until it ends.

        Returns the state and sentence to report before the next attempt.
        """
        port_name = self._resolve_port()
        what = _KIND_WORDS[self.config.kind.value]
        if self._failures == 0:
            # Retries stay "disconnected" (no flicker); only a first attempt says "connecting".
            self._status(DeviceState.CONNECTING, f"Opening {port_name}…", port_name)
        try:
            port = self._opener(port_name, self._settings)
        except DeviceDisconnected as exc:
            log.info("%s: %s", self.config.name, exc)
            state, message = describe_open_failure(port_name, exc)
            return state, message, port_name
        try:
            session: DeviceSession = make_session(port, self.config, self._clock, self._stop)
            try:
                detail = session.handshake()
            except (DeviceTimeout, DeviceReportedError, ProtocolError) as exc:
                return DeviceState.ERROR, self._handshake_failure(exc, port_name), port_name
            self._failures = 0
            ready = f"Ready on {port_name}" + (f" ({detail})" if detail else "")
            self._status(session.ready_state, ready + ".", port_name)
            while not self._stop.is_set():
                session.step(self._sink)
            session.close()
            return DeviceState.STOPPED, "", port_name
        except (DeviceDisconnected, serial.SerialException, OSError) as exc:
            # Unplugged (or the pty master closed): the driver already dropped the partial frame.
            log.info("%s: %s", self.config.name, exc)
            return (
                DeviceState.DISCONNECTED,
                f"The {what} on {port_name} was disconnected.",
                port_name,
            )
        except Exception:
            # A bug: keep the traceback, keep the station running, try again later.
            log.exception("%s: port worker failed", self.config.name)
            return (
                DeviceState.ERROR,
                f"The {what} on {port_name} stopped after an internal error (see the log).",
                port_name,
            )
        finally:
            try:
                port.close()
            except (serial.SerialException, OSError) as exc:
                log.debug("%s: close failed: %s", self.config.name, exc)
