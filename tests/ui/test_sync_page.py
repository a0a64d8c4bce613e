"""The Sync page's supervisor action: "Clear the stop…" shows only while sync is stopped, asks
for a reason in a real dialog, records ``sync.halt_cleared`` through the task runner and the
page leaves the stopped state."""

from __future__ import annotations

import json

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from app.bootstrap import station_info
from app.domain.audit import LedgerFilter
from app.domain.sync import Enrolment, SyncState
from app.services.demo_data import DEMO_OPERATORS
from app.storage.repositories import LedgerReader
from app.storage.sync_store import SqliteSyncStore
from app.sync.engine import META_HALT
from app.ui.pages.sync_page import SyncPage
from app.ui.task_runner import TaskRunner


def _answer_reason(text: str) -> None:
    """Type ``text`` into the open reason dialog and press OK (as a person would)."""
    dialog = QApplication.activeModalWidget()
    if not isinstance(dialog, QInputDialog):
        QTimer.singleShot(20, lambda: _answer_reason(text))
        return
    dialog.setTextValue(text)
    dialog.accept()


def test_clear_the_stop_button(qtbot, demo_station):
    store = SqliteSyncStore(demo_station.database.engine)
    store.save_enrolment(
        Enrolment(
            server_url="http://127.0.0.1:9",
            station_id=demo_station.station_id,
            facility_id="fac-01",
            enrolled_at_ms=1,
        )
    )
    worker = demo_station.sync_worker
    assert worker is not None and demo_station.sync is not None
    worker._refresh_local()  # the status snapshot, without starting the sync thread
    runner = TaskRunner()
    page = SyncPage(demo_station.sync, station_info(demo_station), runner)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert page.clear_halt_button.isHidden()

    store.meta_put(META_HALT, json.dumps({"seq": 5, "words": "event #5: the server refused it"}))
    worker._refresh_local()  # the status snapshot, without starting the sync thread
    page.refresh()
    assert worker.status().state is SyncState.HALTED
    assert not page.clear_halt_button.isHidden()

    supervisor = next(o for o in DEMO_OPERATORS if o.role.value == "supervisor")
    demo_station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
    QTimer.singleShot(0, lambda: _answer_reason("checked the backup: right database"))
    page.clear_halt_button.click()
    qtbot.waitUntil(lambda: worker.status().state is not SyncState.HALTED, timeout=5000)
    qtbot.waitUntil(page.clear_halt_button.isHidden, timeout=5000)
    newest = LedgerReader(demo_station.database.engine).page(LedgerFilter(), limit=3)
    cleared = [e for e in newest if e.type == "sync.halt_cleared"]
    assert cleared and cleared[0].payload["reason"] == "checked the backup: right database"
    assert cleared[0].payload["halted_seq"] == 5
    runner.shutdown()
