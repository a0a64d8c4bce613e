"""The Grading page over a real demo station, driven by the keyboard alone: scan, answer a
15-item checklist with P/F/N and digits, cosmetic grade by letter, save with one key, "Save and
next" for a run of identical laptops; refusals appear beside Save; models pass qtmodeltester."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.bootstrap import Station, station_info
from app.domain.devices import DeviceScan
from app.domain.grading import CheckResult, GradeRecord
from app.services.demo_data import DEMO_OPERATORS, DEMO_WIPED_SERIALS
from app.ui.main_window import MainWindow
from app.ui.models.checklist_model import ChecklistModel
from app.ui.models.grade_history_model import GradeHistoryModel
from app.ui.pages.grading_page import GradingPage
from app.ui.task_runner import TaskRunner


@pytest.fixture
def window(qtbot, demo_station: Station, device_setup, device_bridge):
    runner = TaskRunner()
    grader = DEMO_OPERATORS[3]
    operator = demo_station.operators.sign_in_with_badge(grader.badge, grader.pin)
    win = MainWindow(
        station_info(demo_station),
        demo_station.operators,
        demo_station.custody_log,
        runner,
        devices=device_setup,
        device_events=device_bridge,
        grading=demo_station.grading,
    )
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.set_operator(operator)
    win.show_page("grading")
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    win.runner = runner
    yield win
    runner.shutdown()


def scan_by_keyboard(qtbot, page: GradingPage, value: str) -> None:
    qtbot.keyClick(page.scan_edit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.scan_edit, value)
    qtbot.keyClick(page.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: page._context is not None and page._context.asset.serial == value, timeout=10_000
    )


def answer_laptop_by_keyboard(qtbot, page: GradingPage, *, cosmetic: str = "B") -> None:
    view = page.checklist_view
    assert view.hasFocus() or view.currentIndex().row() == 0
    qtbot.keyClicks(view, "PPPPPPPP")  # 1-8: power, BIOS, locks, inventory, display...
    qtbot.keyClicks(view, "87")  # 9: battery health 87 %
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.keyClicks(view, "PPFPPP")  # 10-15, USB ports failed
    qtbot.keyClicks(view, cosmetic)


def saved_grade(demo_station: Station, serial: str) -> GradeRecord | None:
    return demo_station.grading.lookup(serial).current


def test_a_grader_grades_a_demo_laptop_by_keyboard_alone(qtbot, window, demo_station):
    page = window.grading_page
    assert window.current_page_name() == "grading"
    scan_by_keyboard(qtbot, page, DEMO_WIPED_SERIALS[0])
    assert page.checklist.rowCount() == 15
    answer_laptop_by_keyboard(qtbot, page)
    assert page.checklist.unanswered_rows() == []
    battery = page.checklist.answer_map()["battery_health"]
    assert battery.value == 87
    assert page.suggestion_label.text().startswith("Suggested: functional <b>F3</b>")
    assert "ready to save" in page.problems_label.text()
    qtbot.keyClick(page.checklist_view, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.status_label.text().startswith("Saved"), timeout=10_000)
    grade = saved_grade(demo_station, DEMO_WIPED_SERIALS[0])
    assert (grade.cosmetic_grade, grade.functional_grade, grade.disposition) == (
        "B",
        "F3",
        "REUSE_RESALE",
    )
    assert page.history.rowCount() == 1
    assert page.scan_edit.hasFocus() or window.focusWidget() is page.scan_edit


def test_save_and_next_keeps_the_rubric_for_a_run_of_identical_laptops(qtbot, window, demo_station):
    page = window.grading_page
    for serial in DEMO_WIPED_SERIALS:
        scan_by_keyboard(qtbot, page, serial)
        answer_laptop_by_keyboard(qtbot, page, cosmetic="A")
        qtbot.keyClick(page.checklist_view, Qt.Key.Key_F11)
        qtbot.waitUntil(lambda: page.asset_label.text().startswith("Scan the next"), timeout=10_000)
        assert "Rubric kept: Laptop v1" in page.asset_label.text()
        assert page.checklist.answers() == ()
    for serial in DEMO_WIPED_SERIALS:
        assert saved_grade(demo_station, serial).cosmetic_grade == "A"
    # A re-grade with Ctrl+Enter supersedes; history keeps both.
    scan_by_keyboard(qtbot, page, DEMO_WIPED_SERIALS[0])
    assert "saving records a re-grade" in page.notice_label.text()
    answer_laptop_by_keyboard(qtbot, page, cosmetic="C")
    qtbot.keyClick(page.checklist_view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.history.rowCount() == 2, timeout=10_000)
    newest, older = (page.history.record_at(0), page.history.record_at(1))
    assert newest.current and newest.cosmetic_grade == "C"
    assert older.superseded_by == newest.event_id


def test_resale_of_a_data_bearing_laptop_is_refused_beside_save(qtbot, window, demo_station):
    page = window.grading_page
    scan_by_keyboard(qtbot, page, "PF3XK9QZ")  # a Lenovo with no wipe recorded
    answer_laptop_by_keyboard(qtbot, page)
    assert "resale is refused" in page.problems_label.toolTip()
    qtbot.keyClick(page.checklist_view, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.status_label.objectName() == "error", timeout=10_000)
    assert "resale needs sanitization first" in page.status_label.text()
    assert saved_grade(demo_station, "PF3XK9QZ") is None
    # Override by keyboard: Ctrl+O, pick "Parts harvest", Tab to the reason, save.
    qtbot.keyClick(page.checklist_view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert page.override_box.isVisible()
    page.disposition_combo.setCurrentIndex(page.disposition_combo.findData("PARTS_HARVEST"))
    qtbot.keyClicks(page.reason_edit, "keyboard sticky")
    qtbot.keyClick(page.reason_edit, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.status_label.text().startswith("Saved"), timeout=10_000)
    grade = saved_grade(demo_station, "PF3XK9QZ")
    assert grade.disposition == "PARTS_HARVEST" and grade.derived_disposition == "REUSE_RESALE"
    assert grade.override_reason == "keyboard sticky"


def test_a_stray_scan_does_not_throw_a_half_done_sheet_away(qtbot, window):
    page = window.grading_page
    scan_by_keyboard(qtbot, page, DEMO_WIPED_SERIALS[0])
    qtbot.keyClicks(page.checklist_view, "PPP")
    window.on_wedge_scan_received("PF3XK9QZ")
    assert page.status_label.text().startswith("Scan PF3XK9QZ not used")
    assert page._context.asset.serial == DEMO_WIPED_SERIALS[0]
    assert len(page.checklist.answers()) == 3


def test_a_serial_scanners_scan_looks_the_asset_up_only_while_grading_shows(
    qtbot, window, device_bridge
):
    page = window.grading_page
    window.show_page("devices")
    # Posted from this thread, delivered queued, as a port worker's scan would be.
    device_bridge.post(DeviceScan("bench", "PF3XK9QZ", "Code 128", "]C0", (), 1.0))
    qtbot.waitUntil(lambda: window.devices_page.activity.rowCount() == 1, timeout=10_000)
    assert page._context is None and window.runner.pending == 0
    window.show_page("grading")
    device_bridge.post(DeviceScan("bench", DEMO_WIPED_SERIALS[0], "Code 128", "]C0", (), 2.0))
    qtbot.waitUntil(
        lambda: page._context is not None and page._context.asset.serial == DEMO_WIPED_SERIALS[0],
        timeout=10_000,
    )


def test_an_unknown_scan_says_so_in_one_sentence(qtbot, window):
    page = window.grading_page
    qtbot.keyClicks(page.scan_edit, "NOT-HERE-1")
    qtbot.keyClick(page.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.status_label.objectName() == "error", timeout=10_000)
    assert page.status_label.text() == (
        "No asset with ID, serial or tag 'NOT-HERE-1' has been received at this station."
    )


def test_models_pass_qtmodeltester(qtmodeltester, window, qtbot):
    page = window.grading_page
    scan_by_keyboard(qtbot, page, DEMO_WIPED_SERIALS[0])
    qtbot.keyClicks(page.checklist_view, "PF")
    qtmodeltester.check(page.checklist)
    model = ChecklistModel()
    qtmodeltester.check(model)
    model.set_rubric(page._rubric)
    model.set_result(0, CheckResult.NOT_TESTED)
    model.type_digit(8, 9)
    qtmodeltester.check(model)
    history = GradeHistoryModel()
    qtmodeltester.check(history)
    history.reset_rows(page._context.history)
    qtmodeltester.check(history)
