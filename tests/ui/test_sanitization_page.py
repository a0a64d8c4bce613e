"""The Sanitization page over a real demo station: the demo's imported results show, a dropped
report imports off the GUI thread (progress, then results and review), drives register by scan,
the supervisor issues a certificate; models pass qtmodeltester."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.bootstrap import Station
from app.services.demo_data import DEMO_OPERATORS
from app.ui.io_runner import IoTaskRunner
from app.ui.pages.sanitization_page import SanitizationPage
from app.ui.task_runner import TaskRunner

LOG = """\
[2026/11/21 09:00:00]  notice: Found /dev/sda,  ATA, WDC WD5000AAKX, 500 GB, S/N=WD-WX11A1234567
[2026/11/21 09:00:00]  notice:   banner   = nwipe 0.41
[2026/11/21 09:00:01]  notice: Invoking method 'Fill With Zeros' on /dev/sda

********************************* Drive Status *********************************
!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number
--------------------------------------------------------------------------------
       sda | Erased | 150 MB/s | 00:55:00 | WDC WD5000AAKX/WD-WX11A1234567
       sdb | Erased | 150 MB/s | 00:55:00 | Unknown disk/NO-SUCH-DRIVE
--------------------------------------------------------------------------------
[2026/11/21 09:56:00] Total Throughput 150 MB/s, Fill With Zeros, 1R+NB+VL
********************************************************************************

[2026/11/21 09:56:00]    info: Nwipe successfully completed. See summary table for details.
"""


@pytest.fixture
def page(qtbot, demo_station: Station, tmp_path: Path):
    runner = TaskRunner()
    io = IoTaskRunner()
    supervisor = DEMO_OPERATORS[1]
    demo_station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
    assert demo_station.sanitization is not None
    widget = SanitizationPage(
        demo_station.sanitization, runner, io, certificates_dir=tmp_path / "certs"
    )
    qtbot.addWidget(widget)
    widget.show()
    widget.refresh()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    widget.runner = runner
    yield widget
    io.shutdown()
    runner.shutdown()


def test_demo_results_import_review_and_models(qtbot, qtmodeltester, page, tmp_path):
    serials = {
        page.results_model.row_at(r).drive_serial for r in range(page.results_model.rowCount())
    }
    assert {"S4EWNX0R900001", "S4EWNX0R900002", "ZDE1A2B3"} <= serials
    reviews_before = page.review_model.rowCount()

    report = tmp_path / "nwipe_log_20261121-090000.txt"
    report.write_text(LOG)
    page.import_paths([report])
    qtbot.waitUntil(lambda: "recorded" in page.status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: page.runner.pending == 0, timeout=10_000)
    assert page.status.text().startswith("1 drive result(s) recorded, 1 to review")
    assert page.review_model.rowCount() == reviews_before + 1
    assert page.tabs.currentIndex() == 2
    states = {
        page.media_model.row_at(r).serial: page.media_model.row_at(r).outcome
        for r in range(page.media_model.rowCount())
    }
    assert states["WD-WX11A1234567"] == "CLEAR"
    for model in (page.results_model, page.media_model, page.review_model):
        qtmodeltester.check(model)


def test_register_by_scan_then_certificate_names_the_blocking_drive(qtbot, page, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(
        "app.ui.pages.sanitization_page.show_error",
        lambda parent, exc, doing: shown.append(getattr(exc, "message", repr(exc))),
    )
    page.scan("PF3XK9R0")  # host: the second ThinkPad
    page.scan("NEW-DRIVE-1")
    qtbot.waitUntil(lambda: page.runner.pending == 0, timeout=10_000)
    assert shown == [] and page.status.text() == "Registered drive NEW-DRIVE-1."
    page.job_combo.setCurrentText("JOB-2026-0042")
    page.certificate_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "still carries data: drive " in shown[0]


def _answer_dialog(qtbot, fill) -> None:
    """Fill and accept the modal dialog the next click opens (a real dialog, driven by timer)."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:  # not shown yet: try again on the next turn of the event loop
            QTimer.singleShot(10, act)
            return
        fill(dialog)
        dialog.accept()

    QTimer.singleShot(0, act)


@pytest.fixture
def errors(monkeypatch) -> list[str]:
    """Errors the page would show in a dialog, collected instead (a modal would block)."""
    shown: list[str] = []
    monkeypatch.setattr(
        "app.ui.pages.sanitization_page.show_error",
        lambda parent, exc, doing: shown.append(getattr(exc, "message", repr(exc))),
    )
    return shown


def test_qc_sample_failure_reopens_the_batch_and_the_screen_names_the_drive(
    qtbot, qtmodeltester, page, errors
):
    page.job_combo.setCurrentText("JOB-2026-0042")
    qtbot.waitUntil(lambda: page.certificate_state.text().startswith("Certificate blocked"))
    page.draw_sample_button.click()
    qtbot.waitUntil(lambda: page.sample_model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: page.runner.pending == 0, timeout=10_000)
    sampled = page.sample_model.row_at(0)
    assert sampled.drive_serial in {"S4EWNX0R900001", "S4EWNX0R900002"}
    assert page.tabs.currentWidget() is page.sample_tab
    assert page.certificate_state.text() == (
        f"Certificate blocked: Job JOB-2026-0042 cannot be certified yet: drive "
        f"{sampled.drive_serial} (host {sampled.asset_id}) is in QC sample {sampled.sample_id} "
        "and awaits independent verification."
    )
    page.sample_view.selectRow(0)

    def fail(dialog) -> None:
        dialog.failed.setChecked(True)
        dialog.tool.setText("PhotoRec 7.2")
        dialog.notes.setText("recovered 3 documents")

    _answer_dialog(qtbot, fail)
    page.verify_button.click()
    qtbot.waitUntil(
        lambda: bool(errors) or page.sample_model.row_at(0).status == "FAILED", timeout=10_000
    )
    assert errors == []
    qtbot.waitUntil(lambda: page.runner.pending == 0, timeout=10_000)
    assert "2 drive(s) of its batch re-opened" in page.status.text()
    states = {
        page.media_model.row_at(r).serial: page.media_model.data(page.media_model.index(r, 6))
        for r in range(page.media_model.rowCount())
    }
    for serial in ("S4EWNX0R900001", "S4EWNX0R900002"):
        assert states[serial].startswith(f"re-opened: QC sample {sampled.sample_id} failed")
    assert "no longer counts as sanitized" in page.certificate_state.text()
    qtmodeltester.check(page.sample_model)


def test_review_item_assigned_by_pick_from_the_dialog(qtbot, page, tmp_path, errors):
    report = tmp_path / "nwipe_log_20261121-090000.txt"
    report.write_text(LOG)
    page.import_paths([report])
    qtbot.waitUntil(lambda: "recorded" in page.status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: page.runner.pending == 0, timeout=10_000)
    row = next(
        r
        for r in range(page.review_model.rowCount())
        if page.review_model.row_at(r).drive_serial == "NO-SUCH-DRIVE"
    )
    before = page.review_model.rowCount()
    page.scan("PF3XK9R0")
    page.scan("NO-SUCH-DRIVE-LABEL")
    qtbot.waitUntil(lambda: page.runner.pending == 0, timeout=10_000)
    qtbot.waitUntil(lambda: page.status.text() == "Registered drive NO-SUCH-DRIVE-LABEL.")
    page.tabs.setCurrentWidget(page.review_tab)
    page.review_view.selectRow(row)

    def pick(dialog) -> None:
        index = next(
            i
            for i in range(dialog.pick_combo.count())
            if dialog.pick_combo.itemText(i).startswith("NO-SUCH-DRIVE-LABEL")
        )
        dialog.pick_combo.setCurrentIndex(index)
        dialog.note_edit.setText("serial label differs from firmware serial")

    _answer_dialog(qtbot, pick)
    page.assign_button.click()
    qtbot.waitUntil(
        lambda: bool(errors) or page.status.text().startswith("Review item assigned"),
        timeout=10_000,
    )
    assert errors == []
    qtbot.waitUntil(lambda: page.runner.pending == 0, timeout=10_000)
    assert page.status.text() == (
        "Review item assigned: drive NO-SUCH-DRIVE-LABEL recorded PASSED (CLEAR) from "
        "nwipe_log_20261121-090000.txt."
    )
    assert page.review_model.rowCount() == before - 1
