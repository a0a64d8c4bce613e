"""The receiving discrepancy report for the customer: PDF (reportlab) and CSV.

Pure: data in, bytes out. The CSV is safe to open in a spreadsheet: any cell starting with
``=`` ``+`` ``-`` ``@``, tab or carriage return is prefixed with ``'`` so it is never run as a
formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.domain.manifests import Discrepancy, ReceivingCounters

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class SealRow:
    container_id: str
    seal_number: str
    seal_intact: bool


@dataclass(frozen=True, slots=True)
class DiscrepancyReportData:
    """Everything the report prints. Times are already formatted for the reader."""

    job_id: str
    customer_name: str
    manifest_ids: str
    facility: str
    station: str
    closed_by: str
    closed_at: str
    counters: ReceivingCounters
    discrepancies: Sequence[Discrepancy]
    carrier: str = ""
    driver_name: str = ""
    bol_number: str = ""
    vehicle_id: str = ""
    pieces_declared: int = 0
    pieces_observed: int = 0
    weight_declared_g: int = 0
    weight_observed_g: int = 0
    seals: Sequence[SealRow] = field(default_factory=tuple)
    ledger_reference: str = ""


def csv_safe(value: object) -> str:
    """A cell that a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


CSV_HEADER = (
    "job_id",
    "code",
    "custody_exception",
    "manifest_line",
    "identifier",
    "asset_id",
    "container_id",
    "description",
    "status",
    "resolution",
    "note",
)


def render_csv(data: DiscrepancyReportData) -> bytes:
    """UTF-8 with BOM (Excel opens it with the right encoding), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for d in data.discrepancies:
        writer.writerow(
            [
                csv_safe(v)
                for v in (
                    data.job_id,
                    d.code.value,
                    "yes" if d.code.is_custody_exception else "no",
                    d.line_no or "",
                    d.identifier,
                    d.asset_id,
                    d.container_id,
                    d.description,
                    d.status.value,
                    d.resolution.value,
                    d.note,
                )
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _kg(grams: int) -> str:
    return f"{grams / 1000:,.1f} kg" if grams else "—"


def render_pdf(data: DiscrepancyReportData) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Receiving discrepancy report {data.job_id}",
        author=data.facility or "ITAD Intake Station",
    )
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8.5, leading=10.5)
    cell = ParagraphStyle("cell", parent=small, fontSize=8, leading=9.5)
    story: list[object] = [
        Paragraph("Receiving discrepancy report", styles["Title"]),
        Paragraph(
            f"Job <b>{_esc(data.job_id)}</b> — customer <b>{_esc(data.customer_name)}</b> — "
            f"manifest {_esc(data.manifest_ids or '—')}",
            styles["BodyText"],
        ),
        Paragraph(
            f"Closed by {_esc(data.closed_by)} at {_esc(data.closed_at)}"
            + (
                f" (station {_esc(data.station)}, facility {_esc(data.facility)})"
                if data.station or data.facility
                else ""
            ),
            small,
        ),
        Spacer(1, 5 * mm),
    ]
    c = data.counters
    summary = Table(
        [
            ["Expected", "Received", "Missing", "Extra", "Discrepancies"],
            [c.expected, c.received, c.missing, c.extra, len(data.discrepancies)],
        ],
        hAlign="LEFT",
        colWidths=[30 * mm] * 5,
    )
    summary.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9edf3")),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 1), (-1, 1), 14),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
                ("INNERGRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 1), (-1, 1), 6),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 6),
            ]
        )
    )
    story += [summary, Spacer(1, 5 * mm)]

    if data.carrier or data.bol_number:
        story.append(Paragraph("Inbound handoff", styles["Heading3"]))
        handoff = [
            ["Carrier", data.carrier or "—", "Bill of lading", data.bol_number or "—"],
            ["Driver", data.driver_name or "—", "Vehicle", data.vehicle_id or "—"],
            [
                "Pieces (BOL / counted)",
                f"{data.pieces_declared} / {data.pieces_observed}",
                "Weight (BOL / scale)",
                f"{_kg(data.weight_declared_g)} / {_kg(data.weight_observed_g)}",
            ],
        ]
        t = Table(handoff, hAlign="LEFT", colWidths=[42 * mm, 47 * mm, 42 * mm, 47 * mm])
        t.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                    ("FONTNAME", (2, 0), (2, -1), "Helvetica-Bold"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ]
            )
        )
        story += [t, Spacer(1, 3 * mm)]
        if data.seals:
            seal_rows = [["Container", "Seal number", "Seal intact"]] + [
                [s.container_id, s.seal_number or "—", "yes" if s.seal_intact else "NO — BROKEN"]
                for s in data.seals
            ]
            st = Table(seal_rows, hAlign="LEFT", colWidths=[50 * mm, 50 * mm, 40 * mm])
            style = [
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9edf3")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
            for i, s in enumerate(data.seals, start=1):
                if not s.seal_intact:
                    style.append(("TEXTCOLOR", (2, i), (2, i), colors.HexColor("#b3261e")))
            st.setStyle(TableStyle(style))
            story += [st, Spacer(1, 5 * mm)]

    story.append(Paragraph("Discrepancies", styles["Heading3"]))
    if not data.discrepancies:
        story.append(Paragraph("None: every manifest line was received as listed.", small))
    else:
        counts = Counter(d.code.value for d in data.discrepancies)
        story.append(
            Paragraph(", ".join(f"{code}: {n}" for code, n in sorted(counts.items())), small)
        )
        story.append(Spacer(1, 2 * mm))
        rows: list[list[object]] = [
            ["Code", "Line", "Identifier", "Asset", "Description", "Status"]
        ]
        style = [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9edf3")),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ]
        for i, d in enumerate(data.discrepancies, start=1):
            status = d.status.value.replace("_", " ")
            if d.resolution.value:
                status += f": {d.resolution.value.replace('_', ' ')}"
            description = d.description
            if d.note and d.note != d.description:
                description = f"{description} — {d.note}" if description else d.note
            rows.append(
                [
                    Paragraph(_esc(d.code.value), cell),
                    str(d.line_no or ""),
                    Paragraph(_esc(d.identifier or d.container_id), cell),
                    Paragraph(_esc(d.asset_id), cell),
                    Paragraph(_esc(description), cell),
                    Paragraph(_esc(status), cell),
                ]
            )
            if d.code.is_custody_exception:
                style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fde2e0")))
        table = Table(
            rows,
            repeatRows=1,
            hAlign="LEFT",
            colWidths=[40 * mm, 10 * mm, 29 * mm, 29 * mm, 40 * mm, 30 * mm],
        )
        table.setStyle(TableStyle(style))
        story.append(table)
    story.append(Spacer(1, 6 * mm))
    footer = (
        "Custody exceptions (broken or mismatched seals, missing drives) are highlighted and "
        "are notified to the customer. Every fact in this report is an event in the station's "
        "signed, hash-chained ledger"
        + (f" ({_esc(data.ledger_reference)})" if data.ledger_reference else "")
        + "."
    )
    story.append(KeepTogether([Paragraph(footer, small)]))
    doc.build(story, onFirstPage=_page_footer(data), onLaterPages=_page_footer(data))
    return buffer.getvalue()


def _page_footer(data: DiscrepancyReportData) -> object:
    def draw(canvas: object, doc: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont("Helvetica", 7.5)  # type: ignore[attr-defined]
        canvas.setFillColor(colors.grey)  # type: ignore[attr-defined]
        canvas.drawString(  # type: ignore[attr-defined]
            16 * mm,
            9 * mm,
            f"Job {data.job_id} — receiving discrepancy report — page {doc.page}",  # type: ignore[attr-defined]
        )
        canvas.restoreState()  # type: ignore[attr-defined]

    return draw


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
