"""The grading checklist: one row per rubric check, with the grader's answer."""

from __future__ import annotations

import enum

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.domain.grading import Answer, CheckItem, CheckResult, Rubric, effective_result

Index = QModelIndex | QPersistentModelIndex

MAX_VALUE_DIGITS = 6
_RESULT_COLOURS = {
    CheckResult.PASS: QColor("#dff5e3"),
    CheckResult.FAIL: QColor("#fde2e0"),
    CheckResult.NOT_TESTED: QColor("#fff4d6"),
    CheckResult.NOT_APPLICABLE: QColor("#e9edf3"),
}


class ChecklistColumn(enum.IntEnum):
    NUMBER = 0
    CHECK = 1
    RESULT = 2
    VALUE = 3


_HEADERS = {
    ChecklistColumn.NUMBER: "#",
    ChecklistColumn.CHECK: "Check",
    ChecklistColumn.RESULT: "Result",
    ChecklistColumn.VALUE: "Value",
}


class ChecklistModel(QAbstractTableModel):
    """Rows are the rubric's checks (immutable); answers change per key press. GUI thread."""

    answers_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checks: tuple[CheckItem, ...] = ()
        self._answers: dict[str, Answer] = {}

    # ---- Qt model API ----

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._checks)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ChecklistColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(ChecklistColumn):
            return _HEADERS[ChecklistColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._checks):
            return None
        check = self._checks[index.row()]
        answer = self._answers.get(check.code)
        result = effective_result(check, answer)
        column = ChecklistColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is ChecklistColumn.NUMBER:
                return index.row() + 1
            if column is ChecklistColumn.CHECK:
                return check.label
            if column is ChecklistColumn.RESULT:
                return result.title if result is not None else "—"
            if not check.measured:
                return ""
            if answer is not None and answer.value is not None:
                return f"{answer.value} {check.unit}"
            return f"type {check.bounds_text}"
        if role == Qt.ItemDataRole.BackgroundRole and column is ChecklistColumn.RESULT:
            return QBrush(_RESULT_COLOURS[result]) if result is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and column is ChecklistColumn.VALUE:
            if answer is None or answer.value is None:
                return QBrush(QColor("#8a94a6"))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return check.hint or check.label
        if role == Qt.ItemDataRole.TextAlignmentRole and column is ChecklistColumn.NUMBER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ---- page API ----

    def set_rubric(self, rubric: Rubric | None) -> None:
        """Show ``rubric``'s checklist with no answers."""
        self.beginResetModel()
        self._checks = rubric.checks if rubric is not None else ()
        self._answers = {}
        self.endResetModel()
        self.answers_changed.emit()

    def clear_answers(self) -> None:
        self._answers = {}
        self._changed(0, len(self._checks) - 1)

    def check_at(self, row: int) -> CheckItem | None:
        return self._checks[row] if 0 <= row < len(self._checks) else None

    def set_result(self, row: int, result: CheckResult) -> None:
        check = self.check_at(row)
        if check is None:
            return
        old = self._answers.get(check.code)
        # Not tested / N/A drop a typed value; pass/fail keep it (the value decides).
        keep_value = result in (CheckResult.PASS, CheckResult.FAIL)
        value = old.value if old is not None and keep_value else None
        self._answers[check.code] = Answer(check.code, result, value)
        self._changed(row, row)

    def type_digit(self, row: int, digit: int) -> bool:
        """Append a digit to a measured item's value; False if the row is not measured."""
        check = self.check_at(row)
        if check is None or not check.measured:
            return False
        old = self._answers.get(check.code)
        text = str(old.value) if old is not None and old.value is not None else ""
        if len(text) >= MAX_VALUE_DIGITS:
            return True
        value = int(text + str(digit))
        self._answers[check.code] = Answer(check.code, None, value)
        self._changed(row, row)
        return True

    def erase(self, row: int) -> None:
        """Backspace: drop the last digit of a value, or else the answer."""
        check = self.check_at(row)
        old = self._answers.get(check.code) if check is not None else None
        if check is None or old is None:
            return
        if old.value is not None and old.value >= 10:
            self._answers[check.code] = Answer(check.code, None, old.value // 10)
        else:
            del self._answers[check.code]
        self._changed(row, row)

    def answers(self) -> tuple[Answer, ...]:
        return tuple(self._answers[c.code] for c in self._checks if c.code in self._answers)

    def answer_map(self) -> dict[str, Answer]:
        return dict(self._answers)

    def unanswered_rows(self) -> list[int]:
        return [
            row
            for row, check in enumerate(self._checks)
            if effective_result(check, self._answers.get(check.code)) is None
        ]

    def _changed(self, first: int, last: int) -> None:
        if last >= first >= 0:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(ChecklistColumn) - 1))
        self.answers_changed.emit()
