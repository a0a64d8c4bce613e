"""Per-asset intake labels from receiving: queued through the real print queue to a printer on
a local TCP socket (ZPL) or to an OS printer (PDF), or saved as a PDF when no printer is
configured; every label is a ``label.printed`` event, recorded once the printer has taken it.
PDF labels are rendered by pdftoppm and their barcode decoded by zbarimg."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.devices.printer import PrintQueue
from app.domain.errors import InvalidInput
from app.domain.grading import AssetNotFound
from app.domain.manifests import ScanOutcome
from app.services.receiving import IntakeLabelOutput
from drivers.simulators.zpl_printer import ZplPrinterSimulator
from tests.services import test_receiving_service as receiving_tests

# The receiving tests' fixtures: a demo-seeded station and the Globex job (4 lines).
receiving = receiving_tests.receiving
globex_job = receiving_tests.globex_job

needs_zbar = pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="needs zbar-tools and poppler-utils (packaging/debian-*packages.txt)",
)


def label_events(services) -> list[dict]:
    return [
        json.loads(row.payload_json)
        for row in services.ledger.iter_rows()
        if row.type == "label.printed"
    ]


def decode_pdf(pdf: bytes, tmp_path: Path) -> list[str]:
    """The asset IDs the label carries, read from a 300 dpi render (an office printer): the QR
    code always reads; the Code 128 too unless the ID needs 1-dot bars, which only the
    Zebra's own 203 dpi prints evenly (tests/documents/test_pallet_label.py covers that)."""
    source = tmp_path / "decode.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "300", "-singlefile", str(source), str(tmp_path / "decode")],
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "-q", str(tmp_path / "decode.png")],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return sorted({code.split(":", 1)[1] for code in out.split() if code.startswith("QR-Code:")})


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_label_is_queued_to_the_tcp_printer_and_recorded_when_it_printed(receiving, globex_job):
    service, _, services = receiving
    printer = ZplPrinterSimulator()
    queue = PrintQueue(retry_interval_s=30)
    try:
        service.use_intake_label_output(IntakeLabelOutput(printer=queue, target=printer.url))
        scanned = service.scan(globex_job.job_id, "SN-0002", "test scanner")
        assert scanned.outcome is ScanOutcome.MATCHED
        printer.set_online(False)  # the printer is off: the job waits, nothing is recorded
        result = service.print_intake_label(scanned.asset_id)
        assert result.print_job_id and result.path is None and result.target == printer.url
        assert not queue.wait_idle(0.3)
        assert label_events(services) == []

        printer.set_online(True)
        queue.retry_now()
        assert queue.wait_idle(10)
        (zpl,) = printer.wait_for_jobs(1, 10)
    finally:
        queue.close()
        printer.close()
    assert zpl.startswith(b"^XA") and zpl.rstrip().endswith(b"^XZ")
    assert f"^FD{scanned.asset_id}^FS".encode() in zpl  # the Code 128 and the text line
    assert b"S/N SN-0002" in zpl and b"Dell Latitude 5420" in zpl
    (event,) = label_events(services)
    assert event["asset_id"] == event["subject_id"] == scanned.asset_id
    assert (event["document"], event["format"], event["size"]) == ("asset_label", "zpl", "2x1")
    assert event["target"] == printer.url
    assert event["content_sha256"] == hashlib.sha256(zpl).hexdigest()


@needs_zbar
def test_an_os_printer_gets_a_pdf_whose_barcode_is_the_asset_id(receiving, globex_job, tmp_path):
    service, _, services = receiving
    printed: list[tuple[str, bytes]] = []
    queue = PrintQueue(
        retry_interval_s=30, os_printer=lambda name, pdf: printed.append((name, pdf))
    )
    try:
        service.use_intake_label_output(
            IntakeLabelOutput(printer=queue, target="os:Bench Laser", pdf_dir=tmp_path / "unused")
        )
        captured = service.receive_extra(
            globex_job.job_id, serial="EXTRA-77", device_type="monitor", make="HP", model="Z24"
        )
        service.print_intake_label(captured.asset_id)
        assert queue.wait_idle(10)
    finally:
        queue.close()
    ((name, pdf),) = printed
    assert name == "Bench Laser"
    assert decode_pdf(pdf, tmp_path) == [captured.asset_id]
    assert "EXTRA-77" in pdf_text(pdf, tmp_path)
    assert not (tmp_path / "unused").exists()
    (event,) = label_events(services)
    assert (event["format"], event["target"]) == ("pdf", "os:Bench Laser")
    assert event["content_sha256"] == hashlib.sha256(pdf).hexdigest()


@needs_zbar
def test_with_no_printer_the_label_is_saved_as_a_pdf(receiving, globex_job, tmp_path):
    service, _, services = receiving
    folder = tmp_path / "intake-labels"
    service.use_intake_label_output(IntakeLabelOutput(pdf_dir=folder))
    scanned = service.scan(globex_job.job_id, "gx-003", "test scanner")  # by asset tag
    result = service.print_intake_label(scanned.asset_id)
    assert result.path == folder / f"intake-{scanned.asset_id}.pdf"
    assert str(result.path) in result.text
    pdf = result.path.read_bytes()
    assert decode_pdf(pdf, tmp_path) == [scanned.asset_id]
    text = pdf_text(pdf, tmp_path)
    assert "SN-0003" in text and "OptiPlex 3080" in text
    (event,) = label_events(services)
    assert event["target"] == f"file:{result.path}"
    assert event["content_sha256"] == hashlib.sha256(pdf).hexdigest()


def test_no_printer_and_no_folder_or_an_unknown_asset_is_a_clear_error(receiving, globex_job):
    service, _, services = receiving
    scanned = service.scan(globex_job.job_id, "SN-0001", "test scanner")
    with pytest.raises(InvalidInput) as refused:
        service.print_intake_label(scanned.asset_id)
    assert "Label printer" in refused.value.message
    service.use_intake_label_output(IntakeLabelOutput(pdf_dir=Path("/nonexistent")))
    with pytest.raises(AssetNotFound):
        service.print_intake_label("AS-NOT-HERE")
    assert label_events(services) == []
