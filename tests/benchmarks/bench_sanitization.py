"""Sanitization: ``python -m tests.benchmarks.bench_sanitization [--reports N] [--lines N]
[--dir PATH]``.

Prints one JSON line per figure on stdout (``{"name", "value", "unit", "baseline", "ratio"}``,
``ratio = value / baseline``); baselines and targets go to stderr. Targets (issue 5) are
reported, never asserted.

1. **Report import**: N wipe reports (4 in 5 nwipe logs, 1 in 5 Blancco XML, one drive each,
   every drive registered) dropped as one folder on a demo station: ``read_files`` (walk, stat,
   read, parse) + ``record_import`` (match by serial, keep each file content-addressed, one
   transaction per file) → reports/s. Baseline, same run, same files: bare parsing
   (read + ``parse_report_file``) with nothing matched or recorded.
2. **Certificate PDF** of N lines (target: 10,000 lines under 10 s) through
   ``render_certificate_pdf`` (header, QR, paginated table, "Page n of m"). Baseline, same run:
   bare reportlab rendering the same rows as one repeat-header ``Table`` in a
   ``SimpleDocTemplate``. The PDF is kept in ``--dir`` so its pages can be looked at.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from app.bootstrap import open_station
from app.config import Settings
from app.documents.certificate import line_items_sha256, render_certificate_pdf
from app.domain.events import MediaRegistered
from app.domain.sanitization import CertificateData, CertificateLine
from app.importers.wipe_reports import parse_report_file
from app.services.demo_data import DEMO_OPERATORS
from app.services.event_drafts import draft
from tests.benchmarks.figure import print_figure

TARGET_CERT_S = 10.0


def nwipe_log(n: int, serial: str) -> str:
    """A one-drive nwipe 0.42 log written from the documented templates (report-formats §2)."""
    return (
        f"[2026/11/20 10:15:00]  notice: Found /dev/sda,  ATA, ST500LM030, 500 GB, S/N={serial}\n"
        "[2026/11/20 10:15:00]  notice:   banner   = nwipe 0.42\n"
        "[2026/11/20 10:15:01]  notice: Invoking method 'Fill With Zeros' on /dev/sda\n"
        "[2026/11/20 11:00:00]  notice: 0 verification errors on '/dev/sda'.\n\n"
        "******************************** Error Summary *********************************\n"
        "!   Device | Pass Errors | Verifications Errors | Fdatasync I\\O Errors\n"
        f"{'-' * 80}\n"
        "       sda |           0 |                    0 |                    0\n"
        f"{'*' * 80}\n\n"
        "********************************* Drive Status *********************************\n"
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number\n"
        f"{'-' * 80}\n"
        f"       sda | Erased | 120 MB/s | 01:05:{n % 60:02d} | ST500LM030/{serial}\n"
        f"{'-' * 80}\n"
        "[2026/11/20 11:22:11] Total Throughput 120 MB/s, Fill With Zeros, 1R+B+VL\n"
        f"{'*' * 80}\n\n"
        "[2026/11/20 11:22:11]    info: Nwipe successfully completed. See summary table for "
        "details.\n"
    )


def blancco_xml(n: int, serial: str) -> str:
    """A one-erasure Blancco report in the documented generic shape (synthetic, §3)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<root><report><blancco_data>
  <description>
    <entry name="document_id">bench-{n:06d}</entry>
    <entries name="document_log"><entries name="log_entry"><entries name="author">
      <entry name="product_name">Blancco Drive Eraser</entry>
      <entry name="product_version">7.9.0</entry>
    </entries></entries></entries>
  </description>
  <blancco_erasure_report><entries name="erasures"><entries name="erasure">
    <entry name="state" type="string">Successful</entry>
    <entry name="erasure_standard_name" type="string">NIST 800-88 Clear</entry>
    <entry name="overwriting_rounds" type="uint">1</entry>
    <entry name="firmware_rounds" type="uint">0</entry>
    <entries name="target">
      <entry name="serial" type="string">{serial}</entry>
      <entry name="model" type="string">PM981</entry>
      <entry name="type" type="string">SSD</entry>
    </entries>
  </entries></entries></blancco_erasure_report>
</blancco_data></report></root>
"""


def bench_import(reports: int, work_dir: Path) -> None:
    station = open_station(Settings(data_dir=work_dir / "station", station_name="bench"), demo=True)
    try:
        service = station.sanitization
        assert service is not None
        tech = DEMO_OPERATORS[2]
        operator = station.operators.sign_in_with_badge(tech.badge, tech.pin)
        serials = [f"BENCH-DRV-{n:06d}" for n in range(reports)]
        station.events.append(
            [
                draft(
                    MediaRegistered(
                        media_id=f"md-bench-{n:06d}", kind="HDD", serial=s, model="ST500"
                    ),
                    operator.operator_id,
                )
                for n, s in enumerate(serials)
            ]
        )
        folder = work_dir / "drop"
        folder.mkdir(parents=True, exist_ok=True)
        for n, serial in enumerate(serials):
            if n % 5 == 4:
                (folder / f"blancco_{n:06d}.xml").write_text(blancco_xml(n, serial))
            else:
                (folder / f"nwipe_log_{n:06d}.txt").write_text(nwipe_log(n, serial))
        files = sorted(folder.iterdir())
        t0 = time.perf_counter()
        for path in files:
            parse_report_file(path.read_bytes(), path.name)
        bare_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = service.record_import(service.read_files([folder]))
        import_s = time.perf_counter() - t0
        if summary.recorded != reports or summary.errors:
            raise SystemExit(f"import went wrong: {summary.headline}")
        print_figure(
            f"import {reports} wipe reports (one drop)",
            reports / import_s,
            "reports/s",
            reports / bare_s,
            "bare parsing of the same files (read + parse, nothing matched or recorded)",
        )
        print(f"  import took {import_s:.2f} s; bare parsing {bare_s:.2f} s", file=sys.stderr)
    finally:
        station.close()


def certificate_lines(count: int) -> list[CertificateLine]:
    kinds = ("HDD", "SSD", "NVME")
    return [
        CertificateLine(
            drive_serial=f"WD-WX{n:010d}",
            asset_id=f"AS-2026-{n // 2:07d}",
            kind=kinds[n % 3],
            model="WDC WD5000AAKX-00ERMA0",
            outcome="DESTROY" if n % 17 == 0 else "CLEAR",
            technique="SHRED" if n % 17 == 0 else "OVERWRITE",
            tool="SHRED-01" if n % 17 == 0 else "nwipe 0.42",
            result="PASSED",
            date=f"2026-11-20T{n % 24:02d}:{n % 60:02d}:00",
            operator="Terry Technician",
            evidence_sha256=f"{n:064x}",
        )
        for n in range(count)
    ]


def bare_reportlab_pdf(lines: list[CertificateLine]) -> bytes:
    """The same rows, widths and style as the certificate table, and nothing else."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm)
    rows = [["#", "Drive", "Asset", "Type", "Model", "Outcome", "Technique", "Tool", "Result"]]
    rows[0] += ["Date", "Operator", "Evidence"]
    for n, x in enumerate(lines, start=1):
        rows.append(
            [
                str(n),
                x.drive_serial,
                x.asset_id,
                x.kind,
                x.model[:24],
                x.outcome,
                x.technique,
                x.tool[:18],
                x.result,
                x.date[:16],
                x.operator[:16],
                x.evidence_sha256[:16] + "…",
            ]
        )
    widths = [8, 32, 28, 11, 34, 15, 30, 24, 18, 24, 24, 25]
    table = Table(rows, repeatRows=1, colWidths=[w * mm for w in widths])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 7),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c4")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    doc.build([table])
    return buf.getvalue()


def bench_certificate(count: int, work_dir: Path) -> None:
    lines = certificate_lines(count)
    data = CertificateData(
        certificate_no="CERT-2026-BENCH",
        customer="Acme Corp",
        job_id="JOB-BENCH",
        facility="fac-bench",
        issued="2026-11-21T09:00",
        lines=lines,
        signers=("Issued by Sam Supervisor (supervisor)", "Verifier / validator"),
        exceptions=("Drive WD-WX0000000000: logical sanitization failed; routed to destruction.",),
        line_items_sha256=line_items_sha256(lines),
    )
    t0 = time.perf_counter()
    bare = bare_reportlab_pdf(lines)
    bare_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = render_certificate_pdf(data)
    cert_s = time.perf_counter() - t0
    out = work_dir / f"certificate-{count}-lines.pdf"
    out.write_bytes(pdf)
    print_figure(
        f"certificate PDF, {count} lines",
        cert_s,
        "s",
        bare_s,
        "bare reportlab: the same rows as one repeat-header Table, nothing else",
    )
    verdict = "met" if cert_s < TARGET_CERT_S else "MISSED"
    print(
        f"target {verdict}: {count}-line certificate under {TARGET_CERT_S:.0f} s "
        f"({cert_s:.2f} s, {len(pdf) // 1024} KiB, bare {len(bare) // 1024} KiB) -> {out}",
        file=sys.stderr,
    )


def run(reports: int, lines: int, work_dir: Path) -> None:
    bench_import(reports, work_dir / "import")
    bench_certificate(lines, work_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_sanitization")
    parser.add_argument("--reports", type=int, default=1000, help="reports in the drop (1000)")
    parser.add_argument("--lines", type=int, default=10_000, help="certificate lines (10000)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (a tmp dir)")
    args = parser.parse_args(argv)
    if args.reports < 10 or args.lines < 1:
        parser.error("--reports must be >= 10 and --lines >= 1")
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        run(args.reports, args.lines, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-sanitization-") as tmp:
            run(args.reports, args.lines, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
