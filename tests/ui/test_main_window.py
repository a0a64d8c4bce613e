"""The main window over a real demo station: navigation, the Custody log, verification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app.bootstrap import Station, station_info
from app.services.demo_data import DEMO_OPERATORS
from app.ui.main_window import MainWindow
from app.ui.models.ledger_table_model import LedgerColumn
from app.ui.page_names import PAGE_NAMES
from app.ui.task_runner import TaskRunner


@pytest.fixture
def window(qtbot, demo_station: Station, device_setup, device_bridge):
    runner = TaskRunner()
    supervisor = DEMO_OPERATORS[1]
    operator = demo_station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
    win = MainWindow(
        station_info(demo_station),
        demo_station.operators,
        demo_station.custody_log,
        runner,
        devices=device_setup,
        device_events=device_bridge,
    )
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.set_operator(operator)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    yield win
    runner.shutdown()


def _column(win: MainWindow, column: LedgerColumn) -> list[object]:
    model = win.custody_log_page.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_custody_log_lists_every_demo_event_newest_first(window, demo_station):
    seqs = _column(window, LedgerColumn.SEQ)
    assert len(seqs) == demo_station.custody_log.count()
    assert seqs == sorted(seqs, reverse=True)
    assert seqs[-1] == 1
    assert "station.initialized" in _column(window, LedgerColumn.TYPE)
    assert window.custody_log_page.count_label.text() == f"{len(seqs)} events in the ledger"
    assert window.operator_label.text() == "Operator: Sam Supervisor (supervisor)"


def test_selecting_an_event_shows_its_hash_and_payload(window, qtbot):
    page = window.custody_log_page
    page.table.selectRow(page.model.rowCount() - 1)  # event #1
    text = page.details.toPlainText()
    assert text.startswith("Event #1   station.initialized")
    assert "public_key_hex" in text
    assert "Prev hash    " + "0" * 64 in text


def test_filter_by_asset_shows_only_that_assets_history(window, qtbot, demo_station):
    page = window.custody_log_page
    summaries = _column(window, LedgerColumn.SUMMARY)
    received = [s for s in summaries if str(s).startswith("Received HP EliteBook")]
    asset_id = str(received[0]).split(" as ")[1].split(" ")[0].rstrip(",")
    page.asset_edit.setText(asset_id)
    qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() < len(summaries), timeout=5000)
    types = _column(window, LedgerColumn.TYPE)
    assert "asset.received" in types
    # The demo also registers the laptop's drive and records its wipe (sanitization).
    assert set(types) <= {
        "asset.received",
        "custody.transferred",
        "media.registered",
        "sanitization.recorded",
    }
    for row in range(page.model.rowCount()):
        entry = page.model.entry_at(row)
        assert asset_id in str(entry.payload)
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(summaries), timeout=5000)


def test_filter_by_operator_and_type(window, qtbot):
    page = window.custody_log_page
    index = next(
        i
        for i in range(page.operator_combo.count())
        if page.operator_combo.itemText(i).startswith("Terry Technician")
    )
    page.operator_combo.setCurrentIndex(index)
    page.type_combo.setCurrentIndex(page.type_combo.findData("asset."))
    qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: set(_column(window, LedgerColumn.TYPE)) == {"asset.received"}, timeout=5000
    )
    assert set(_column(window, LedgerColumn.OPERATOR)) == {"Terry Technician"}
    assert page.model.rowCount() == 8


def test_verify_ledger_reports_ok(window, qtbot):
    page = window.custody_log_page
    with qtbot.waitSignal(page.verified, timeout=10_000) as signal:
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert signal.args == [True]
    assert page.verdict.text().startswith("Ledger verified: OK, ")
    assert page.verdict.objectName() == "verdictOk"


def test_verify_ledger_names_the_tampered_event(window, qtbot, demo_station):
    db = sqlite3.connect(demo_station.database.path)
    # What an attacker with file access would do: drop the guard, then edit evidence.
    db.execute("DROP TRIGGER events_refuse_update")
    db.execute(
        "UPDATE events SET payload = replace(payload, '5CG1234ABC', '5CG1234ABX') "
        "WHERE type = 'asset.received' AND payload LIKE '%5CG1234ABC%'"
    )
    db.commit()
    tampered = db.execute(
        "SELECT seq FROM events WHERE payload LIKE '%5CG1234ABX%' AND type='asset.received'"
    ).fetchone()[0]
    db.close()
    page = window.custody_log_page
    with qtbot.waitSignal(page.verified, timeout=10_000) as signal:
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert signal.args == [False]
    assert f"BROKEN at event #{tampered} " in page.verdict.text()
    assert "modified" in page.verdict.text()
    assert page.verdict.objectName() == "verdictBroken"


def test_every_page_renders_and_says_what_it_is(window, qtbot, tmp_path: Path):
    for name in PAGE_NAMES:
        window.show_page(name)
        assert window.current_page_name() == name
        image = window.grab().toImage()
        assert image.width() == 1280
        path = tmp_path / f"{name}.png"
        assert window.grab().save(str(path))
        assert not QImage(str(path)).isNull()
    window.show_page("grading")
    assert "Not available in this version" in window.pages["grading"].status_label.text()


def test_ledger_model_passes_qtmodeltester(window, qtmodeltester):
    qtmodeltester.check(window.custody_log_page.model)


def test_sign_out_records_the_event_and_clears_the_table(window, qtbot, demo_station):
    before = demo_station.custody_log.count()
    with qtbot.waitSignal(window.sign_out_completed, timeout=5000):
        qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    assert window.operator_label.text() == "Not signed in"
    assert window.custody_log_page.model.rowCount() == 0
    assert demo_station.custody_log.count() == before + 1
    assert demo_station.operators.current is None
