"""Thin table models of the Sanitization page: results (one row per recorded attempt), drives
(the media registry) and the review list. Each is a read-only model over immutable rows."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.domain.sanitization import Medium, ReviewItem, SampleDriveRow, SanitizationRow

Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")

_PASS = QColor("#dff5e3")
_FAIL = QColor("#fde2e0")
_WARN = QColor("#fff4d6")


class _RowsModel(QAbstractTableModel, Generic[Row]):
    """Rows replaced as a whole (``reset_rows``); cells from ``_cell(row, column)``."""

    headers: Sequence[str] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def reset_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def rows(self) -> list[Row]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return self.headers[section] if 0 <= section < len(self.headers) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.headers):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(row, index.column())
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = self._colour(row)
            return QBrush(colour) if colour is not None else None
        return None

    def _cell(self, row: Row, column: int) -> str:
        raise NotImplementedError

    def _colour(self, row: Row) -> QColor | None:
        return None


class ResultColumn(enum.IntEnum):
    SERIAL = 0
    ASSET = 1
    KIND = 2
    OUTCOME = 3
    TECHNIQUE = 4
    RESULT = 5
    TOOL = 6
    LABEL = 7
    ENDED = 8
    OPERATOR = 9
    EVIDENCE = 10


_RESULT_CELLS: dict[ResultColumn, Callable[[SanitizationRow], str]] = {
    ResultColumn.SERIAL: lambda r: r.drive_serial,
    ResultColumn.ASSET: lambda r: r.asset_id,
    ResultColumn.KIND: lambda r: r.media_kind,
    ResultColumn.OUTCOME: lambda r: (
        r.outcome or ("→ DESTROY" if r.route_to_destruction else "none")
    ),
    ResultColumn.TECHNIQUE: lambda r: r.technique,
    ResultColumn.RESULT: lambda r: r.result + (" (validate)" if r.needs_validation else ""),
    ResultColumn.TOOL: lambda r: f"{r.tool} {r.tool_version}".strip(),
    ResultColumn.LABEL: lambda r: r.tool_method_label,
    ResultColumn.ENDED: lambda r: r.ended,
    ResultColumn.OPERATOR: lambda r: r.operator,
    ResultColumn.EVIDENCE: lambda r: r.evidence_sha256[:12],
}


class SanitizationResultModel(_RowsModel[SanitizationRow]):
    headers = (
        "Drive serial",
        "Asset",
        "Type",
        "Outcome",
        "Technique",
        "Result",
        "Tool",
        "Tool's label",
        "Ended",
        "Operator",
        "Evidence",
    )

    def _cell(self, row: SanitizationRow, column: int) -> str:
        return _RESULT_CELLS[ResultColumn(column)](row)

    def _colour(self, row: SanitizationRow) -> QColor | None:
        if not row.outcome:
            return _FAIL
        return _WARN if row.needs_validation else _PASS


class MediaColumn(enum.IntEnum):
    SERIAL = 0
    ASSET = 1
    KIND = 2
    MODEL = 3
    CAPACITY = 4
    HOURS = 5
    STATE = 6


class MediaModel(_RowsModel[Medium]):
    headers = ("Drive serial", "Host asset", "Type", "Model", "Capacity", "Power-on h", "State")

    def _cell(self, row: Medium, column: int) -> str:
        col = MediaColumn(column)
        if col is MediaColumn.SERIAL:
            return row.serial
        if col is MediaColumn.ASSET:
            return row.asset_id or "(no host)"
        if col is MediaColumn.KIND:
            return row.kind
        if col is MediaColumn.MODEL:
            return row.model
        if col is MediaColumn.CAPACITY:
            return f"{row.capacity_bytes / 1e9:.0f} GB" if row.capacity_bytes else ""
        if col is MediaColumn.HOURS:
            return "" if row.power_on_hours is None else str(row.power_on_hours)
        if row.outcome:
            return f"sanitized: {row.outcome}"
        if row.voided_reason:
            return f"re-opened: {row.voided_reason}"
        if row.route_to_destruction:
            return "failed: route to destruction"
        return "data-bearing"

    def _colour(self, row: Medium) -> QColor | None:
        if row.outcome:
            return _PASS
        return _FAIL if row.route_to_destruction or row.voided_reason else None


class ReviewColumn(enum.IntEnum):
    FILE = 0
    SERIAL = 1
    MODEL = 2
    RESULT = 3
    REASON = 4


class ReviewModel(_RowsModel[ReviewItem]):
    headers = ("Report file", "Drive serial", "Model", "Result", "Reason")

    def _cell(self, row: ReviewItem, column: int) -> str:
        return (row.file_name, row.drive_serial or "(none)", row.model, row.result, row.reason)[
            ReviewColumn(column)
        ]


class SampleColumn(enum.IntEnum):
    SAMPLE = 0
    JOB = 1
    SERIAL = 2
    ASSET = 3
    TOOL = 4
    WIPED_BY = 5
    STATUS = 6
    VERIFIER = 7
    METHOD = 8
    NOTES = 9


class SampleModel(_RowsModel[SampleDriveRow]):
    """R2v3 QC sample drives: pending (white), passed (green), failed (red)."""

    headers = (
        "Sample",
        "Job",
        "Drive serial",
        "Host asset",
        "Wiped with",
        "Wipe recorded by",
        "Verification",
        "Verifier",
        "Method",
        "Notes",
    )

    def _cell(self, row: SampleDriveRow, column: int) -> str:
        col = SampleColumn(column)
        if col is SampleColumn.STATUS:
            if row.status == "FAILED":
                return f"FAILED: batch re-opened ({row.reopened_count} drives)"
            return row.status
        if col is SampleColumn.METHOD:
            return " / ".join(p for p in (row.method, row.recovery_tool) if p)
        return (
            row.sample_id,
            row.job_id,
            row.drive_serial,
            row.asset_id,
            row.tool,
            row.wiped_by_name or row.wiped_by,
            "",
            row.verifier,
            "",
            row.notes,
        )[col]

    def _colour(self, row: SampleDriveRow) -> QColor | None:
        return {"PASSED": _PASS, "FAILED": _FAIL}.get(row.status)
