"""The discrepancy report: text checked with pdftotext; CSV safe against formula injection."""

from __future__ import annotations

import csv
import io
import subprocess

from app.documents.discrepancy_report import (
    DiscrepancyReportData,
    SealRow,
    csv_safe,
    render_csv,
    render_pdf,
)
from app.domain.manifests import Discrepancy, DiscrepancyCode, ReceivingCounters

NASTY = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\tx", "\rx"]


def data(discrepancies) -> DiscrepancyReportData:
    return DiscrepancyReportData(
        job_id="JOB-1",
        customer_name="Acme <Health> & Co",
        manifest_ids="MAN-1",
        facility="fac-1",
        station="bench",
        closed_by="Sam Supervisor (supervisor)",
        closed_at="2026-01-04 10:00 UTC",
        counters=ReceivingCounters(expected=3, received=1, missing=2, extra=1),
        discrepancies=discrepancies,
        carrier="Reliable Freight",
        bol_number="BOL-77",
        seals=(SealRow("GAY-1", "S-1", True), SealRow("GAY-2", "S-2", False)),
    )


def test_csv_cells_never_start_a_formula():
    rows = [Discrepancy(DiscrepancyCode.EXTRA_UNMANIFESTED, identifier=v, note=v) for v in NASTY]
    text = render_csv(data(rows)).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][0] == "job_id"
    for row, value in zip(parsed[1:], NASTY, strict=True):
        assert row[4] == "'" + value
        assert row[10] == "'" + value
    assert csv_safe("plain") == "plain" and csv_safe(None) == ""


def test_pdf_text(tmp_path):
    rows = [
        Discrepancy(DiscrepancyCode.MISSING, line_no=2, identifier="SN-2", description="HP x"),
        Discrepancy(DiscrepancyCode.SEAL_BROKEN, container_id="GAY-2", note="seal S-2"),
    ] + [Discrepancy(DiscrepancyCode.MISSING, line_no=i, identifier=f"SN-{i}") for i in range(80)]
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_pdf(data(rows)))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Receiving discrepancy report" in flat
    assert "Acme <Health> & Co" in flat
    assert "BOL-77" in flat and "NO — BROKEN" in flat
    assert "SEAL_BROKEN" in flat and "SN-79" in flat
    assert "page 2" in flat  # long reports flow onto more pages
