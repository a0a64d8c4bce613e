"""A workspace that a later release fills. It says so plainly instead of pretending."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NotBuiltPage(QWidget):
    """Shows what the workspace will do and what works today."""

    def __init__(
        self, title: str, purpose: str, status: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        purpose_label = QLabel(purpose)
        purpose_label.setWordWrap(True)
        self.status_label = QLabel(status)
        self.status_label.setObjectName("notBuilt")
        self.status_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(purpose_label)
        layout.addSpacing(12)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)


# What each not-yet-built workspace is for, in the words a warehouse would use.
NOT_BUILT: dict[str, tuple[str, str]] = {
    "receiving": (
        "Scan assets against a customer's manifest: matched, not on manifest, already received, "
        "another job. Record the carrier handoff and close receiving with a discrepancy report.",
        "Not available in this version: manifest import and scan-to-reconcile are being built. "
        "The demo's sample manifest and received assets are visible in the Custody log.",
    ),
    "sanitization": (
        "Record wipe and shred results against each drive (NIST SP 800-88 Clear / Purge / "
        "Destroy), import nwipe and Blancco reports, and issue certificates of data destruction.",
        "Not available in this version: nothing about sanitization can be recorded yet.",
    ),
    "grading": (
        "Grade condition with a rubric by keyboard, and derive the disposition "
        "(resale, parts, recycle, return to customer).",
        "Not available in this version: nothing about grading can be recorded yet.",
    ),
    "pallets": (
        "Build, seal and label pallets (SSCC, ZPL or PDF labels) and hand them to a carrier.",
        "Not available in this version: no pallets can be built yet.",
    ),
}
