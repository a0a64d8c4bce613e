"""The Devices page's live test view: what the devices delivered, newest first, capped."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.domain.devices import DeviceScan, DeviceTagEvent, TagEventKind

Index = QModelIndex | QPersistentModelIndex

MAX_ROWS = 500


class ActivityColumn(enum.IntEnum):
    TIME = 0
    DEVICE = 1
    WHAT = 2
    VALUE = 3
    DETAIL = 4


_HEADERS = {
    ActivityColumn.TIME: "Time",
    ActivityColumn.DEVICE: "Device",
    ActivityColumn.WHAT: "What",
    ActivityColumn.VALUE: "Value",
    ActivityColumn.DETAIL: "Details",
}
_TAG_WHAT = {
    TagEventKind.ARRIVED: "Tag arrived",
    TagEventKind.CONFIRMED: "Tag confirmed",
    TagEventKind.DEPARTED: "Tag departed",
}


@dataclass(frozen=True, slots=True)
class ActivityRow:
    time_text: str
    device: str
    what: str
    value: str
    detail: str

    @classmethod
    def of_scan(cls, scan: DeviceScan, time_text: str) -> ActivityRow:
        parts = [scan.symbology]
        if scan.aim_id:
            parts.append(f"AIM {scan.aim_id}")
        if scan.gs1:
            parts.append(" ".join(f"({ai}) {value}" for ai, value in scan.gs1))
        # GS (0x1D) separators are invisible: show them as the GS1 convention does.
        value = scan.value.replace("\x1d", "␝")
        return cls(time_text, scan.device, "Scan", value, ", ".join(parts))

    @classmethod
    def of_tag(cls, tag: DeviceTagEvent, time_text: str) -> ActivityRow:
        parts = []
        if tag.epc_uri:
            parts.append(tag.epc_uri)
        if tag.rssi_dbm is not None:
            parts.append(f"{tag.rssi_dbm} dBm")
        if tag.antenna is not None:
            parts.append(f"ant {tag.antenna}")
        parts.append(f"{tag.read_count} read" + ("" if tag.read_count == 1 else "s"))
        return cls(time_text, tag.device, _TAG_WHAT[tag.kind], tag.epc_hex, ", ".join(parts))

    @classmethod
    def of_wedge(cls, text: str, time_text: str) -> ActivityRow:
        return cls(time_text, "Keyboard wedge", "Scan", text, "typed by a USB keyboard scanner")


class DeviceActivityModel(QAbstractTableModel):
    """Newest row first; older rows beyond ``max_rows`` are dropped."""

    def __init__(self, parent: QObject | None = None, *, max_rows: int = MAX_ROWS) -> None:
        super().__init__(parent)
        self._rows: list[ActivityRow] = []
        self._max_rows = max_rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ActivityColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(ActivityColumn):
            return _HEADERS[ActivityColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(ActivityColumn):
            return None
        row = self._rows[index.row()]
        column = ActivityColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.time_text, row.device, row.what, row.value, row.detail)[column]
        return None

    def add(self, row: ActivityRow) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, row)
        self.endInsertRows()
        if len(self._rows) > self._max_rows:
            self.beginRemoveRows(QModelIndex(), self._max_rows, len(self._rows) - 1)
            del self._rows[self._max_rows :]
            self.endRemoveRows()

    def add_scan(self, scan: DeviceScan) -> None:
        self.add(ActivityRow.of_scan(scan, _now_text()))

    def add_tag(self, tag: DeviceTagEvent) -> None:
        self.add(ActivityRow.of_tag(tag, _now_text()))

    def add_wedge_scan(self, text: str) -> None:
        self.add(ActivityRow.of_wedge(text, _now_text()))

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def row_at(self, row: int) -> ActivityRow:
        return self._rows[row]


def _now_text() -> str:
    return time.strftime("%H:%M:%S")
