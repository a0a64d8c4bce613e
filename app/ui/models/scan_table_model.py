"""The receiving page's scan list: one row per scan result, newest first."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.domain.manifests import ScanOutcome

Index = QModelIndex | QPersistentModelIndex
MAX_ROWS = 500


class ScanColumn(enum.IntEnum):
    TIME = 0
    VALUE = 1
    RESULT = 2
    DETAIL = 3


_HEADERS = {
    ScanColumn.TIME: "Time",
    ScanColumn.VALUE: "Scanned",
    ScanColumn.RESULT: "Result",
    ScanColumn.DETAIL: "Detail",
}
SEVERITY_COLOURS = {"ok": "#dff5e3", "warn": "#fff1cc", "error": "#fde2e0", "info": "#e9edf3"}


@dataclass(frozen=True, slots=True)
class ScanRow:
    time_text: str
    value: str
    result: str
    detail: str
    severity: str  # ok | warn | error | info

    @classmethod
    def severity_of(cls, outcome: ScanOutcome) -> str:
        return outcome.severity


class ScanTableModel(QAbstractTableModel):
    """Immutable rows, prepended as scans come in (at most ``MAX_ROWS`` kept)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ScanRow] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ScanColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS.get(ScanColumn(section)) if 0 <= section < len(ScanColumn) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.time_text, row.value, row.result, row.detail)[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return QColor(SEVERITY_COLOURS.get(row.severity, "#ffffff"))
        return None

    def row_at(self, row: int) -> ScanRow:
        return self._rows[row]

    def prepend(self, row: ScanRow) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, row)
        self.endInsertRows()
        if len(self._rows) > MAX_ROWS:
            self.beginRemoveRows(QModelIndex(), MAX_ROWS, len(self._rows) - 1)
            del self._rows[MAX_ROWS:]
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()
