"""The Pallets page: the pallet list; a pallet's contents; scan to add (refusals shown big, with
the reason); close, weigh, seal, unseal, ship; label preview (drawn locally); print the label or
the contents manifest to the Zebra printer (ZPL), an OS printer (PDF) or a PDF file.

GUI thread only. Every service call goes through the task runner; the preview is rendered on
the I/O pool.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.custody import IdentityCheck
from app.domain.errors import InvalidInput, UserFacingError
from app.domain.pallets import Pallet, PalletStatus, PalletType, parse_weight_kg
from app.domain.printing import PrintFormat, PrintTarget
from app.services.palletizing import (
    LabelSize,
    OutboundHandoff,
    PalletDetail,
    PalletizingService,
)
from app.ui.error_display import show_error
from app.ui.io_runner import IoTaskRunner
from app.ui.models.pallet_models import PalletContentsModel, PalletTableModel
from app.ui.task_runner import TaskRunner
from app.ui.widgets.signature_pad import SignaturePad

_REFUSAL_STYLE = (
    "QLabel { background: #b3261e; color: white; font-size: 20px; font-weight: bold; "
    "padding: 10px; border-radius: 6px; }"
)
#: The "print to" choice that saves a PDF file instead of printing.
_SAVE_TO_FILE = "file:"
_OK_STYLE = (
    "QLabel { background: #1e6b34; color: white; font-size: 16px; font-weight: bold; "
    "padding: 8px; border-radius: 6px; }"
)


class ShipDialog(QDialog):
    """The outbound handoff: carrier, driver and how identified, vehicle, BOL, the driver's
    count, notes, and both signatures."""

    def __init__(self, pallet: Pallet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Ship pallet {pallet.pallet_id}")
        self.carrier_edit = QLineEdit()
        self.driver_edit = QLineEdit()
        self.id_method = QComboBox()
        for check in IdentityCheck:
            self.id_method.addItem(check.title, check.value)
        self.id_ref_edit = QLineEdit()
        self.vehicle_edit = QLineEdit()
        self.bol_edit = QLineEdit()
        self.count_spin = QSpinBox()
        self.count_spin.setRange(0, 10_000_000)
        self.count_spin.setValue(pallet.piece_count)
        self.notes_edit = QLineEdit()
        self.driver_pad = SignaturePad()
        self.shipper_pad = SignaturePad()
        form = QFormLayout()
        form.addRow("Carrier", self.carrier_edit)
        form.addRow("Driver", self.driver_edit)
        form.addRow("Identity checked by", self.id_method)
        form.addRow("ID reference", self.id_ref_edit)
        form.addRow("Vehicle / trailer", self.vehicle_edit)
        form.addRow("Bill of lading", self.bol_edit)
        form.addRow(f"Pieces counted (pallet: {pallet.piece_count})", self.count_spin)
        form.addRow("Notes / exceptions", self.notes_edit)
        form.addRow(QLabel(f"Seals {', '.join(pallet.seal_numbers)} — check them with the driver."))
        pads = QHBoxLayout()
        for title, pad in (("Driver signs", self.driver_pad), ("Released by", self.shipper_pad)):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            column.addWidget(pad)
            pads.addLayout(column)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Ship")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(pads)
        layout.addWidget(buttons)

    def handoff(self) -> OutboundHandoff:
        return OutboundHandoff(
            carrier=self.carrier_edit.text(),
            driver_name=self.driver_edit.text(),
            driver_id_method=str(self.id_method.currentData()),
            vehicle_id=self.vehicle_edit.text(),
            piece_count_observed=self.count_spin.value(),
            driver_signature_png=b"" if self.driver_pad.is_empty() else self.driver_pad.png_bytes(),
            shipper_signature_png=(
                b"" if self.shipper_pad.is_empty() else self.shipper_pad.png_bytes()
            ),
            driver_id_ref=self.id_ref_edit.text(),
            bol_number=self.bol_edit.text(),
            notes=self.notes_edit.text(),
        )


class PalletsPage(QWidget):
    """Owns the pallet list and the selected pallet's view."""

    refusal_shown = Signal(str)

    def __init__(self, service: PalletizingService, runner: TaskRunner) -> None:
        super().__init__()
        self._service = service
        self._runner = runner
        self._io = IoTaskRunner(self, workers=1)
        self._current: Pallet | None = None
        self._preview_token = 0

        title = QLabel("Pallets")
        title.setObjectName("pageTitle")
        self.type_combo = QComboBox()
        for kind in PalletType:
            self.type_combo.addItem(kind.title, kind.value)
        self.destination_edit = QLineEdit()
        self.destination_edit.setPlaceholderText("Destination (downstream vendor or customer)")
        self.open_button = QPushButton("Open pallet")
        self.open_button.clicked.connect(self._on_open_button_clicked)
        new_row = QHBoxLayout()
        new_row.addWidget(QLabel("New:"))
        new_row.addWidget(self.type_combo)
        new_row.addWidget(self.destination_edit, 1)
        new_row.addWidget(self.open_button)

        self.model = PalletTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row_changed)

        self.header_label = QLabel("Select or open a pallet.")
        self.header_label.setWordWrap(True)
        self.header_label.setStyleSheet("font-size: 15px;")
        self.scan_edit = QLineEdit()
        self.scan_edit.setPlaceholderText("Scan an asset to add it to the selected pallet")
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.feedback_label = QLabel("")
        self.feedback_label.setWordWrap(True)
        self.feedback_label.hide()

        self.contents = PalletContentsModel(self)
        self.contents_view = QTableView()
        self.contents_view.setModel(self.contents)
        self.contents_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.contents_view.verticalHeader().hide()
        self.contents_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.contents_view.horizontalHeader().setStretchLastSection(True)

        self.buttons: dict[str, QPushButton] = {}
        actions = (
            ("remove", "Remove selected", self._on_remove_clicked),
            ("close", "Close", self._on_close_clicked),
            ("reopen", "Reopen", self._on_reopen_clicked),
            ("weigh", "Weigh…", self._on_weigh_clicked),
            ("seal", "Seal…", self._on_seal_clicked),
            ("unseal", "Unseal…", self._on_unseal_clicked),
            ("ship", "Ship…", self._on_ship_clicked),
            ("open_box", "Open box", self._on_open_box_clicked),
        )
        # Two rows of four: the page must fit a 1024 px wide window beside the navigation.
        action_row = QGridLayout()
        for n, (key, text, slot) in enumerate(actions):
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.buttons[key] = button
            action_row.addWidget(button, n // 4, n % 4)

        # Boxes/totes (optional): scans go into the chosen open box, or loose on the pallet.
        self.box_combo = QComboBox()
        self.box_combo.addItem("Pallet (loose)", "")
        self.box_combo.currentIndexChanged.connect(self._on_box_combo_changed)
        self._select_box = ""
        self.close_box_button = QPushButton("Close box")
        self.close_box_button.clicked.connect(self._on_close_box_clicked)
        self.unbox_button = QPushButton("Take out of box")
        self.unbox_button.clicked.connect(self._on_unbox_clicked)
        box_row = QHBoxLayout()
        box_row.addWidget(QLabel("Scan into"))
        box_row.addWidget(self.box_combo, 1)
        box_row.addWidget(self.close_box_button)
        box_row.addWidget(self.unbox_button)

        self.size_combo = QComboBox()
        self.size_combo.addItem("4 x 6 in", LabelSize.PALLET_4X6.value)
        self.size_combo.addItem("4 x 3 in", LabelSize.PALLET_4X3.value)
        self.size_combo.currentIndexChanged.connect(self._on_size_combo_changed)
        self.preview_label = QLabel("No label")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setMinimumSize(200, 240)
        self.preview_label.setStyleSheet("background: white; border: 1px solid #999;")
        # Where to print: the Zebra printer (ZPL), the OS printers (PDF), or a PDF file. The
        # printer list is asked for off the GUI thread (the print system may be slow).
        self.target_combo = QComboBox()
        self.target_combo.addItem("PDF file…", _SAVE_TO_FILE)
        self.target_combo.currentIndexChanged.connect(self._on_target_combo_changed)
        self._targets: dict[str, PrintTarget] = {}
        self._targets_requested = False
        self.print_button = QPushButton("Print label")
        self.print_button.clicked.connect(self._on_print_clicked)
        self.contents_button = QPushButton("Print contents")
        self.contents_button.clicked.connect(self._on_contents_clicked)
        self.retry_button = QPushButton("Retry printing")
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.print_status = QLabel("")
        self.print_status.setWordWrap(True)
        label_box = QGridLayout()
        label_box.addWidget(QLabel("Label"), 0, 0)
        label_box.addWidget(self.size_combo, 0, 1)
        label_box.addWidget(self.preview_label, 1, 0, 1, 2)
        label_box.addWidget(QLabel("Print to"), 2, 0)
        label_box.addWidget(self.target_combo, 2, 1)
        label_box.addWidget(self.print_button, 3, 0)
        label_box.addWidget(self.contents_button, 3, 1)
        label_box.addWidget(self.retry_button, 4, 0, 1, 2)
        label_box.addWidget(self.print_status, 5, 0, 1, 2)

        detail = QVBoxLayout()
        detail.addWidget(self.header_label)
        detail.addWidget(self.scan_edit)
        detail.addWidget(self.feedback_label)
        detail.addLayout(action_row)
        detail.addLayout(box_row)
        detail.addWidget(self.contents_view, 1)

        lower = QHBoxLayout()
        lower.addLayout(detail, 3)
        lower.addLayout(label_box, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(new_row)
        layout.addWidget(self.table, 2)
        layout.addLayout(lower, 5)

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1000)
        self._status_timer.timeout.connect(self._update_print_status)
        self._status_timer.start()
        self._update_buttons()

    # ---- public ----

    def refresh(self, select: str = "") -> None:
        keep = select or (self._current.pallet_id if self._current else "")
        if not self._targets_requested:
            self._targets_requested = True
            self.refresh_print_targets()
        self._runner.run(
            self._service.pallets,
            lambda pallets: self._on_pallets_loaded(pallets, keep),
            lambda exc: show_error(self, exc, doing="loading pallets"),
        )

    def refresh_print_targets(self) -> None:
        """Ask (off the GUI thread) where labels can be printed; fills the "Print to" list."""
        self._runner.run(
            self._service.print_targets,
            self._on_print_targets_loaded,
            lambda exc: show_error(self, exc, doing="listing the printers"),
        )

    def focus_scan(self) -> None:
        self.scan_edit.setFocus()

    def scan(self, value: str) -> None:
        """A scan while the page shows: a pallet ID selects that pallet; anything else is an
        asset to add to the selected pallet."""
        value = value.strip()
        if not value:
            return
        row = self.model.row_of(value)
        if row >= 0:
            self.table.selectRow(row)
            return
        if self._current is None:
            self._show_refusal("Select a pallet first, then scan assets onto it.")
            return
        pallet_id = self._current.pallet_id
        box_id = str(self.box_combo.currentData() or "")
        if box_id:
            self._runner.run(
                lambda: self._service.box_add(box_id, value),
                lambda result: self._on_added(result.asset_id, box_id),
                self._on_scan_failed,
            )
            return
        self._runner.run(
            lambda: self._service.add(pallet_id, value),
            lambda result: self._on_added(result.asset_id),
            self._on_scan_failed,
        )

    # ---- slots ----

    def _on_pallets_loaded(self, pallets: list[Pallet], keep: str) -> None:
        self.model.reset_rows(pallets)
        row = self.model.row_of(keep) if keep else (0 if pallets else -1)
        if row >= 0:
            self.table.selectRow(row)
            self._load_detail(self.model.pallet_at(row).pallet_id)

    def _on_table_row_changed(self, current, _previous) -> None:  # noqa: ANN001 - Qt indexes
        if current.isValid():
            pallet = self.model.pallet_at(current.row())
            if self._current is None or pallet.pallet_id != self._current.pallet_id:
                self.feedback_label.hide()
            self._load_detail(pallet.pallet_id)

    def _load_detail(self, pallet_id: str) -> None:
        self._runner.run(
            lambda: self._service.detail(pallet_id),
            self._on_detail_loaded,
            lambda exc: show_error(self, exc, doing="loading the pallet"),
        )

    def _on_detail_loaded(self, detail: PalletDetail) -> None:
        pallet = detail.pallet
        self._current = pallet
        self.contents.reset_rows(detail.items)
        seals = ", ".join(pallet.seal_numbers) or "none"
        hazard = "  ⚠ lithium batteries" if pallet.lithium_count else ""
        weight = f"{pallet.weight_g / 1000:.1f} kg" if pallet.weight_g else "not weighed"
        boxes = ""
        if detail.boxes:
            boxes = f" in {pallet.box_count} box(es)" + (
                f", {pallet.open_boxes} open" if pallet.open_boxes else ""
            )
        self.header_label.setText(
            f"<b>{pallet.pallet_id}</b> — {pallet.pallet_type.title} pallet to "
            f"{pallet.destination}<br>{pallet.status.value.upper()} · {pallet.piece_count} "
            f"pieces{boxes} · {weight} · seals {seals}{hazard}"
        )
        keep = self._select_box or str(self.box_combo.currentData() or "")
        self._select_box = ""
        self.box_combo.blockSignals(True)
        self.box_combo.clear()
        self.box_combo.addItem("Pallet (loose)", "")
        for box in detail.boxes:
            if box.status.value == "open":
                self.box_combo.addItem(f"Box {box.label} ({box.piece_count} pcs)", box.box_id)
        self.box_combo.setCurrentIndex(max(self.box_combo.findData(keep), 0))
        self.box_combo.blockSignals(False)
        self._update_buttons()
        self._render_preview()

    def _on_added(self, asset_id: str, box_id: str = "") -> None:
        self.scan_edit.clear()
        self.feedback_label.setStyleSheet(_OK_STYLE)
        where = f" into box {box_id.rpartition('-')[2]}" if box_id else ""
        self.feedback_label.setText(f"✔ {asset_id} added{where}")
        self.feedback_label.show()
        if self._current is not None:
            self.refresh(self._current.pallet_id)

    def _on_scan_failed(self, exc: BaseException) -> None:
        self.scan_edit.selectAll()
        if isinstance(exc, UserFacingError):
            self._show_refusal(exc.message)
        else:
            show_error(self, exc, doing="adding the asset")

    def _show_refusal(self, message: str) -> None:
        self.feedback_label.setStyleSheet(_REFUSAL_STYLE)
        self.feedback_label.setText(f"✖ REFUSED — {message}")
        self.feedback_label.show()
        self.refusal_shown.emit(message)

    def _on_scan_edit_return_pressed(self) -> None:
        self.scan(self.scan_edit.text())

    def _on_open_button_clicked(self) -> None:
        kind = str(self.type_combo.currentData())
        destination = self.destination_edit.text()
        self._runner.run(
            lambda: self._service.open_pallet(kind, destination),
            lambda pallet: (self.destination_edit.clear(), self.refresh(pallet.pallet_id)),
            lambda exc: show_error(self, exc, doing="opening a pallet"),
        )

    def _step(self, doing: str, fn) -> None:  # noqa: ANN001 - a zero-argument service call
        self._runner.run(
            fn,
            lambda pallet: self.refresh(pallet.pallet_id),
            lambda exc: show_error(self, exc, doing=doing),
        )

    def _on_remove_clicked(self) -> None:
        index = self.contents_view.currentIndex()
        if self._current is None or not index.isValid():
            return
        asset_id = self.contents.index(index.row(), 0).data()
        pallet_id = self._current.pallet_id
        self._runner.run(
            lambda: self._service.remove(pallet_id, asset_id, "removed at the pallet"),
            lambda result: self.refresh(result.pallet.pallet_id),
            lambda exc: show_error(self, exc, doing="removing the asset"),
        )

    def _on_box_combo_changed(self, _index: int) -> None:
        self._update_buttons()
        self.scan_edit.setPlaceholderText(
            "Scan an asset into the selected box"
            if self.box_combo.currentData()
            else "Scan an asset to add it to the selected pallet"
        )

    def _on_open_box_clicked(self) -> None:
        if self._current is None:
            return
        pallet_id = self._current.pallet_id

        def opened(box) -> None:  # noqa: ANN001 - a PalletBox
            self._select_box = box.box_id  # scans go into the new box
            self.refresh(pallet_id)

        self._runner.run(
            lambda: self._service.open_box(pallet_id),
            opened,
            lambda exc: show_error(self, exc, doing="opening a box"),
        )

    def _on_close_box_clicked(self) -> None:
        box_id = str(self.box_combo.currentData() or "")
        if self._current is None or not box_id:
            return
        pallet_id = self._current.pallet_id
        self._runner.run(
            lambda: self._service.close_box(box_id),
            lambda _box: self.refresh(pallet_id),
            lambda exc: show_error(self, exc, doing="closing the box"),
        )

    def _on_unbox_clicked(self) -> None:
        index = self.contents_view.currentIndex()
        if self._current is None or not index.isValid():
            return
        asset_id = self.contents.index(index.row(), 0).data()
        self._runner.run(
            lambda: self._service.box_remove(asset_id, "taken out at the pallet"),
            lambda result: self.refresh(result.pallet.pallet_id),
            lambda exc: show_error(self, exc, doing="taking the asset out of its box"),
        )

    def _on_close_clicked(self) -> None:
        if self._current is not None:
            pallet_id = self._current.pallet_id
            self._step("closing the pallet", lambda: self._service.close(pallet_id))

    def _on_reopen_clicked(self) -> None:
        if self._current is None:
            return
        reason, ok = QInputDialog.getText(self, "Reopen pallet", "Why is it reopened?")
        if ok:
            pallet_id = self._current.pallet_id
            self._step("reopening the pallet", lambda: self._service.reopen(pallet_id, reason))

    def _on_weigh_clicked(self) -> None:
        if self._current is None:
            return
        text, ok = QInputDialog.getText(self, "Weigh pallet", "Gross weight in kg:")
        if not ok:
            return
        try:
            grams = parse_weight_kg(text)
        except ValueError:
            show_error(
                self,
                InvalidInput(field="Weight", problem=f"'{text}' is not a weight in kg"),
                doing="weighing",
            )
            return
        pallet_id = self._current.pallet_id
        self._step("weighing the pallet", lambda: self._service.weigh(pallet_id, grams))

    def _on_seal_clicked(self) -> None:
        if self._current is None:
            return
        text, ok = QInputDialog.getText(
            self, "Seal pallet", "Seal numbers (scan each, separated by commas):"
        )
        if ok:
            seals = [s for s in text.replace(";", ",").split(",") if s.strip()]
            pallet_id = self._current.pallet_id
            self._step("sealing the pallet", lambda: self._service.seal(pallet_id, seals))

    def _on_unseal_clicked(self) -> None:
        if self._current is None:
            return
        reason, ok = QInputDialog.getText(
            self, "Unseal pallet", "Why are the seals broken? (recorded in the ledger)"
        )
        if ok:
            pallet_id = self._current.pallet_id
            self._step("unsealing the pallet", lambda: self._service.unseal(pallet_id, reason))

    def _on_ship_clicked(self) -> None:
        if self._current is None:
            return
        dialog = ShipDialog(self._current, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        handoff = dialog.handoff()
        pallet_id = self._current.pallet_id
        self._step("shipping the pallet", lambda: self._service.ship(pallet_id, handoff))

    def _size(self) -> LabelSize:
        return LabelSize(str(self.size_combo.currentData()))

    def _on_size_combo_changed(self, _index: int) -> None:
        self._render_preview()

    def _render_preview(self) -> None:
        if self._current is None:
            return
        self._preview_token += 1
        token = self._preview_token
        pallet_id, size = self._current.pallet_id, self._size()
        self._io.run(
            lambda: self._service.label_preview_png(pallet_id, size),
            lambda png: self._on_preview_rendered(token, png),
            self._on_preview_failed,
        )

    def _on_preview_rendered(self, token: int, png: bytes) -> None:
        if token != self._preview_token:
            return  # a newer preview is on its way
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.preview_label.setPixmap(
            pixmap.scaled(
                self.preview_label.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _on_preview_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.preview_label.setText(exc.message)
            self.preview_label.setWordWrap(True)
        else:
            show_error(self, exc, doing="drawing the label preview")

    def _on_print_targets_loaded(self, targets: list[PrintTarget]) -> None:
        keep = self.target_combo.currentData()
        self._targets = {t.url: t for t in targets}
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        for target in targets:
            self.target_combo.addItem(target.title, target.url)
            self.target_combo.setItemData(
                self.target_combo.count() - 1, target.url, Qt.ItemDataRole.ToolTipRole
            )
        self.target_combo.addItem("PDF file…", _SAVE_TO_FILE)
        # Keep the operator's choice; a fresh page starts on the first printer.
        index = self.target_combo.findData(keep) if keep != _SAVE_TO_FILE else -1
        self.target_combo.setCurrentIndex(max(index, 0))
        self.target_combo.blockSignals(False)
        self._update_buttons()

    def _on_target_combo_changed(self, _index: int) -> None:
        self._update_buttons()

    def _selected_target(self) -> str:
        return str(self.target_combo.currentData() or _SAVE_TO_FILE)

    def _on_print_clicked(self) -> None:
        if self._current is None:
            return
        target = self._selected_target()
        if target == _SAVE_TO_FILE:
            self._on_save_label_clicked()
            return
        pallet_id, size = self._current.pallet_id, self._size()
        self._runner.run(
            lambda: self._service.print_label(pallet_id, size, target),
            lambda _job: self._update_print_status(),
            lambda exc: show_error(self, exc, doing="printing the label"),
        )

    def _on_contents_clicked(self) -> None:
        if self._current is None:
            return
        target = self._selected_target()
        if target == _SAVE_TO_FILE:
            self._on_save_contents_clicked()
            return
        pallet_id = self._current.pallet_id
        self._runner.run(
            lambda: self._service.print_contents(pallet_id, target),
            lambda _job: self._update_print_status(),
            lambda exc: show_error(self, exc, doing="printing the contents manifest"),
        )

    def _on_retry_clicked(self) -> None:
        self._runner.run(
            self._service.retry_printing,
            lambda _none: self._update_print_status(),
            lambda exc: show_error(self, exc, doing="retrying the printer"),
        )

    def _save(self, title: str, default_name: str, doing: str, fn) -> None:  # noqa: ANN001
        path, _filter = QFileDialog.getSaveFileName(self, title, default_name, "PDF (*.pdf)")
        if not path:
            return
        self._runner.run(
            lambda: fn(Path(path)),
            self._on_saved,
            lambda exc: show_error(self, exc, doing=doing),
        )

    def _on_saved(self, path: Path) -> None:
        self.print_status.setText(f"Saved {path}")
        if self._current is not None:
            self.refresh(self._current.pallet_id)

    def _on_save_label_clicked(self) -> None:
        if self._current is None:
            return
        pallet_id, size = self._current.pallet_id, self._size()
        self._save(
            "Save label as PDF",
            f"{pallet_id}-label.pdf",
            "saving the label",
            lambda path: self._service.save_label_pdf(pallet_id, path, size),
        )

    def _on_save_contents_clicked(self) -> None:
        if self._current is None:
            return
        pallet_id = self._current.pallet_id
        self._save(
            "Save contents manifest",
            f"{pallet_id}-contents.pdf",
            "saving the contents manifest",
            lambda path: self._service.save_contents_pdf(pallet_id, path),
        )

    def _update_print_status(self) -> None:
        jobs = self._service.print_jobs()
        waiting = [j for j in jobs if j.state.value in ("queued", "retrying")]
        failing = next((j for j in waiting if j.error), None)
        if failing is not None:
            self.print_status.setStyleSheet("color: #b3261e; font-weight: bold;")
            self.print_status.setText(
                f"{len(waiting)} label(s) waiting. {failing.error}. Check the printer; "
                "'Retry printing' tries now."
            )
        elif waiting:
            self.print_status.setStyleSheet("")
            self.print_status.setText(f"{len(waiting)} label(s) printing…")
        elif jobs and not self.print_status.text().startswith("Saved"):
            self.print_status.setStyleSheet("")
            self.print_status.setText(f"Printed: {jobs[0].description} ({jobs[0].target})")
        self.retry_button.setEnabled(bool(waiting))

    def _update_buttons(self) -> None:
        status = self._current.status if self._current is not None else None
        enabled = {
            "remove": status is PalletStatus.OPEN,
            "close": status is PalletStatus.OPEN,
            "reopen": status in (PalletStatus.CLOSED, PalletStatus.WEIGHED),
            "weigh": status in (PalletStatus.CLOSED, PalletStatus.WEIGHED),
            "seal": status is PalletStatus.WEIGHED,
            "unseal": status is PalletStatus.SEALED,
            "ship": status is PalletStatus.SEALED,
            "open_box": status is PalletStatus.OPEN,
        }
        for key, button in self.buttons.items():
            button.setEnabled(enabled[key])
        has = self._current is not None
        self.close_box_button.setEnabled(bool(self.box_combo.currentData()))
        self.unbox_button.setEnabled(status is PalletStatus.OPEN)
        target = self._targets.get(self._selected_target())
        self.print_button.setEnabled(has)
        # A Zebra printer takes labels only; the manifest goes to a system printer or a file.
        self.contents_button.setEnabled(
            has and (target is None or target.format is PrintFormat.PDF)
        )
