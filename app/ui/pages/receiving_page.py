"""The Receiving page: choose (or scan) the job, scan items against its manifest with a big,
unmistakable result banner and a sound, running counters, undo, RFID bulk mode, quick capture of
unmanifested items; import a manifest, record the truck's arrival, close receiving, move custody
and look up an asset's chain of custody.

GUI thread only. Every scan is recorded through the task runner (the DB worker), in arrival
order, so a scan during a large import waits for the worker but is never lost. While the worker
is busy (recording a 100,000-line manifest holds it for seconds) the scan's result is shown at
once from a read-only preview on the page's own preview thread, marked "saving…"; the recorded
result then confirms it, or replaces it when they differ. Manifest parsing runs on the I/O pool.
With the toggle on, each received asset's intake label is printed (or saved as PDF) after its
feedback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.devices import DeviceScan, DeviceTagEvent, TagEventKind
from app.domain.manifests import JobSummary, ReceivingCounters, ScanOutcome
from app.services.custody import CustodyService
from app.services.receiving import IntakeLabelResult, ReceivingService, ScanResult
from app.ui.error_display import show_error
from app.ui.io_runner import IoTaskRunner
from app.ui.models.scan_table_model import ScanColumn, ScanRow, ScanTableModel
from app.ui.receiving_dialogs import (
    AssetHistoryDialog,
    CloseReceivingDialog,
    CustodyDialog,
    ImportManifestDialog,
    InboundHandoffDialog,
)
from app.ui.task_runner import TaskRunner

log = logging.getLogger(__name__)

#: Appended to the banner while a scan's result is shown from a preview, not yet recorded.
SAVING_SUFFIX = " · saving…"

BANNER_STYLES = {
    "idle": "background:#e9edf3; color:#1d2430; border:2px solid #cfd6e0;",
    "ok": "background:#1e8e3e; color:white; border:2px solid #146c2e;",
    "warn": "background:#f6b400; color:#2b2100; border:2px solid #c98f00;",
    "error": "background:#c5221f; color:white; border:2px solid #8c1d18;",
}
BANNER_TEXT = {"idle": "#1d2430", "ok": "white", "warn": "#2b2100", "error": "white"}
DEVICE_TYPES = (
    "laptop",
    "desktop",
    "server",
    "monitor",
    "phone",
    "tablet",
    "network",
    "storage array",
    "drive",
    "tape",
    "printer",
    "other",
)


class ReceivingPage(QWidget):
    """Owns the scan banner, counters, scan list and the receiving dialogs."""

    scan_completed = Signal(object)  # ScanResult, recorded, after the banner shows it
    scan_previewed = Signal(object)  # ScanResult shown before it is recorded (worker busy)
    intake_label_done = Signal(object)  # IntakeLabelResult: queued to the printer, or saved

    def __init__(
        self,
        receiving: ReceivingService,
        custody: CustodyService,
        runner: TaskRunner,
        io_runner: TaskRunner,
        *,
        samples_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._receiving = receiving
        self._custody = custody
        self._runner = runner
        self._io = io_runner
        # Previews run on one thread of their own, in arrival order: on a pool, a preview
        # slowed down (the import's CPU-bound DB worker holds the GIL) finished after the next
        # scan's, and the page dropped it as stale; that scan got no feedback until it was
        # recorded, after the whole import (1.6 s measured). Nor does a preview wait behind
        # manifest parsing on the I/O pool.
        self._previews = IoTaskRunner(self, workers=1, name="scan-preview")
        self._samples_dir = samples_dir
        self._jobs: dict[str, JobSummary] = {}
        self._custody_dialog: CustodyDialog | None = None
        # Scans handed to the DB worker and not yet answered: sequence number → the outcome
        # a preview showed (None: no preview shown).
        self._scan_seq = 0
        self._unanswered: dict[int, ScanOutcome | None] = {}
        self._banner_seq = 0  # the scan whose result the banner shows
        self.severity = "idle"
        self.model = ScanTableModel(self)
        self._build()

    # ---- layout ----

    def _build(self) -> None:
        title = QLabel("Receiving")
        title.setObjectName("pageTitle")
        self.job_combo = QComboBox()
        self.job_combo.setMinimumContentsLength(16)
        self.job_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.job_combo.currentIndexChanged.connect(self._on_job_changed)
        self.import_button = QPushButton("Import manifest…")
        self.import_button.setObjectName("primary")
        self.import_button.clicked.connect(self._on_import_clicked)
        self.arrival_button = QPushButton("Truck arrival…")
        self.arrival_button.clicked.connect(self._on_arrival_clicked)
        self.close_button = QPushButton("Close receiving…")
        self.close_button.clicked.connect(self._on_close_clicked)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(16)
        head.addWidget(QLabel("Job"))
        head.addWidget(self.job_combo, 1)
        # Actions on their own row: the page must fit a 1024-pixel bench screen.
        actions = QHBoxLayout()
        actions.addWidget(self.import_button)
        actions.addWidget(self.arrival_button)
        actions.addWidget(self.close_button)

        self.job_info = QLabel("")
        self.job_info.setObjectName("muted")
        self.job_info.setWordWrap(True)

        self.banner = QFrame()
        self.banner.setObjectName("scanBanner")
        self.banner.setMinimumHeight(118)
        self.banner_headline = QLabel("READY TO SCAN")
        self.banner_headline.setStyleSheet("font-size: 38px; font-weight: 800;")
        self.banner_detail = QLabel("Scan a serial number or asset tag (or a job sheet).")
        self.banner_detail.setStyleSheet("font-size: 18px;")
        self.banner_detail.setWordWrap(True)
        for label in (self.banner_headline, self.banner_detail):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_headline)
        banner_layout.addWidget(self.banner_detail)
        self._set_banner("idle", "READY TO SCAN", self.banner_detail.text())

        self.counter_labels: dict[str, QLabel] = {}
        counters = QHBoxLayout()
        for key, caption in (
            ("expected", "Expected"),
            ("received", "Received"),
            ("missing", "Missing"),
            ("extra", "Extra"),
        ):
            box = QFrame()
            box.setStyleSheet(
                "QFrame { background: white; border: 1px solid #d5dbe4; border-radius: 6px; }"
                "QLabel { border: none; }"
            )
            number = QLabel("0")
            number.setStyleSheet("font-size: 30px; font-weight: 700;")
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cap = QLabel(caption)
            cap.setObjectName("muted")
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            v = QVBoxLayout(box)
            v.setContentsMargins(6, 4, 6, 4)
            v.addWidget(number)
            v.addWidget(cap)
            self.counter_labels[key] = number
            counters.addWidget(box)

        self.scan_edit = QLineEdit()
        self.scan_edit.setPlaceholderText("Scan or type a serial / asset tag + Enter")
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return)
        self.undo_button = QPushButton("Undo last")
        self.undo_button.clicked.connect(self._on_undo_clicked)
        self.rfid_check = QCheckBox("RFID bulk")
        self.rfid_check.setToolTip(
            "Receive every tag that arrives at the RFID reader (a pallet passing the gate)"
        )
        self.custody_button = QPushButton("Custody…")
        self.custody_button.setToolTip(
            "Move items to a location, check them out to a bench or back in, or hand them "
            "to another operator"
        )
        self.custody_button.clicked.connect(self._on_custody_clicked)
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("An asset's chain of custody: who held it, where, when")
        self.history_button.clicked.connect(self._on_history_button_clicked)
        actions.addWidget(self.custody_button)
        actions.addWidget(self.history_button)
        actions.addStretch(1)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(self.undo_button)
        scan_row.addWidget(self.rfid_check)
        self.label_check = QCheckBox("Print intake label for each received asset")
        self.label_check.setToolTip(
            "Matched and quick-captured items get an asset-ID label from the label printer "
            "(saved as PDF when no printer is configured)"
        )
        self.label_status = QLabel("")
        self.label_status.setObjectName("muted")
        label_row = QHBoxLayout()
        label_row.addWidget(self.label_check)
        label_row.addWidget(self.label_status, 1)

        self.capture_box = QGroupBox("Not on the manifest — capture it as an extra item")
        self.capture_serial = QLineEdit()
        self.capture_type = QComboBox()
        self.capture_type.setEditable(True)
        self.capture_type.addItems(DEVICE_TYPES)
        self.capture_make = QLineEdit()
        self.capture_make.setPlaceholderText("make")
        self.capture_model = QLineEdit()
        self.capture_model.setPlaceholderText("model")
        self.capture_button = QPushButton("Receive as extra")
        self.capture_button.setObjectName("primary")
        self.capture_button.clicked.connect(self._on_capture_clicked)
        dismiss = QPushButton("Set aside")
        dismiss.clicked.connect(lambda: self.capture_box.setVisible(False))
        grid = QGridLayout(self.capture_box)
        grid.addWidget(QLabel("Serial"), 0, 0)
        grid.addWidget(self.capture_serial, 0, 1)
        grid.addWidget(QLabel("Type"), 0, 2)
        grid.addWidget(self.capture_type, 0, 3)
        grid.addWidget(QLabel("Make"), 1, 0)
        grid.addWidget(self.capture_make, 1, 1)
        grid.addWidget(QLabel("Model"), 1, 2)
        grid.addWidget(self.capture_model, 1, 3)
        grid.addWidget(dismiss, 0, 4)
        grid.addWidget(self.capture_button, 1, 4)
        self.capture_box.setVisible(False)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            ScanColumn.DETAIL, QHeaderView.ResizeMode.Stretch
        )
        self.table.setColumnWidth(ScanColumn.TIME, 80)
        self.table.setColumnWidth(ScanColumn.VALUE, 190)
        self.table.setColumnWidth(ScanColumn.RESULT, 150)
        self.table.doubleClicked.connect(self._on_table_double_clicked)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(actions)
        layout.addWidget(self.job_info)
        layout.addWidget(self.banner)
        layout.addLayout(counters)
        layout.addLayout(scan_row)
        layout.addLayout(label_row)
        layout.addWidget(self.capture_box)
        layout.addWidget(self.table, 1)

    # ---- jobs ----

    def current_job(self) -> str:
        return str(self.job_combo.currentData() or "")

    def refresh(self) -> None:
        """Reload the job list (keeping the chosen job) and its counters."""
        self._runner.run(
            self._receiving.jobs,
            self._on_jobs_loaded,
            lambda exc: show_error(self, exc, doing="loading receiving jobs"),
        )

    def _on_jobs_loaded(self, jobs: list[JobSummary], select: str = "") -> None:
        current = select or self.current_job()
        self._jobs = {j.job_id: j for j in jobs}
        self.job_combo.blockSignals(True)
        self.job_combo.clear()
        for job in jobs:
            state = "" if job.is_open else " — CLOSED"
            self.job_combo.addItem(
                f"{job.job_id} · {job.customer_name} · {job.line_count} lines{state}", job.job_id
            )
        index = self.job_combo.findData(current)
        if index < 0:
            index = next((i for i, j in enumerate(jobs) if j.is_open), 0)
        self.job_combo.setCurrentIndex(index)
        self.job_combo.blockSignals(False)
        self._on_job_changed()

    def select_job(self, job_id: str) -> None:
        self._runner.run(
            self._receiving.jobs,
            lambda jobs: self._on_jobs_loaded(jobs, select=job_id),
            lambda exc: show_error(self, exc, doing="loading receiving jobs"),
        )

    def _on_job_changed(self) -> None:
        job = self._jobs.get(self.current_job())
        open_job = job is not None and job.is_open
        for button in (self.arrival_button, self.close_button, self.undo_button):
            button.setEnabled(open_job)
        self.scan_edit.setEnabled(open_job)
        if job is None:
            self.job_info.setText("No receiving job yet: import the customer's manifest first.")
            self._show_counters(ReceivingCounters())
            return
        self.job_info.setText(
            f"Customer {job.customer_name} · manifest {job.manifest_ids or '—'} · "
            + ("truck arrival recorded" if job.inbound_recorded else "truck arrival NOT recorded")
            + ("" if job.is_open else " · receiving closed")
        )
        job_id = job.job_id
        self._runner.run(
            lambda: self._receiving.counters(job_id),
            lambda counters: self._on_counters_loaded(job_id, counters),
            lambda exc: show_error(self, exc, doing="loading the counters"),
        )

    def _on_counters_loaded(self, job_id: str, counters: ReceivingCounters) -> None:
        if job_id == self.current_job():
            self._show_counters(counters)

    def _show_counters(self, counters: ReceivingCounters) -> None:
        for key in ("expected", "received", "missing", "extra"):
            self.counter_labels[key].setText(f"{getattr(counters, key):,}")

    # ---- scans ----

    def add_scan(self, value: str, source: str) -> None:
        """A barcode from any scanner (serial, wedge) or typed. A job's ID switches the job."""
        value = value.strip()
        if not value:
            return
        if self._custody_dialog is not None:
            self._custody_dialog.add_scan(value)
            return
        if value.upper() in self._jobs:
            self.job_combo.setCurrentIndex(self.job_combo.findData(value.upper()))
            self._set_banner("idle", "JOB SELECTED", f"Now receiving job {value.upper()}")
            return
        job_id = self.current_job()
        if not job_id or not self._jobs[job_id].is_open:
            self._set_banner("error", "NO OPEN JOB", "Choose or scan an open job first.")
            QApplication.beep()
            return
        self._submit_scan(
            value,
            lambda: self._receiving.scan(job_id, value, source),
            lambda: self._receiving.preview_scan(job_id, value),
        )

    def _submit_scan(
        self,
        value: str,
        record: Callable[[], ScanResult],
        preview: Callable[[], ScanResult],
    ) -> None:
        """Record the scan on the DB worker (in arrival order: never lost). When the worker is
        busy (a large import holds it for seconds), show the result at once from a preview on
        the preview thread (previews also in arrival order, so each scan's preview is shown and
        heard); the recorded result confirms it, or corrects it if they differ."""
        self._scan_seq += 1
        seq = self._scan_seq
        self._unanswered[seq] = None
        if self._runner.pending > 0:
            self._previews.run(
                preview,
                lambda result: self._on_previewed(seq, result),
                lambda exc: self._on_preview_failed(value, exc),
            )
        self._runner.run(
            record,
            lambda result: self._on_scanned(result, seq),
            lambda exc: self._on_scan_failed(value, exc, seq),
        )

    def _on_previewed(self, seq: int, result: ScanResult) -> None:
        if seq not in self._unanswered or seq < self._banner_seq:
            return  # already recorded (that result is shown), or a newer scan is shown
        self._unanswered[seq] = result.outcome
        self._banner_seq = seq
        self._set_banner(result.outcome.severity, result.headline, result.detail + SAVING_SUFFIX)
        self._play(result.outcome.severity)
        self.scan_previewed.emit(result)

    def _on_preview_failed(self, value: str, exc: BaseException) -> None:
        # A refused scan (closed job, nobody signed in) is reported by the recording itself.
        if getattr(exc, "message", None) is None:
            log.error("previewing the scan %s failed", value, exc_info=exc)

    def on_device_scan(self, scan: DeviceScan) -> None:
        if self.isVisible():
            self.add_scan(scan.value, scan.device)

    def on_tag_event(self, tag: DeviceTagEvent) -> None:
        if not (self.isVisible() and self.rfid_check.isChecked()):
            return
        if tag.kind is not TagEventKind.ARRIVED or self._custody_dialog is not None:
            return
        job_id = self.current_job()
        if not job_id or not self._jobs[job_id].is_open:
            return
        self._submit_scan(
            tag.epc_uri or tag.epc_hex,
            lambda: self._receiving.scan_tag(job_id, tag.epc_hex, tag.epc_uri, tag.device),
            lambda: self._receiving.preview_tag(job_id, tag.epc_hex, tag.epc_uri),
        )

    def _on_scan_edit_return(self) -> None:
        value = self.scan_edit.text()
        self.scan_edit.clear()
        self.add_scan(value, "typed")

    def _on_scanned(self, result: ScanResult, seq: int) -> None:
        severity = result.outcome.severity
        previewed = self._unanswered.pop(seq, None)
        if previewed is not None and previewed is not result.outcome:
            # The preview was overtaken (e.g. the same item scanned twice in a row): the
            # recorded result wins, loudly.
            self._banner_seq = seq
            self._set_banner(severity, result.headline, result.detail)
            self._play(severity)
        elif previewed is not None:
            if seq == self._banner_seq:
                self._set_banner(severity, result.headline, result.detail)  # now recorded
        else:
            if seq >= self._banner_seq:
                self._banner_seq = seq
                self._set_banner(severity, result.headline, result.detail)
            self._play(severity)
        if result.job_id == self.current_job():
            self._show_counters(result.counters)
        self.model.prepend(
            ScanRow(
                time_text=datetime.now().strftime("%H:%M:%S"),
                value=result.value,
                result=result.headline,
                detail=result.detail,
                severity=severity,
            )
        )
        if result.outcome is ScanOutcome.NOT_ON_MANIFEST:
            self.capture_serial.setText(result.value)
            self.capture_make.clear()
            self.capture_model.clear()
            self.capture_box.setVisible(True)
            self.capture_make.setFocus()
        elif result.outcome is ScanOutcome.MATCHED:
            self.capture_box.setVisible(False)
            self._print_intake_label(result.asset_id)
        self.scan_completed.emit(result)

    def _on_scan_failed(self, value: str, exc: BaseException, seq: int) -> None:
        self._unanswered.pop(seq, None)
        self._banner_seq = max(self._banner_seq, seq)
        message = getattr(exc, "message", None)
        if message is None:
            show_error(self, exc, doing=f"recording the scan {value}")
            return
        self._set_banner("error", "NOT RECORDED", message)
        self._play("error")

    def _play(self, severity: str) -> None:
        # One beep for a match; errors repeat so a roaming operator hears the difference.
        QApplication.beep()
        if severity == "error":
            QApplication.beep()

    def _set_banner(self, severity: str, headline: str, detail: str) -> None:
        self.severity = severity
        foreground = BANNER_TEXT[severity]
        self.banner.setStyleSheet(
            f"QFrame#scanBanner {{ {BANNER_STYLES[severity]} border-radius: 8px; }}"
            f"QLabel {{ color: {foreground}; background: none; border: none; }}"
        )
        self.banner_headline.setText(headline)
        self.banner_detail.setText(detail)

    def _on_capture_clicked(self) -> None:
        job_id = self.current_job()
        serial = self.capture_serial.text()
        device_type = self.capture_type.currentText()
        make, model = self.capture_make.text(), self.capture_model.text()
        self._runner.run(
            lambda: self._receiving.receive_extra(
                job_id, serial=serial, device_type=device_type, make=make, model=model
            ),
            self._on_captured,
            lambda exc: show_error(self, exc, doing="receiving the extra item"),
        )

    def _on_captured(self, result: ScanResult) -> None:
        self.capture_box.setVisible(False)
        self._set_banner(
            "warn", "EXTRA RECEIVED", f"{result.value} received as {result.asset_id} (extra)"
        )
        self._show_counters(result.counters)
        self.model.prepend(
            ScanRow(
                datetime.now().strftime("%H:%M:%S"),
                result.value,
                "EXTRA RECEIVED",
                f"not on the manifest → {result.asset_id}",
                "warn",
            )
        )
        self._print_intake_label(result.asset_id)

    # ---- intake labels ----

    def _print_intake_label(self, asset_id: str) -> None:
        """Queue (or save) the received asset's intake label when the toggle is on; after the
        scan's feedback, on the DB worker, so it never delays a banner."""
        if not (asset_id and self.label_check.isChecked()):
            return
        self._runner.run(
            lambda: self._receiving.print_intake_label(asset_id),
            self._on_intake_label_done,
            lambda exc: self._on_intake_label_failed(asset_id, exc),
        )

    def _on_intake_label_done(self, result: IntakeLabelResult) -> None:
        self.label_status.setText(result.text)
        self.intake_label_done.emit(result)

    def _on_intake_label_failed(self, asset_id: str, exc: BaseException) -> None:
        message = getattr(exc, "message", None)
        if message is None:
            show_error(self, exc, doing=f"printing the intake label of {asset_id}")
            return
        # Not a dialog per scan: the operator keeps scanning; the line says what is wrong.
        self.label_status.setText(f"Intake label for {asset_id} NOT printed: {message}")

    def _on_undo_clicked(self) -> None:
        job_id = self.current_job()
        self._runner.run(
            lambda: self._receiving.undo_last_scan(job_id),
            self._on_undone,
            lambda exc: show_error(self, exc, doing="undoing the last scan"),
        )

    def _on_undone(self, result: ScanResult) -> None:
        self._set_banner(
            "idle", "LAST SCAN UNDONE", f"Receipt of {result.value} ({result.asset_id}) voided"
        )
        self._show_counters(result.counters)
        self.model.prepend(
            ScanRow(
                datetime.now().strftime("%H:%M:%S"),
                result.value,
                "UNDONE",
                f"receipt {result.asset_id} voided by a correcting event",
                "info",
            )
        )

    # ---- dialogs ----

    def open_import_dialog(self) -> ImportManifestDialog:
        """Create (not exec) the import dialog: tests drive it; the button execs it."""
        return ImportManifestDialog(
            self._receiving, self._runner, self._io, samples_dir=self._samples_dir, parent=self
        )

    def _on_import_clicked(self) -> None:
        dialog = self.open_import_dialog()
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.recorded is not None:
            self.on_manifest_imported(dialog.recorded.job_id, dialog.duplicates_text())

    def on_manifest_imported(self, job_id: str, duplicates_text: str = "") -> None:
        self.select_job(job_id)
        self._set_banner(
            "warn" if duplicates_text else "idle",
            "MANIFEST IMPORTED",
            duplicates_text or f"Job {job_id} is ready: record the truck's arrival, then scan.",
        )

    def _on_arrival_clicked(self) -> None:
        dialog = InboundHandoffDialog(self._receiving, self._runner, self.current_job(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.recorded is not None:
            exceptions = ", ".join(c.value for c in dialog.recorded.exceptions)
            self._set_banner(
                "warn" if exceptions else "ok",
                "TRUCK ARRIVAL RECORDED",
                f"Exceptions: {exceptions}" if exceptions else "Seals intact, counts agree.",
            )
            self.refresh()

    def _on_close_clicked(self) -> None:
        dialog = CloseReceivingDialog(self._receiving, self._runner, self.current_job(), self)
        dialog.exec()
        if dialog.result_ is not None:
            self.refresh()

    def _on_custody_clicked(self) -> None:
        dialog = CustodyDialog(self._custody, self._runner, self)
        self._custody_dialog = dialog
        try:
            dialog.exec()
        finally:
            self._custody_dialog = None
        if dialog.moved is not None:
            moved = dialog.moved
            count = len(moved.asset_ids) + len(moved.container_ids)
            self._set_banner("ok", "CUSTODY RECORDED", f"{count} item(s) → {moved.to_party}")

    def _on_history_button_clicked(self) -> None:
        self._on_history_clicked("")

    def _on_history_clicked(self, value: str) -> None:
        AssetHistoryDialog(self._custody, self._runner, value, self).exec()

    def _on_table_double_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._on_history_clicked(self.model.row_at(rows[0].row()).value)
