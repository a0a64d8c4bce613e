"""The contents manifest of one pallet: header (pallet, type, destination, counts, seals) and
every asset on it, many pages for a big pallet. Pure: data in, PDF bytes out.

Drawn straight on the canvas (no platypus table): a 5,000-asset pallet renders in about a
second.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from app.documents.pallet_label import PalletLabelData
from app.domain.pallets import PalletItem

_ROW_H = 5.2 * mm
_FONT_SIZE = 8
# (heading, x in mm, width in mm)
_COLUMNS = (
    ("#", 12, 10),
    ("Asset ID", 22, 32),
    ("Serial", 54, 36),
    ("Type", 90, 18),
    ("Make / model", 108, 40),
    ("Disposition", 148, 22),
    ("Box", 170, 10),
    ("Job", 180, 26),
)


def _fit(text: str, width_pt: float) -> str:
    """Shorten a free-text cell with an ellipsis. Asset IDs and serials are not shortened:
    their columns are wide enough for the 64/200-character limits only in small print, so
    they shrink the font instead (see :func:`_draw_id`)."""
    if stringWidth(text, "Helvetica", _FONT_SIZE) <= width_pt:
        return text
    while text and stringWidth(text + "…", "Helvetica", _FONT_SIZE) > width_pt:
        text = text[:-1]
    return text + "…"


def _draw_id(pdf: canvas.Canvas, x: float, y: float, text: str, width_pt: float) -> None:
    size: float = _FONT_SIZE
    while size > 4 and stringWidth(text, "Helvetica", size) > width_pt:
        size -= 0.5
    pdf.setFont("Helvetica", size)
    pdf.drawString(x, y, text)
    pdf.setFont("Helvetica", _FONT_SIZE)


def _box_summary(items: Sequence[PalletItem], width_pt: float) -> str:
    """``"Boxes: 3 (B01 12, B02 30, B03 5) · 2 loose"`` (just the count and range when the
    per-box list does not fit the line), or "" when nothing is boxed."""
    counts = Counter(item.box_id for item in items)
    loose = counts.pop("", 0)
    if not counts:
        return ""
    tail = f" · {loose} loose" if loose else " · none loose"
    listed = ", ".join(f"{_box_short(box)}: {n}" for box, n in sorted(counts.items()))
    line = f"Boxes: {len(counts)} ({listed}){tail}"
    if stringWidth(line, "Helvetica", 9) <= width_pt:
        return line
    names = sorted(_box_short(box) for box in counts)
    return f"Boxes: {len(counts)} ({names[0]} to {names[-1]}){tail}"


def _box_short(box_id: str) -> str:
    # Box IDs are "<pallet ID>-B01": the column shows the part after the pallet ID.
    return box_id.rpartition("-")[2] if box_id else ""


def render_contents_pdf(
    pallet: PalletLabelData, items: Sequence[PalletItem], generated_at: str
) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Pallet {pallet.pallet_id} contents")
    pdf.setCreator("ITAD Intake Station")
    width, height = A4
    top = height - 14 * mm
    first_row_y = top - 30 * mm
    rows_per_page = int((first_row_y - 16 * mm) / _ROW_H)
    pages = max(1, -(-len(items) // rows_per_page))
    boxes = _box_summary(items, width - 24 * mm)
    for page in range(pages):
        pdf.setFont("Helvetica-Bold", 13)
        pdf.drawString(12 * mm, top, f"Pallet {pallet.pallet_id} — contents manifest")
        pdf.setFont("Helvetica", 9)
        seals = ", ".join(pallet.seal_numbers) or "not sealed"
        lines = (
            f"Type {pallet.pallet_type} · Destination {pallet.destination}",
            f"{pallet.piece_count} pieces · Weight {pallet.weight or 'not weighed'} · "
            f"Seals {seals}" + (" · LITHIUM BATTERIES (UN3481)" if pallet.lithium else ""),
            f"Sealed by {pallet.sealed_by or '-'} at {pallet.sealed_at or '-'} · "
            f"Generated {generated_at}",
        )
        if boxes:
            lines = (*lines, boxes)
        for i, line in enumerate(lines):
            pdf.drawString(12 * mm, top - (6 + 4.5 * i) * mm, line)
        pdf.setFont("Helvetica-Bold", _FONT_SIZE)
        for heading, x, _w in _COLUMNS:
            pdf.drawString(x * mm, first_row_y + _ROW_H, heading)
        pdf.line(
            12 * mm,
            first_row_y + _ROW_H - 1.5 * mm,
            width - 4 * mm,
            first_row_y + _ROW_H - 1.5 * mm,
        )
        pdf.setFont("Helvetica", _FONT_SIZE)
        chunk = items[page * rows_per_page : (page + 1) * rows_per_page]
        for row, item in enumerate(chunk):
            y = first_row_y - row * _ROW_H
            number = page * rows_per_page + row + 1
            cells = (
                str(number),
                item.asset_id,
                item.serial,
                item.device_type,
                f"{item.make} {item.model}".strip(),
                item.disposition or "-",
                _box_short(item.box_id) or "-",
                item.job_id,
            )
            for (heading, x, w), value in zip(_COLUMNS, cells, strict=True):
                if heading in ("Asset ID", "Serial"):
                    _draw_id(pdf, x * mm, y, value, (w - 1) * mm)
                else:
                    pdf.drawString(x * mm, y, _fit(value, (w - 1) * mm))
        if not items:
            pdf.drawString(12 * mm, first_row_y, "The pallet is empty.")
        pdf.setFont("Helvetica", 8)
        pdf.drawRightString(width - 12 * mm, 8 * mm, f"Page {page + 1} of {pages}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
