"""PDF page → PNG, locally, with poppler's ``pdftoppm`` (a Debian dependency of the station):
the label preview never goes through an online service.

Runs a subprocess: call it from the I/O pool, never the GUI thread.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
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
