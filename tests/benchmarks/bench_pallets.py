"""Pallet labels and a big pallet: ``python -m tests.benchmarks.bench_pallets [--labels N]
[--assets N] [--dir PATH]``.

Prints one JSON line per figure on stdout (``{"name", "value", "unit", "baseline", "ratio"}``,
``ratio = value / baseline``); what each baseline is goes to stderr. Issue 7 sets no numeric
target: the figures are reported, never asserted.

* **Labels as PDF**: ``pallet_label_layout`` + ``render_pdf`` per label (one single-page PDF
  each, as a print or a save makes it), varying pallet ID and piece count. Baseline, same run:
  bare reportlab drawing the same strings, its own Code 128 widget and QR widget on a 4x6 in
  canvas, one PDF per label (no layout, no fit checks).
* **Labels as ZPL**: ``pallet_label_layout`` + ``render_zpl``. Baseline: formatting the same
  ZPL text with one f-string (no layout, no barcode encoding, no fit checks).
* **Build and seal a pallet** of N assets through ``PalletizingService`` on a real station
  file: open, ``add_many`` (every pallet rule per asset), close, weigh, seal. Baseline: a raw
  ``sqlite3`` ``executemany`` of the same N pallet-contents rows into a table of the same shape,
  in one transaction on a file with the station's pragmas (WAL, ``synchronous=FULL``).
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen import canvas

from app.bootstrap import open_station
from app.config import Settings
from app.documents.pallet_label import (
    LabelSize,
    PalletLabelData,
    pallet_label_layout,
    render_pdf,
    render_zpl,
)
from app.domain.events import AssetReceived
from app.domain.ids import sscc18
from app.domain.pallets import PalletType
from app.services.demo_data import DEMO_OPERATORS
from app.services.event_drafts import draft
from tests.benchmarks.figure import print_figure


def _label(i: int) -> PalletLabelData:
    return PalletLabelData(
        pallet_id=sscc18("0614141", 100_000 + i, extension_digit=3),
        is_sscc=True,
        pallet_type="Recycle",
        destination="GreenCycle Metals (R2v3), Bay 7",
        piece_count=1 + i % 400,
        weight=f"{100 + i % 900}.5 kg",
        sealed_by="Sam Supervisor",
        sealed_at="2026-11-21 06:40",
        seal_numbers=(f"S-{i:06d}",),
        lithium=i % 2 == 0,
        facility="Facility 1",
        box_count=i % 5,
    )


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def _bare_reportlab_label(data: PalletLabelData) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(288, 432), pageCompression=1)
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(9, 400, data.pallet_type.upper())
    pdf.setFont("Helvetica", 9)
    pdf.drawString(9, 385, f"FROM {data.facility}")
    pdf.drawString(9, 375, "TO")
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(9, 360, data.destination)
    pdf.drawString(9, 330, f"{data.piece_count} PCS   {data.weight}")
    pdf.setFont("Helvetica", 9)
    pdf.drawString(9, 315, f"Sealed by {data.sealed_by} at {data.sealed_at}")
    pdf.drawString(9, 305, "Seals " + ", ".join(data.seal_numbers))
    if data.lithium:
        pdf.drawString(14, 290, "LITHIUM BATTERIES - UN3481")
    Code128("00" + data.pallet_id, barHeight=72, barWidth=0.9).drawOn(pdf, 20, 40)
    pdf.drawString(80, 20, f"(00) {data.pallet_id}")
    qr = QrCodeWidget(data.pallet_id)
    drawing = Drawing(78, 78)
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, 200, 350)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _bare_zpl(data: PalletLabelData) -> bytes:
    return (
        f"^XA\n^CI28\n^PW812\n^LL1218\n^FO24,24^A0N,64,64^FD{data.pallet_type.upper()}^FS\n"
        f"^FO24,98^A0N,24,24^FDFROM {data.facility}^FS\n^FO24,128^A0N,24,24^FDTO^FS\n"
        f"^FO24,154^A0N,40,40^FD{data.destination}^FS\n"
        f"^FO24,260^A0N,40,40^FD{data.piece_count} PCS   {data.weight}^FS\n"
        f"^FO24,310^A0N,26,26^FDSealed by {data.sealed_by} at {data.sealed_at}^FS\n"
        f"^FO24,342^A0N,26,26^FDSeals {', '.join(data.seal_numbers)}^FS\n"
        f"^BY3^FO90,900^BCN,200,N,N,N,D^FD(00){data.pallet_id}^FS\n"
        f"^FO564,24^BQN,2,7^FDQA,{data.pallet_id}^FS\n^PQ1\n^XZ\n"
    ).encode()


def bench_labels(count: int) -> None:
    labels = [_label(i) for i in range(count)]
    # Warm-up: font metrics, barcode tables, imports.
    render_pdf([pallet_label_layout(labels[0], LabelSize.PALLET_4X6)])
    _bare_reportlab_label(labels[0])

    t0 = time.perf_counter()
    for data in labels:
        _bare_reportlab_label(data)
    bare_pdf = time.perf_counter() - t0
    t0 = time.perf_counter()
    for data in labels:
        render_pdf([pallet_label_layout(data, LabelSize.PALLET_4X6)])
    ours_pdf = time.perf_counter() - t0
    print_figure(
        f"pallet labels 4x6 as PDF ({count})",
        _rate(count, ours_pdf),
        "labels/s",
        _rate(count, bare_pdf),
        "bare reportlab: the same strings + its Code128 and QR widgets, one PDF per label",
    )

    t0 = time.perf_counter()
    for data in labels:
        _bare_zpl(data)
    bare_zpl = time.perf_counter() - t0
    t0 = time.perf_counter()
    for data in labels:
        render_zpl(pallet_label_layout(data, LabelSize.PALLET_4X6))
    ours_zpl = time.perf_counter() - t0
    print_figure(
        f"pallet labels 4x6 as ZPL ({count})",
        _rate(count, ours_zpl),
        "labels/s",
        _rate(count, bare_zpl),
        "the same ZPL fields formatted by one f-string (no layout, fit checks or encoding)",
    )


def bench_big_pallet(assets: int, work_dir: Path) -> None:
    station = open_station(Settings(data_dir=work_dir / "station", station_name="bench"), demo=True)
    try:
        supervisor = DEMO_OPERATORS[1]
        operator = station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
        ids = [f"AS-BIG{i:06d}" for i in range(assets)]
        station.events.append(
            [
                draft(
                    AssetReceived(
                        asset_id=asset_id,
                        job_id="JOB-BIG",
                        serial=f"BIG{i:06d}",
                        device_type="desktop",
                        make="Dell",
                        model="OptiPlex 7090",
                        scan_source="bench",
                    ),
                    operator.operator_id,
                )
                for i, asset_id in enumerate(ids)
            ]
        )
        service = station.palletizing
        assert service is not None
        t0 = time.perf_counter()
        pallet = service.open_pallet(PalletType.DESTRUCTION, "Shred line")
        service.add_many(pallet.pallet_id, ids)
        service.close(pallet.pallet_id)
        service.weigh(pallet.pallet_id, 1_500_000)
        sealed = service.seal(pallet.pallet_id, ["S-BENCH"])
        elapsed = time.perf_counter() - t0
        assert sealed.piece_count == assets
    finally:
        station.close()

    raw_path = work_dir / "raw.sqlite"
    conn = sqlite3.connect(raw_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE pallet_contents (asset_id TEXT PRIMARY KEY, pallet_id TEXT NOT NULL, "
            "device_type TEXT NOT NULL, disposition TEXT NOT NULL, added_seq INTEGER NOT NULL, "
            "box_id TEXT NOT NULL DEFAULT '')"
        )
        conn.execute("CREATE INDEX ix_pallet ON pallet_contents (pallet_id)")
        rows = [(asset_id, "PAL-000001", "desktop", "", n) for n, asset_id in enumerate(ids)]
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO pallet_contents (asset_id, pallet_id, device_type, disposition, "
            "added_seq) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("COMMIT")
        raw = time.perf_counter() - t0
    finally:
        conn.close()
    print_figure(
        f"build and seal a {assets}-asset pallet through the service",
        _rate(assets, elapsed),
        "assets/s",
        _rate(assets, raw),
        f"raw sqlite3 executemany of the same {assets} pallet-contents rows, one transaction "
        "(WAL, synchronous=FULL)",
    )
    print(f"  the {assets}-asset pallet took {elapsed:.2f} s end to end", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_pallets")
    parser.add_argument("--labels", type=int, default=1_000, help="labels to render (1000)")
    parser.add_argument("--assets", type=int, default=5_000, help="assets on the pallet (5000)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (a tmp dir)")
    args = parser.parse_args(argv)
    if args.labels < 1 or args.assets < 1:
        parser.error("--labels and --assets must be >= 1")
    bench_labels(args.labels)
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        bench_big_pallet(args.assets, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="itad-bench-pallets-") as tmp:
            bench_big_pallet(args.assets, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
