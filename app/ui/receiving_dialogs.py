"""Dialogs of the receiving page: import a manifest (column mapping, progress, cancel), record
the truck's arrival (seals, counts, photos, signatures), close receiving (reconciliation,
resolutions, report), move custody, and an asset's chain of custody. GUI thread only; the work
goes through the task runner (DB) or the I/O runner (files)."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.custody import IdentityCheck
from app.domain.errors import UserCancelled
from app.domain.manifests import DiscrepancyCode, ManifestField, Reconciliation, Resolution
from app.importers.manifest_csv import ColumnMapping, ManifestPreview, ParsedManifest
from app.services.custody import AssetHistory, CustodyMoved, CustodyService
from app.services.receiving import (
    CloseResult,
    ContainerCheck,
    InboundInput,
    InboundRecorded,
    ManifestRecorded,
    ReceivingService,
)
from app.ui.error_display import show_error
from app.ui.models.discrepancy_table_model import (
    RESOLUTION_TITLES,
    DiscrepancyColumn,
    DiscrepancyTableModel,
)
from app.ui.task_runner import TaskRunner
from app.ui.widgets.signature_pad import SignaturePad

_NOT_MAPPED = "(not in this file)"
_JOB_IN_NAME = re.compile(r"JOB-\d{4}-\d{3,6}", re.IGNORECASE)


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("error")
    label.setWordWrap(True)
    return label


def propose_job_id(file_name: str) -> str:
    """A job ID from the file name (``...JOB-2026-0043...``), else one for today."""
    found = _JOB_IN_NAME.search(file_name)
    if found:
        return found.group(0).upper()
    return f"JOB-{date.today():%Y%m%d}-{abs(hash(file_name)) % 1000:03d}"


def customer_id_for(name: str) -> str:
    slug = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:40]
    return f"CUST-{slug or 'NEW'}"


class ImportManifestDialog(QDialog):
    """Choose a file, check the column mapping on a preview, import with progress and cancel."""

    progressed = Signal(int, int)  # emitted from the I/O thread; delivered queued

    def __init__(
        self,
        receiving: ReceivingService,
        runner: TaskRunner,
        io_runner: TaskRunner,
        *,
        samples_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import customer manifest")
        self.resize(860, 640)
        self._receiving = receiving
        self._runner = runner
        self._io = io_runner
        self._preview: ManifestPreview | None = None
        self._cancel: threading.Event | None = None
        self.recorded: ManifestRecorded | None = None
        self.parsed: ParsedManifest | None = None

        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("CSV or XLSX file from the customer")
        self.file_edit.setReadOnly(True)
        browse = QPushButton("Choose file…")
        browse.clicked.connect(self._on_browse_clicked)
        self.sample_button = QPushButton("Use the sample manifest")
        self.sample_button.setVisible(samples_dir is not None)
        self._samples_dir = samples_dir
        self.sample_button.clicked.connect(self._on_sample_clicked)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        file_row.addWidget(self.sample_button)

        self.customer_combo = QComboBox()
        self.customer_combo.setEditable(True)
        self.customer_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.job_edit = QLineEdit()
        self.job_edit.setPlaceholderText("e.g. JOB-2026-0043")
        form = QFormLayout()
        form.addRow("File", file_row)
        form.addRow("Customer", self.customer_combo)
        form.addRow("Job", self.job_edit)

        self.detected_label = QLabel("")
        self.detected_label.setObjectName("muted")
        self.mapping_boxes: dict[ManifestField, QComboBox] = {}
        mapping_group = QGroupBox("Column mapping — which column holds what")
        grid = QGridLayout(mapping_group)
        for i, fld in enumerate(ManifestField):
            combo = QComboBox()
            combo.addItem(_NOT_MAPPED, "")
            self.mapping_boxes[fld] = combo
            grid.addWidget(QLabel(fld.title), i // 3, (i % 3) * 2)
            grid.addWidget(combo, i // 3, (i % 3) * 2 + 1)
        self.preview_table = QTableWidget()
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.verticalHeader().setVisible(False)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.error_label = _error_label()

        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("primary")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.detected_label)
        layout.addWidget(mapping_group)
        layout.addWidget(QLabel("First rows of the file:"))
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        self.progressed.connect(self._on_progressed)
        self._runner.run(
            self._receiving.customers,
            self._on_customers_loaded,
            lambda exc: show_error(self, exc, doing="loading customers"),
        )

    # ---- choosing ----

    def _on_customers_loaded(self, customers: list[tuple[str, str]]) -> None:
        for customer_id, name in customers:
            self.customer_combo.addItem(name, customer_id)

    def _on_browse_clicked(self) -> None:
        start = str(self._samples_dir) if self._samples_dir else ""
        name, _ = QFileDialog.getOpenFileName(
            self, "Customer manifest", start, "Manifests (*.csv *.txt *.xlsx);;All files (*)"
        )
        if name:
            self.load_file(Path(name))

    def _on_sample_clicked(self) -> None:
        if self._samples_dir is None:
            return
        samples = sorted(self._samples_dir.glob("*.csv"))
        if samples:
            self.load_file(samples[0])

    def customer_id(self) -> tuple[str, str]:
        """(customer ID, name): a new name typed in makes a new customer."""
        text = self.customer_combo.currentText().strip()
        index = self.customer_combo.findText(text)
        if index >= 0 and self.customer_combo.itemData(index):
            return str(self.customer_combo.itemData(index)), text
        return customer_id_for(text), text

    def load_file(self, path: Path) -> None:
        """Show ``path``'s preview (read on the I/O pool)."""
        self.file_edit.setText(str(path))
        if not self.job_edit.text().strip():
            self.job_edit.setText(propose_job_id(path.name))
        self.error_label.setText("")
        self.status_label.setText("Reading the file…")
        self.import_button.setEnabled(False)
        customer_id, _ = self.customer_id()
        self._io.run(
            lambda: self._receiving.preview_manifest(path, customer_id),
            self._on_preview_loaded,
            self._on_preview_failed,
        )

    def _on_preview_loaded(self, preview: ManifestPreview) -> None:
        self._preview = preview
        encoding = {"utf-8-sig": "UTF-8 with BOM"}.get(preview.encoding, preview.encoding)
        delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "": "spreadsheet"}.get(
            preview.delimiter, preview.delimiter
        )
        self.detected_label.setText(
            f"{preview.data_row_count:,} data rows · {encoding} · {delimiter} · "
            f"header: {', '.join(preview.headers[:8])}"
        )
        for fld, combo in self.mapping_boxes.items():
            combo.clear()
            combo.addItem(_NOT_MAPPED, "")
            for header in preview.headers:
                if header:
                    combo.addItem(header, header)
            chosen = preview.suggested.columns.get(fld, "")
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen else 0)
        table = self.preview_table
        table.clear()
        table.setColumnCount(len(preview.headers))
        table.setHorizontalHeaderLabels(preview.headers)
        table.setRowCount(len(preview.sample_rows))
        for r, row in enumerate(preview.sample_rows):
            for c, value in enumerate(row[: len(preview.headers)]):
                table.setItem(r, c, QTableWidgetItem(value))
        table.resizeColumnsToContents()
        self.status_label.setText("Check the mapping, then Import.")
        self.import_button.setEnabled(True)

    def _on_preview_failed(self, exc: BaseException) -> None:
        self.status_label.setText("")
        if isinstance(exc, UserCancelled):
            return
        self.error_label.setText(getattr(exc, "message", "") or "The file cannot be read.")
        if not hasattr(exc, "message"):
            show_error(self, exc, doing="reading the manifest")

    def mapping(self) -> ColumnMapping:
        return ColumnMapping(
            {
                fld: combo.currentData()
                for fld, combo in self.mapping_boxes.items()
                if combo.currentData()
            }
        )

    # ---- importing ----

    def _on_import_clicked(self) -> None:
        path = Path(self.file_edit.text())
        customer_id, customer_name = self.customer_id()
        job_id = self.job_edit.text().strip()
        if not customer_name:
            self.error_label.setText("Customer: choose one or type a new customer's name.")
            return
        if not job_id:
            self.error_label.setText("Job: type the job ID.")
            return
        self.error_label.setText("")
        self._cancel = threading.Event()
        cancel = self._cancel
        mapping = self.mapping()
        self.import_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status_label.setText("Checking every row…")

        def parse() -> ParsedManifest:
            return self._receiving.parse_manifest(
                path, mapping, progress=self.progressed.emit, cancel=cancel
            )

        self._io.run(
            parse,
            lambda parsed: self._on_parsed(parsed, customer_id, customer_name, job_id),
            self._on_import_failed,
        )

    def _on_progressed(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setValue(min(1000, done * 1000 // total))

    def _on_parsed(
        self, parsed: ParsedManifest, customer_id: str, customer_name: str, job_id: str
    ) -> None:
        self.parsed = parsed
        self.progress.setValue(1000)
        self.status_label.setText(f"Recording {len(parsed.entries):,} lines in the ledger…")
        self._runner.run(
            lambda: self._receiving.record_manifest(
                parsed, customer_id=customer_id, job_id=job_id, customer_name=customer_name
            ),
            self._on_recorded,
            self._on_import_failed,
        )

    def _on_recorded(self, recorded: ManifestRecorded) -> None:
        self.recorded = recorded
        self.accept()

    def _on_import_failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.import_button.setEnabled(True)
        if isinstance(exc, UserCancelled):
            self.status_label.setText("Import cancelled: nothing was imported.")
            return
        self.status_label.setText("")
        message = getattr(exc, "message", None)
        if message:
            self.error_label.setText(message)
        else:
            show_error(self, exc, doing="importing the manifest")

    def _on_cancel_clicked(self) -> None:
        if self._cancel is not None and not self._cancel.is_set() and self.progress.isVisible():
            self._cancel.set()
            self.status_label.setText("Cancelling…")
            return
        self.reject()

    def duplicates_text(self) -> str:
        if self.parsed is None or not self.parsed.duplicates:
            return ""
        first = self.parsed.duplicates[:5]
        more = len(self.parsed.duplicates) - len(first)
        text = "; ".join(
            f"{d.field.title} {d.value} on rows {', '.join(map(str, d.rows))}" for d in first
        )
        return f"Duplicates inside the manifest: {text}" + (f" and {more} more" if more else "")


class InboundHandoffDialog(QDialog):
    """The truck's arrival: carrier, driver and ID check, BOL, containers and seals, counts and
    weights, photos, exceptions, and both signatures."""

    def __init__(
        self,
        receiving: ReceivingService,
        runner: TaskRunner,
        job_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Record truck arrival — job {job_id}")
        self.resize(900, 760)
        self._receiving = receiving
        self._runner = runner
        self._job_id = job_id
        self._photos: list[Path] = []
        self.recorded: InboundRecorded | None = None

        self.carrier_edit = QLineEdit()
        self.driver_edit = QLineEdit()
        self.id_check_combo = QComboBox()
        for check in IdentityCheck:
            self.id_check_combo.addItem(check.title, check.value)
        self.id_ref_edit = QLineEdit()
        self.id_ref_edit.setPlaceholderText("licence or badge number")
        self.vehicle_edit = QLineEdit()
        self.bol_edit = QLineEdit()
        self.location_edit = QLineEdit("Dock 1")
        form = QGridLayout()
        for i, (label, widget) in enumerate(
            (
                ("Carrier", self.carrier_edit),
                ("Bill of lading", self.bol_edit),
                ("Driver name", self.driver_edit),
                ("Vehicle / trailer", self.vehicle_edit),
                ("Driver ID check", self.id_check_combo),
                ("ID number", self.id_ref_edit),
                ("Dock", self.location_edit),
            )
        ):
            form.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            form.addWidget(widget, i // 2, (i % 2) * 2 + 1)

        self.containers = QTableWidget(0, 4)
        self.containers.setHorizontalHeaderLabels(
            ["Container", "Seal number", "Seal number on BOL", "Seal intact"]
        )
        self.containers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.containers.verticalHeader().setVisible(False)
        add_container = QPushButton("Add container")
        add_container.clicked.connect(self._on_add_container_clicked)
        containers_box = QGroupBox("Containers and seals")
        cb = QVBoxLayout(containers_box)
        cb.addWidget(self.containers)
        cb.addWidget(add_container, 0, Qt.AlignmentFlag.AlignLeft)

        self.pieces_declared = QSpinBox()
        self.pieces_observed = QSpinBox()
        for spin in (self.pieces_declared, self.pieces_observed):
            spin.setRange(0, 1_000_000)
        self.weight_declared = QDoubleSpinBox()
        self.weight_observed = QDoubleSpinBox()
        for spin in (self.weight_declared, self.weight_observed):
            spin.setRange(0, 100_000)
            spin.setDecimals(1)
            spin.setSuffix(" kg")
        counts = QGridLayout()
        counts.addWidget(QLabel("Pieces declared (BOL)"), 0, 0)
        counts.addWidget(self.pieces_declared, 0, 1)
        counts.addWidget(QLabel("Pieces counted"), 0, 2)
        counts.addWidget(self.pieces_observed, 0, 3)
        counts.addWidget(QLabel("Weight declared"), 1, 0)
        counts.addWidget(self.weight_declared, 1, 1)
        counts.addWidget(QLabel("Weight on our scale"), 1, 2)
        counts.addWidget(self.weight_observed, 1, 3)

        self.photos_label = QLabel("No photos")
        self.photos_label.setObjectName("muted")
        add_photos = QPushButton("Add photos…")
        add_photos.clicked.connect(self._on_add_photos_clicked)
        self.exception_boxes: dict[DiscrepancyCode, QCheckBox] = {}
        ex_row = QHBoxLayout()
        for code in (
            DiscrepancyCode.DAMAGED_IN_TRANSIT,
            DiscrepancyCode.HAZARD,
            DiscrepancyCode.UNREADABLE_SERIAL,
        ):
            box = QCheckBox(code.title)
            self.exception_boxes[code] = box
            ex_row.addWidget(box)
        ex_row.addStretch(1)
        photo_row = QHBoxLayout()
        photo_row.addWidget(add_photos)
        photo_row.addWidget(self.photos_label, 1)
        self.notes_edit = QLineEdit()
        self.notes_edit.setPlaceholderText("Exceptions written on the BOL, remarks")

        self.driver_pad = SignaturePad()
        self.receiver_pad = SignaturePad()
        sigs = QGridLayout()
        for col, (title, pad) in enumerate(
            (("Driver signature", self.driver_pad), ("Receiver signature", self.receiver_pad))
        ):
            clear = QPushButton("Clear")
            clear.clicked.connect(pad.clear)
            head = QHBoxLayout()
            head.addWidget(QLabel(title))
            head.addStretch(1)
            head.addWidget(clear)
            sigs.addLayout(head, 0, col)
            sigs.addWidget(pad, 1, col)

        self.error_label = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record arrival")
        self.buttons.accepted.connect(self._on_record_clicked)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(containers_box, 1)
        layout.addLayout(counts)
        layout.addLayout(photo_row)
        layout.addLayout(ex_row)
        layout.addWidget(self.notes_edit)
        layout.addLayout(sigs)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.add_container()

    def _on_add_container_clicked(self) -> None:
        self.add_container()

    def add_container(
        self, container_id: str = "", seal: str = "", bol_seal: str = "", intact: bool = True
    ) -> None:
        row = self.containers.rowCount()
        self.containers.insertRow(row)
        for col, text in enumerate((container_id, seal, bol_seal)):
            self.containers.setItem(row, col, QTableWidgetItem(text))
        check = QTableWidgetItem("")
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        check.setCheckState(Qt.CheckState.Checked if intact else Qt.CheckState.Unchecked)
        self.containers.setItem(row, 3, check)

    def add_photos(self, paths: list[Path]) -> None:
        self._photos.extend(paths)
        self.photos_label.setText(
            ", ".join(p.name for p in self._photos) if self._photos else "No photos"
        )

    def _on_add_photos_clicked(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Photos", "", "Images (*.jpg *.jpeg *.png *.heic);;All files (*)"
        )
        self.add_photos([Path(n) for n in names])

    def inbound_input(self) -> InboundInput:
        containers = []
        for row in range(self.containers.rowCount()):

            def text(col: int, row: int = row) -> str:
                item = self.containers.item(row, col)
                return item.text().strip() if item else ""

            if not text(0):
                continue
            intact_item = self.containers.item(row, 3)
            containers.append(
                ContainerCheck(
                    container_id=text(0),
                    seal_number=text(1),
                    bol_seal_number=text(2),
                    seal_intact=intact_item is not None
                    and intact_item.checkState() == Qt.CheckState.Checked,
                )
            )
        return InboundInput(
            job_id=self._job_id,
            carrier=self.carrier_edit.text(),
            driver_name=self.driver_edit.text(),
            driver_id_method=IdentityCheck(self.id_check_combo.currentData()),
            driver_id_ref=self.id_ref_edit.text(),
            vehicle_id=self.vehicle_edit.text(),
            bol_number=self.bol_edit.text(),
            location=self.location_edit.text(),
            containers=tuple(containers),
            pieces_declared=self.pieces_declared.value(),
            pieces_observed=self.pieces_observed.value(),
            weight_declared_g=round(self.weight_declared.value() * 1000),
            weight_observed_g=round(self.weight_observed.value() * 1000),
            photos=tuple(self._photos),
            exceptions=tuple(c for c, box in self.exception_boxes.items() if box.isChecked()),
            notes=self.notes_edit.text(),
            driver_signature_png=self.driver_pad.png_bytes(),
            receiver_signature_png=self.receiver_pad.png_bytes(),
        )

    def _on_record_clicked(self) -> None:
        data = self.inbound_input()
        self.buttons.setEnabled(False)
        self._runner.run(
            lambda: self._receiving.record_inbound(data), self._on_recorded, self._on_failed
        )

    def _on_recorded(self, recorded: InboundRecorded) -> None:
        self.recorded = recorded
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        message = getattr(exc, "message", None)
        if message:
            self.error_label.setText(message)
        else:
            show_error(self, exc, doing="recording the arrival")


class _ResolutionDelegate(QStyledItemDelegate):
    def createEditor(self, parent: QWidget, _option: object, _index: object) -> QWidget:
        combo = QComboBox(parent)
        for resolution in Resolution:
            combo.addItem(RESOLUTION_TITLES[resolution], resolution.value)
        return combo

    def setEditorData(self, editor: QWidget, index: object) -> None:
        assert isinstance(editor, QComboBox)
        value = index.data(Qt.ItemDataRole.EditRole)  # type: ignore[attr-defined]
        editor.setCurrentIndex(max(0, editor.findData(value)))

    def setModelData(self, editor: QWidget, model: object, index: object) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)  # type: ignore[attr-defined]


class CloseReceivingDialog(QDialog):
    """The job's reconciliation with resolutions; closing produces the PDF and CSV report."""

    def __init__(
        self,
        receiving: ReceivingService,
        runner: TaskRunner,
        job_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Close receiving — job {job_id}")
        self.resize(920, 620)
        self._receiving = receiving
        self._runner = runner
        self._job_id = job_id
        self.result_: CloseResult | None = None
        self.summary_label = QLabel("Reconciling…")
        self.summary_label.setObjectName("sectionTitle")
        self.summary_label.setWordWrap(True)
        self.model = DiscrepancyTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(
            DiscrepancyColumn.RESOLUTION, _ResolutionDelegate(self.table)
        )
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AllEditTriggers
            & ~QAbstractItemView.EditTrigger.CurrentChanged
        )
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            DiscrepancyColumn.DESCRIPTION, QHeaderView.ResizeMode.Stretch
        )
        self.table.setColumnWidth(DiscrepancyColumn.CODE, 170)
        self.table.setColumnWidth(DiscrepancyColumn.RESOLUTION, 220)
        hint = QLabel(
            "Double-click a resolution to set it. Open discrepancies stay open in the report; "
            "custody exceptions (red) are notified to the customer."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self.done_label = QLabel("")
        self.done_label.setWordWrap(True)
        self.done_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = _error_label()
        self.close_button = QPushButton("Close receiving and create report")
        self.close_button.setObjectName("primary")
        self.close_button.setEnabled(False)
        self.close_button.clicked.connect(self._on_close_clicked)
        self.open_pdf_button = QPushButton("Open PDF")
        self.open_pdf_button.setVisible(False)
        self.open_pdf_button.clicked.connect(self._on_open_pdf_clicked)
        self.save_button = QPushButton("Save copies…")
        self.save_button.setVisible(False)
        self.save_button.clicked.connect(self._on_save_clicked)
        done = QPushButton("Done")
        done.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_pdf_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(done)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.done_label)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self._runner.run(
            lambda: self._receiving.reconcile(job_id), self._on_reconciled, self._on_failed
        )

    def _on_reconciled(self, rec: Reconciliation) -> None:
        c = rec.counters
        self.summary_label.setText(
            f"Expected {c.expected} · received {c.received} · missing {c.missing} · "
            f"extra {c.extra} · {len(rec.discrepancies)} discrepancies"
        )
        self.model.reset_rows(list(rec.discrepancies))
        self.close_button.setEnabled(True)

    def _on_close_clicked(self) -> None:
        self.close_button.setEnabled(False)
        resolutions = self.model.resolutions()
        self._runner.run(
            lambda: self._receiving.close_receiving(self._job_id, resolutions),
            self._on_closed,
            self._on_failed,
        )

    def _on_closed(self, result: CloseResult) -> None:
        self.result_ = result
        self.done_label.setText(
            f"Receiving closed. Report PDF: {result.pdf_path}\nCSV: {result.csv_path}"
        )
        self.open_pdf_button.setVisible(True)
        self.save_button.setVisible(True)

    def _on_open_pdf_clicked(self) -> None:
        if self.result_ is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_.pdf_path)))

    def _on_save_clicked(self) -> None:
        if self.result_ is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Save the report to")
        if not folder:
            return
        base = Path(folder) / f"discrepancy-report-{self._job_id}"
        base.with_suffix(".pdf").write_bytes(self.result_.pdf_path.read_bytes())
        base.with_suffix(".csv").write_bytes(self.result_.csv_path.read_bytes())
        self.done_label.setText(f"Saved {base}.pdf and {base}.csv")

    def _on_failed(self, exc: BaseException) -> None:
        self.close_button.setEnabled(True)
        message = getattr(exc, "message", None)
        if message:
            self.error_label.setText(message)
        else:
            show_error(self, exc, doing="closing receiving")


class CustodyDialog(QDialog):
    """Move, check out, check in or hand off scanned assets and containers."""

    MODES = (
        ("move", "Move to a location"),
        ("check_out", "Check out to my bench"),
        ("check_in", "Check back in"),
        ("handoff", "Hand to another operator"),
    )

    def __init__(
        self, custody: CustodyService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Move custody")
        self.resize(560, 520)
        self._custody = custody
        self._runner = runner
        self.moved: CustodyMoved | None = None
        self.mode_combo = QComboBox()
        for key, title in self.MODES:
            self.mode_combo.addItem(title, key)
        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        self.place_edit = QLineEdit()
        self.place_edit.setPlaceholderText("scan the location / cage / bin / bench barcode")
        self.items_edit = QPlainTextEdit()
        self.items_edit.setPlaceholderText("Scan assets or containers, one per line")
        self.badge_edit = QLineEdit()
        self.badge_edit.setPlaceholderText("receiver's badge")
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("receiver's PIN")
        form = QFormLayout()
        form.addRow("What", self.mode_combo)
        self.place_label = QLabel("Location")
        form.addRow(self.place_label, self.place_edit)
        form.addRow("Items", self.items_edit)
        self.badge_label = QLabel("Receiver badge")
        self.pin_label = QLabel("Receiver PIN")
        form.addRow(self.badge_label, self.badge_edit)
        form.addRow(self.pin_label, self.pin_edit)
        self.error_label = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record")
        self.buttons.accepted.connect(self._on_record_clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._on_mode_changed()

    def add_scan(self, value: str) -> None:
        """A scan while the dialog is open: the first fills the location, the rest are items."""
        if self.place_edit.isVisible() and not self.place_edit.text().strip():
            self.place_edit.setText(value)
        else:
            self.items_edit.appendPlainText(value)

    def _on_mode_changed(self) -> None:
        mode = self.mode_combo.currentData()
        handoff = mode == "handoff"
        self.place_label.setText("Bench" if mode == "check_out" else "Location")
        for w in (self.place_label, self.place_edit):
            w.setVisible(not handoff)
        for w in (self.badge_label, self.badge_edit, self.pin_label, self.pin_edit):
            w.setVisible(handoff)

    def _on_record_clicked(self) -> None:
        mode = self.mode_combo.currentData()
        items = [v for v in self.items_edit.toPlainText().splitlines() if v.strip()]
        place = self.place_edit.text()
        badge, pin = self.badge_edit.text(), self.pin_edit.text()
        calls = {
            "move": lambda: self._custody.move(items, place),
            "check_out": lambda: self._custody.check_out(items, place),
            "check_in": lambda: self._custody.check_in(items, place),
            "handoff": lambda: self._custody.handoff(items, badge, pin),
        }
        self.buttons.setEnabled(False)
        self._runner.run(calls[mode], self._on_recorded, self._on_failed)

    def _on_recorded(self, moved: CustodyMoved) -> None:
        self.moved = moved
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.pin_edit.clear()
        message = getattr(exc, "message", None)
        if message:
            self.error_label.setText(message)
        else:
            show_error(self, exc, doing="recording custody")


class AssetHistoryDialog(QDialog):
    """An asset's chain of custody: who held it, where, from when to when."""

    def __init__(
        self,
        custody: CustodyService,
        runner: TaskRunner,
        value: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Asset chain of custody")
        self.resize(860, 480)
        self._custody = custody
        self._runner = runner
        self.history: AssetHistory | None = None
        self.value_edit = QLineEdit(value)
        self.value_edit.setPlaceholderText("asset ID, serial, asset tag or EPC")
        show = QPushButton("Show")
        show.setObjectName("primary")
        show.clicked.connect(self.load)
        self.value_edit.returnPressed.connect(self.load)
        row = QHBoxLayout()
        row.addWidget(self.value_edit, 1)
        row.addWidget(show)
        self.summary_label = QLabel("")
        self.summary_label.setObjectName("sectionTitle")
        self.summary_label.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            ["Held by", "Where", "From", "Until", "Event", "Recorded by"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.error_label = _error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error_label)
        if value:
            self.load()

    def load(self) -> None:
        value = self.value_edit.text().strip()
        if not value:
            return
        self.error_label.setText("")
        self._runner.run(lambda: self._custody.history(value), self._on_loaded, self._on_failed)

    def _on_loaded(self, history: AssetHistory) -> None:
        self.history = history
        a = history.asset
        self.summary_label.setText(
            f"{a.asset_id} — {a.make} {a.model} ({a.device_type}), serial {a.serial or '—'}, "
            f"job {a.job_id} — now: {a.custodian} at {a.location}"
            + (" — RECEIPT VOIDED" if a.status == "voided" else "")
        )
        self.table.setRowCount(len(history.spans))
        for r, s in enumerate(history.spans):
            for c, text in enumerate(
                (
                    s.holder,
                    s.location,
                    _short(s.start),
                    _short(s.end) or "now",
                    s.kind,
                    s.recorded_by,
                )
            ):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _on_failed(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None)
        if message:
            self.error_label.setText(message)
        else:
            show_error(self, exc, doing="loading the asset's history")


def _short(iso: str) -> str:
    return iso.replace("T", " ")[:19]
