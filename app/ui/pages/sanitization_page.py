"""The Sanitization page: drop wipe reports (files or a folder) to import them, register drives
by scanning, see results and the review list, record a witnessed shred batch, and issue a
job's certificate.

GUI thread only. File reading and parsing run on the I/O pool (with progress and cancel);
recording runs on the DB worker.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserCancelled, UserFacingError
from app.domain.sanitization import (
    QC_METHODS,
    MediaKind,
    Medium,
    ReviewItem,
    SampleDriveRow,
    Verification,
)
from app.services.sanitization import (
    AssetNotFound,
    BatchInput,
    ImportSummary,
    IssuedCertificate,
    ReadResult,
    SanitizationService,
)
from app.ui.error_display import show_error
from app.ui.models.sanitization_models import (
    MediaModel,
    ReviewModel,
    SampleModel,
    SanitizationResultModel,
)
from app.ui.task_runner import TaskRunner

DIN_LEVELS = ("H-3", "H-4", "H-5", "E-3", "E-4", "E-5", "O-3", "T-4")


class _ProgressRelay(QObject):
    """Carries progress from the I/O thread to the GUI thread (a queued signal)."""

    progressed = Signal(int, int)


class SanitizationPage(QWidget):
    def __init__(
        self,
        service: SanitizationService,
        runner: TaskRunner,
        io_runner: TaskRunner,
        *,
        certificates_dir: Path,
    ) -> None:
        super().__init__()
        self._service = service
        self._runner = runner
        self._io = io_runner
        self._certificates_dir = certificates_dir
        self._cancel: threading.Event | None = None
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._on_relay_progressed)
        self.setAcceptDrops(True)

        title = QLabel("Sanitization")
        title.setObjectName("pageTitle")
        hint = QLabel(
            "Drop nwipe / ShredOS logs, Blancco XML reports or smartctl JSON here (files or a "
            "folder). Each drive is matched by serial; anything unmatched goes to Review."
        )
        hint.setWordWrap(True)

        self.import_button = QPushButton("Import reports…")
        self.import_button.clicked.connect(self._on_import_clicked)
        self.folder_button = QPushButton("Import folder…")
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("statusLine")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        for w in (self.import_button, self.folder_button, self.cancel_button):
            top.addWidget(w)
        top.addWidget(self.progress, 1)
        top.addStretch(1)

        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText("Host asset (scan ID, serial or tag)")
        self.serial_edit = QLineEdit()
        self.serial_edit.setPlaceholderText("Drive serial (scan)")
        self.serial_edit.returnPressed.connect(self._on_register_clicked)
        self.kind_combo = QComboBox()
        for kind in MediaKind:
            self.kind_combo.addItem(kind.value)
        self.register_button = QPushButton("Register drive")
        self.register_button.clicked.connect(self._on_register_clicked)
        reg = QHBoxLayout()
        reg.addWidget(QLabel("Pulled drive:"))
        reg.addWidget(self.host_edit, 2)
        reg.addWidget(self.serial_edit, 2)
        reg.addWidget(self.kind_combo)
        reg.addWidget(self.register_button)

        self.results_model = SanitizationResultModel(self)
        self.media_model = MediaModel(self)
        self.review_model = ReviewModel(self)
        self.tabs = QTabWidget()
        self.results_view = self._table(self.results_model)
        self.media_view = self._table(self.media_model)
        self.review_view = self._table(self.review_model)
        self.tabs.addTab(self.results_view, "Results")
        self.tabs.addTab(self.media_view, "Drives")
        self.review_tab = QWidget()
        self.assign_button = QPushButton("Assign to drive…")
        self.assign_button.setToolTip("Scan or pick the drive this report result belongs to")
        self.assign_button.clicked.connect(self._on_assign_clicked)
        self.dismiss_button = QPushButton("Dismiss…")
        self.dismiss_button.clicked.connect(self._on_dismiss_clicked)
        review_buttons = QHBoxLayout()
        review_buttons.addWidget(self.assign_button)
        review_buttons.addWidget(self.dismiss_button)
        review_buttons.addStretch(1)
        review_layout = QVBoxLayout(self.review_tab)
        review_layout.setContentsMargins(0, 0, 0, 0)
        review_layout.addWidget(self.review_view, 1)
        review_layout.addLayout(review_buttons)
        self.tabs.addTab(self.review_tab, "Review")

        self.sample_model = SampleModel(self)
        self.sample_view = self._table(self.sample_model)
        self.sample_tab = QWidget()
        self.draw_sample_button = QPushButton("Draw QC sample for job")
        self.draw_sample_button.setToolTip(
            "R2v3: a random sample of at least 5% of the job's logically wiped drives"
        )
        self.draw_sample_button.clicked.connect(self._on_draw_sample_clicked)
        self.verify_button = QPushButton("Record verification…")
        self.verify_button.setToolTip(
            "Independent re-check of the selected sampled drive (not by whoever wiped it)"
        )
        self.verify_button.clicked.connect(self._on_verify_clicked)
        sample_buttons = QHBoxLayout()
        sample_buttons.addWidget(self.draw_sample_button)
        sample_buttons.addWidget(self.verify_button)
        sample_buttons.addStretch(1)
        sample_layout = QVBoxLayout(self.sample_tab)
        sample_layout.setContentsMargins(0, 0, 0, 0)
        sample_layout.addWidget(self.sample_view, 1)
        sample_layout.addLayout(sample_buttons)
        self.tabs.addTab(self.sample_tab, "QC samples")

        self.batch_button = QPushButton("Shred batch…")
        self.batch_button.clicked.connect(self._on_batch_clicked)
        self.job_combo = QComboBox()
        self.job_combo.setMinimumWidth(160)
        self.job_combo.currentTextChanged.connect(self._on_job_changed)
        # Says which drive stops the selected job being certified (or that it is ready).
        self.certificate_state = QLabel("")
        self.certificate_state.setObjectName("certificateState")
        self.certificate_state.setWordWrap(True)
        self.certificate_button = QPushButton("Issue certificate")
        self.certificate_button.setToolTip(
            "Supervisor: certificate of data destruction for the job"
        )
        self.certificate_button.clicked.connect(self._on_certificate_clicked)
        bottom = QHBoxLayout()
        bottom.addWidget(self.batch_button)
        bottom.addStretch(1)
        bottom.addWidget(QLabel("Job:"))
        bottom.addWidget(self.job_combo)
        bottom.addWidget(self.certificate_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(top)
        layout.addLayout(reg)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.certificate_state)

    @staticmethod
    def _table(model: QObject) -> QTableView:
        view = QTableView()
        view.setModel(model)  # type: ignore[arg-type]
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setStretchLastSection(True)
        return view

    # ---- refresh ----

    def refresh(self) -> None:
        self._runner.run(
            lambda: (
                self._service.records(),
                self._service.media(),
                self._service.reviews(),
                self._service.jobs(),
                self._service.sample_drives(),
            ),
            self._on_refreshed,
            lambda exc: show_error(self, exc, doing="loading sanitization records"),
        )

    def _on_refreshed(self, data: tuple) -> None:
        records, media, reviews, jobs, samples = data
        self.results_model.reset_rows(records)
        self.media_model.reset_rows(media)
        self.review_model.reset_rows(reviews)
        self.sample_model.reset_rows(samples)
        self.tabs.setTabText(2, f"Review ({len(reviews)})")
        pending = sum(1 for d in samples if d.status == "pending")
        self.tabs.setTabText(3, f"QC samples ({pending} pending)" if pending else "QC samples")
        current = self.job_combo.currentText()
        self.job_combo.blockSignals(True)
        self.job_combo.clear()
        self.job_combo.addItems(jobs)
        if current in jobs:
            self.job_combo.setCurrentText(current)
        self.job_combo.blockSignals(False)
        self._on_job_changed(self.job_combo.currentText())

    def _on_job_changed(self, job: str) -> None:
        if not job:
            self.certificate_state.setText("")
            return
        self._runner.run(
            lambda: self._service.certificate_blocker(job),
            lambda blocker: self._on_blocker_read(job, blocker),
            lambda exc: show_error(self, exc, doing=f"checking job {job}"),
        )

    def _on_blocker_read(self, job: str, blocker: str) -> None:
        if job != self.job_combo.currentText():
            return  # an answer for a job no longer selected
        self.certificate_state.setText(
            f"Certificate blocked: {blocker}" if blocker else f"Job {job} can be certified."
        )

    # ---- scans ----

    def scan(self, value: str) -> None:
        """A scan while this page shows: the host first, then the drive serial (registers)."""
        value = value.strip()
        if not value:
            return
        if not self.host_edit.text().strip():
            self.host_edit.setText(value)
            self.serial_edit.setFocus()
        else:
            self.serial_edit.setText(value)
            self._register(from_scan=True)

    def _on_register_clicked(self) -> None:
        self._register(from_scan=False)

    def _register(self, *, from_scan: bool) -> None:
        host, serial = self.host_edit.text(), self.serial_edit.text()
        kind = MediaKind(self.kind_combo.currentText())
        self._runner.run(
            lambda: self._service.register_medium(host, serial, kind=kind),
            self._on_registered,
            lambda exc: self._on_register_failed(exc, serial.strip(), from_scan),
        )

    def _on_register_failed(self, exc: BaseException, serial: str, from_scan: bool) -> None:
        # A scan never opens a dialog (the next scan must not wait on a click): the status
        # line says what is wrong, and an unknown host is cleared so the next scan is a host.
        if from_scan and isinstance(exc, UserFacingError):
            self.status.setText(exc.message)
            if isinstance(exc, AssetNotFound):
                self.host_edit.clear()
            self.serial_edit.clear()
            return
        show_error(self, exc, doing=f"registering drive {serial}")

    def _on_registered(self, medium: object) -> None:
        self.status.setText(f"Registered drive {self.serial_edit.text().strip()}.")
        self.serial_edit.clear()
        self.serial_edit.setFocus()
        self.refresh()

    # ---- import ----

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def _on_import_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Import wipe reports", "", "Reports (*.log *.txt *.xml *.json);;All files (*)"
        )
        if files:
            self.import_paths([Path(f) for f in files])

    def _on_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of wipe reports")
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, paths: list[Path]) -> None:
        """Read + parse on the I/O pool, then record on the DB worker."""
        cancel = threading.Event()
        self._cancel = cancel
        self._set_busy(True)
        self.status.setText(f"Reading {len(paths)} item(s)…")
        relay = self._relay
        self._io.run(
            lambda: self._service.read_files(paths, progress=relay.progressed.emit, cancel=cancel),
            self._on_files_read,
            self._on_import_failed,
        )

    def _on_files_read(self, result: ReadResult) -> None:
        self.status.setText(f"Recording {len(result.files)} file(s)…")
        self._runner.run(
            lambda: self._service.record_import(result),
            self._on_import_recorded,
            self._on_import_failed,
        )

    def _on_import_recorded(self, summary: ImportSummary) -> None:
        self._set_busy(False)
        text = summary.headline + "."
        if summary.errors:
            text += " " + " ".join(summary.errors[:3])
        self.status.setText(text)
        if summary.reviews:
            self.tabs.setCurrentIndex(2)
        self.refresh()

    def _on_import_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserCancelled):
            self.status.setText("Import cancelled; nothing was recorded.")
            return
        self.status.setText("Import failed; nothing was recorded.")
        show_error(self, exc, doing="importing wipe reports")

    def _on_cancel_clicked(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def _on_relay_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(busy)
        self.import_button.setEnabled(not busy)
        self.folder_button.setEnabled(not busy)

    # ---- destruction batch ----

    def _on_batch_clicked(self) -> None:
        dialog = ShredBatchDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        batch = dialog.batch()
        self._runner.run(
            lambda: self._service.record_destruction(batch),
            lambda batch_id: (
                self.status.setText(f"Destruction batch {batch_id} recorded."),
                self.refresh(),
            ),
            lambda exc: show_error(self, exc, doing="recording the destruction batch"),
        )

    # ---- review list ----

    def _selected(self, view: QTableView) -> int | None:
        rows = view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _selected_review(self) -> ReviewItem | None:
        row = self._selected(self.review_view)
        if row is None:
            self.status.setText("Select a review item first.")
            return None
        return self.review_model.row_at(row)

    def _on_assign_clicked(self) -> None:
        item = self._selected_review()
        if item is None:
            return
        drives = [m for m in self.media_model.rows() if not m.outcome]
        dialog = AssignReviewDialog(item, drives, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        drive, matched_by, note = dialog.choice()
        self._runner.run(
            lambda: self._service.assign_review(
                item.review_id, drive, matched_by=matched_by, note=note
            ),
            lambda record: (
                self.status.setText(
                    f"Review item assigned: drive {record.drive_serial} recorded "
                    f"{record.result} ({record.outcome or 'no outcome'}) from {item.file_name}."
                ),
                self.refresh(),
            ),
            lambda exc: show_error(self, exc, doing="assigning the review item"),
        )

    def _on_dismiss_clicked(self) -> None:
        item = self._selected_review()
        if item is None:
            return
        dialog = ReasonDialog(
            f"Dismiss {item.file_name} drive {item.drive_serial or '(none)'}", self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        reason = dialog.reason()
        self._runner.run(
            lambda: self._service.dismiss_review(item.review_id, reason),
            lambda _: (self.status.setText("Review item dismissed."), self.refresh()),
            lambda exc: show_error(self, exc, doing="dismissing the review item"),
        )

    # ---- QC sampling ----

    def _on_draw_sample_clicked(self) -> None:
        job = self.job_combo.currentText()
        self._runner.run(
            lambda: self._service.draw_sample(job),
            lambda drawn: (
                self.status.setText(
                    f"QC sample {drawn[0].sample_id} for job {job}: verify "
                    + ", ".join(d.drive_serial for d in drawn)
                    + " independently."
                ),
                self.tabs.setCurrentWidget(self.sample_tab),
                self.refresh(),
            ),
            lambda exc: show_error(self, exc, doing=f"drawing a QC sample for job {job}"),
        )

    def _on_verify_clicked(self) -> None:
        row = self._selected(self.sample_view)
        if row is None:
            self.status.setText("Select a sampled drive first.")
            return
        drive = self.sample_model.row_at(row)
        dialog = SampleVerificationDialog(drive, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        passed, method, tool, notes = dialog.result_values()
        self._runner.run(
            lambda: self._service.record_sample_result(
                drive.sample_id,
                drive.media_id,
                passed=passed,
                method=method,
                recovery_tool=tool,
                notes=notes,
            ),
            lambda done: (
                self.status.setText(
                    f"Drive {done.drive_serial}: verification {done.status}"
                    + (
                        f"; {done.reopened_count} drive(s) of its batch re-opened: re-wipe "
                        "or destroy them."
                        if done.status == "FAILED"
                        else "."
                    )
                ),
                self.refresh(),
            ),
            lambda exc: show_error(self, exc, doing=f"recording the check of {drive.drive_serial}"),
        )

    # ---- certificate ----

    def _on_certificate_clicked(self) -> None:
        job = self.job_combo.currentText()
        out = self._certificates_dir
        self._runner.run(
            lambda: self._service.issue_certificate(job, out),
            self._on_certificate_issued,
            lambda exc: show_error(self, exc, doing=f"issuing the certificate for job {job}"),
        )

    def _on_certificate_issued(self, issued: IssuedCertificate) -> None:
        what = "Reprinted" if issued.reprint else "Issued"
        self.status.setText(
            f"{what} certificate {issued.certificate_no} ({issued.line_count} drives): "
            f"{issued.pdf_path}"
        )


class AssignReviewDialog(QDialog):
    """Assign a review item to a drive: scan its serial, or pick it from the drives that have
    no passing outcome yet."""

    def __init__(
        self, item: ReviewItem, drives: list[Medium], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Assign review item")
        self.scan_edit = QLineEdit()
        self.scan_edit.setPlaceholderText("Scan the drive's serial")
        self.pick_combo = QComboBox()
        self.pick_combo.addItem("(scan instead)", "")
        for m in drives:
            self.pick_combo.addItem(f"{m.serial}  {m.kind} {m.model}  on {m.asset_id}", m.media_id)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("Why this drive (optional)")
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                f"{item.file_name}: drive {item.drive_serial or '(none)'} {item.model} "
                f"{item.result}\n{item.reason}"
            )
        )
        form.addRow("Scan serial", self.scan_edit)
        form.addRow("or pick", self.pick_combo)
        form.addRow("Note", self.note_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str, str, str]:
        """(drive, "pick" | "scan", note): a picked media ID wins over a typed serial."""
        picked = str(self.pick_combo.currentData() or "")
        if picked:
            return picked, "pick", self.note_edit.text()
        return self.scan_edit.text(), "scan", self.note_edit.text()


class ReasonDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("Reason (required)")
        form = QFormLayout(self)
        form.addRow("Reason", self.reason_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def reason(self) -> str:
        return self.reason_edit.text()


class SampleVerificationDialog(QDialog):
    """The independent check of one sampled drive: method, recovery tool, pass/fail, notes."""

    def __init__(self, drive: SampleDriveRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Verify drive {drive.drive_serial}")
        self.method = QComboBox()
        for method in QC_METHODS:
            self.method.addItem(method.value.replace("_", " "), method)
        self.tool = QLineEdit()
        self.tool.setPlaceholderText("Recovery / verification tool and version")
        self.passed = QRadioButton("Passed: nothing recoverable")
        self.failed = QRadioButton("Failed: data recovered (re-opens the batch)")
        self.passed.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.passed)
        group.addButton(self.failed)
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("What was checked / found (required on failure)")
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                f"Sample {drive.sample_id}: drive {drive.drive_serial} on {drive.asset_id}, "
                f"wiped with {drive.tool}, recorded by {drive.wiped_by_name or drive.wiped_by}"
            )
        )
        form.addRow("Method", self.method)
        form.addRow("Tool", self.tool)
        form.addRow(self.passed)
        form.addRow(self.failed)
        form.addRow("Notes", self.notes)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_values(self) -> tuple[bool, Verification, str, str]:
        return (
            self.passed.isChecked(),
            # Qt hands the enum back as its plain string value.
            Verification(self.method.currentData()),
            self.tool.text(),
            self.notes.text(),
        )


class ShredBatchDialog(QDialog):
    """Collects a shred/destroy batch: drives scanned in, equipment, level, counts, witness."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shred / destroy batch")
        self.equipment = QLineEdit()
        self.equipment.setPlaceholderText("Shredder ID, e.g. SHRED-01")
        self.level = QComboBox()
        self.level.addItems(DIN_LEVELS)
        self.level.setCurrentText("H-4")
        self.serials = QPlainTextEdit()
        self.serials.setPlaceholderText("Scan each drive before it goes into the hopper")
        self.post_count = QSpinBox()
        self.post_count.setRange(0, 100_000)
        self.weight_g = QSpinBox()
        self.weight_g.setRange(0, 10_000_000)
        self.weight_g.setSuffix(" g")
        self.video = QLineEdit()
        self.video.setPlaceholderText("Camera and time range")
        self.witness_badge = QLineEdit()
        self.witness_pin = QLineEdit()
        self.witness_pin.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        form.addRow("Equipment", self.equipment)
        form.addRow("DIN 66399 level", self.level)
        form.addRow("Drives (pre-count)", self.serials)
        form.addRow("Post-count", self.post_count)
        form.addRow("Output weight", self.weight_g)
        form.addRow("Video reference", self.video)
        form.addRow("Witness badge", self.witness_badge)
        form.addRow("Witness PIN", self.witness_pin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def batch(self) -> BatchInput:
        serials = [s for s in self.serials.toPlainText().split() if s.strip()]
        return BatchInput(
            equipment_id=self.equipment.text(),
            din_level=self.level.currentText(),
            serials=serials,
            post_count=self.post_count.value(),
            witness_badge=self.witness_badge.text(),
            witness_pin=self.witness_pin.text(),
            output_weight_g=self.weight_g.value(),
            video_ref=self.video.text(),
        )
