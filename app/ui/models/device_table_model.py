"""The Devices table: one row per configured device with its live status."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.domain.devices import DeviceConfig, DeviceKind, DeviceState, DeviceStatus

Index = QModelIndex | QPersistentModelIndex


class DeviceColumn(enum.IntEnum):
    NAME = 0
    KIND = 1
    PORT = 2
    SETTINGS = 3
    STATE = 4
    MESSAGE = 5


_HEADERS = {
    DeviceColumn.NAME: "Device",
    DeviceColumn.KIND: "Kind",
    DeviceColumn.PORT: "Port",
    DeviceColumn.SETTINGS: "Settings",
    DeviceColumn.STATE: "Status",
    DeviceColumn.MESSAGE: "Details",
}

_STATE_COLOURS = {
    DeviceState.CONNECTED: "#1e7b34",
    DeviceState.READING: "#1e7b34",
    DeviceState.CONNECTING: "#8a6d00",
    DeviceState.DISCONNECTED: "#b3261e",
    DeviceState.ERROR: "#b3261e",
    DeviceState.STOPPED: "#5b6678",
}
_STATE_TEXT = {
    DeviceState.CONNECTED: "● Connected",
    DeviceState.READING: "● Reading",
    DeviceState.CONNECTING: "◌ Connecting",
    DeviceState.DISCONNECTED: "○ Disconnected",
    DeviceState.ERROR: "✕ Error",
    DeviceState.STOPPED: "○ Stopped",
}
_KIND_SHORT = {
    DeviceKind.BARCODE: "Barcode scanner",
    DeviceKind.MERCURY: "RFID (Mercury)",
    DeviceKind.R2000: "RFID (R2000)",
}


def settings_text(config: DeviceConfig) -> str:
    if config.kind is DeviceKind.BARCODE:
        return f"{config.baud} baud, ends {config.terminator.short}"
    gate = "no RSSI gate" if config.rssi_min_dbm is None else f"≥ {config.rssi_min_dbm} dBm"
    return f"{config.baud} baud, {gate}"


@dataclass(frozen=True, slots=True)
class DeviceRow:
    config: DeviceConfig
    status: DeviceStatus | None


class DeviceTableModel(QAbstractTableModel):
    """Rows in configuration order; :meth:`update_status` changes one row's status cells."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DeviceRow] = []

    # ---- Qt model API ----

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(DeviceColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(DeviceColumn):
            return _HEADERS[DeviceColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(DeviceColumn):
            return None
        row = self._rows[index.row()]
        column = DeviceColumn(index.column())
        state = row.status.state if row.status else DeviceState.CONNECTING
        if role == Qt.ItemDataRole.DisplayRole:
            if column is DeviceColumn.NAME:
                return row.config.name
            if column is DeviceColumn.KIND:
                return _KIND_SHORT[row.config.kind]
            if column is DeviceColumn.PORT:
                return row.config.port
            if column is DeviceColumn.SETTINGS:
                return settings_text(row.config)
            if column is DeviceColumn.STATE:
                return _STATE_TEXT[state]
            return row.status.message if row.status else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is DeviceColumn.MESSAGE and row.status:
                return row.status.message
            if column is DeviceColumn.PORT:
                return row.status.port if row.status and row.status.port else row.config.port
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column is DeviceColumn.STATE:
            return QColor(_STATE_COLOURS[state])
        return None

    # ---- page API ----

    def set_devices(
        self, configs: Sequence[DeviceConfig], statuses: Mapping[str, DeviceStatus]
    ) -> None:
        self.beginResetModel()
        self._rows = [DeviceRow(c, statuses.get(c.name)) for c in configs]
        self.endResetModel()

    def update_status(self, status: DeviceStatus) -> None:
        """Show ``status`` on its device's row; statuses of unknown devices are ignored."""
        for number, row in enumerate(self._rows):
            if row.config.name == status.device:
                self._rows[number] = DeviceRow(row.config, status)
                self.dataChanged.emit(
                    self.index(number, DeviceColumn.STATE), self.index(number, DeviceColumn.MESSAGE)
                )
                return

    def config_at(self, row: int) -> DeviceConfig | None:
        return self._rows[row].config if 0 <= row < len(self._rows) else None

    def states(self) -> list[DeviceState | None]:
        return [row.status.state if row.status else None for row in self._rows]
