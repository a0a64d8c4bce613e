"""The Grading page, built for speed by keyboard (and big enough for gloved fingers).

Flow: scan or type an asset ID / serial / tag and press Enter → the asset, its grade history and
its rubric's checklist appear, and the focus jumps to the first check. In the checklist:

* ``P`` pass, ``F`` fail, ``N`` not tested, ``X`` not applicable: answer and move down;
* digits type a measured value (battery health %); the value decides pass or fail; ``Enter``
  or ``↓`` moves on, ``Backspace`` erases;
* ``A`` to ``D`` set the cosmetic grade (from anywhere but a text field);
* ``Ctrl+Enter`` or ``F12`` saves; ``Ctrl+Shift+Enter`` or ``F11`` saves and gets ready for the
  next unit, keeping the rubric; ``Ctrl+O`` opens the override; ``Ctrl+P`` adds a photo;
  ``F6`` goes back to the scan field.

Tab order: scan field → checklist → defects (Space ticks) → photos → notes → override → save.

GUI thread only; every service call goes through the task runner.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.domain.grading import (
    CheckResult,
    Derivation,
    Disposition,
    Rubric,
    derive,
    sheet_problems,
)
from app.services.grading import GradeSheet, GradingContext, GradingService, PhotoFile
from app.ui.error_display import show_error
from app.ui.models.checklist_model import ChecklistColumn, ChecklistModel
from app.ui.models.grade_history_model import GradeHistoryModel, HistoryColumn
from app.ui.task_runner import TaskRunner

_RESULT_KEYS = {
    Qt.Key.Key_P: CheckResult.PASS,
    Qt.Key.Key_F: CheckResult.FAIL,
    Qt.Key.Key_N: CheckResult.NOT_TESTED,
    Qt.Key.Key_X: CheckResult.NOT_APPLICABLE,
}
_COSMETIC_KEYS = {Qt.Key.Key_A: "A", Qt.Key.Key_B: "B", Qt.Key.Key_C: "C", Qt.Key.Key_D: "D"}
TOUCH_HEIGHT_PX = 48
ROW_HEIGHT_PX = 34


class ChecklistView(QTableView):
    """The checklist table with the grading keys. Emits ``cosmetic_key_pressed`` for A to D."""

    cosmetic_key_pressed = Signal(str)

    def __init__(self, model: ChecklistModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._checklist = model
        self.setModel(model)
        self.setTabKeyNavigation(False)  # Tab leaves the table: rows move with arrows
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT_PX)
        header = self.horizontalHeader()
        header.setSectionResizeMode(ChecklistColumn.CHECK, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(ChecklistColumn.NUMBER, 40)
        self.setColumnWidth(ChecklistColumn.RESULT, 96)
        self.setColumnWidth(ChecklistColumn.VALUE, 84)

    def current_row(self) -> int:
        return self.currentIndex().row() if self.currentIndex().isValid() else 0

    def go_to_row(self, row: int) -> None:
        if 0 <= row < self._checklist.rowCount():
            self.setCurrentIndex(self._checklist.index(row, ChecklistColumn.CHECK))

    def answer_current(self, result: CheckResult) -> None:
        row = self.current_row()
        self._checklist.set_result(row, result)
        self.go_to_row(row + 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        plain = not (
            event.modifiers()
            & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        )
        row = self.current_row()
        if plain and key in _RESULT_KEYS:
            self.answer_current(_RESULT_KEYS[key])
        elif plain and key in _COSMETIC_KEYS:
            self.cosmetic_key_pressed.emit(_COSMETIC_KEYS[key])
        elif plain and Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            if not self._checklist.type_digit(row, key - Qt.Key.Key_0):
                event.ignore()
        elif plain and key == Qt.Key.Key_Backspace:
            self._checklist.erase(row)
        elif plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.go_to_row(row + 1)
        else:
            super().keyPressEvent(event)


class GradingPage(QWidget):
    """Owns the grading workspace. Emits ``grade_saved`` (asset id) after each saved grade."""

    grade_saved = Signal(str)

    def __init__(
        self, grading: GradingService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._grading = grading
        self._runner = runner
        self._context: GradingContext | None = None
        self._rubric: Rubric | None = None
        self._pinned_rubric_id = ""
        self._rubrics: list[Rubric] = []
        self._photos: list[PhotoFile] = []
        self._cosmetic = ""
        self._saving = False
        self.problems: list[str] = []  # why the sheet cannot be saved yet
        self.checklist = ChecklistModel(self)
        self.history = GradeHistoryModel(self)
        self._build()
        self._wire_shortcuts()
        self.checklist.answers_changed.connect(self._update_derivation)
        self._set_asset_widgets_enabled(False)
        self._runner.run(
            self._grading.rubrics,
            self._on_rubrics_loaded,
            lambda exc: show_error(self, exc, doing="loading the grading rubrics"),
        )

    # ---- layout ----

    def _build(self) -> None:
        title = QLabel("Grading")
        title.setObjectName("pageTitle")
        self.rubric_combo = QComboBox()
        self.rubric_combo.setMinimumContentsLength(16)
        self.rubric_combo.setToolTip("The rubric for this asset (chosen by its device type)")
        self.rubric_combo.activated.connect(self._on_rubric_combo_activated)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(QLabel("Rubric"))
        head.addWidget(self.rubric_combo)

        self.scan_edit = QLineEdit()
        self.scan_edit.setObjectName("scanField")
        self.scan_edit.setPlaceholderText("Scan or type asset ID, serial or tag, then Enter  (F6)")
        self.scan_edit.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.find_button = QPushButton("Find")
        self.find_button.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.find_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.find_button.clicked.connect(self._on_scan_edit_return_pressed)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(self.find_button)

        self.asset_label = QLabel("No asset yet: scan one to grade it.")
        self.asset_label.setObjectName("assetCard")
        self.asset_label.setWordWrap(True)
        self.notice_label = QLabel("")
        self.notice_label.setObjectName("gradingNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()

        # Left: the checklist, big answer buttons and the grade history.
        self.history_view = QTableView()
        self.history_view.setModel(self.history)
        self.history_view.verticalHeader().setVisible(False)
        self.history_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_view.setFixedHeight(92)
        self.history_view.horizontalHeader().setSectionResizeMode(
            HistoryColumn.STATUS, QHeaderView.ResizeMode.Stretch
        )
        self.history_view.setColumnWidth(HistoryColumn.WHEN, 130)

        self.checklist_view = ChecklistView(self.checklist)
        self.checklist_view.cosmetic_key_pressed.connect(self.set_cosmetic)
        answer_row = QHBoxLayout()
        self.answer_buttons: dict[CheckResult, QPushButton] = {}
        for result, text in (
            (CheckResult.PASS, "Pass  P"),
            (CheckResult.FAIL, "Fail  F"),
            (CheckResult.NOT_TESTED, "Untested  N"),
            (CheckResult.NOT_APPLICABLE, "N/A  X"),
        ):
            button = QPushButton(text)
            button.setObjectName(f"answer_{result.value}")
            button.setMinimumHeight(TOUCH_HEIGHT_PX)
            # Share the row's width instead of widening a 1024-pixel bench screen.
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, r=result: self._on_answer_clicked(r))
            self.answer_buttons[result] = button
            answer_row.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(_section("Checklist"))
        left.addWidget(self.checklist_view, 1)
        left.addLayout(answer_row)
        left.addWidget(_section("Grade history"))
        left.addWidget(self.history_view)

        # Right: cosmetic grade, defects, photos, notes, suggestion, override, save.
        self.cosmetic_group = QButtonGroup(self)
        self.cosmetic_group.setExclusive(True)
        self.cosmetic_row = QHBoxLayout()
        self.cosmetic_buttons: dict[str, QPushButton] = {}
        self.defect_list = QListWidget()
        self.defect_list.setObjectName("defectList")
        self.defect_list.itemChanged.connect(self._update_derivation)
        self.defect_list.setMinimumHeight(72)
        self.photo_button = QPushButton("Add photo  Ctrl+P")
        self.photo_button.setMinimumHeight(40)
        self.photo_button.clicked.connect(self._on_photo_button_clicked)
        self.photo_list = QListWidget()
        self.photo_list.setMaximumHeight(34)
        self.photo_list.setToolTip("Delete removes the selected photo")
        self.photo_list.installEventFilter(self)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setPlaceholderText("Notes (optional)")
        self.notes_edit.setFixedHeight(78)

        self.suggestion_label = QLabel("")
        self.suggestion_label.setObjectName("suggestion")
        self.suggestion_label.setWordWrap(True)
        self.problems_label = QLabel("")
        self.problems_label.setObjectName("muted")
        # One line that never widens the window; the full list is in the tooltip.
        self.problems_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.override_check = QCheckBox("Override the suggestion  Ctrl+O")
        self.override_check.toggled.connect(self._on_override_check_toggled)
        self.functional_combo = QComboBox()
        self.disposition_combo = QComboBox()
        for disposition in Disposition:
            self.disposition_combo.addItem(disposition.title, disposition.value)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("Reason for the override (required)")
        self.functional_combo.activated.connect(self._update_derivation)
        self.disposition_combo.activated.connect(self._update_derivation)
        self.reason_edit.textChanged.connect(self._update_derivation)
        override_grid = QGridLayout()
        override_grid.addWidget(QLabel("Functional"), 0, 0)
        override_grid.addWidget(self.functional_combo, 0, 1)
        override_grid.addWidget(QLabel("Disposition"), 1, 0)
        override_grid.addWidget(self.disposition_combo, 1, 1)
        override_grid.addWidget(self.reason_edit, 2, 0, 1, 2)
        self.override_box = QFrame()
        self.override_box.setLayout(override_grid)
        self.override_box.hide()

        self.save_button = QPushButton("Save  F12")
        self.save_button.setToolTip("Save the grade (F12 or Ctrl+Enter)")
        self.save_button.setObjectName("primary")
        self.save_button.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.save_button.clicked.connect(self.save)
        self.save_next_button = QPushButton("Save and next  F11")
        self.save_next_button.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.save_next_button.setToolTip(
            "Save, then get ready for the next unit with the same rubric (Ctrl+Shift+Enter)"
        )
        self.save_next_button.clicked.connect(self.save_and_next)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button, 1)
        save_row.addWidget(self.save_next_button, 1)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)

        right = QVBoxLayout()
        self.cosmetic_title = _section("Cosmetic grade  (keys A to D)")
        right.addWidget(self.cosmetic_title)
        right.addLayout(self.cosmetic_row)
        right.addWidget(_section("Defects  (Space ticks)"))
        right.addWidget(self.defect_list, 1)
        photo_column = QVBoxLayout()
        photo_column.addWidget(self.photo_button)
        photo_column.addWidget(self.photo_list)
        notes_row = QHBoxLayout()
        notes_row.addWidget(self.notes_edit, 3)
        notes_row.addLayout(photo_column, 2)
        right.addLayout(notes_row)
        right.addWidget(self.suggestion_label)
        right.addWidget(self.problems_label)
        right.addWidget(self.override_check)
        right.addWidget(self.override_box)
        right.addLayout(save_row)
        right.addWidget(self.status_label)

        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(scan_row)
        layout.addWidget(self.asset_label)
        layout.addWidget(self.notice_label)
        layout.addLayout(columns, 1)

        QWidget.setTabOrder(self.scan_edit, self.checklist_view)
        QWidget.setTabOrder(self.checklist_view, self.defect_list)
        QWidget.setTabOrder(self.defect_list, self.photo_button)
        QWidget.setTabOrder(self.photo_button, self.notes_edit)
        QWidget.setTabOrder(self.notes_edit, self.override_check)
        QWidget.setTabOrder(self.override_check, self.functional_combo)
        QWidget.setTabOrder(self.functional_combo, self.disposition_combo)
        QWidget.setTabOrder(self.disposition_combo, self.reason_edit)
        QWidget.setTabOrder(self.reason_edit, self.save_button)
        QWidget.setTabOrder(self.save_button, self.save_next_button)
        for widget in (self.photo_list, self.history_view, self.rubric_combo):
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def _wire_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            (("Ctrl+Return", "Ctrl+Enter", "F12"), self.save),
            (("Ctrl+Shift+Return", "Ctrl+Shift+Enter", "F11"), self.save_and_next),
            (("Ctrl+O",), self._toggle_override),
            (("Ctrl+P",), self._on_photo_button_clicked),
            (("F6", "Ctrl+L"), self.focus_scan),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(context)
                shortcut.activated.connect(slot)

    # ---- scanning ----

    def focus_scan(self) -> None:
        self.scan_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.scan_edit.selectAll()

    def scan(self, value: str) -> None:
        """A scan from a reader or wedge: look the asset up, unless a sheet is half done (a
        stray scan must not throw answers away; F6 and Enter switch on purpose)."""
        value = value.strip()
        # In the scan field (F6) a scan is deliberate; elsewhere it must not drop answers.
        if self.sheet_started() and not self.scan_edit.hasFocus():
            self._show_status(
                f"Scan {value} not used: this sheet has answers. Save it, or press F6 and "
                "scan again to switch.",
                error=True,
            )
            return
        self.look_up(value)

    def sheet_started(self) -> bool:
        return self._context is not None and bool(
            self.checklist.answers()
            or self._cosmetic
            or self.checked_defects()
            or self._photos
            or self.notes_edit.toPlainText().strip()
        )

    def _on_scan_edit_return_pressed(self) -> None:
        self.look_up(self.scan_edit.text().strip())

    def look_up(self, value: str) -> None:
        """Look up the asset whose ID, serial or tag is ``value`` and show its sheet."""
        if not value:
            return
        self.scan_edit.setText(value)
        pinned = self._pinned_rubric_id
        self._runner.run(
            lambda: self._grading.lookup(value, rubric_id=pinned),
            self._on_context_loaded,
            self._on_lookup_failed,
        )

    def _on_lookup_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self._show_status(exc.message, error=True)
            self.focus_scan()
            return
        show_error(self, exc, doing="looking up the asset")

    def _on_context_loaded(self, context: GradingContext) -> None:
        self._context = context
        asset = context.asset
        self.asset_label.setText(
            f"<b>{asset.asset_id}</b> · {asset.make} {asset.model} ({asset.device_type or '?'})"
            f" · serial <b>{asset.serial or '—'}</b> · tag {asset.asset_tag or '—'}"
            f" · job {asset.job_id} · at {asset.location}"
        )
        self.history.reset_rows(context.history)
        self._show_status("", error=False)
        self._set_rubric(context.rubric)
        self._set_asset_widgets_enabled(context.rubric is not None)
        notices = []
        if context.refusal:
            notices.append(f"Cannot be graded: {context.refusal}.")
        if context.rubric is None:
            notices.append(
                f"No rubric covers device type '{asset.device_type or 'unknown'}': "
                "pick one in the Rubric list."
            )
        if context.current is not None:
            g = context.current
            notices.append(
                f"Already graded ({g.cosmetic_grade} / {g.functional_grade} → "
                f"{_disposition_title(g.disposition)}): saving records a re-grade."
            )
        self._set_notice(" ".join(notices), error=bool(context.refusal or context.rubric is None))
        if context.rubric is not None and not context.refusal:
            self.checklist_view.setFocus(Qt.FocusReason.OtherFocusReason)
            self.checklist_view.go_to_row(0)

    # ---- rubric ----

    def _on_rubrics_loaded(self, rubrics: list[Rubric]) -> None:
        self._rubrics = rubrics
        self.rubric_combo.clear()
        for rubric in rubrics:
            self.rubric_combo.addItem(rubric.label, rubric.rubric_id)
        self._select_rubric_in_combo()

    def _on_rubric_combo_activated(self, index: int) -> None:
        rubric_id = self.rubric_combo.itemData(index)
        rubric = next((r for r in self._rubrics if r.rubric_id == rubric_id), None)
        if rubric is not None and rubric != self._rubric:
            self._set_rubric(rubric)
            self._set_asset_widgets_enabled(self._context is not None)

    def _set_rubric(self, rubric: Rubric | None) -> None:
        same = rubric is not None and rubric == self._rubric
        self._rubric = rubric
        if same:
            self._reset_sheet()
        else:
            self.checklist.set_rubric(rubric)
            self._build_cosmetic_buttons()
            self._reset_sheet()
        self.functional_combo.clear()
        if rubric is not None:
            for grade in rubric.functional.grades:
                self.functional_combo.addItem(f"{grade.code} — {grade.name}", grade.code)
        self._select_rubric_in_combo()
        self._update_derivation()

    def _select_rubric_in_combo(self) -> None:
        if self._rubric is not None:
            index = self.rubric_combo.findData(self._rubric.rubric_id)
            if index >= 0:
                self.rubric_combo.setCurrentIndex(index)

    def _build_cosmetic_buttons(self) -> None:
        for button in self.cosmetic_buttons.values():
            self.cosmetic_group.removeButton(button)
            button.deleteLater()
        self.cosmetic_buttons = {}
        if self._rubric is None:
            return
        for grade in self._rubric.cosmetic.grades:
            button = QPushButton(grade.code)
            button.setObjectName("cosmeticButton")
            button.setCheckable(True)
            button.setMinimumHeight(TOUCH_HEIGHT_PX + 8)
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setToolTip(
                f"{grade.name}: {grade.description}" if grade.description else grade.name
            )
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, code=grade.code: self.set_cosmetic(code))
            self.cosmetic_group.addButton(button)
            self.cosmetic_row.addWidget(button, 1)
            self.cosmetic_buttons[grade.code] = button

    # ---- the sheet ----

    def set_cosmetic(self, code: str) -> None:
        if self._rubric is None or self._rubric.cosmetic.grade(code) is None:
            return
        self._cosmetic = code
        self.cosmetic_buttons[code].setChecked(True)
        grade = self._rubric.cosmetic.grade(code)
        self.cosmetic_title.setText(f"Cosmetic grade: {code}, {grade.name if grade else ''}")
        self._update_derivation()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # A to D reach here from widgets that do not take letters (buttons, check boxes).
        key = Qt.Key(event.key())
        if key in _COSMETIC_KEYS and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
            self.set_cosmetic(_COSMETIC_KEYS[key])
            return
        super().keyPressEvent(event)

    def _on_answer_clicked(self, result: CheckResult) -> None:
        self.checklist_view.answer_current(result)
        self.checklist_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _reset_sheet(self) -> None:
        self.checklist.clear_answers()
        self._cosmetic = ""
        self.cosmetic_title.setText("Cosmetic grade  (keys A to D)")
        self.cosmetic_group.setExclusive(False)
        for button in self.cosmetic_buttons.values():
            button.setChecked(False)
        self.cosmetic_group.setExclusive(True)
        self.defect_list.blockSignals(True)
        self.defect_list.clear()
        for defect in self._rubric.defects if self._rubric is not None else ():
            label = defect.label + ("  (photo required)" if defect.photo_required else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, defect.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.defect_list.addItem(item)
        self.defect_list.blockSignals(False)
        self._photos = []
        self.photo_list.clear()
        self.notes_edit.clear()
        self.override_check.setChecked(False)
        self.reason_edit.clear()

    def checked_defects(self) -> tuple[str, ...]:
        codes = []
        for row in range(self.defect_list.count()):
            item = self.defect_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                codes.append(item.data(Qt.ItemDataRole.UserRole))
        return tuple(codes)

    def current_derivation(self) -> Derivation | None:
        if self._rubric is None:
            return None
        return derive(
            self._rubric, self.checklist.answer_map(), self._cosmetic, self.checked_defects()
        )

    def _update_derivation(self, *_args: object) -> None:
        derivation = self.current_derivation()
        if derivation is None or self._rubric is None:
            self.suggestion_label.setText("")
            self.problems_label.setText("")
            return
        functional = self._rubric.functional.grade(derivation.functional)
        name = functional.name if functional else ""
        self.suggestion_label.setText(
            f"Suggested: functional <b>{derivation.functional}</b> {name} → "
            f"<b>{derivation.disposition.title}</b><br><span style='color:#5b6678'>"
            f"rule: {derivation.rule}</span>"
        )
        if not self.override_check.isChecked():
            self._show_derivation_in_override(derivation)
        problems = sheet_problems(
            self._rubric,
            self.checklist.answer_map(),
            self._cosmetic,
            self.checked_defects(),
            {p.defect_code for p in self._photos if p.defect_code},
        )
        _functional, disposition = self._final(derivation)
        bearing = self._context.data_bearing if self._context is not None else None
        if disposition == Disposition.REUSE_RESALE and bearing is not None and bearing.bearing:
            problems.append(
                f"resale is refused: {bearing.reason} (override the disposition, Ctrl+O)"
            )
        answered = self.checklist.rowCount() - len(self.checklist.unanswered_rows())
        first = problems[0] if problems else "ready to save"
        if len(first) > 44:
            first = first[:43] + "…"
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        self.problems_label.setText(
            f"{answered}/{self.checklist.rowCount()} answered · {first}{more}"
        )
        self.problems_label.setToolTip("\n".join(problems) or "Ready to save")
        self.problems = problems

    def _show_derivation_in_override(self, derivation: Derivation) -> None:
        self.functional_combo.setCurrentIndex(self.functional_combo.findData(derivation.functional))
        self.disposition_combo.setCurrentIndex(
            self.disposition_combo.findData(derivation.disposition.value)
        )

    def _final(self, derivation: Derivation) -> tuple[str, str]:
        if not self.override_check.isChecked():
            return derivation.functional, derivation.disposition.value
        return (
            self.functional_combo.currentData() or derivation.functional,
            self.disposition_combo.currentData() or derivation.disposition.value,
        )

    def _toggle_override(self) -> None:
        self.override_check.setChecked(not self.override_check.isChecked())
        if self.override_check.isChecked():
            self.disposition_combo.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_override_check_toggled(self, on: bool) -> None:
        self.override_box.setVisible(on)
        self._update_derivation()

    # ---- photos ----

    def _on_photo_button_clicked(self) -> None:
        if self._context is None:
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            self, "Add photos", "", "Images (*.jpg *.jpeg *.png *.heic *.webp *.bmp)"
        )
        self.add_photos([Path(p) for p in paths])

    def add_photos(self, paths: list[Path]) -> None:
        """Attach photos; they document the highlighted defect if it is ticked."""
        item = self.defect_list.currentItem()
        defect = (
            item.data(Qt.ItemDataRole.UserRole)
            if item is not None and item.checkState() == Qt.CheckState.Checked
            else ""
        )
        for path in paths:
            self._photos.append(PhotoFile(path, defect))
            self.photo_list.addItem(f"{path.name} → {defect or 'general'}")
        self._update_derivation()

    def eventFilter(self, watched: object, event: object) -> bool:
        if (
            watched is self.photo_list
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Delete
        ):
            row = self.photo_list.currentRow()
            if 0 <= row < len(self._photos):
                del self._photos[row]
                self.photo_list.takeItem(row)
                self._update_derivation()
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    # ---- saving ----

    def sheet(self) -> GradeSheet | None:
        if self._context is None or self._rubric is None:
            return None
        derivation = self.current_derivation()
        assert derivation is not None
        functional, disposition = self._final(derivation)
        return GradeSheet(
            asset_id=self._context.asset.asset_id,
            rubric_id=self._rubric.rubric_id,
            rubric_version=self._rubric.version,
            answers=self.checklist.answers(),
            cosmetic=self._cosmetic,
            defects=self.checked_defects(),
            photos=tuple(self._photos),
            notes=self.notes_edit.toPlainText(),
            functional_override=functional if functional != derivation.functional else "",
            disposition_override=(
                disposition if disposition != derivation.disposition.value else ""
            ),
            override_reason=self.reason_edit.text() if self.override_check.isChecked() else "",
        )

    def save(self) -> None:
        self._save(next_unit=False)

    def save_and_next(self) -> None:
        self._save(next_unit=True)

    def _save(self, *, next_unit: bool) -> None:
        sheet = self.sheet()
        if sheet is None or self._saving:
            return
        self._saving = True
        self._show_status("Saving…", error=False)
        self._runner.run(
            lambda: self._grading.grade(sheet),
            lambda context: self._on_saved(context, next_unit=next_unit),
            self._on_save_failed,
        )

    def _on_saved(self, context: GradingContext, *, next_unit: bool) -> None:
        self._saving = False
        saved = context.current
        assert saved is not None
        summary = (
            f"Saved {context.asset.asset_id}: cosmetic {saved.cosmetic_grade}, functional "
            f"{saved.functional_grade} → {_disposition_title(saved.disposition)}."
        )
        self.grade_saved.emit(context.asset.asset_id)
        if next_unit:
            self._pinned_rubric_id = self._rubric.rubric_id if self._rubric else ""
            self._context = None
            self.history.reset_rows([])
            self._reset_sheet()
            self._update_derivation()
            self._set_asset_widgets_enabled(False)
            self.asset_label.setText(
                f"Scan the next unit. Rubric kept: {self._rubric.label if self._rubric else '—'}."
            )
            self._set_notice("", error=False)
            self.scan_edit.clear()
        else:
            self._pinned_rubric_id = ""
            self._context = context
            self.history.reset_rows(context.history)
            self._reset_sheet()
            self._update_derivation()
            self._set_notice(
                "Saved. Answer again and save to re-grade, or scan the next asset.", error=False
            )
        self._show_status(summary, error=False)
        self.focus_scan()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if isinstance(exc, UserFacingError):
            # At the bench: one sentence beside the Save button, no dialog to dismiss.
            self._show_status(exc.message, error=True)
            return
        self._show_status("", error=False)
        show_error(self, exc, doing="saving the grade")

    # ---- small helpers ----

    def _set_asset_widgets_enabled(self, enabled: bool) -> None:
        for widget in (
            self.checklist_view,
            self.defect_list,
            self.photo_button,
            self.notes_edit,
            self.override_check,
            self.save_button,
            self.save_next_button,
            *self.answer_buttons.values(),
        ):
            widget.setEnabled(enabled)

    def _show_status(self, text: str, *, error: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setObjectName("error" if error else "savedStatus")
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)

    def _set_notice(self, text: str, *, error: bool) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))
        self.notice_label.setObjectName("gradingRefusal" if error else "gradingNotice")
        self.notice_label.style().unpolish(self.notice_label)
        self.notice_label.style().polish(self.notice_label)


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def _disposition_title(value: str) -> str:
    try:
        return Disposition(value).title
    except ValueError:
        return value
