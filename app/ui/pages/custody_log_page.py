"""The Custody log page: the ledger as a fast, filterable table, each event's full details, and
"Verify ledger" with the verifier's verdict."""

from __future__ import annotations

import json
from datetime import datetime

from PySide6.QtCore import QDateTime, QItemSelection, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.audit import LedgerEntry, LedgerFilter
from app.domain.events import PAYLOAD_TYPES
from app.domain.roles import Operator
from app.services.custody_log import CustodyLogService, LedgerVerdict, describe
from app.services.operators import OperatorService
from app.ui.error_display import show_error
from app.ui.models.ledger_table_model import LedgerColumn, LedgerTableModel
from app.ui.task_runner import TaskRunner

PAGE_SIZE = 500


def _type_choices() -> list[tuple[str, str]]:
    prefixes = sorted({t.split(".")[0] + "." for t in PAYLOAD_TYPES})
    choices = [("All events", "")]
    for prefix in prefixes:
        choices.append((f"{prefix}*", prefix))
        choices.extend((f"  {t}", t) for t in sorted(PAYLOAD_TYPES) if t.startswith(prefix))
    return choices


class CustodyLogPage(QWidget):
    """Owns the ledger table, filters and verdict banner. GUI thread only; every query goes
    through the task runner."""

    verified = Signal(bool)  # True when the last verification was OK

    def __init__(
        self,
        custody_log: CustodyLogService,
        operators: OperatorService,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._custody_log = custody_log
        self._operators = operators
        self._runner = runner
        self._filter = LedgerFilter()
        self._generation = 0  # discards answers to superseded queries
        self.model = LedgerTableModel(self)
        self.model.more_requested.connect(self._on_model_more_requested)
        self._build()

    # ---- layout ----

    def _build(self) -> None:
        title = QLabel("Custody log")
        title.setObjectName("pageTitle")
        self.count_label = QLabel("")
        self.count_label.setObjectName("muted")
        self.verify_button = QPushButton("Verify ledger")
        self.verify_button.setObjectName("primary")
        self.verify_button.clicked.connect(self._on_verify_clicked)
        self.verdict = QLabel("Not verified in this session.")
        self.verdict.setObjectName("verdictNeutral")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.count_label, 1)
        head.addWidget(self.verify_button)

        self.asset_edit = QLineEdit()
        self.asset_edit.setPlaceholderText("asset ID")
        self.pallet_edit = QLineEdit()
        self.pallet_edit.setPlaceholderText("pallet ID")
        self.operator_combo = QComboBox()
        self.operator_combo.addItem("Any operator", "")
        self.type_combo = QComboBox()
        for label, value in _type_choices():
            self.type_combo.addItem(label, value)
        now = QDateTime.currentDateTime()
        self.from_check = QCheckBox("From")
        self.from_edit = QDateTimeEdit(now.addDays(-7))
        self.to_check = QCheckBox("To")
        self.to_edit = QDateTimeEdit(now)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        for combo in (self.operator_combo, self.type_combo):
            # Fit a 1024-pixel bench screen: long names elide instead of widening the window.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        self.apply_button = QPushButton("Apply filter")
        self.apply_button.clicked.connect(self._on_apply_clicked)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        for edit in (self.asset_edit, self.pallet_edit):
            edit.returnPressed.connect(self._on_apply_clicked)

        filters = QGridLayout()
        filters.addWidget(QLabel("Asset"), 0, 0)
        filters.addWidget(self.asset_edit, 0, 1)
        filters.addWidget(QLabel("Operator"), 0, 2)
        filters.addWidget(self.operator_combo, 0, 3)
        filters.addWidget(QLabel("Pallet"), 1, 0)
        filters.addWidget(self.pallet_edit, 1, 1)
        filters.addWidget(QLabel("Event"), 1, 2)
        filters.addWidget(self.type_combo, 1, 3)
        filters.addWidget(self.from_check, 2, 0)
        filters.addWidget(self.from_edit, 2, 1)
        filters.addWidget(self.to_check, 2, 2)
        filters.addWidget(self.to_edit, 2, 3)
        buttons = QVBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        filters.addLayout(buttons, 0, 4, 3, 1)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(LedgerColumn.SUMMARY, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (LedgerColumn.SEQ, 70),
            (LedgerColumn.TIME, 160),
            (LedgerColumn.TYPE, 170),
            (LedgerColumn.OPERATOR, 150),
        ):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.details.setFont(mono)
        self.details.setPlaceholderText("Select an event to see everything it recorded.")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.verdict)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

    # ---- loading ----

    def refresh(self) -> None:
        """Reload the first page with the current filter and the operator list."""
        self._generation += 1
        generation = self._generation
        ledger_filter = self._filter
        self._runner.run(
            lambda: (
                self._custody_log.page(ledger_filter, limit=PAGE_SIZE),
                self._custody_log.count(),
            ),
            lambda result: self._on_first_page_loaded(generation, result),
            lambda exc: show_error(self, exc, doing="loading the custody log"),
        )
        self._runner.run(
            self._operators.operators,
            self._on_operators_loaded,
            lambda exc: show_error(self, exc, doing="loading operators"),
        )

    def _on_first_page_loaded(self, generation: int, result: tuple[list[LedgerEntry], int]) -> None:
        if generation != self._generation:
            return
        entries, total = result
        self.model.reset_rows(entries, exhausted=len(entries) < PAGE_SIZE)
        filtered = self._filter != LedgerFilter()
        self.count_label.setText(
            f"{total:,} events in the ledger"
            + (" — filter applied" if filtered else "")
            + ("" if entries or not filtered else " — nothing matches")
        )
        if entries:
            self.table.selectRow(0)

    def _on_operators_loaded(self, operators: list[Operator]) -> None:
        current = self.operator_combo.currentData()
        self.operator_combo.blockSignals(True)
        self.operator_combo.clear()
        self.operator_combo.addItem("Any operator", "")
        self.operator_combo.addItem("system (station)", "system")
        for operator in operators:
            self.operator_combo.addItem(
                f"{operator.display_name} ({operator.role.value})", operator.operator_id
            )
        index = self.operator_combo.findData(current)
        self.operator_combo.setCurrentIndex(max(index, 0))
        self.operator_combo.blockSignals(False)

    def _on_model_more_requested(self, before_seq: int) -> None:
        generation = self._generation
        ledger_filter = self._filter
        self._runner.run(
            lambda: self._custody_log.page(ledger_filter, before_seq=before_seq, limit=PAGE_SIZE),
            lambda entries: self._on_more_loaded(generation, entries),
            self._on_more_failed,
        )

    def _on_more_loaded(self, generation: int, entries: list[LedgerEntry]) -> None:
        if generation == self._generation:
            self.model.append_page(entries, exhausted=len(entries) < PAGE_SIZE)

    def _on_more_failed(self, exc: BaseException) -> None:
        self.model.load_failed()
        show_error(self, exc, doing="loading more of the custody log")

    # ---- filters ----

    def current_filter(self) -> LedgerFilter:
        def ms(edit: QDateTimeEdit) -> int:
            return int(edit.dateTime().toMSecsSinceEpoch())

        return LedgerFilter(
            asset_id=self.asset_edit.text().strip(),
            pallet_id=self.pallet_edit.text().strip(),
            operator_id=self.operator_combo.currentData() or "",
            type_prefix=self.type_combo.currentData() or "",
            from_ms=ms(self.from_edit) if self.from_check.isChecked() else None,
            to_ms=ms(self.to_edit) if self.to_check.isChecked() else None,
        )

    def set_filter(self, ledger_filter: LedgerFilter) -> None:
        """Apply a filter programmatically (e.g. "show this asset's history")."""
        self.asset_edit.setText(ledger_filter.asset_id)
        self.pallet_edit.setText(ledger_filter.pallet_id)
        self._filter = ledger_filter
        self.refresh()

    def _on_apply_clicked(self) -> None:
        self._filter = self.current_filter()
        self.refresh()

    def _on_clear_clicked(self) -> None:
        self.asset_edit.clear()
        self.pallet_edit.clear()
        self.operator_combo.setCurrentIndex(0)
        self.type_combo.setCurrentIndex(0)
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)
        self._filter = LedgerFilter()
        self.refresh()

    # ---- details ----

    def _on_table_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        indexes = selected.indexes()
        entry = self.model.entry_at(indexes[0].row()) if indexes else None
        self.details.setPlainText(_details_text(entry) if entry else "")

    # ---- verification ----

    def _on_verify_clicked(self) -> None:
        self.verify_button.setEnabled(False)
        self.verdict.setObjectName("verdictNeutral")
        self.verdict.setText("Verifying every event's hash, chain link and signature…")
        self._restyle(self.verdict)
        self._runner.run(self._custody_log.verify, self._on_verified, self._on_verify_failed)

    def _on_verified(self, verdict: LedgerVerdict) -> None:
        self.verify_button.setEnabled(True)
        self.verdict.setObjectName("verdictOk" if verdict.ok else "verdictBroken")
        self.verdict.setText(verdict.text)
        self._restyle(self.verdict)
        self.verified.emit(verdict.ok)

    def _on_verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.verdict.setObjectName("verdictNeutral")
        self.verdict.setText("Verification did not run.")
        self._restyle(self.verdict)
        show_error(self, exc, doing="verifying the ledger")

    @staticmethod
    def _restyle(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def _details_text(entry: LedgerEntry) -> str:
    local = datetime.fromtimestamp(entry.hlc_ms / 1000).astimezone()
    lines = [
        f"Event #{entry.seq}   {entry.type}",
        f"  {describe(entry)}",
        "",
        f"Operator     {entry.operator_name} ({entry.operator_id})",
        f"Device time  {entry.device_time}",
        f"HLC          {entry.hlc_ms} ({local:%Y-%m-%d %H:%M:%S.%f}"[:-3] + ")",
        f"Event ID     {entry.event_id}",
        f"Hash         {entry.hash}",
        f"Prev hash    {entry.prev_hash}",
        f"Signature    {entry.sig}",
        "",
        "Payload",
        json.dumps(entry.payload, indent=2, ensure_ascii=False),
    ]
    if entry.refs:
        lines += ["", "Refs", json.dumps(entry.refs, indent=2, ensure_ascii=False)]
    return "\n".join(lines)
