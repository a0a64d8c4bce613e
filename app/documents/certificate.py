"""Certificate of Data Destruction / Sanitization (reportlab): one line per drive, the standard
cited, signers, and a QR code carrying the certificate number and the SHA-256 of its line items.

Pure: data in, bytes out. The table is a repeating-header platypus table, so 10,000 lines
paginate cleanly with "Page n of m" on every page.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.domain.sanitization import CertificateData, CertificateLine

_HEADERS = (
    "#",
    "Drive serial",
    "Host asset",
    "Type",
    "Model",
    "Outcome",
    "Technique",
    "Tool",
    "Result",
    "Date",
    "Operator",
    "Evidence SHA-256",
)


def line_items_sha256(lines: Sequence[CertificateLine]) -> str:
    """SHA-256 over the canonical JSON of the line items (sorted keys, no spaces): what the QR
    code carries so a reader can check the printed lines against the ledger."""
    items = [
        {
            "drive_serial": x.drive_serial,
            "asset_id": x.asset_id,
            "kind": x.kind,
            "model": x.model,
            "outcome": x.outcome,
            "technique": x.technique,
            "tool": x.tool,
            "result": x.result,
            "date": x.date,
            "operator": x.operator,
            "evidence_sha256": x.evidence_sha256,
        }
        for x in lines
    ]
    canonical = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def qr_payload(data: CertificateData) -> str:
    return f"CERT:{data.certificate_no};SHA256:{data.line_items_sha256}"


class _NumberedCanvas(Canvas):
    """Defers page output so each page can print "Page n of m"."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._saved: list[dict[str, object]] = []
        self.footer_text = ""

    def showPage(self) -> None:
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self.setFont("Helvetica", 7)
            self.drawRightString(
                self._pagesize[0] - 12 * mm, 8 * mm, f"Page {self._pageNumber} of {total}"
            )
            self.drawString(12 * mm, 8 * mm, self.footer_text)
            super().showPage()
        super().save()


def render_certificate_pdf(data: CertificateData) -> bytes:
    buf = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        buf,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"Certificate of Data Destruction {data.certificate_no}",
        author=data.facility or "ITAD Intake Station",
    )
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    story: list[object] = []
    qr = QrCodeWidget(qr_payload(data))
    x0, y0, x1, y1 = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    header = Table(
        [
            [
                [
                    Paragraph("Certificate of Data Sanitization and Destruction", styles["Title"]),
                    Paragraph(
                        f"<b>Certificate No.</b> {_esc(data.certificate_no)} &nbsp; "
                        f"<b>Issued</b> {_esc(data.issued)}",
                        styles["Normal"],
                    ),
                    Paragraph(
                        f"<b>Customer</b> {_esc(data.customer)} &nbsp; <b>Job</b> "
                        f"{_esc(data.job_id)} &nbsp; <b>Facility</b> {_esc(data.facility)}",
                        styles["Normal"],
                    ),
                    Paragraph(f"<b>Standard</b> {_esc(data.standard)}", styles["Normal"]),
                    Paragraph(f"<b>Line items SHA-256</b> {data.line_items_sha256}", small),
                ],
                drawing,
            ]
        ],
        colWidths=[page[0] - 24 * mm - size - 4 * mm, size + 4 * mm],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [header, Spacer(1, 3 * mm)]
    story.append(
        Paragraph(
            f"The {len(data.lines)} storage device(s) listed below were sanitized or destroyed "
            "as stated, each recorded against its serial number from the sanitizing tool's own "
            "report (kept with the SHA-256 shown). Custody of the media was transferred to and "
            "accepted by the provider, who accepts fiduciary responsibility for them.",
            small,
        )
    )
    story.append(Spacer(1, 3 * mm))
    rows: list[list[str]] = [list(_HEADERS)]
    widths = [8, 32, 28, 11, 34, 15, 30, 24, 18, 24, 24, 25]  # 273 mm: A4 landscape
    # Cut free text to its column (measured in the table's font) so no cell runs into the next.
    fit = [(w - 3.5) * mm for w in widths]
    for n, x in enumerate(data.lines, start=1):
        rows.append(
            [
                str(n),
                _fit(x.drive_serial, fit[1]),
                _fit(x.asset_id, fit[2]),
                x.kind,
                _fit(x.model, fit[4]),
                x.outcome,
                _fit(x.technique, fit[6]),
                _fit(x.tool, fit[7]),
                x.result,
                x.date[:16],
                _fit(x.operator, fit[10]),
                x.evidence_sha256[:16] + "…" if x.evidence_sha256 else "",
            ]
        )
    # Every cell is one line of 7 pt text, so every row has the same height: giving it saves
    # reportlab measuring 10,000 rows again at each page split (most of the render time).
    table = Table(
        rows,
        repeatRows=1,
        colWidths=[w * mm for w in widths],
        rowHeights=[_ROW_HEIGHT_PT] * len(rows),
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 7),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    if data.exceptions:
        story.append(Paragraph("<b>Exceptions</b>", styles["Normal"]))
        for text in data.exceptions:
            story.append(Paragraph(_esc(text), small))
        story.append(Spacer(1, 3 * mm))
    signers = list(data.signers) or ["Technician / operator", "Verifier / validator"]
    sig_rows = [
        [f"{s}", "Signature: ______________________", "Date: ____________"] for s in signers
    ]
    sig = Table(sig_rows, colWidths=[90 * mm, 90 * mm, 50 * mm])
    sig.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 9)]))
    story.append(sig)

    footer = f"Certificate {data.certificate_no} · job {data.job_id} · {data.standard}"

    def make_canvas(*args: object, **kwargs: object) -> _NumberedCanvas:
        canvas = _NumberedCanvas(*args, **kwargs)
        canvas.footer_text = footer
        return canvas

    doc.build(story, canvasmaker=make_canvas)
    return buf.getvalue()


#: One 7 pt line (leading 1.2 x size) plus 1.5 pt padding above and below.
_ROW_HEIGHT_PT = 7 * 1.2 + 3


def _fit(text: str, width_pt: float, font: str = "Helvetica", size: float = 7) -> str:
    """``text`` on one line (rows have a fixed height), cut with "…" to fit ``width_pt``."""
    text = " ".join(text.split())
    if stringWidth(text, font, size) <= width_pt:
        return text
    while text and stringWidth(text + "…", font, size) > width_pt:
        text = text[:-1]
    return text + "…"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
