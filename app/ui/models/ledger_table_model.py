"""The Custody log table: one row per ledger event, newest first, paged in as you scroll."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.domain.audit import LedgerEntry
from app.services.custody_log import describe

Index = QModelIndex | QPersistentModelIndex


class LedgerColumn(enum.IntEnum):
    SEQ = 0
    TIME = 1
    TYPE = 2
    OPERATOR = 3
    SUMMARY = 4


_HEADERS = {
    LedgerColumn.SEQ: "#",
    LedgerColumn.TIME: "Time",
    LedgerColumn.TYPE: "Event",
    LedgerColumn.OPERATOR: "Operator",
    LedgerColumn.SUMMARY: "What happened",
}


@dataclass(frozen=True, slots=True)
class LedgerRowView:
    """Display strings computed once per row, so painting never parses payloads."""

    entry: LedgerEntry
    time_text: str
    summary: str

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerRowView:
        try:
            time_text = datetime.fromisoformat(entry.device_time).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            time_text = entry.device_time
        return cls(entry=entry, time_text=time_text, summary=describe(entry))


class LedgerTableModel(QAbstractTableModel):
    """Rows are appended page by page; ``more_requested`` asks the page for the next page
    (the page loads it through the task runner and calls :meth:`append_page`)."""

    more_requested = Signal(int)  # seq to continue below

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LedgerRowView] = []
        self._exhausted = True
        self._loading = False

    # ---- Qt model API ----

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LedgerColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(LedgerColumn):
            return _HEADERS[LedgerColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = LedgerColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is LedgerColumn.SEQ:
                return row.entry.seq
            if column is LedgerColumn.TIME:
                return row.time_text
            if column is LedgerColumn.TYPE:
                return row.entry.type
            if column is LedgerColumn.OPERATOR:
                return row.entry.operator_name
            return row.summary
        if role == Qt.ItemDataRole.ToolTipRole and column is LedgerColumn.SUMMARY:
            return row.summary
        if role == Qt.ItemDataRole.TextAlignmentRole and column is LedgerColumn.SEQ:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent) and self._rows:
            self._loading = True
            self.more_requested.emit(self._rows[-1].entry.seq)

    # ---- page API ----

    def reset_rows(self, entries: list[LedgerEntry], *, exhausted: bool) -> None:
        self.beginResetModel()
        self._rows = [LedgerRowView.of(e) for e in entries]
        self._exhausted = exhausted
        self._loading = False
        self.endResetModel()

    def append_page(self, entries: list[LedgerEntry], *, exhausted: bool) -> None:
        self._loading = False
        self._exhausted = exhausted
        if not entries:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(entries) - 1)
        self._rows.extend(LedgerRowView.of(e) for e in entries)
        self.endInsertRows()

    def load_failed(self) -> None:
        self._loading = False

    def entry_at(self, row: int) -> LedgerEntry | None:
        return self._rows[row].entry if 0 <= row < len(self._rows) else None
