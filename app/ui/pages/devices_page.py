"""The Devices page: configured scanners and readers with live status, add/configure/remove,
and a live test view of what they deliver (serial scans, RFID tag events, keyboard-wedge scans).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.devices import DeviceConfig, DeviceScan, DeviceStatus, DeviceTagEvent, PortCandidate
from app.domain.errors import UserFacingError
from app.services.device_setup import DeviceSetupService
from app.ui.device_dialog import DeviceDialog
from app.ui.device_event_bridge import DeviceEventBridge
from app.ui.error_display import show_error
from app.ui.models.device_activity_model import ActivityColumn, DeviceActivityModel
from app.ui.models.device_table_model import DeviceColumn, DeviceTableModel
from app.ui.task_runner import TaskRunner


def _heading(text: str, name: str = "pageTitle") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    return label


def _table(model: DeviceTableModel | DeviceActivityModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


class DevicesPage(QWidget):
    """GUI thread only. Slow work (saving, restarting workers, enumerating ports) goes through
    the task runner; live events arrive through the bridge's queued signals."""

    #: Emitted after the device list was saved and applied (the window refreshes its summary).
    devices_changed = Signal()

    def __init__(
        self,
        setup: DeviceSetupService,
        events: DeviceEventBridge,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._setup = setup
        self._runner = runner

        self.model = DeviceTableModel(self)
        self.table = _table(self.model)
        header = self.table.horizontalHeader()
        for column in (DeviceColumn.NAME, DeviceColumn.KIND, DeviceColumn.STATE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(DeviceColumn.PORT, 200)
        header.resizeSection(DeviceColumn.SETTINGS, 190)
        self.table.setMinimumHeight(120)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)

        self.add_button = QPushButton("Add device…")
        self.add_button.setObjectName("primary")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.configure_button = QPushButton("Configure…")
        self.configure_button.clicked.connect(self._on_configure_button_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.empty_label = QLabel(
            "No serial scanners or RFID readers are configured. Use “Add device…” to set one up; "
            "a USB keyboard-wedge scanner needs no set-up."
        )
        self.empty_label.setObjectName("notBuilt")
        self.empty_label.setWordWrap(True)

        self.activity = DeviceActivityModel(self)
        self.activity_table = _table(self.activity)
        a_header = self.activity_table.horizontalHeader()
        a_header.resizeSection(ActivityColumn.TIME, 80)
        a_header.resizeSection(ActivityColumn.DEVICE, 150)
        a_header.resizeSection(ActivityColumn.WHAT, 120)
        a_header.resizeSection(ActivityColumn.VALUE, 240)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.activity.clear)
        self.activity_count = QLabel("Waiting for a scan or a tag…")
        self.activity_count.setObjectName("muted")

        intro = QLabel(
            "Serial scanners and RFID readers at this station. Each device has its own "
            "connection and comes back by itself after an unplug."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.configure_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        test_row = QHBoxLayout()
        test_row.addWidget(_heading("Live test", "sectionTitle"))
        test_row.addWidget(self.activity_count, 1)
        test_row.addWidget(self.clear_button)
        test_hint = QLabel(
            "Scan a barcode or bring a tag to a reader: decoded scans and tag arrivals appear "
            "here as they happen. Tag reads are de-duplicated; weak reads below the RSSI "
            "threshold are ignored. Nothing shown here is recorded."
        )
        test_hint.setObjectName("muted")
        test_hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Devices"))
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        layout.addSpacing(10)
        layout.addLayout(test_row)
        layout.addWidget(test_hint)
        layout.addWidget(self.activity_table, 3)

        events.status_changed.connect(self._on_events_status_changed)
        events.scan_received.connect(self._on_events_scan_received)
        events.tag_observed.connect(self._on_events_tag_observed)
        self.reload()

    # ---- public ----

    def reload(self) -> None:
        """Show the device list and the statuses the manager holds now."""
        configs = self._setup.configs()
        self.model.set_devices(configs, self._setup.statuses())
        self.empty_label.setVisible(not configs)
        self._update_buttons()

    def add_wedge_scan(self, text: str) -> None:
        """A keyboard-wedge scan (from the window's wedge filter) for the live view."""
        self.activity.add_wedge_scan(text)
        self._count_activity()

    # ---- slots ----

    def _on_events_status_changed(self, status: DeviceStatus) -> None:
        self.model.update_status(status)

    def _on_events_scan_received(self, scan: DeviceScan) -> None:
        self.activity.add_scan(scan)
        self._count_activity()

    def _on_events_tag_observed(self, tag: DeviceTagEvent) -> None:
        self.activity.add_tag(tag)
        self._count_activity()

    def _on_table_selection_changed(self, *_args: object) -> None:
        self._update_buttons()

    def _on_table_double_clicked(self, *_args: object) -> None:
        self._on_configure_button_clicked()

    def _on_add_button_clicked(self) -> None:
        if self._allowed():
            self._with_ports(lambda ports: self._edit(ports, None))

    def _on_configure_button_clicked(self) -> None:
        config = self._selected()
        if config is not None and self._allowed():
            self._with_ports(lambda ports: self._edit(ports, config))

    def _on_remove_button_clicked(self) -> None:
        config = self._selected()
        if config is None or not self._allowed():
            return
        self._save(lambda: self._setup.remove(config.name), doing=f"removing {config.name}")

    # ---- helpers ----

    def _count_activity(self) -> None:
        self.activity_count.setText(f"{self.activity.rowCount()} shown, newest first")

    def _selected(self) -> DeviceConfig | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.config_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        selected = self._selected() is not None
        self.configure_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    def _allowed(self) -> bool:
        try:
            self._setup.require_may_configure()
        except UserFacingError as exc:
            show_error(self, exc, doing="configuring devices")
            return False
        return True

    def _with_ports(self, then: Callable[[list[PortCandidate]], None]) -> None:
        self._runner.run(
            self._setup.available_ports,
            then,
            lambda exc: show_error(self, exc, doing="listing the serial ports"),
        )

    def _edit(self, ports: list[PortCandidate], config: DeviceConfig | None) -> None:
        dialog = DeviceDialog(
            ports,
            config=config,
            taken_names=[c.name for c in self._setup.configs()],
            identify=self._setup.identify,
            runner=self._runner,
            parent=self,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.config is None:
            return
        new = dialog.config
        replacing = config.name if config else None
        self._save(
            lambda: self._setup.add_or_replace(new, replacing=replacing),
            doing=f"saving {new.name}",
        )

    def _save(self, work: Callable[[], object], *, doing: str) -> None:
        self.add_button.setEnabled(False)
        self._runner.run(
            work,
            lambda _configs: self._on_saved(),
            lambda exc: self._on_save_failed(exc, doing),
        )

    def _on_saved(self) -> None:
        self.add_button.setEnabled(True)
        self.reload()
        self.devices_changed.emit()

    def _on_save_failed(self, exc: BaseException, doing: str) -> None:
        self.add_button.setEnabled(True)
        self.reload()
        show_error(self, exc, doing=doing)
