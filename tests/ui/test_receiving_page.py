"""The Receiving page over a real demo station: scans turn the banner green / amber / red,
counters move, quick capture, undo; the import dialog shows progress and imports; the Qt models
pass qtmodeltester; the signature pad yields a PNG."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF

from app.domain.manifests import Discrepancy, DiscrepancyCode, ScanOutcome
from app.services.demo_data import DEMO_JOB_ID
from app.ui.models.discrepancy_table_model import DiscrepancyTableModel
from app.ui.models.scan_table_model import ScanRow, ScanTableModel
from app.ui.widgets.signature_pad import SignaturePad

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture
def window(receiving_window):
    return receiving_window[0]


def scan(qtbot, page, value: str):
    with qtbot.waitSignal(page.scan_completed, timeout=10_000) as blocker:
        page.add_scan(value, "test scanner")
    return blocker.args[0]


def test_scans_turn_the_banner_green_amber_red(window, qtbot):
    page = window.receiving_page
    assert page.current_job() == DEMO_JOB_ID
    assert page.counter_labels["expected"].text() == "12"
    assert page.counter_labels["received"].text() == "8"

    result = scan(qtbot, page, "WD-WCC4N7XYZ123")
    assert result.outcome is ScanOutcome.MATCHED
    assert page.severity == "ok" and page.banner_headline.text() == "MATCHED"
    assert page.counter_labels["received"].text() == "9"
    assert page.counter_labels["missing"].text() == "3"

    scan(qtbot, page, "WD-WCC4N7XYZ123")
    assert page.severity == "error" and page.banner_headline.text() == "ALREADY RECEIVED"

    scan(qtbot, page, "CNU0000NEW")
    assert page.severity == "warn" and page.banner_headline.text() == "NOT ON MANIFEST"
    assert page.capture_box.isVisibleTo(page)
    assert page.capture_serial.text() == "CNU0000NEW"
    page.capture_make.setText("HP")
    page.capture_model.setText("Z24")
    page.capture_type.setCurrentText("monitor")
    page.capture_button.click()
    qtbot.waitUntil(lambda: page.counter_labels["extra"].text() == "1", timeout=10_000)
    assert page.banner_headline.text() == "EXTRA RECEIVED"

    assert page.model.rowCount() == 4
    assert page.model.row_at(0).result == "EXTRA RECEIVED"
    assert page.model.row_at(3).severity == "ok"


def test_undo_and_another_jobs_item(window, qtbot, demo_station, tmp_path):
    page = window.receiving_page
    scan(qtbot, page, "S4EWNX0R123456")
    page.undo_button.click()
    qtbot.waitUntil(lambda: page.banner_headline.text() == "LAST SCAN UNDONE", timeout=10_000)
    assert page.counter_labels["received"].text() == "8"
    # Import the sample manifest (job 0043), then one of its serials is "another job" here.
    recorded = demo_station.receiving.import_manifest(
        next(SAMPLES.glob("*.csv")), customer_id="CUST-ACME", job_id="JOB-2026-0043"
    )
    assert recorded.line_count == 14
    page.refresh()
    qtbot.waitUntil(lambda: page.job_combo.count() == 2, timeout=10_000)
    result = scan(qtbot, page, "5CG2201KLM")
    assert result.outcome is ScanOutcome.OTHER_JOB
    assert page.severity == "error" and "JOB-2026-0043" in page.banner_detail.text()
    # Scanning a job sheet switches the job.
    page.add_scan("job-2026-0043", "test scanner")
    assert page.current_job() == "JOB-2026-0043"
    assert scan(qtbot, page, "5CG2201KLM").outcome is ScanOutcome.MATCHED


def test_import_dialog_previews_shows_progress_and_imports(window, qtbot):
    page = window.receiving_page
    dialog = page.open_import_dialog()
    qtbot.addWidget(dialog)
    assert dialog.sample_button.isVisible() or dialog.sample_button.isVisibleTo(dialog)
    dialog.show()
    dialog.sample_button.click()
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10_000)
    assert dialog.job_edit.text() == "JOB-2026-0043"
    assert "14 data rows" in dialog.detected_label.text()
    assert dialog.mapping().to_json_dict()["serial"] == "Serial Number"
    assert dialog.mapping().to_json_dict()["epc"] == "RFID EPC"
    seen: list[int] = []
    dialog.progressed.connect(lambda done, total: seen.append(done))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.import_button.click()
    assert dialog.progress.value() == 1000
    assert dialog.recorded.job_id == "JOB-2026-0043"
    assert dialog.recorded.line_count == 14


def test_import_dialog_shows_a_row_error(window, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Serial,Model\nA,x\n,y\n")
    dialog = window.receiving_page.open_import_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load_file(bad)
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10_000)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: bool(dialog.error_label.text()), timeout=10_000)
    assert "bad.csv, row 3, column 'Serial'" in dialog.error_label.text()
    assert dialog.recorded is None


def test_models_pass_qtmodeltester(qtmodeltester):
    scans = ScanTableModel()
    for i in range(3):
        scans.prepend(ScanRow("10:00:00", f"S{i}", "MATCHED", "d", "ok"))
    qtmodeltester.check(scans)
    discrepancies = DiscrepancyTableModel()
    discrepancies.reset_rows(
        [
            Discrepancy(DiscrepancyCode.MISSING, line_no=1, identifier="S1"),
            Discrepancy(DiscrepancyCode.SEAL_BROKEN, container_id="G1"),
        ]
    )
    qtmodeltester.check(discrepancies)
    index = discrepancies.index(0, 4)
    assert discrepancies.setData(index, "found_later")
    assert next(iter(discrepancies.resolutions().values()))[0].value == "found_later"


def test_signature_pad_draws_a_png(qtbot):
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 120)
    assert pad.is_empty and pad.png_bytes() == b""
    pad.draw_stroke([QPointF(10, 60), QPointF(100, 30), QPointF(200, 90)])
    png = pad.png_bytes()
    assert png.startswith(b"\x89PNG")
    pad.clear()
    assert pad.is_empty
