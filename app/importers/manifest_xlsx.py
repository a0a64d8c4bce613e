"""XLSX manifests (openpyxl, read-only streaming): the first worksheet as rows of text cells.

Formulas are refused where they are read (the parser refuses cells starting with ``=``), so a
sheet is read with formulas, not cached values: a formula never silently becomes a serial number.
Merged cells read as empty except their top-left cell, so a merged serial cell is reported as
an empty serial on the rows it covered.
"""

from __future__ import annotations

import datetime
import io
import threading
import zipfile
from collections.abc import Generator
from decimal import Decimal

from app.domain.errors import UserCancelled

_CHECK_EVERY_ROWS = 2000


def _cell_text(value: object) -> str:  # noqa: PLR0911 - one return per cell type
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Serials typed as numbers come back as floats: 12345.0 → "12345".
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def read_xlsx_rows(
    data: bytes,
    file_name: str,
    *,
    progress: object = None,
    cancel: threading.Event | None = None,
) -> Generator[tuple[int, list[str]], None, None]:
    """Rows of the first worksheet as (row number, cells), streamed: a caller that stops early
    (a runaway sheet) never reads the rest; the workbook closes when the iterator is closed.
    Raises ``ManifestFileError`` (on the first ``next``)."""
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy import, only for XLSX
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    from app.importers.manifest_csv import ManifestFileError  # noqa: PLC0415 - cycle

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ManifestFileError(
            file=file_name, problem="it is not a readable XLSX workbook"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        total = sheet.max_row or 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number % _CHECK_EVERY_ROWS == 0:
                if cancel is not None and cancel.is_set():
                    raise UserCancelled
                if callable(progress):
                    progress(number // 2, max(total, number))
            yield number, [_cell_text(v) for v in values]
    finally:
        workbook.close()
