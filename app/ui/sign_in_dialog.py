"""Sign-in: scan a badge (any keyboard-wedge scanner types into the badge field) or pick a
name, then type the PIN. Sign-in runs on the DB worker (PIN hashing is deliberately slow)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.domain.roles import Operator
from app.services.operators import OperatorService
from app.ui.error_display import show_error
from app.ui.task_runner import TaskRunner


class SignInDialog(QDialog):
    """Accepts when an operator has signed in; ``operator`` is then set."""

    def __init__(
        self,
        operators: OperatorService,
        runner: TaskRunner,
        *,
        hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in — ITAD Station")
        self.setMinimumWidth(460)
        self._operators = operators
        self._runner = runner
        self.operator: Operator | None = None

        self.badge_edit = QLineEdit()
        self.badge_edit.setPlaceholderText("scan your badge")
        # A keyboard-wedge badge scan is typed into this field (see app.ui.wedge_filter).
        self.badge_edit.setProperty("wedgeTypeThrough", True)
        self.name_combo = QComboBox()
        self.name_combo.addItem("— or choose your name —", "")
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("PIN")
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Badge", self.badge_edit)
        form.addRow("Name", self.name_combo)
        form.addRow("PIN", self.pin_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        # A badge scan ends with Enter: move straight to the PIN.
        self.badge_edit.returnPressed.connect(self.pin_edit.setFocus)
        self.pin_edit.returnPressed.connect(self._on_buttons_accepted)

        layout = QVBoxLayout(self)
        title = QLabel("Sign in")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setObjectName("muted")
            hint_label.setWordWrap(True)
            layout.addWidget(hint_label)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.badge_edit.setFocus(Qt.FocusReason.OtherFocusReason)

        self._runner.run(
            self._operators.operators,
            self._on_operators_loaded,
            lambda exc: show_error(self, exc, doing="loading operators"),
        )

    def _on_operators_loaded(self, operators: list[Operator]) -> None:
        for operator in operators:
            self.name_combo.addItem(
                f"{operator.display_name} ({operator.role.value})", operator.operator_id
            )

    def _on_buttons_accepted(self) -> None:
        badge = self.badge_edit.text().strip()
        operator_id = self.name_combo.currentData() or ""
        pin = self.pin_edit.text()
        if not badge and not operator_id:
            self.message.setText("Scan your badge or choose your name.")
            return
        if not pin:
            self.message.setText("Type your PIN.")
            self.pin_edit.setFocus()
            return
        self.buttons.setEnabled(False)
        self.message.setText("Checking…")
        if badge:
            self._runner.run(
                lambda: self._operators.sign_in_with_badge(badge, pin),
                self._on_signed_in,
                self._on_sign_in_failed,
            )
        else:
            self._runner.run(
                lambda: self._operators.sign_in_by_id(operator_id, pin),
                self._on_signed_in,
                self._on_sign_in_failed,
            )

    def _on_signed_in(self, operator: Operator) -> None:
        self.operator = operator
        self.accept()

    def _on_sign_in_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.pin_edit.clear()
        if isinstance(exc, UserFacingError):
            self.message.setText(exc.message)
            self.pin_edit.setFocus()
            return
        self.message.setText("")
        show_error(self, exc, doing="signing in")
