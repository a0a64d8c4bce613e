"""PDF page → PNG, locally, with poppler's ``pdftoppm`` (a Debian dependency of the station):
the label preview never goes through an online service, and neither does printing a PDF to an
OS printer (:func:`pdf_pages_for_printing` rasterises every page at the printer's resolution;
PySide6-Essentials has no PDF renderer, QtPdf is in the Addons wheel).

Runs subprocesses: call it from the I/O pool or the print queue's thread, never the GUI thread.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.domain.errors import UserFacingError


class PreviewUnavailable(UserFacingError):
    code = "documents.preview_unavailable"
    template = "The label preview could not be drawn ({problem}); printing still works."


def pdf_page_png(pdf: bytes, *, dpi: int = 100, page: int = 1, timeout_s: float = 20) -> bytes:
    """The ``page``-th page of ``pdf`` as PNG bytes."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewUnavailable(problem="pdftoppm (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="itad-preview-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        stem = Path(tmp) / "out"
        result = subprocess.run(  # noqa: S603 - fixed tool, our own temp files
            [
                tool,
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(source),
                str(stem),
            ],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
        out = stem.with_suffix(".png")
        if result.returncode != 0 or not out.exists():
            raise PreviewUnavailable(problem=f"pdftoppm exit status {result.returncode}")
        return out.read_bytes()


@dataclass(frozen=True, slots=True)
class RasterPage:
    """One PDF page drawn at ``dpi``: its size in points (1/72 in) as the PDF declares it, and
    the page as an 8-bit grey PNG of ``ceil(size * dpi / 72)`` pixels."""

    number: int
    width_pt: float
    height_pt: float
    dpi: int
    png: bytes


_PAGE_SIZE = re.compile(r"^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", re.MULTILINE)


def pdf_pages_for_printing(pdf: bytes, *, dpi: int, timeout_s: float = 300) -> Iterator[RasterPage]:
    """Every page of ``pdf`` rasterised for a printer of ``dpi`` dots per inch, in page order.

    Grey without anti-aliasing: bar edges stay sharp at the printer's own resolution, so
    barcodes decode as well as from the vector PDF. Pages are produced one file per page in a
    temporary directory and read one at a time (a 100-page contents manifest never sits in
    memory as bitmaps). Raises :class:`PreviewUnavailable` when poppler is missing or fails.
    """
    if not 72 <= dpi <= 1200:
        raise ValueError(f"printer resolution {dpi} dpi is outside 72..1200")
    tools = {name: shutil.which(name) for name in ("pdftoppm", "pdfinfo")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        raise PreviewUnavailable(problem=f"{', '.join(missing)} (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="itad-print-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        info = subprocess.run(  # noqa: S603 - fixed tool, our own temp file
            [str(tools["pdfinfo"]), "-f", "1", "-l", "1000000", str(source)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        sizes = {int(n): (float(w), float(h)) for n, w, h in _PAGE_SIZE.findall(info.stdout)}
        if info.returncode != 0 or not sizes:
            raise PreviewUnavailable(problem=f"pdfinfo exit status {info.returncode}")
        stem = Path(tmp) / "page"
        result = subprocess.run(  # noqa: S603 - fixed tool, our own temp files
            [
                str(tools["pdftoppm"]),
                "-png",
                "-gray",
                "-aa",
                "no",
                "-aaVector",
                "no",
                "-r",
                str(dpi),
                str(source),
                str(stem),
            ],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
        if result.returncode != 0:
            raise PreviewUnavailable(problem=f"pdftoppm exit status {result.returncode}")
        # pdftoppm pads page numbers to the width of the last one: page-1.png or page-001.png.
        files = {int(p.stem.rpartition("-")[2]): p for p in Path(tmp).glob("page-*.png")}
        if sorted(files) != sorted(sizes):
            raise PreviewUnavailable(problem=f"pdftoppm drew {len(files)} of {len(sizes)} pages")
        for number in sorted(files):
            width_pt, height_pt = sizes[number]
            yield RasterPage(number, width_pt, height_pt, dpi, files[number].read_bytes())
