"""A signature pad: draw with a mouse, a finger (touch) or a pen (tablet) into a white QImage,
exported as PNG bytes for the ledger's blob store. GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget


class SignaturePad(QWidget):
    """Owns one image; :meth:`png_bytes` is empty until something was drawn."""

    signed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setMinimumSize(320, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._image = QImage(QSize(640, 160), QImage.Format.Format_RGB32)
        self._image.fill(QColor("white"))
        self._last: QPointF | None = None
        self._strokes = 0

    def sizeHint(self) -> QSize:
        return QSize(480, 130)

    @property
    def is_empty(self) -> bool:
        return self._strokes == 0

    def clear(self) -> None:
        self._image.fill(QColor("white"))
        self._strokes = 0
        self.update()

    def image(self) -> QImage:
        return self._image.copy()

    def png_bytes(self) -> bytes:
        if self.is_empty:
            return b""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self._image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    # ---- drawing ----

    def draw_stroke(self, points: list[QPointF]) -> None:
        """Draw a stroke through ``points`` (widget coordinates): what a hand would do."""
        if not points:
            return
        self._begin(points[0])
        for point in points[1:]:
            self._line_to(point, 1.0)
        self._end()

    def _begin(self, point: QPointF) -> None:
        self._last = point
        self._strokes += 1

    def _line_to(self, point: QPointF, pressure: float) -> None:
        if self._last is None:
            self._begin(point)
            return
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = 1.5 + 2.5 * max(0.2, min(pressure, 1.0))
        painter.setPen(
            QPen(
                QColor("#10213a"),
                width,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        scale_x = self._image.width() / max(1, self.width())
        scale_y = self._image.height() / max(1, self.height())
        painter.drawLine(
            QPointF(self._last.x() * scale_x, self._last.y() * scale_y),
            QPointF(point.x() * scale_x, point.y() * scale_y),
        )
        painter.end()
        self._last = point
        self.update()

    def _end(self) -> None:
        self._last = None
        self.signed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._line_to(event.position(), 0.6)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._last is not None:
            self._line_to(event.position(), 0.6)
            self._end()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QTabletEvent.Type.TabletMove and self._last is not None:
            self._line_to(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletRelease and self._last is not None:
            self._end()
        event.accept()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawImage(self.rect(), self._image)
        painter.setPen(QPen(QColor("#9aa6b8"), 1, Qt.PenStyle.DashLine))
        baseline = int(self.height() * 0.75)
        painter.drawLine(12, baseline, self.width() - 12, baseline)
        painter.setPen(QColor("#b9c2cf"))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self.is_empty:
            painter.setPen(QColor("#9aa6b8"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Sign here")
        painter.end()
