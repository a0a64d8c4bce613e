"""An asset's grade history: every grade, newest first, superseded ones included."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.domain.grading import Disposition, GradeRecord

Index = QModelIndex | QPersistentModelIndex


class HistoryColumn(enum.IntEnum):
    WHEN = 0
    COSMETIC = 1
    FUNCTIONAL = 2
    DISPOSITION = 3
    BY = 4
    STATUS = 5


_HEADERS = {
    HistoryColumn.WHEN: "When",
    HistoryColumn.COSMETIC: "Cosmetic",
    HistoryColumn.FUNCTIONAL: "Functional",
    HistoryColumn.DISPOSITION: "Disposition",
    HistoryColumn.BY: "Graded by",
    HistoryColumn.STATUS: "Status",
}


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """Display strings computed once per grade."""

    record: GradeRecord
    cells: tuple[str, ...]

    @classmethod
    def of(cls, g: GradeRecord) -> HistoryRow:
        try:
            when = datetime.fromisoformat(g.device_time).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            when = g.device_time
        try:
            disposition = Disposition(g.disposition).title
        except ValueError:
            disposition = g.disposition
        status = "current" if g.current else "superseded"
        if g.needs_review:
            status += ", needs review"
        if g.overridden:
            status += f"; override: {g.override_reason}"
        functional = g.functional_grade
        if g.functional_grade != g.derived_functional:
            functional += f" (suggested {g.derived_functional})"
        return cls(
            record=g,
            cells=(
                when,
                g.cosmetic_grade,
                functional,
                disposition,
                g.operator_name,
                status,
            ),
        )


class GradeHistoryModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryRow] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HistoryColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(HistoryColumn):
            return _HEADERS[HistoryColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            g = row.record
            return (
                f"{g.rubric_id} v{g.rubric_version}; defects: {', '.join(g.defects) or 'none'}; "
                f"{g.photo_count} photo(s)" + (f"\n{g.notes}" if g.notes else "")
            )
        if role == Qt.ItemDataRole.ForegroundRole and not row.record.current:
            return QBrush(QColor("#8a94a6"))
        return None

    def reset_rows(self, records: tuple[GradeRecord, ...] | list[GradeRecord]) -> None:
        self.beginResetModel()
        self._rows = [HistoryRow.of(r) for r in records]
        self.endResetModel()

    def record_at(self, row: int) -> GradeRecord | None:
        return self._rows[row].record if 0 <= row < len(self._rows) else None
