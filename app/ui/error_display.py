"""One display path for errors (ARCHITECTURE §5.6)."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from app.domain.errors import UserCancelled, UserFacingError

log = logging.getLogger(__name__)


def show_error(parent: QWidget | None, exc: BaseException, *, doing: str) -> None:
    """Show ``exc`` to the operator: silent for a cancel, one sentence for a user-facing error,
    and "this is a bug" with copyable details for anything else."""
    if isinstance(exc, UserCancelled):
        return
    if isinstance(exc, UserFacingError):
        QMessageBox.warning(parent, "ITAD Station", exc.message)
        return
    details = "".join(traceback.format_exception(exc))
    log.error("Unexpected error while %s:\n%s", doing, details)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "ITAD Station — unexpected error",
        f"Something unexpected went wrong while {doing}. Nothing you recorded was lost. "
        "Use 'Show Details…' to copy the details for support.",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setDetailedText(details)
    box.exec()
