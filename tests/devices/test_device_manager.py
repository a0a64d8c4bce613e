"""The device manager: reconfiguration keeps unchanged workers, statuses are cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.devices.device_manager import DeviceManager
from app.devices.port_worker import PortWorker
from app.domain.devices import DeviceConfig, DeviceKind, DeviceState, DeviceStatus
from drivers.simulators.barcode_scanner import FakeBarcodeScanner, scan_bytes
from tests.devices.conftest import FAST_BACKOFF


def test_configure_starts_changes_and_stops_workers(tmp_path: Path, event_log) -> None:
    made: list[PortWorker] = []

    def factory(config, sink):
        worker = PortWorker(config, sink, backoff=FAST_BACKOFF)
        made.append(worker)
        return worker

    manager = DeviceManager(event_log, worker_factory=factory)
    with FakeBarcodeScanner([]) as fake:
        scanner = DeviceConfig(name="Scanner", kind=DeviceKind.BARCODE, port=fake.device_path)
        ghost = DeviceConfig(name="Ghost", kind=DeviceKind.BARCODE, port=str(tmp_path / "no"))
        try:
            manager.configure([scanner, ghost])
            event_log.wait_for(
                lambda e: (
                    isinstance(e, DeviceStatus)
                    and e.device == "Scanner"
                    and e.state is DeviceState.CONNECTED
                )
            )
            fake.send(scan_bytes("X-1"))
            event_log.wait_for(lambda e: getattr(e, "value", None) == "X-1")
            assert manager.statuses()["Scanner"].state is DeviceState.CONNECTED

            moved = DeviceConfig(name="Ghost", kind=DeviceKind.BARCODE, port=str(tmp_path / "b"))
            manager.configure([scanner, moved])
            assert len(made) == 3  # the scanner kept its worker and its connection
            assert made[0].config == scanner
            assert manager.configs() == (scanner, moved)

            manager.configure([scanner])
            assert set(manager.statuses()) == {"Scanner"}
            with pytest.raises(ValueError, match="unique"):
                manager.configure([scanner, scanner])
        finally:
            manager.close()
    event_log.wait_for(
        lambda e: (
            isinstance(e, DeviceStatus) and e.device == "Scanner" and e.state is DeviceState.STOPPED
        )
    )
