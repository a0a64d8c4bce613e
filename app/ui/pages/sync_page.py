"""The Sync page: the station's sync state in plain words, "Sync now", and enrolment.

It polls the sync service's status snapshot once a second (an in-memory copy made by the sync
worker: no database or network on the GUI thread) and emits ``view_changed`` so the status bar
shows the same words. Enrolment is a network call, so it runs through the task runner.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.sync import SyncState
from app.services.station_info import StationInfo
from app.services.sync import SyncService, SyncView
from app.ui.error_display import show_error
from app.ui.task_runner import TaskRunner

REFRESH_MS = 1000

_VERDICT = {
    SyncState.UP_TO_DATE: "verdictOk",
    SyncState.HALTED: "verdictBroken",
    SyncState.REVOKED: "verdictBroken",
    SyncState.ERROR: "verdictBroken",
}

_EXPLAIN = {
    SyncState.NOT_ENROLLED: (
        "This station keeps every event in its own signed ledger and works fully offline. "
        "To send events to the central server, enrol it with a one-time code from the "
        "server's administrator."
    ),
    SyncState.UP_TO_DATE: "Every event recorded here is stored on the server.",
    SyncState.PENDING: "Events are sent automatically in the background; keep working.",
    SyncState.SYNCING: "Sending events and fetching reference data…",
    SyncState.OFFLINE: (
        "The server cannot be reached. Keep working: every event is kept here and sent, "
        "once, when the server is back."
    ),
    SyncState.ERROR: "The last attempt failed; the station retries automatically.",
    SyncState.HALTED: (
        "Sending has stopped because the server and this station disagree about what "
        "happened. Nothing was changed or deleted. Call a supervisor."
    ),
    SyncState.REVOKED: (
        "The server no longer accepts this station. It keeps working offline and keeps "
        "every event. Ask an administrator."
    ),
}


class SyncPage(QWidget):
    """GUI thread only."""

    view_changed = Signal(object)  # SyncView

    def __init__(
        self,
        sync: SyncService,
        info: StationInfo,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._sync = sync
        self._runner = runner
        self._enrolling = False

        title = QLabel("Sync")
        title.setObjectName("pageTitle")
        self.state_label = QLabel()
        self.state_label.setObjectName("verdictNeutral")
        self.state_label.setWordWrap(True)
        self.explain_label = QLabel()
        self.explain_label.setWordWrap(True)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("error")
        self.problem_label.setWordWrap(True)

        self.details = QFormLayout()
        self._detail_values: dict[str, QLabel] = {}

        self.sync_now_button = QPushButton("Sync now")
        self.sync_now_button.setObjectName("primary")
        self.sync_now_button.clicked.connect(self._on_sync_now_clicked)
        # A supervisor's decision, recorded as an event: only shown while sync is stopped.
        self.clear_halt_button = QPushButton("Clear the stop…")
        self.clear_halt_button.setToolTip(
            "Supervisor: record why sending may resume. If the cause is still there, sync "
            "stops again with the same message."
        )
        self.clear_halt_button.clicked.connect(self._on_clear_halt_clicked)
        self._clearing = False
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_now_button)
        buttons.addWidget(self.clear_halt_button)
        buttons.addStretch(1)

        self.enrol_box = QGroupBox("Enrol this station")
        self.server_edit = QLineEdit(info.server_url)
        self.server_edit.setPlaceholderText("https://itad-server.example:8470")
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("e.g. ABCD-EFGH-JKLM")
        self.enrol_button = QPushButton("Enrol")
        self.enrol_button.setObjectName("primary")
        self.enrol_button.clicked.connect(self._on_enrol_clicked)
        enrol_form = QFormLayout(self.enrol_box)
        enrol_form.addRow("Server address", self.server_edit)
        enrol_form.addRow("Enrolment code", self.code_edit)
        enrol_note = QLabel(
            "An administrator enrols the station once (it needs the 'change settings' permission). "
            f"It registers this station's public key ({info.public_key_hex[:16]}…)."
        )
        enrol_note.setObjectName("muted")
        enrol_note.setWordWrap(True)
        enrol_form.addRow(enrol_note)
        enrol_form.addRow(self.enrol_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.state_label)
        layout.addWidget(self.explain_label)
        layout.addWidget(self.problem_label)
        layout.addLayout(self.details)
        layout.addLayout(buttons)
        layout.addWidget(self.enrol_box)
        layout.addStretch(1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        view = self._sync.view()
        self._show(view)
        self.view_changed.emit(view)

    def _show(self, view: SyncView) -> None:
        self.state_label.setText(view.headline.removeprefix("Sync: ").capitalize())
        name = _VERDICT.get(view.state, "verdictNeutral")
        if self.state_label.objectName() != name:
            self.state_label.setObjectName(name)
            self.state_label.style().unpolish(self.state_label)
            self.state_label.style().polish(self.state_label)
        self.explain_label.setText(_EXPLAIN[view.state])
        self.problem_label.setText(view.problem)
        self.problem_label.setVisible(bool(view.problem))
        for label, value in view.details:
            widget = self._detail_values.get(label)
            if widget is None:
                widget = QLabel()
                widget.setWordWrap(True)
                self._detail_values[label] = widget
                self.details.addRow(label, widget)
            widget.setText(value)
        self.sync_now_button.setEnabled(view.enrolled and view.state is not SyncState.SYNCING)
        self.clear_halt_button.setVisible(view.state is SyncState.HALTED)
        self.clear_halt_button.setEnabled(not self._clearing)
        self.enrol_box.setVisible(not view.enrolled)
        self.enrol_button.setEnabled(not self._enrolling)

    def _on_sync_now_clicked(self) -> None:
        self._sync.sync_now()
        self.refresh()

    def _on_clear_halt_clicked(self) -> None:
        reason, ok = QInputDialog.getText(
            self,
            "Clear the sync stop",
            "Why may sending resume? (recorded in the ledger with your name)",
        )
        if not ok:
            return
        self._clearing = True
        self.clear_halt_button.setEnabled(False)
        self._runner.run(
            lambda: self._sync.clear_halt(reason),
            lambda _none: self._on_halt_cleared(),
            self._on_clear_halt_failed,
        )

    def _on_halt_cleared(self) -> None:
        self._clearing = False
        self.refresh()

    def _on_clear_halt_failed(self, exc: BaseException) -> None:
        self._clearing = False
        self.refresh()
        show_error(self, exc, doing="clearing the sync stop")

    def _on_enrol_clicked(self) -> None:
        server, code = self.server_edit.text(), self.code_edit.text()
        self._enrolling = True
        self.enrol_button.setEnabled(False)
        self._runner.run(
            lambda: self._sync.enrol(server, code),
            lambda _enrolment: self._on_enrolled(),
            self._on_enrol_failed,
        )

    def _on_enrolled(self) -> None:
        self._enrolling = False
        self.code_edit.clear()
        self.refresh()

    def _on_enrol_failed(self, exc: BaseException) -> None:
        self._enrolling = False
        self.refresh()
        show_error(self, exc, doing="enrolling this station")
