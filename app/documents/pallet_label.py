"""Pallet and asset labels: one layout, rendered two ways (ZPL for Zebra printers, PDF for any
printer). Pure: data in, bytes out.

The layout is built once in printer dots (203 dpi, the Zebra default) from the label data;
:func:`render_zpl` and :func:`render_pdf` walk the same elements. A field that does not fit the
label raises :class:`LabelFieldTooLong` naming the field: an ID is never truncated.
"""

from __future__ import annotations

import enum
import io
from dataclasses import dataclass

from barcode import Code128
from barcode.codex import Gs1_128
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from app.domain.errors import UserFacingError

DPI = 203
_FONT = "Helvetica-Bold"
_FONT_REGULAR = "Helvetica"
#: Code 128 quiet zone each side, in modules (GS1: at least 10).
_QUIET_MODULES = 10
_MARGIN = 24  # dots (3 mm)
# QR version 1 plus its 4-module quiet zone is 29 modules: 116 dots is 4 dots a module.
_ASSET_QR_SIZE = 116


class LabelSize(enum.StrEnum):
    """Label stock: width x height in inches."""

    PALLET_4X6 = "4x6"
    PALLET_4X3 = "4x3"
    ASSET_2X1 = "2x1"

    @property
    def dots(self) -> tuple[int, int]:
        width_in, height_in = (int(v) for v in self.value.split("x"))
        return width_in * DPI, height_in * DPI


class LabelFieldTooLong(UserFacingError):
    code = "label.field_too_long"
    template = (
        "Label {size} in: the {field} '{value}' does not fit the label ({problem}); "
        "use larger label stock or a shorter value. Nothing was printed."
    )


@dataclass(frozen=True, slots=True)
class PalletLabelData:
    pallet_id: str
    is_sscc: bool
    pallet_type: str  # title, e.g. "Resale"
    destination: str
    piece_count: int
    weight: str  # "123.4 kg", or "" before weighing
    sealed_by: str
    sealed_at: str
    seal_numbers: tuple[str, ...]
    lithium: bool
    facility: str = ""
    box_count: int = 0  # boxes/totes holding the pieces (0: loose on the pallet)


@dataclass(frozen=True, slots=True)
class AssetLabelData:
    asset_id: str
    serial: str
    make_model: str
    job_id: str


# ---- the layout: elements in dots, top-left origin ----


@dataclass(frozen=True, slots=True)
class Text:
    x: int
    y: int
    height: int
    text: str
    bold: bool = True


@dataclass(frozen=True, slots=True)
class Barcode:
    """Code 128 (``gs1``: GS1-128 with FNC1; ``data`` is the element string without
    parentheses, e.g. ``00`` + SSCC)."""

    x: int
    y: int
    height: int
    module: int  # narrow bar width in dots
    data: str
    gs1: bool
    modules: str  # the bar pattern ("1" = bar), as encoded for the PDF


@dataclass(frozen=True, slots=True)
class Qr:
    x: int
    y: int
    size: int  # side in dots
    data: str


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    width: int
    height: int
    thickness: int


Element = Text | Barcode | Qr | Box


@dataclass(frozen=True, slots=True)
class Layout:
    size: LabelSize
    elements: tuple[Element, ...]


def _text_width(text: str, height: int, bold: bool = True) -> float:
    # Cap height ≈ 0.72 em in Helvetica; heights in the layout are em sizes in dots.
    return stringWidth(text, _FONT if bold else _FONT_REGULAR, height)


class _Builder:
    def __init__(self, size: LabelSize) -> None:
        self.size = size
        self.width, self.height = size.dots
        self.elements: list[Element] = []

    def text(
        self,
        x: int,
        y: int,
        height: int,
        text: str,
        field: str,
        *,
        max_width: int | None = None,
        min_height: int | None = None,
        bold: bool = True,
    ) -> int:
        """Place ``text``, shrinking down to ``min_height`` to fit; raise if it still does not.
        Returns the height used."""
        limit = max_width if max_width is not None else self.width - _MARGIN - x
        h = height
        floor = min_height or height
        while _text_width(text, h, bold) > limit and h > floor:
            h -= 2
        if _text_width(text, h, bold) > limit:
            chars = int(len(text) * limit / max(_text_width(text, h, bold), 1))
            raise LabelFieldTooLong(
                size=self.size.value,
                field=field,
                value=text,
                problem=f"about {chars} characters fit, it has {len(text)}",
            )
        self.elements.append(Text(x, y, h, text, bold))
        return h

    def barcode(self, x: int, y: int, height: int, data: str, *, gs1: bool, field: str) -> int:
        """Place a Code 128 / GS1-128 barcode centred in the width from ``x``; the widest
        module that fits (3 or 2 dots, 1 for small labels); raise if even the narrowest does
        not. Returns the barcode's width."""
        try:
            symbol = Gs1_128(data) if gs1 else Code128(data)
            pattern = symbol.build()[0]
        except (ValueError, TypeError) as exc:
            raise LabelFieldTooLong(
                size=self.size.value, field=field, value=data, problem="not encodable"
            ) from exc
        room = self.width - x - _MARGIN
        for module in (3, 2, 1) if self.size is LabelSize.ASSET_2X1 else (3, 2):
            total = (len(pattern) + 2 * _QUIET_MODULES) * module
            if total <= room:
                left = x + (room - total) // 2 + _QUIET_MODULES * module
                self.elements.append(Barcode(left, y, height, module, data, gs1, pattern))
                return total
        raise LabelFieldTooLong(
            size=self.size.value,
            field=field,
            value=data,
            problem=f"the barcode needs {len(pattern) + 2 * _QUIET_MODULES} modules",
        )


def pallet_label_layout(data: PalletLabelData, size: LabelSize) -> Layout:
    """The pallet label for 4x6 in or 4x3 in stock."""
    if size is LabelSize.ASSET_2X1:
        raise ValueError("pallet labels are 4x6 or 4x3 in")
    b = _Builder(size)
    tall = size is LabelSize.PALLET_4X6
    m = _MARGIN
    y = m
    qr_size = 220 if tall else 170
    text_right = b.width - m - qr_size - 16  # text column ends left of the QR code
    b.elements.append(Qr(b.width - m - qr_size, m, qr_size, data.pallet_id))
    y += (
        b.text(
            m,
            y,
            64 if tall else 48,
            data.pallet_type.upper(),
            "pallet type",
            max_width=text_right - m,
            min_height=36,
        )
        + 10
    )
    if data.facility:
        y += (
            b.text(
                m,
                y,
                24,
                f"FROM {data.facility}",
                "facility",
                max_width=text_right - m,
                min_height=18,
                bold=False,
            )
            + 6
        )
    y += b.text(m, y, 24, "TO", "destination", bold=False) + 2
    y += (
        b.text(
            m,
            y,
            40 if tall else 32,
            data.destination,
            "destination",
            max_width=text_right - m,
            min_height=22,
        )
        + 10
    )
    pieces = f"{data.piece_count} PCS"
    if data.box_count:
        pieces += f" / {data.box_count} BOX" + ("ES" if data.box_count > 1 else "")
    weight = data.weight or "not weighed"
    y = max(y, m + qr_size + 10)
    h = b.text(
        m, y, 40 if tall else 32, f"{pieces}   {weight}", "piece count and weight", min_height=24
    )
    y += h + 10
    sealed = f"Sealed by {data.sealed_by} at {data.sealed_at}" if data.sealed_by else "NOT SEALED"
    y += b.text(m, y, 26 if tall else 22, sealed, "sealed by", min_height=16, bold=False) + 6
    if data.seal_numbers and tall:
        y += (
            b.text(
                m,
                y,
                26,
                "Seals " + ", ".join(data.seal_numbers),
                "seal numbers",
                min_height=16,
                bold=False,
            )
            + 6
        )
    if data.lithium:
        hazard = "LITHIUM BATTERIES - UN3481"
        hh = 34 if tall else 26
        b.elements.append(Box(m, y, b.width - 2 * m, hh + 20, 4))
        b.text(m + 14, y + 10, hh, hazard, "hazard", min_height=20)
        y += hh + 30
    barcode_h = 200 if tall else 110
    id_h = 44 if tall else 34
    bottom = b.height - m
    id_y = bottom - id_h
    code_y = id_y - 10 - barcode_h
    if code_y < y:
        code_y = y  # the 4x3 in label: the barcode takes what is left
        barcode_h = id_y - 10 - code_y
    if data.is_sscc:
        b.barcode(0, code_y, barcode_h, "00" + data.pallet_id, gs1=True, field="pallet ID")
        shown = f"(00) {data.pallet_id}"
    else:
        b.barcode(0, code_y, barcode_h, data.pallet_id, gs1=False, field="pallet ID")
        shown = data.pallet_id
    width = _text_width(shown, id_h)
    b.text(max(m, int((b.width - width) / 2)), id_y, id_h, shown, "pallet ID", min_height=id_h)
    return Layout(size, tuple(b.elements))


def asset_label_layout(data: AssetLabelData) -> Layout:
    """The per-asset intake label (2x1 in): asset ID as a QR code (left) and as Code 128
    (bottom), with the asset ID, serial, make/model and job as text.

    A 15-character asset ID needs the 1-dot (5 mil) Code 128 module to fit 2 in, which reads
    at the Zebra's native 203 dpi but is marginal for a laser printer's raster or a worn
    scanner; the QR code (4 dots a module) is the one that always scans. Both carry the same
    ID, so either reader gets the same value.
    """
    b = _Builder(LabelSize.ASSET_2X1)
    m = 12
    qr_size = _ASSET_QR_SIZE
    b.elements.append(Qr(m, m, qr_size, data.asset_id))
    x = m + qr_size + 8
    y = m + 4
    y += b.text(x, y, 26, data.asset_id, "asset ID", min_height=20) + 4
    y += b.text(x, y, 20, f"S/N {data.serial or '-'}", "serial", min_height=12, bold=False) + 3
    if data.make_model:
        y += b.text(x, y, 18, data.make_model, "model", min_height=12, bold=False) + 3
    if data.job_id:
        b.text(x, y, 18, data.job_id, "job", min_height=12, bold=False)
    code_y = m + qr_size + 4
    b.barcode(0, code_y, b.height - code_y - 8, data.asset_id, gs1=False, field="asset ID")
    return Layout(LabelSize.ASSET_2X1, tuple(b.elements))


# ---- renderers ----


def _zpl_field(text: str) -> str:
    # ^FH\ makes "\" an escape: hex-escape the three characters ZPL would act on.
    return (
        "^FH\\^FD" + (text.replace("\\", "\\5C").replace("^", "\\5E").replace("~", "\\7E")) + "^FS"
    )


def render_zpl(layout: Layout, copies: int = 1) -> bytes:
    """ZPL II for a 203 dpi Zebra printer (UTF-8, ^CI28)."""
    width, height = layout.size.dots
    out = ["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0"]
    for e in layout.elements:
        if isinstance(e, Text):
            out.append(f"^FO{e.x},{e.y}^A0N,{e.height},{e.height}" + _zpl_field(e.text))
        elif isinstance(e, Barcode):
            if e.gs1:
                # Mode D (UCC/EAN): the printer adds FNC1; parentheses mark the AI.
                field = f"^FD({e.data[:2]}){e.data[2:]}^FS"
                out.append(f"^BY{e.module}^FO{e.x},{e.y}^BCN,{e.height},N,N,N,D{field}")
            else:
                out.append(
                    f"^BY{e.module}^FO{e.x},{e.y}^BCN,{e.height},N,N,N,A" + _zpl_field(e.data)
                )
        elif isinstance(e, Qr):
            # ``size`` includes the 4-module quiet zone the PDF draws (29 modules for a
            # version 1 symbol); ^BQ draws the bare symbol, so start it one quiet zone in.
            magnification = max(1, min(10, e.size // 29))
            quiet = 4 * magnification
            out.append(f"^FO{e.x + quiet},{e.y + quiet}^BQN,2,{magnification}^FDQA,{e.data}^FS")
        else:
            out.append(f"^FO{e.x},{e.y}^GB{e.width},{e.height},{e.thickness}^FS")
    out.append(f"^PQ{copies}")
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")


def render_pdf(layouts: list[Layout], title: str = "Label") -> bytes:
    """A PDF with one page per layout, each page the label's size."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pageCompression=1)
    pdf.setTitle(title)
    pdf.setCreator("ITAD Intake Station")
    for layout in layouts:
        _draw_page(pdf, layout)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_page(pdf: canvas.Canvas, layout: Layout) -> None:
    width, height = layout.size.dots
    scale = 72 / DPI  # dots → points
    pdf.setPageSize((width * scale, height * scale))

    def y_of(top: float, h: float) -> float:
        return (height - top - h) * scale

    for e in layout.elements:
        if isinstance(e, Text):
            pdf.setFont(_FONT if e.bold else _FONT_REGULAR, e.height * scale)
            # Baseline at ~0.78 em below the top, as ZPL's font 0 puts it.
            pdf.drawString(e.x * scale, y_of(e.y + e.height * 0.78, 0), e.text)
        elif isinstance(e, Barcode):
            x = e.x
            run_start = None
            for i, bit in enumerate(e.modules + "0"):
                if bit == "1" and run_start is None:
                    run_start = i
                elif bit != "1" and run_start is not None:
                    pdf.rect(
                        (x + run_start * e.module) * scale,
                        y_of(e.y, e.height),
                        (i - run_start) * e.module * scale,
                        e.height * scale,
                        stroke=0,
                        fill=1,
                    )
                    run_start = None
        elif isinstance(e, Qr):
            widget = QrCodeWidget(e.data, barLevel="Q")  # ZPL's "QA": the same symbol
            x0, y0, x1, y1 = widget.getBounds()
            side = e.size * scale
            drawing = Drawing(
                side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0]
            )
            drawing.add(widget)
            renderPDF.draw(drawing, pdf, e.x * scale, y_of(e.y, e.size))
        else:
            pdf.setLineWidth(e.thickness * scale)
            inset = e.thickness / 2
            pdf.rect(
                (e.x + inset) * scale,
                y_of(e.y + inset, e.height - e.thickness),
                (e.width - e.thickness) * scale,
                (e.height - e.thickness) * scale,
                stroke=1,
                fill=0,
            )
