"""Add or configure one scanner or reader: kind, port (found on this computer or typed as a
URL), baud rate, terminator (scanners) and RSSI threshold (readers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.devices import (
    DEFAULT_BAUD,
    STANDARD_BAUDS,
    DeviceConfig,
    DeviceKind,
    PortCandidate,
    Terminator,
)
from app.domain.errors import InvalidInput, UserFacingError
from app.ui.error_display import show_error
from app.ui.task_runner import TaskRunner

NO_GATE = -121  # the spin box's minimum shows "No gate"


class DeviceDialog(QDialog):
    """Modal editor; after ``Accepted``, :attr:`config` holds the validated configuration."""

    def __init__(
        self,
        ports: Sequence[PortCandidate],
        *,
        config: DeviceConfig | None = None,
        taken_names: Sequence[str] = (),
        identify: Callable[[str], DeviceKind | None] | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Configure device" if config else "Add a device")
        self.setMinimumWidth(560)
        self.config: DeviceConfig | None = None
        self._ports = list(ports)
        self._taken = {n for n in taken_names if config is None or n != config.name}
        self._original = config
        self._identify = identify
        self._runner = runner

        self.name_edit = QLineEdit(config.name if config else "")
        self.name_edit.setPlaceholderText("e.g. Bench 3 scanner")
        self.kind_combo = QComboBox()
        for kind in DeviceKind:
            self.kind_combo.addItem(kind.title, kind)
        self.port_combo = QComboBox()
        self.port_combo.setEditable(True)
        self.port_combo.lineEdit().setPlaceholderText(
            "/dev/serial/by-id/…, COM3 or socket://host:port"
        )
        for candidate in self._ports:
            self.port_combo.addItem(candidate.label, candidate.path)
        self.baud_combo = QComboBox()
        self.baud_combo.setEditable(True)
        for baud in STANDARD_BAUDS:
            self.baud_combo.addItem(str(baud), baud)
        self.terminator_combo = QComboBox()
        for terminator in Terminator:
            self.terminator_combo.addItem(terminator.title, terminator)
        self.rssi_spin = QSpinBox()
        self.rssi_spin.setRange(NO_GATE, 0)
        self.rssi_spin.setSuffix(" dBm")
        self.rssi_spin.setSpecialValueText("No gate (every read counts)")
        self.ports_note = QLabel(
            f"{len(self._ports)} serial port(s) found on this computer."
            if self._ports
            else "No serial ports found on this computer; type a port name or URL."
        )
        self.ports_note.setObjectName("muted")
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Kind", self.kind_combo)
        # RFID readers hide behind generic USB bridges: ask the device which protocol it speaks.
        self.identify_button = QPushButton("Identify reader")
        self.identify_button.setToolTip("Send each RFID protocol's version command to the port")
        self.identify_button.setEnabled(identify is not None and runner is not None)
        self.identify_button.clicked.connect(self._on_identify_button_clicked)
        port_row = QHBoxLayout()
        port_row.addWidget(self.port_combo, 1)
        port_row.addWidget(self.identify_button)
        form.addRow("Port", port_row)
        form.addRow("", self.ports_note)
        form.addRow("Baud rate", self.baud_combo)
        form.addRow("Scan ends with", self.terminator_combo)
        form.addRow("RSSI threshold", self.rssi_spin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        if config is not None:
            self.kind_combo.setCurrentIndex(list(DeviceKind).index(config.kind))
            self._set_port_text(config.port)
            self.baud_combo.setCurrentText(str(config.baud))
            self.terminator_combo.setCurrentIndex(list(Terminator).index(config.terminator))
            self.rssi_spin.setValue(NO_GATE if config.rssi_min_dbm is None else config.rssi_min_dbm)
        else:
            self.baud_combo.setCurrentText(str(DEFAULT_BAUD[DeviceKind.BARCODE]))
            self.rssi_spin.setValue(-65)
            if not self._ports:
                self.port_combo.setCurrentText("")
        self._update_enabled()

    def _set_port_text(self, port: str) -> None:
        index = self.port_combo.findData(port)
        if index >= 0:
            self.port_combo.setCurrentIndex(index)
        else:
            self.port_combo.setCurrentText(port)

    def _kind(self) -> DeviceKind:
        # StrEnum item data comes back from Qt as a plain str.
        return DeviceKind(self.kind_combo.currentData())

    def _port(self) -> str:
        index = self.port_combo.currentIndex()
        text = self.port_combo.currentText().strip()
        if index >= 0 and text == self.port_combo.itemText(index):
            return str(self.port_combo.itemData(index))
        return text

    def _update_enabled(self) -> None:
        is_rfid = self._kind().is_rfid
        self.terminator_combo.setEnabled(not is_rfid)
        self.rssi_spin.setEnabled(is_rfid)

    def _on_kind_combo_changed(self, _index: int) -> None:
        self.baud_combo.setCurrentText(str(DEFAULT_BAUD[self._kind()]))
        self._update_enabled()

    def build_config(self) -> DeviceConfig:
        """The configuration the fields describe; raises :class:`InvalidInput`."""
        name = self.name_edit.text().strip()
        if name in self._taken:
            raise InvalidInput(field="Device name", problem=f"'{name}' is already used")
        baud_text = self.baud_combo.currentText().strip()
        if not baud_text.isdigit():
            raise InvalidInput(field="Baud rate", problem=f"'{baud_text}' is not a number")
        port = self._port()
        usb = next((c for c in self._ports if c.path == port), None)
        original = self._original if self._original and self._original.port == port else None
        rssi = self.rssi_spin.value()
        return DeviceConfig(
            name=name,
            kind=self._kind(),
            port=port,
            baud=int(baud_text),
            terminator=Terminator(self.terminator_combo.currentData()),
            rssi_min_dbm=None if rssi == NO_GATE else rssi,
            region_code=original.region_code if original else 0x01,
            usb_vid=usb.vid if usb else (original.usb_vid if original else None),
            usb_pid=usb.pid if usb else (original.usb_pid if original else None),
            usb_serial=usb.serial_number if usb else (original.usb_serial if original else ""),
        )

    def _on_identify_button_clicked(self) -> None:
        port = self._port()
        if not port:
            self.message.setText("Port: choose or type a port first.")
            return
        if self._identify is None or self._runner is None:
            return
        identify = self._identify
        self.identify_button.setEnabled(False)
        self.message.setText(f"Asking the device on {port}…")
        self._runner.run(
            lambda: identify(port),
            lambda kind: self._on_identified(port, kind),
            self._on_identify_failed,
        )

    def _on_identified(self, port: str, kind: DeviceKind | None) -> None:
        self.identify_button.setEnabled(True)
        if kind is None:
            self.message.setText(
                f"No RFID reader answered on {port}. For a barcode scanner, choose the kind "
                "yourself; for a reader, check its power and baud rate."
            )
            return
        self.kind_combo.setCurrentIndex(list(DeviceKind).index(kind))
        self.message.setText(f"Found: {kind.title} on {port}.")

    def _on_identify_failed(self, exc: BaseException) -> None:
        self.identify_button.setEnabled(True)
        if isinstance(exc, UserFacingError):
            self.message.setText(exc.message)
            return
        self.message.setText("")
        show_error(self, exc, doing="identifying the reader")

    def _on_buttons_accepted(self) -> None:
        try:
            self.config = self.build_config()
        except InvalidInput as exc:
            self.message.setText(exc.message)
            return
        self.accept()
