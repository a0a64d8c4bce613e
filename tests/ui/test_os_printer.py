"""PDF to OS printers through Qt's print support, for real: labels printed to a ``QPrinter`` in
PDF format (from a worker thread, as the print queue does) come out at the label's own page size
and, rendered again by poppler, decode with ``zbarimg`` at printer resolution and match the
source label pixel for pixel; a printer that refuses the job keeps it queued with the error and
prints after "retry"; the Pallets page offers the OS printers beside the Zebra printer and a PDF
file, and every print is a ``label.printed`` event. With CUPS installed, one test prints through
a throwaway ``cupsd`` to a raw socket queue and checks what the "printer" received."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter
from PySide6.QtPrintSupport import QPrinter

from app.bootstrap import Station, open_station
from app.config import Settings
from app.devices.printer import PrintQueue
from app.documents.pallet_label import (
    LabelSize,
    PalletLabelData,
    pallet_label_layout,
    render_pdf,
)
from app.domain.ids import sscc18
from app.domain.printing import JobState, PrintFailed
from app.services.demo_data import DEMO_OPERATORS
from app.ui.os_printer import QtOsPrinter

pytestmark = pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="needs zbar-tools and poppler-utils (packaging/debian-*packages.txt)",
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SSCC = sscc18("0614141", 123456789, extension_digit=1)


def label_data(pallet_id: str = SSCC, is_sscc: bool = True) -> PalletLabelData:
    return PalletLabelData(
        pallet_id=pallet_id,
        is_sscc=is_sscc,
        pallet_type="Resale",
        destination="GreenCycle, Bay 7",
        piece_count=42,
        weight="312.5 kg",
        sealed_by="Sam Supervisor",
        sealed_at="2026-11-21 06:40",
        seal_numbers=("S-1001",),
        lithium=True,
    )


def pdf_printer(path: Path, dpi: int):
    """A real QPrinter writing PDF to ``path`` at ``dpi`` (as a label printer's driver would
    report its resolution)."""

    def factory(_name: str) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        printer.setResolution(dpi)
        return printer

    return factory


def in_worker(fn) -> None:
    """Run ``fn`` on a plain worker thread (the print queue's situation); re-raise its error."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # handed back to the test thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if failure:
        raise failure[0]


def page_sizes(path: Path) -> list[tuple[float, float]]:
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(path)], capture_output=True, text=True, check=True
    ).stdout
    sizes = []
    for line in out.splitlines():
        if line.startswith("Page") and " size:" in line:
            numbers = line.split("size:")[1].split("pts")[0].split("x")
            sizes.append((round(float(numbers[0])), round(float(numbers[1]))))
    return sizes


def render(path: Path, page: int, dpi: int, out_dir: Path) -> Path:
    stem = out_dir / f"{path.stem}-p{page}-{dpi}"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-gray",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(path),
            str(stem),
        ],
        check=True,
    )
    return stem.with_suffix(".png")


def zbar(png: Path) -> list[str]:
    out = subprocess.run(
        ["zbarimg", "-q", str(png)], capture_output=True, text=True, check=False
    ).stdout
    return sorted(out.split())


def misplaced_ink(a: Path, b: Path) -> float:
    """The fraction of pixels dark in one image with no dark pixel within 1 px in the other:
    0 for the same drawing whatever the edge rounding, large for missing or moved text."""
    first = Image.open(a).convert("L").point(lambda v: 0 if v < 128 else 255)
    second = Image.open(b).convert("L").point(lambda v: 0 if v < 128 else 255)
    assert first.size == second.size, (first.size, second.size)
    near_first = first.filter(ImageFilter.MinFilter(3))  # dark grown by one pixel
    near_second = second.filter(ImageFilter.MinFilter(3))
    lost = ImageChops.subtract(near_second, first)  # dark in first, nothing near in second
    extra = ImageChops.subtract(near_first, second)
    count = lost.histogram()[255] + extra.histogram()[255]
    return count / (first.size[0] * first.size[1])


@pytest.mark.parametrize("dpi", [203, 300])
def test_label_pdf_printed_through_qprinter_decodes_at_printer_resolution(qapp, tmp_path, dpi):
    source = render_pdf(
        [
            pallet_label_layout(label_data(), LabelSize.PALLET_4X6),
            pallet_label_layout(label_data("PAL-000123", is_sscc=False), LabelSize.PALLET_4X3),
        ]
    )
    (tmp_path / "source.pdf").write_bytes(source)
    printed = tmp_path / "printed.pdf"
    printer = QtOsPrinter(pdf_printer(printed, dpi))
    in_worker(lambda: printer.print_pdf("Label PDF", source, "Pallet label"))

    # Each page keeps its label size (4x6 in, then 4x3 in), no margins.
    assert page_sizes(printed) == [(288, 432), (288, 216)]
    # Printed at the printer's resolution, the barcodes still decode.
    assert zbar(render(printed, 1, dpi, tmp_path)) == [f"CODE-128:00{SSCC}", f"QR-Code:{SSCC}"]
    assert zbar(render(printed, 2, dpi, tmp_path)) == ["CODE-128:PAL-000123", "QR-Code:PAL-000123"]
    # Text is raster in the printed job (pdftotext finds none there), so check the text in the
    # source and compare pixels: the printed page is the source page, text included, to within
    # one pixel of edge rounding.
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "source.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "RESALE" in text and f"(00) {SSCC}" in text
    assert (
        subprocess.run(
            ["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True
        ).stdout.strip()
        == ""
    )
    for page in (1, 2):
        source_png = render(tmp_path / "source.pdf", page, dpi, tmp_path)
        fraction = misplaced_ink(source_png, render(printed, page, dpi, tmp_path))
        assert fraction < 0.001, f"page {page}: {fraction:.3%} of pixels differ"
    # The comparison is not blind: a label with another destination differs.
    other = tmp_path / "other.pdf"
    changed = replace(label_data(), destination="Other Vendor Ltd")
    other.write_bytes(render_pdf([pallet_label_layout(changed, LabelSize.PALLET_4X6)]))
    assert misplaced_ink(render(other, 1, dpi, tmp_path), render(printed, 1, dpi, tmp_path)) > 0.002


def test_a_printer_that_refuses_the_job_raises_print_failed(qapp, tmp_path):
    source = render_pdf([pallet_label_layout(label_data(), LabelSize.PALLET_4X3)])
    unwritable = tmp_path / "no-such-dir" / "out.pdf"
    with pytest.raises(PrintFailed, match="did not accept the job"):
        in_worker(lambda: QtOsPrinter(pdf_printer(unwritable, 300)).print_pdf("Gone", source))
    with pytest.raises(PrintFailed, match="no printer named 'No Such Printer' is installed"):
        in_worker(lambda: QtOsPrinter().print_pdf("No Such Printer", source))
    with pytest.raises(PrintFailed, match="pdfinfo exit status"):
        in_worker(
            lambda: QtOsPrinter(pdf_printer(tmp_path / "x.pdf", 300)).print_pdf("P", b"not a pdf")
        )


def test_queue_keeps_an_os_print_job_while_the_printer_refuses_then_prints(qapp, tmp_path):
    out_dir = tmp_path / "spool"  # missing: the "printer" refuses until it exists
    printed = out_dir / "label.pdf"
    delivered: list[str] = []
    queue = PrintQueue(
        retry_interval_s=30, os_printer=QtOsPrinter(pdf_printer(printed, 300)).print_pdf
    )
    try:
        source = render_pdf([pallet_label_layout(label_data(), LabelSize.PALLET_4X6)])
        job = queue.submit("os:Label PDF", source, "label", lambda: delivered.append("ok"))
        deadline = time.monotonic() + 30
        while queue.jobs()[0].state is not JobState.RETRYING and time.monotonic() < deadline:
            queue.wait_idle(0.05)
        status = queue.jobs()[0]
        assert status.job_id == job and status.state is JobState.RETRYING
        assert "did not accept the job" in status.error and delivered == []
        out_dir.mkdir()
        queue.retry_now()
        assert queue.wait_idle(30)
        assert queue.jobs()[0].state is JobState.PRINTED and delivered == ["ok"]
        assert zbar(render(printed, 1, 300, tmp_path)) == [f"CODE-128:00{SSCC}", f"QR-Code:{SSCC}"]
        with pytest.raises(ValueError, match="names no OS printer"):
            queue.submit("os:", source, "label")
    finally:
        queue.close()
    no_os = PrintQueue()
    try:
        with pytest.raises(ValueError, match="cannot print to OS printers"):
            no_os.submit("os:Office", b"%PDF", "label")
    finally:
        no_os.close()


@pytest.fixture
def printing_station(qapp, tmp_path: Path) -> Iterator[tuple[Station, Path]]:
    printed = tmp_path / "os-printer.pdf"
    station = open_station(
        Settings(data_dir=tmp_path / "station", station_name="print-test"),
        demo=True,
        os_printer=QtOsPrinter(pdf_printer(printed, 300)),
    )
    try:
        yield station, printed
    finally:
        station.close()


def test_service_prints_label_and_contents_to_an_os_printer_with_events(printing_station):
    station, printed = printing_station
    service = station.palletizing
    assert service is not None and station.print_queue is not None
    supervisor = DEMO_OPERATORS[1]
    station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
    pallet = service.pallets()[0]
    urls = [t.url for t in service.print_targets()]
    # The demo's Zebra printer first; the OS printers follow (none without a print system).
    assert urls[0].startswith("tcp://127.0.0.1:")

    for _ in range(2):  # print, then reprint
        service.print_label(pallet.pallet_id, LabelSize.PALLET_4X3, "os:Office Laser")
        assert station.print_queue.wait_idle(30)
    service.print_contents(pallet.pallet_id, "os:Office Laser")
    assert station.print_queue.wait_idle(30)
    assert page_sizes(printed)[0] == (595, 842)  # the contents manifest (A4) came out last
    with pytest.raises(Exception, match="the contents manifest is a PDF"):
        service.print_contents(pallet.pallet_id, urls[0])

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with station.database.engine.connect() as conn:
            rows = [
                json.loads(r[0])
                for r in conn.exec_driver_sql(
                    "SELECT payload FROM events WHERE type = 'label.printed' ORDER BY seq"
                )
            ]
        if len(rows) == 3:
            break
        time.sleep(0.05)
    assert [(r["document"], r["format"], r["target"], r["reprint"]) for r in rows] == [
        ("pallet_label", "pdf", "os:Office Laser", False),
        ("pallet_label", "pdf", "os:Office Laser", True),
        ("contents", "pdf", "os:Office Laser", False),
    ]
    assert service.detail(pallet.pallet_id).pallet.labels_printed == 2


# ---- a real CUPS queue (skipped where CUPS is not installed) ----


class RawSocketPrinter:
    """What a network printer on a raw socket port sees: one connection per job."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self.arrived = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            with self.arrived:
                self.jobs.append(data)
                self.arrived.notify_all()

    def wait(self, count: int, timeout_s: float) -> list[bytes]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.jobs) >= count, timeout=timeout_s)
            return list(self.jobs)


@pytest.fixture
def cups_server() -> Iterator[str]:
    """A throwaway cupsd listening on a Unix socket in a temp directory; yields its path."""
    cupsd, lpadmin = shutil.which("cupsd") or "/usr/sbin/cupsd", shutil.which("lpadmin")
    if not Path(cupsd).exists() or (lpadmin is None and not Path("/usr/sbin/lpadmin").exists()):
        pytest.skip("CUPS is not installed (cups-daemon, cups-client)")
    root = Path(tempfile.mkdtemp(prefix="itad-cups-", dir="/tmp"))  # short socket path
    for sub in ("spool", "cache", "state", "log", "ppd"):
        (root / sub).mkdir()
    sock = root / "cups.sock"
    (root / "cupsd.conf").write_text(
        f"Listen {sock}\nLogLevel warn\n<Location />\n  Order allow,deny\n  Allow all\n"
        "</Location>\n<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n"
    )
    user = "User lp\nGroup lp\n" if os.geteuid() == 0 else ""
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nErrorLog {root}/log/error_log\nAccessLog {root}/log/access_log\n"
        f"PageLog {root}/log/page_log\n{user}"
    )
    os.chmod(root, 0o755)  # cupsd drops to lp and must reach its temp root
    proc = subprocess.Popen(
        [cupsd, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while not sock.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not sock.exists():
            pytest.skip(f"cupsd did not start here: {proc.stderr.read(500) if proc.poll() else ''}")
        yield str(sock)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


_CUPS_CHILD = """
import os, sys, threading
from PySide6.QtWidgets import QApplication
from app.ui.os_printer import QtOsPrinter
app = QApplication([])
printer = QtOsPrinter()
print("names", printer.printer_names(), flush=True)
pdf = open(sys.argv[1], "rb").read()
t = threading.Thread(target=printer.print_pdf, args=("ITAD_Label_Test", pdf, "Pallet label"))
t.start(); t.join()
print("sent", flush=True)
"""


def test_print_through_a_real_cups_queue(cups_server, tmp_path):
    """QPrinterInfo lists the CUPS queue; the job goes through cupsd to a raw socket "printer"
    (a raw queue passes Qt's PDF through unchanged), whose bytes are a PDF that decodes."""
    lpadmin = shutil.which("lpadmin") or "/usr/sbin/lpadmin"
    sink = RawSocketPrinter()
    env = {**os.environ, "CUPS_SERVER": cups_server}
    subprocess.run(
        [
            lpadmin,
            "-p",
            "ITAD_Label_Test",
            "-E",
            "-v",
            f"socket://127.0.0.1:{sink.port}",
            "-m",
            "raw",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    source = tmp_path / "label.pdf"
    source.write_bytes(render_pdf([pallet_label_layout(label_data(), LabelSize.PALLET_4X6)]))
    child = subprocess.run(
        [sys.executable, "-c", _CUPS_CHILD, str(source)],
        env={**env, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO_ROOT)},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert "'ITAD_Label_Test'" in child.stdout and "sent" in child.stdout
    jobs = sink.wait(1, timeout_s=60)
    assert len(jobs) == 1 and jobs[0].startswith(b"%PDF")
    received = tmp_path / "received.pdf"
    received.write_bytes(jobs[0])
    assert page_sizes(received) == [(288, 432)]
    assert zbar(render(received, 1, 300, tmp_path)) == [f"CODE-128:00{SSCC}", f"QR-Code:{SSCC}"]
    img = Image.open(io.BytesIO(render(received, 1, 300, tmp_path).read_bytes()))
    assert img.size == (1200, 1800)


def test_pallets_page_prints_to_an_os_printer_and_builds_boxes(qtbot, printing_station):
    """The page offers the station's print targets (Zebra, then OS printers) and a PDF file;
    printing to an OS printer goes through the queue to the QPrinter; boxes are opened, scanned
    into and closed from the page."""
    from app.domain.printing import PrintTarget  # noqa: PLC0415
    from app.ui.pages.pallets_page import PalletsPage  # noqa: PLC0415
    from app.ui.task_runner import TaskRunner  # noqa: PLC0415

    station, printed = printing_station
    supervisor = DEMO_OPERATORS[1]
    station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
    runner = TaskRunner()
    page = PalletsPage(station.palletizing, runner)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    try:
        page.refresh()
        qtbot.waitUntil(lambda: page.target_combo.count() >= 2, timeout=10_000)
        items = [page.target_combo.itemText(i) for i in range(page.target_combo.count())]
        assert items[0] == "Zebra (ZPL)" and items[-1] == "PDF file…"
        # An OS printer, as QPrinterInfo lists it on a desk with one (the factory prints it).
        page._on_print_targets_loaded(
            [*station.palletizing.print_targets(), PrintTarget.os_printer("Office Laser")]
        )
        page.target_combo.setCurrentIndex(page.target_combo.findData("os:Office Laser"))
        recycle = next(
            r for r in range(page.model.rowCount()) if page.model.pallet_at(r).piece_count == 3
        )
        page.table.selectRow(recycle)
        qtbot.waitUntil(
            lambda: page._current is not None and page._current.piece_count == 3, timeout=10_000
        )
        assert page.contents_button.isEnabled()
        page.print_button.click()
        qtbot.waitUntil(printed.exists, timeout=30_000)
        assert station.print_queue is not None and station.print_queue.wait_idle(30)
        assert page_sizes(printed) == [(288, 432)]
        pallet_id = page._current.pallet_id
        qtbot.waitUntil(
            lambda: station.palletizing.detail(pallet_id).pallet.labels_printed == 1,
            timeout=10_000,
        )

        # Boxes: open one (scans then go into it), box a loose asset, close it.
        page.buttons["open_box"].click()
        qtbot.waitUntil(lambda: bool(page.box_combo.currentData()), timeout=10_000)
        box_id = page.box_combo.currentData()
        assert box_id == f"{pallet_id}-B01"
        page.scan("MXL9876XYZ")
        qtbot.waitUntil(lambda: page.contents.index(0, 5).data() == "B01", timeout=10_000)
        assert "into box B01" in page.feedback_label.text()
        assert "in 1 box(es), 1 open" in page.header_label.text()
        page.close_box_button.click()
        qtbot.waitUntil(lambda: page.box_combo.count() == 1, timeout=10_000)
        assert station.palletizing.detail(pallet_id).pallet.open_boxes == 0
        page.grab().save(str(printed.parent / "pallets-page.png"))
    finally:
        page.close()
        runner.shutdown()
