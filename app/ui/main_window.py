"""The main window: navigation to the workspaces, the pages, and a status bar showing operator,
station, device status and sync status."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.devices import DeviceScan, DeviceState, DeviceStatus
from app.domain.roles import Operator, Permission
from app.services.custody import CustodyService
from app.services.custody_log import CustodyLogService
from app.services.device_setup import DeviceSetupService
from app.services.grading import GradingService
from app.services.operators import OperatorService
from app.services.palletizing import PalletizingService
from app.services.receiving import ReceivingService
from app.services.sanitization import SanitizationService
from app.services.station_info import StationInfo
from app.services.sync import SyncService, SyncView
from app.ui.device_event_bridge import DeviceEventBridge
from app.ui.error_display import show_error
from app.ui.io_runner import IoTaskRunner
from app.ui.page_names import PAGE_NAMES, PAGE_TITLES
from app.ui.pages.custody_log_page import CustodyLogPage
from app.ui.pages.devices_page import DevicesPage
from app.ui.pages.grading_page import GradingPage
from app.ui.pages.not_built_page import NOT_BUILT, NotBuiltPage
from app.ui.pages.pallets_page import PalletsPage
from app.ui.pages.receiving_page import ReceivingPage
from app.ui.pages.sanitization_page import SanitizationPage
from app.ui.pages.station_pages import SettingsPage
from app.ui.pages.sync_page import SyncPage
from app.ui.task_runner import TaskRunner


class MainWindow(QMainWindow):
    """Owns the pages. GUI thread only."""

    sign_out_completed = Signal()

    def __init__(
        self,
        info: StationInfo,
        operators: OperatorService,
        custody_log: CustodyLogService,
        runner: TaskRunner,
        *,
        devices: DeviceSetupService,
        device_events: DeviceEventBridge,
        sync: SyncService | None = None,
        receiving: ReceivingService | None = None,
        custody: CustodyService | None = None,
        samples_dir: Path | None = None,
        grading: GradingService | None = None,
        sanitization: SanitizationService | None = None,
        palletizing: PalletizingService | None = None,
    ) -> None:
        super().__init__()
        self._info = info
        self._operators = operators
        self._runner = runner
        self._devices = devices
        self.setWindowTitle(
            f"ITAD Intake Station — {info.station_name}" + (" [DEMO]" if info.demo else "")
        )

        self.custody_log_page = CustodyLogPage(custody_log, operators, runner)
        self.devices_page = DevicesPage(devices, device_events, runner)
        self.receiving_page: ReceivingPage | None = None
        # File work (manifest parsing, wipe reports) for the pages that have any.
        self.io_runner = IoTaskRunner(self)
        if receiving is not None and custody is not None:
            self.receiving_page = ReceivingPage(
                receiving, custody, runner, self.io_runner, samples_dir=samples_dir
            )
            device_events.scan_received.connect(self.receiving_page.on_device_scan)
            device_events.tag_observed.connect(self.receiving_page.on_tag_event)
        self.grading_page = GradingPage(grading, runner) if grading is not None else None
        self.sanitization_page = self._sanitization_page(sanitization, info, runner)
        self.pallets_page = PalletsPage(palletizing, runner) if palletizing is not None else None
        device_events.scan_received.connect(self._on_device_events_scan_received)
        self.pages: dict[str, QWidget] = {}
        for name in PAGE_NAMES:
            if name == "custody-log":
                page: QWidget = self.custody_log_page
            elif name == "settings":
                page = SettingsPage(info)
            elif name == "sync" and sync is not None:
                self.sync_page = SyncPage(sync, info, runner)
                page = self.sync_page
            elif name == "devices":
                page = self.devices_page
            elif name == "receiving" and self.receiving_page is not None:
                page = self.receiving_page
            elif name == "sync":
                page = NotBuiltPage(
                    PAGE_TITLES[name],
                    "Sends this station's events to the central server.",
                    "Sync is not running in this window; every event is kept in the ledger.",
                )
            else:
                purpose, status = NOT_BUILT[name]
                page = NotBuiltPage(PAGE_TITLES[name], purpose, status)
            self.pages[name] = page
        # The Grading page replaces its placeholder when the station wires grading.
        self.pages.update({"grading": self.grading_page} if self.grading_page else {})
        self.pages.update(
            {"sanitization": self.sanitization_page} if self.sanitization_page else {}
        )
        self.pages.update({"pallets": self.pallets_page} if self.pallets_page else {})

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.stack = QStackedWidget()
        for name, page in self.pages.items():
            self.nav.addItem(PAGE_TITLES[name])
            wrapper = QWidget()
            wrap_layout = QVBoxLayout(wrapper)
            wrap_layout.setContentsMargins(20, 14, 20, 14)
            wrap_layout.addWidget(page)
            self.stack.addWidget(wrapper)
        self.nav.currentRowChanged.connect(self._on_nav_row_changed)

        brand = QLabel("ITAD Station")
        brand.setObjectName("brand")
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.clicked.connect(self._on_sign_out_clicked)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(0)
        side.addWidget(brand)
        side.addWidget(self.nav, 1)
        side_widget = QWidget()
        side_widget.setObjectName("nav")
        side_widget.setLayout(side)
        side_widget.setFixedWidth(210)

        content = QVBoxLayout()
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(0)
        if info.demo:
            banner = QLabel(
                f"DEMO MODE — sample data in a throwaway folder ({info.data_dir}); "
                "nothing here is real evidence."
            )
            banner.setObjectName("demoBanner")
            banner.setWordWrap(True)
            content.addWidget(banner)
        content.addWidget(self.stack, 1)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(side_widget)
        row.addLayout(content, 1)
        self.setCentralWidget(central)

        self.operator_label = QLabel("Not signed in")
        self.station_label = QLabel(f"Station {info.station_name}")
        self.station_label.setToolTip(f"Station ID {info.station_id}")
        self.devices_label = QLabel("Devices: none")
        self.sync_label = QLabel("Sync: offline only")
        self.sync_label.setToolTip("Every event is kept in this station's ledger")
        bar = self.statusBar()
        bar.addWidget(self.operator_label)
        bar.addWidget(self.station_label)
        bar.addPermanentWidget(self.devices_label)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.sign_out_button)

        device_events.status_changed.connect(self._on_device_events_status_changed)
        if sync is not None:
            self.sync_page.view_changed.connect(self._on_sync_page_view_changed)
            self._on_sync_page_view_changed(sync.view())
        self.devices_page.devices_changed.connect(self._update_devices_label)
        self._update_devices_label()
        self.show_page("custody-log")

    def show_page(self, name: str) -> None:
        """Switch to the page called ``name`` (see ``PAGE_NAMES``); KeyError if unknown."""
        self.nav.setCurrentRow(PAGE_NAMES.index(name))

    def current_page_name(self) -> str:
        return PAGE_NAMES[self.nav.currentRow()]

    def set_operator(self, operator: Operator | None) -> None:
        if operator is None:
            self.operator_label.setText("Not signed in")
        else:
            self.operator_label.setText(
                f"Operator: {operator.display_name} ({operator.role.value})"
            )
            self.custody_log_page.refresh()
            if self.receiving_page is not None:
                self.receiving_page.refresh()
            if self.sanitization_page is not None:
                self.sanitization_page.refresh()
            if self.pallets_page is not None and operator.may(Permission.BUILD_PALLETS):
                self.pallets_page.refresh()

    def on_wedge_scan_received(self, text: str) -> None:
        """A keyboard-wedge scan (from the application's wedge filter)."""
        self.devices_page.add_wedge_scan(text)
        if self.receiving_page is not None and self.current_page_name() == "receiving":
            self.receiving_page.add_scan(text, "keyboard wedge")
        self._scan_on_current_page(text)

    def _sanitization_page(
        self,
        sanitization: SanitizationService | None,
        info: StationInfo,
        runner: TaskRunner,
    ) -> SanitizationPage | None:
        if sanitization is None:
            return None
        return SanitizationPage(
            sanitization,
            runner,
            self.io_runner,
            certificates_dir=Path(info.data_dir) / "certificates",
        )

    def _on_device_events_scan_received(self, scan: DeviceScan) -> None:
        # The Receiving page takes serial scans through its own connection (``on_device_scan``).
        self._scan_on_current_page(scan.value)

    def _scan_on_current_page(self, value: str) -> None:
        """A scan (serial or wedge) for the Grading, Sanitization or Pallets page, if showing."""
        page = {
            "grading": self.grading_page,
            "sanitization": self.sanitization_page,
            "pallets": self.pallets_page,
        }.get(self.current_page_name())
        if page is not None:
            page.scan(value)

    def _on_device_events_status_changed(self, _status: DeviceStatus) -> None:
        # The page's model has this status too (connected before this slot): count from it.
        self._update_devices_label()

    def _update_devices_label(self) -> None:
        states = self.devices_page.model.states()
        self.devices_label.setText(devices_summary(states))
        details = [
            f"{s.device}: {s.message}" for s in self._devices.statuses().values() if s.message
        ]
        self.devices_label.setToolTip(
            "\n".join(details) or "No serial scanners or RFID readers are configured"
        )

    def _on_sync_page_view_changed(self, view: SyncView) -> None:
        self.sync_label.setText(view.headline)
        self.sync_label.setToolTip(view.problem or "Details and 'Sync now' on the Sync page")

    def _on_nav_row_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        if PAGE_NAMES[row] == "custody-log" and self._operators.current is not None:
            self.custody_log_page.refresh()
        if PAGE_NAMES[row] == "grading" and self.grading_page is not None:
            self.grading_page.focus_scan()
        if PAGE_NAMES[row] == "pallets" and self.pallets_page is not None:
            self.pallets_page.focus_scan()
        showing_sanitization = PAGE_NAMES[row] == "sanitization"
        if showing_sanitization and self.sanitization_page is not None and self._operators.current:
            self.sanitization_page.refresh()

    def _on_sign_out_clicked(self) -> None:
        self._runner.run(
            lambda: self._operators.sign_out(reason="signed out at the station"),
            lambda _result: self._on_signed_out(),
            lambda exc: show_error(self, exc, doing="signing out"),
        )

    def _on_signed_out(self) -> None:
        self.set_operator(None)
        self.custody_log_page.model.reset_rows([], exhausted=True)
        self.sign_out_completed.emit()


def devices_summary(states: list[DeviceState | None]) -> str:
    """Status-bar text: "Devices: none", "Devices: 2 connected", "Devices: 1 connected,
    1 disconnected"."""
    if not states:
        return "Devices: none"
    counts = {"connected": 0, "connecting": 0, "disconnected": 0, "with errors": 0}
    for state in states:
        if state is not None and state.is_up:
            counts["connected"] += 1
        elif state in (None, DeviceState.CONNECTING):
            counts["connecting"] += 1
        elif state is DeviceState.ERROR:
            counts["with errors"] += 1
        else:
            counts["disconnected"] += 1
    return "Devices: " + ", ".join(f"{n} {word}" for word, n in counts.items() if n)
