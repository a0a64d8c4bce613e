"""Pages that describe the station itself: Settings (Sync: ``sync_page``; Devices:
``devices_page``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from app.services.station_info import StationInfo


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
    return label


def _value(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class SettingsPage(QWidget):
    """Read-only view of where the station keeps its data and who it is."""

    def __init__(self, info: StationInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout()
        form.addRow("Station name", _value(info.station_name))
        form.addRow("Station ID", _value(info.station_id))
        form.addRow("Facility", _value(info.facility_id))
        form.addRow("Data directory", _value(str(info.data_dir)))
        form.addRow("Settings file", _value(str(info.config_path)))
        form.addRow("Station public key", _value(info.public_key_hex))
        form.addRow("Software version", _value(info.software_version))
        form.addRow("Mode", _value("DEMO (throwaway data directory)" if info.demo else "normal"))
        note = QLabel(
            "Settings are edited in the settings file (see README: 'Where data lives'). "
            "Editing them here arrives with a later version."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Settings"))
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
