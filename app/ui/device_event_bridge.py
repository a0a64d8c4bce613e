"""Carries device events from the port worker threads to the GUI thread as Qt signals.

``post`` is the device manager's sink: it may be called from any thread and only emits a queued
signal, so a worker never waits for the GUI. The typed signals are emitted on the GUI thread, in
the order the events were posted.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.domain.devices import DeviceEvent, DeviceScan, DeviceStatus, DeviceTagEvent


class DeviceEventBridge(QObject):
    """Lives on the GUI thread; re-emits :class:`DeviceEvent` values as typed signals."""

    status_changed = Signal(object)  # DeviceStatus
    scan_received = Signal(object)  # DeviceScan
    tag_observed = Signal(object)  # DeviceTagEvent

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    def post(self, event: DeviceEvent) -> None:
        """Thread-safe: queue ``event`` for delivery on the GUI thread."""
        self._posted.emit(event)

    @Slot(object)
    def _on_posted(self, event: DeviceEvent) -> None:
        if isinstance(event, DeviceStatus):
            self.status_changed.emit(event)
        elif isinstance(event, DeviceScan):
            self.scan_received.emit(event)
        elif isinstance(event, DeviceTagEvent):
            self.tag_observed.emit(event)
