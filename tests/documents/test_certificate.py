"""The certificate PDF paginates a long job cleanly: the column header on every page, "Page n
of m", every line once, long free text cut to its column on one line (rows have a fixed
height), the QR decodable. Checked with pdftotext, pdfinfo and zbarimg."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from app.documents.certificate import line_items_sha256, qr_payload, render_certificate_pdf
from app.domain.sanitization import CertificateData, CertificateLine


def lines(count: int) -> list[CertificateLine]:
    return [
        CertificateLine(
            drive_serial=f"SER-{n:05d}" + ("\nSECOND LINE" if n == 7 else ""),
            asset_id=f"AS-{n:05d}",
            kind="HDD",
            model="WDC WD5000AAKX-00ERMA0 with a very long model name that cannot fit",
            outcome="CLEAR",
            technique="OVERWRITE",
            tool="nwipe 0.42",
            result="PASSED",
            date="2026-11-20T10:00",
            operator="Terry Technician",
            evidence_sha256="a" * 64,
        )
        for n in range(1, count + 1)
    ]


def test_a_long_certificate_paginates_with_headers_and_one_line_rows(tmp_path: Path):
    items = lines(130)
    data = CertificateData(
        certificate_no="CERT-T-1",
        customer="Acme",
        job_id="JOB-T",
        facility="fac",
        issued="2026-11-21",
        lines=items,
        line_items_sha256=line_items_sha256(items),
    )
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(render_certificate_pdf(data))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert pages >= 3
    seen: list[str] = []
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Drive serial" in text and f"Page {page} of {pages}" in text
        seen += re.findall(r"SER-\d{5}", text)
    assert seen == [f"SER-{n:05d}" for n in range(1, 131)]  # each line once, in order
    first = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "very long model name that cannot fit" not in first and "…" in first
    assert "SER-00007 SECOND" in first  # the newline became a space on the row's one line
    png = tmp_path / "p1"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)],
        check=True,
    )
    qr = subprocess.run(
        ["zbarimg", "--raw", "-q", f"{png}.png"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert qr == qr_payload(data)
