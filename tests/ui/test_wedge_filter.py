"""Keyboard-wedge scanner bursts versus a person typing, with a fake clock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.ui.wedge_filter import TYPE_THROUGH_PROPERTY, WedgeScanFilter

FAST_S = 0.008  # a scanner: a key every few milliseconds
SLOW_S = 0.150  # a person


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wedge(qtbot, clock):
    wedge = WedgeScanFilter(max_gap_s=0.04, min_length=4, clock=clock)
    app = QApplication.instance()
    app.installEventFilter(wedge)
    yield wedge
    app.removeEventFilter(wedge)


@pytest.fixture
def form(qtbot):
    widget = QWidget()
    layout = QVBoxLayout(widget)
    widget.edit = QLineEdit()
    widget.button = QPushButton("OK")
    layout.addWidget(widget.edit)
    layout.addWidget(widget.button)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _type(qtbot, clock: FakeClock, target: QWidget, text: str, gap_s: float) -> None:
    for char in text:
        clock.now += gap_s
        qtbot.keyClick(target, char)


def _enter(qtbot, clock: FakeClock, target: QWidget, gap_s: float = FAST_S) -> None:
    clock.now += gap_s
    qtbot.keyClick(target, Qt.Key.Key_Return)


def test_a_fast_burst_ending_in_enter_is_a_scan_and_not_typed(qtbot, clock, wedge, form) -> None:
    returned: list[bool] = []
    form.edit.returnPressed.connect(lambda: returned.append(True))
    _type(qtbot, clock, form.edit, "5CG1234ABC", FAST_S)
    assert wedge.holding == 10
    with qtbot.waitSignal(wedge.scan_received) as signal:
        _enter(qtbot, clock, form.edit)
    assert signal.args == ["5CG1234ABC"]
    assert form.edit.text() == ""
    assert returned == []


def test_a_person_typing_reaches_the_field_and_enter_still_works(qtbot, clock, wedge, form) -> None:
    scans: list[str] = []
    wedge.scan_received.connect(scans.append)
    returned: list[bool] = []
    form.edit.returnPressed.connect(lambda: returned.append(True))
    _type(qtbot, clock, form.edit, "hello", SLOW_S)
    clock.now += SLOW_S
    qtbot.waitUntil(lambda: form.edit.text() == "hello", timeout=2000)
    _enter(qtbot, clock, form.edit, SLOW_S)
    assert returned == [True]
    assert scans == []


def test_a_short_fast_burst_is_typing(qtbot, clock, wedge, form) -> None:
    scans: list[str] = []
    wedge.scan_received.connect(scans.append)
    _type(qtbot, clock, form.edit, "ok", FAST_S)
    _enter(qtbot, clock, form.edit)
    assert form.edit.text() == "ok"
    assert scans == []


def test_a_pause_inside_a_burst_releases_the_keys_in_order(qtbot, clock, wedge, form) -> None:
    scans: list[str] = []
    wedge.scan_received.connect(scans.append)
    _type(qtbot, clock, form.edit, "AB", FAST_S)
    _type(qtbot, clock, form.edit, "C", SLOW_S)  # the pause: "AB" go to the field first
    _type(qtbot, clock, form.edit, "DEFG", FAST_S)
    _enter(qtbot, clock, form.edit)
    assert scans == ["CDEFG"]
    assert form.edit.text() == "AB"


def test_a_scan_works_wherever_the_focus_is(qtbot, clock, wedge, form) -> None:
    clicked: list[bool] = []
    form.button.clicked.connect(lambda: clicked.append(True))
    with qtbot.waitSignal(wedge.scan_received) as signal:
        _type(qtbot, clock, form.button, "ACME-L-0001", FAST_S)
        clock.now += FAST_S
        qtbot.keyClick(form.button, Qt.Key.Key_Tab)
    assert signal.args == ["ACME-L-0001"]
    assert clicked == []


def test_type_through_fields_get_the_scan_typed_and_it_is_emitted(
    qtbot, clock, wedge, form
) -> None:
    form.edit.setProperty(TYPE_THROUGH_PROPERTY, True)
    returned: list[bool] = []
    form.edit.returnPressed.connect(lambda: returned.append(True))
    with qtbot.waitSignal(wedge.scan_received) as signal:
        _type(qtbot, clock, form.edit, "BADGE-0003", FAST_S)
        _enter(qtbot, clock, form.edit)
    assert signal.args == ["BADGE-0003"]
    assert form.edit.text() == "BADGE-0003"
    assert returned == [True]


def test_shortcuts_are_never_held(qtbot, clock, wedge, form) -> None:
    form.edit.setText("abc")
    clock.now += SLOW_S
    qtbot.keyClick(form.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert wedge.holding == 0
    assert form.edit.selectedText() == "abc"
