"""Signing in through the dialog: badge or name, PIN, clear errors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from app.services.demo_data import DEMO_OPERATORS
from app.ui.sign_in_dialog import SignInDialog
from app.ui.task_runner import TaskRunner


def _dialog(qtbot, station):
    runner = TaskRunner()
    dialog = SignInDialog(station.operators, runner, hint="demo")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.name_combo.count() == 1 + len(DEMO_OPERATORS), timeout=5000)
    return dialog, runner


def test_badge_scan_then_pin_signs_in(qtbot, demo_station):
    dialog, runner = _dialog(qtbot, demo_station)
    tech = DEMO_OPERATORS[2]
    # A keyboard-wedge scanner types the badge and presses Enter.
    qtbot.keyClicks(dialog.badge_edit, tech.badge)
    qtbot.keyClick(dialog.badge_edit, Qt.Key.Key_Return)
    assert dialog.pin_edit.hasFocus() or dialog.focusWidget() is dialog.pin_edit
    qtbot.keyClicks(dialog.pin_edit, tech.pin)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.pin_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.operator is not None and dialog.operator.display_name == tech.display_name
    assert demo_station.operators.current == dialog.operator
    runner.shutdown()


def test_wrong_pin_says_so_and_stays_open(qtbot, demo_station):
    dialog, runner = _dialog(qtbot, demo_station)
    dialog.name_combo.setCurrentIndex(1)
    qtbot.keyClicks(dialog.pin_edit, "0000")
    qtbot.keyClick(dialog.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not recognised" in dialog.message.text(), timeout=5000)
    assert dialog.isVisible()
    assert dialog.pin_edit.text() == ""
    assert demo_station.operators.current is None
    runner.shutdown()


def test_nothing_entered_asks_for_a_badge(qtbot, demo_station):
    dialog, runner = _dialog(qtbot, demo_station)
    sign_in = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert sign_in.text() == "Sign in"
    qtbot.mouseClick(sign_in, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Scan your badge or choose your name."
    runner.shutdown()
