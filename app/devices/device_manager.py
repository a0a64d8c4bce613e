"""The device manager: one :class:`PortWorker` per configured device, and the latest status of
each, for the Devices page and the status bar.

Thread contract: :meth:`configure`, :meth:`close` and :meth:`available_ports` are called by one
controlling thread at a time (the GUI thread or the task runner's worker); :meth:`statuses` and
:meth:`configs` from any thread. Events reach ``sink`` on the port workers' threads, in order per
device; ``sink`` must be thread-safe (the UI's bridge re-emits them as queued Qt signals).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from app.devices.port_enumeration import list_serial_ports
from app.devices.port_worker import PortWorker, describe_open_failure
from app.devices.reader_probe import probe_reader
from app.domain.devices import (
    DeviceConfig,
    DeviceEvent,
    DeviceKind,
    DeviceState,
    DeviceStatus,
    PortCandidate,
    PortUnavailable,
)
from drivers.errors import DeviceDisconnected

log = logging.getLogger(__name__)

WorkerFactory = Callable[[DeviceConfig, Callable[[DeviceEvent], None]], PortWorker]


class DeviceManager:
    """Starts, reconfigures and stops the port workers; caches each device's last status."""

    def __init__(
        self,
        sink: Callable[[DeviceEvent], None],
        *,
        worker_factory: WorkerFactory = PortWorker,
        enumerate_ports: Callable[[], list[PortCandidate]] = list_serial_ports,
        probe: Callable[[str], DeviceKind | None] = probe_reader,
    ) -> None:
        self._sink = sink
        self._probe = probe
        self._worker_factory = worker_factory
        self._enumerate = enumerate_ports
        self._lock = threading.Lock()
        self._workers: dict[str, PortWorker] = {}
        self._configs: tuple[DeviceConfig, ...] = ()
        self._statuses: dict[str, DeviceStatus] = {}

    def configs(self) -> tuple[DeviceConfig, ...]:
        with self._lock:
            return self._configs

    def statuses(self) -> dict[str, DeviceStatus]:
        """The latest status of every configured device (a copy)."""
        with self._lock:
            return dict(self._statuses)

    def available_ports(self) -> list[PortCandidate]:
        """Serial ports on this computer (enumeration may take a moment: not on the GUI thread)."""
        return self._enumerate()

    def identify(self, port: str) -> DeviceKind | None:
        """Ask the reader on ``port`` which RFID protocol it speaks (blocking, up to about a
        second: not on the GUI thread). ``None``: neither protocol answered (a barcode scanner,
        a wrong baud rate or no device). Raises :class:`PortUnavailable` naming the port when it
        belongs to a running device or cannot be opened."""
        with self._lock:
            owner = next((c.name for c in self._configs if c.port == port), None)
        if owner is not None:
            raise PortUnavailable(
                reason=f"Port {port} is in use by the device '{owner}'; remove it first, "
                "or identify another port."
            )
        try:
            return self._probe(port)
        except DeviceDisconnected as exc:
            _state, message = describe_open_failure(port, exc)
            raise PortUnavailable(reason=message) from exc

    def configure(self, configs: Sequence[DeviceConfig]) -> None:
        """Run exactly ``configs``: unchanged devices keep their worker (and connection),
        removed or changed ones are stopped, new or changed ones started."""
        wanted = {c.name: c for c in configs}
        if len(wanted) != len(configs):
            raise ValueError("device names must be unique")
        with self._lock:
            current = dict(self._workers)
        stopping = [w for name, w in current.items() if wanted.get(name) != w.config]
        for worker in stopping:
            worker.request_stop()
        for worker in stopping:
            if not worker.stop():
                log.warning("port worker %s did not stop in time", worker.config.name)
        with self._lock:
            for worker in stopping:
                del self._workers[worker.config.name]
                self._statuses.pop(worker.config.name, None)
            self._configs = tuple(configs)
            starting = [c for c in configs if c.name not in self._workers]
            for config in starting:
                self._statuses[config.name] = DeviceStatus(
                    device=config.name,
                    state=DeviceState.CONNECTING,
                    message=f"Starting {config.name} on {config.port}.",
                    at=0.0,
                    port=config.port,
                )
                self._workers[config.name] = self._worker_factory(config, self._on_event)
        for config in starting:
            self._workers[config.name].start()

    def close(self) -> None:
        """Stop every worker and close every port (waits for them, a poll slice or so)."""
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.request_stop()
        for worker in workers:
            worker.stop()
        with self._lock:
            self._workers.clear()

    def _on_event(self, event: DeviceEvent) -> None:
        if isinstance(event, DeviceStatus):
            with self._lock:
                worker = self._workers.get(event.device)
                if worker is not None and event.state is not DeviceState.STOPPED:
                    self._statuses[event.device] = event
        self._sink(event)
