"""Device tests: real port workers on real pseudo-terminals driven by the simulators."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.devices.port_worker import Backoff, PortWorker
from app.domain.devices import DeviceConfig, DeviceEvent, DeviceScan, DeviceState, DeviceStatus

#: Generous upper bound for anything to happen; tests normally finish in milliseconds.
DEADLINE_S = 5.0
FAST_BACKOFF = Backoff(initial_s=0.02, factor=2.0, cap_s=0.1)


@dataclass
class EventLog:
    """Collects a worker's events (the sink) and waits for one matching a predicate."""

    events: queue.Queue[DeviceEvent] = field(default_factory=queue.Queue)
    seen: list[DeviceEvent] = field(default_factory=list)

    def __call__(self, event: DeviceEvent) -> None:
        self.events.put(event)

    def wait_for(
        self, predicate: Callable[[DeviceEvent], bool], timeout_s: float = DEADLINE_S
    ) -> DeviceEvent:
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event; saw {self.seen[-8:]}")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(event)
            if predicate(event):
                return event

    def wait_state(self, *states: DeviceState) -> DeviceStatus:
        event = self.wait_for(lambda e: isinstance(e, DeviceStatus) and e.state in states)
        assert isinstance(event, DeviceStatus)
        return event

    def scans(self) -> list[str]:
        while True:
            try:
                self.seen.append(self.events.get_nowait())
            except queue.Empty:
                break
        return [e.value for e in self.seen if isinstance(e, DeviceScan)]


def replug_link(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` atomically, as udev does with /dev/serial/by-id names."""
    tmp = link.with_name(link.name + ".new")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


@pytest.fixture
def event_log() -> EventLog:
    return EventLog()


@pytest.fixture
def run_worker(event_log: EventLog) -> Iterator[Callable[..., PortWorker]]:
    workers: list[PortWorker] = []

    def run(config: DeviceConfig, **kwargs: object) -> PortWorker:
        kwargs.setdefault("backoff", FAST_BACKOFF)
        worker = PortWorker(config, event_log, **kwargs)  # type: ignore[arg-type]
        workers.append(worker)
        worker.start()
        return worker

    yield run
    for worker in workers:
        assert worker.stop(), "a port worker did not stop"
