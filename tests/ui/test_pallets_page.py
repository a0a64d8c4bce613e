"""The Pallets page over a real demo station: a supervisor scans an un-wiped laptop onto the
resale pallet and sees the refusal with its reason; a scan adds to the recycle pallet; the
label preview is drawn; models pass qtmodeltester."""

from __future__ import annotations

import pytest

from app.bootstrap import Station, station_info
from app.domain.pallets import Pallet, PalletItem, PalletStatus, PalletType
from app.services.demo_data import DEMO_OPERATORS
from app.services.demo_pallets import DEMO_UNWIPED_LAPTOP_SERIAL
from app.ui.main_window import MainWindow
from app.ui.models.pallet_models import PalletContentsModel, PalletTableModel
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
        grading=demo_station.grading,
        palletizing=demo_station.palletizing,
    )
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.set_operator(operator)
    win.show_page("pallets")
    yield win
    win.close()
    runner.shutdown()


def test_unwiped_laptop_is_refused_on_the_resale_pallet(qtbot, window):
    page = window.pallets_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10_000)
    resale_row = next(
        r for r in range(2) if page.model.pallet_at(r).pallet_type is PalletType.RESALE
    )
    page.table.selectRow(resale_row)
    qtbot.waitUntil(
        lambda: page._current is not None and page._current.pallet_type is PalletType.RESALE,
        timeout=10_000,
    )
    with qtbot.waitSignal(page.refusal_shown, timeout=10_000) as refused:
        window.on_wedge_scan_received(DEMO_UNWIPED_LAPTOP_SERIAL)
    assert "data-bearing assets may not go on a resale pallet" in refused.args[0]
    assert page.feedback_label.isVisible()
    assert "REFUSED" in page.feedback_label.text()
    assert page.contents.rowCount() == 0
    qtbot.waitUntil(
        lambda: (
            page.preview_label.pixmap() is not None and not page.preview_label.pixmap().isNull()
        ),
        timeout=20_000,
    )


def test_models_pass_qtmodeltester(qtmodeltester):
    pallets = PalletTableModel()
    pallets.reset_rows(
        [
            Pallet("PAL-000001", PalletType.RESALE, "D", PalletStatus.OPEN, 1, 0, (), "", "", ""),
            Pallet(
                "106141411234567897",
                PalletType.RECYCLE,
                "E",
                PalletStatus.SEALED,
                3,
                12_000,
                ("S-1",),
                "Sam",
                "2026-01-01",
                "2026-01-01",
            ),
        ]
    )
    qtmodeltester.check(pallets)
    assert pallets.row_of("106141411234567897") == 1
    contents = PalletContentsModel()
    contents.reset_rows([PalletItem("AS-1", "S1", "", "laptop", "HP", "840", "", "J", 1)])
    qtmodeltester.check(contents)
