"""The close-receiving dialog's discrepancy table; the resolution column is editable."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.domain.manifests import Discrepancy, Resolution

Index = QModelIndex | QPersistentModelIndex


class DiscrepancyColumn(enum.IntEnum):
    CODE = 0
    LINE = 1
    IDENTIFIER = 2
    DESCRIPTION = 3
    RESOLUTION = 4


_HEADERS = {
    DiscrepancyColumn.CODE: "Code",
    DiscrepancyColumn.LINE: "Line",
    DiscrepancyColumn.IDENTIFIER: "Identifier",
    DiscrepancyColumn.DESCRIPTION: "Description",
    DiscrepancyColumn.RESOLUTION: "Resolution",
}
RESOLUTION_TITLES = {
    Resolution.NONE: "(open)",
    Resolution.FOUND_LATER: "Found later",
    Resolution.CUSTOMER_CONFIRMED_NOT_SHIPPED: "Customer confirmed not shipped",
    Resolution.WRITTEN_OFF: "Written off",
    Resolution.MANIFEST_AMENDED: "Manifest amended",
}


class DiscrepancyTableModel(QAbstractTableModel):
    """Rows are the reconciliation's discrepancies; resolutions are kept by discrepancy key."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Discrepancy] = []
        self._resolutions: dict[str, Resolution] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(DiscrepancyColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(_HEADERS):
            return _HEADERS[DiscrepancyColumn(section)]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == DiscrepancyColumn.RESOLUTION:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        d = self._rows[index.row()]
        column = DiscrepancyColumn(index.column())
        resolution = self._resolutions.get(d.key, Resolution.NONE)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column is DiscrepancyColumn.RESOLUTION:
                return (
                    RESOLUTION_TITLES[resolution]
                    if role == Qt.ItemDataRole.DisplayRole
                    else (resolution.value)
                )
            return {
                DiscrepancyColumn.CODE: d.code.value,
                DiscrepancyColumn.LINE: str(d.line_no or ""),
                DiscrepancyColumn.IDENTIFIER: d.identifier or d.container_id,
                DiscrepancyColumn.DESCRIPTION: d.description or d.note,
            }[column]
        if role == Qt.ItemDataRole.BackgroundRole and d.code.is_custody_exception:
            return QColor("#fde2e0")
        return None

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            not index.isValid()
            or index.column() != DiscrepancyColumn.RESOLUTION
            or role != Qt.ItemDataRole.EditRole
        ):
            return False
        try:
            resolution = Resolution(str(value))
        except ValueError:
            return False
        self._resolutions[self._rows[index.row()].key] = resolution
        self.dataChanged.emit(index, index)
        return True

    def reset_rows(self, rows: list[Discrepancy]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._resolutions = {}
        self.endResetModel()

    def resolutions(self) -> dict[str, tuple[Resolution, str]]:
        return {k: (v, "") for k, v in self._resolutions.items() if v is not Resolution.NONE}
