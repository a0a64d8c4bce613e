"""Customer manifests from CSV (and XLSX, via :mod:`app.importers.manifest_xlsx`) → manifest
entries. Pure parsing: bytes in, :class:`ParsedManifest` out, or one clear error naming the file,
the row and the column. All-or-nothing: a file with one bad row yields no entries at all.

Encodings: UTF-8 with or without BOM, UTF-16 (BOM or NUL pattern), cp1252. Delimiters: comma,
semicolon, tab (detected). The header row is detected (the first row naming at least two known
manifest fields within the first rows), and columns are mapped to manifest fields by a
:class:`ColumnMapping` the operator confirms (suggested from synonyms, a preset, or the mapping
remembered for the customer).

Thread: any (the UI runs imports on the I/O pool). ``progress(done, total)`` is called now and
then from that thread; setting ``cancel`` makes the parse raise :class:`UserCancelled`.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app.domain.errors import UserCancelled, UserFacingError
from app.domain.manifests import (
    DuplicateIdentifier,
    ManifestEntry,
    ManifestField,
    find_duplicates,
)

Progress = Callable[[int, int], None]

MAX_HEADER_SCAN_ROWS = 20
PREVIEW_ROWS = 8
_CHECK_EVERY_ROWS = 2000
MAX_CELL_CHARS = 200
MAX_QUANTITY = 100_000
#: More data rows than this is not a pickup manifest but a mistake (a whole asset register, a
#: runaway export): refused at the first row over it, before the file fills memory and holds
#: the DB worker for minutes. A job may have several manifests.
MAX_MANIFEST_LINES = 250_000
_DELIMITERS = (",", ";", "\t")
_FORMULA_START = ("=", "+", "@")
_CONTROL_RE = re.compile(r"[\x00-\x1f]")
_PLAIN_NUMBER_RE = re.compile(r"^\d{1,6}(\.\d{1,6})?$")


class ManifestFileError(UserFacingError):
    """A manifest file that cannot be read at all (not text, not a spreadsheet, empty)."""

    code = "manifest.unreadable"
    template = "{file}: {problem}."


class ManifestRowError(UserFacingError):
    """A bad cell: names the file, the row (as the spreadsheet numbers it) and the column."""

    code = "manifest.invalid_cell"
    template = "{file}, row {row}, column '{column}': {problem}. Nothing was imported."


class ManifestMappingError(UserFacingError):
    code = "manifest.mapping"
    template = "{file}: {problem}."


class ManifestEncodingError(UserFacingError):
    """Text that cannot be read in the file's encoding: names the row where it goes wrong."""

    code = "manifest.encoding"
    template = "{file}, row {row}: {problem}. Nothing was imported."


class ManifestTooLong(UserFacingError):
    code = "manifest.too_long"
    template = (
        "{file}, row {row}: the manifest has more than {limit:,} lines; split it into files "
        "of at most {limit:,} lines (a job may have several manifests). Nothing was imported."
    )


# ---- column mapping ----

_SYNONYMS: dict[ManifestField, tuple[str, ...]] = {
    ManifestField.SERIAL: (
        "serial",
        "serial number",
        "serial no",
        "serialnumber",
        "serial_number",
        "s/n",
        "sn",
        "service tag",
        "imei",
    ),
    ManifestField.ASSET_TAG: (
        "asset tag",
        "asset_tag",
        "assettag",
        "tag",
        "asset id",
        "asset number",
        "asset no",
        "asset #",
    ),
    ManifestField.EPC: ("epc", "rfid", "rfid tag", "epc hex", "rfid epc"),
    ManifestField.MAKE: ("make", "manufacturer", "brand", "vendor", "oem", "mfr"),
    ManifestField.MODEL: ("model", "model name", "model number", "model no", "model no."),
    ManifestField.DEVICE_TYPE: (
        "device type",
        "type",
        "category",
        "asset type",
        "device_type",
        "class",
        "item type",
    ),
    ManifestField.QUANTITY: ("quantity", "qty", "count", "units", "pieces"),
    ManifestField.WEIGHT: (
        "weight",
        "weight kg",
        "weight (kg)",
        "weight_kg",
        "kg",
        "weight lb",
        "weight (lb)",
        "weight (lbs)",
        "lbs",
        "lb",
    ),
    ManifestField.CUSTOMER_REF: (
        "customer reference",
        "reference",
        "ref",
        "customer ref",
        "po",
        "po number",
        "cost center",
        "cost centre",
        "department",
    ),
}


def _norm_header(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Manifest field → the file's column header text. Fields not mapped are left empty."""

    columns: dict[ManifestField, str] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, str]:
        return {f.value: header for f, header in self.columns.items() if header}

    @classmethod
    def from_json_dict(cls, data: dict[str, str]) -> ColumnMapping:
        known = {f.value for f in ManifestField}
        return cls({ManifestField(k): v for k, v in data.items() if k in known and v})

    def fits(self, headers: Sequence[str]) -> bool:
        """True if every mapped header is present in ``headers``."""
        present = {_norm_header(h) for h in headers}
        return bool(self.columns) and all(_norm_header(h) in present for h in self.columns.values())


#: Snipe-IT's asset export (Admin → Assets → Export): its header names.
SNIPE_IT_PRESET = ColumnMapping(
    {
        ManifestField.ASSET_TAG: "Asset Tag",
        ManifestField.SERIAL: "Serial",
        ManifestField.MAKE: "Manufacturer",
        ManifestField.MODEL: "Model",
        ManifestField.DEVICE_TYPE: "Category",
    }
)
PRESETS: dict[str, ColumnMapping] = {"Snipe-IT asset export": SNIPE_IT_PRESET}


def suggest_mapping(
    headers: Sequence[str], remembered: ColumnMapping | None = None
) -> ColumnMapping:
    """The mapping to offer: the remembered one if it fits, else a preset that fits, else one
    guessed from header synonyms (each header used at most once)."""
    if remembered is not None and remembered.fits(headers):
        return _resolve(remembered, headers)
    for preset in PRESETS.values():
        if preset.fits(headers):
            return _resolve(preset, headers)
    chosen: dict[ManifestField, str] = {}
    used: set[int] = set()
    normalized = [_norm_header(h) for h in headers]
    for fld, synonyms in _SYNONYMS.items():
        for synonym in synonyms:
            hit = next(
                (i for i, h in enumerate(normalized) if h == synonym and i not in used), None
            )
            if hit is not None:
                chosen[fld] = headers[hit]
                used.add(hit)
                break
    return ColumnMapping(chosen)


def _resolve(mapping: ColumnMapping, headers: Sequence[str]) -> ColumnMapping:
    """The mapping with header texts spelled as in this file."""
    by_norm = {_norm_header(h): h for h in headers}
    return ColumnMapping({f: by_norm[_norm_header(h)] for f, h in mapping.columns.items()})


# ---- reading tables ----


@dataclass(frozen=True, slots=True)
class TableSource:
    """A decoded table: rows of cells, with the file row number of each row."""

    file_name: str
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str
    header_index: int  # index into ``rows`` of the header row

    @property
    def headers(self) -> list[str]:
        return [h.strip() for h in self.rows[self.header_index][1]]

    @property
    def data_rows(self) -> list[tuple[int, list[str]]]:
        return self.rows[self.header_index + 1 :]


@dataclass(frozen=True, slots=True)
class ManifestPreview:
    """What the column-mapping dialog shows before the real import."""

    file_name: str
    headers: list[str]
    sample_rows: list[list[str]]
    data_row_count: int
    encoding: str
    delimiter: str
    suggested: ColumnMapping


@dataclass(frozen=True, slots=True)
class ParsedManifest:
    file_name: str
    source_sha256: str
    entries: tuple[ManifestEntry, ...]
    duplicates: tuple[DuplicateIdentifier, ...]
    mapping: ColumnMapping
    encoding: str
    delimiter: str


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """Decode manifest bytes; return (text, encoding name). Refuses binary junk."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8", file_name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16", file_name), "utf-16"
    head = data[:4096]
    if len(head) >= 4 and head.count(b"\x00") * 3 >= len(head):
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even_nuls = head[0::2].count(0)
        odd_nuls = head[1::2].count(0)
        encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
        return _decode(data, encoding, file_name), encoding
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise ManifestFileError(
            file=file_name,
            problem=f"it is not a text manifest (binary data at byte {offset}); "
            "export the spreadsheet as CSV or XLSX",
        )
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        if _has_utf8_text(data):
            # Mostly UTF-8 with a stretch in another encoding (rows pasted from elsewhere):
            # reading it all as Windows-1252 would garble every accented name silently.
            raise ManifestEncodingError(
                file=file_name,
                row=_row_at(data, exc.start, "utf-8"),
                problem=f"byte 0x{data[exc.start]:02X} is not UTF-8 text like the rest of the "
                "file (mixed encodings); fix this row or export the file again as CSV UTF-8",
            ) from exc
        text = _decode(data, "cp1252", file_name)
        encoding = "cp1252"
    _refuse_control_characters(text, file_name)
    return text, encoding


def _has_utf8_text(data: bytes) -> bool:
    """True if ``data`` holds at least one well-formed non-ASCII UTF-8 character (Windows-1252
    text almost never does: it would need an accented capital right before a symbol)."""
    decoded = data.decode("utf-8", errors="replace")
    return any(ch > "\x7f" and ch != "\ufffd" for ch in decoded)


def _row_at(data: bytes, offset: int, encoding: str) -> int:
    """The line number (1-based, as a spreadsheet counts rows) of byte ``offset``."""
    return data[:offset].decode(encoding, errors="replace").count("\n") + 1


def _decode(data: bytes, encoding: str, file_name: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ManifestEncodingError(
            file=file_name,
            row=_row_at(data, exc.start, encoding),
            problem=f"byte 0x{data[exc.start]:02X} cannot be read: the file is neither UTF-8, "
            "UTF-16 nor Windows-1252 text; export it again as CSV UTF-8",
        ) from exc
    _refuse_control_characters(text, file_name)
    return text


def _refuse_control_characters(text: str, file_name: str) -> None:
    sample = text[:65536]
    bad = sum(1 for ch in sample if ch < " " and ch not in "\r\n\t")
    if bad > max(8, len(sample) // 200):
        raise ManifestFileError(
            file=file_name,
            problem="it is not a text manifest (it is full of control characters); "
            "export the spreadsheet as CSV or XLSX",
        )


def detect_delimiter(text: str) -> str:
    """The delimiter (``,`` ``;`` or tab) that splits the first lines most consistently."""
    sample_lines = [ln for ln in text[:65536].splitlines() if ln.strip()][:30]
    if not sample_lines:
        return ","
    best, best_score = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(sample_lines, delimiter=delimiter)]
        widest = max(counts)
        if widest < 2:
            continue
        consistent = sum(1 for c in counts if c == widest)
        score = (consistent, widest)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def detect_header(rows: Sequence[Sequence[str]]) -> int:
    """Index of the header row: the first of the first rows naming two or more known fields;
    else the first non-empty row."""
    known = {s for synonyms in _SYNONYMS.values() for s in synonyms}
    known |= {_norm_header(h) for p in PRESETS.values() for h in p.columns.values()}
    first_non_empty = None
    for index, row in enumerate(rows[:MAX_HEADER_SCAN_ROWS]):
        cells = [_norm_header(c) for c in row if c and c.strip()]
        if not cells:
            continue
        if first_non_empty is None:
            first_non_empty = index
        if sum(1 for c in cells if c in known) >= 2:
            return index
    return first_non_empty or 0


def read_table(
    data: bytes,
    file_name: str,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> TableSource:
    """Decode and split a manifest file (CSV, or XLSX by content) into rows."""
    if data.startswith(b"PK\x03\x04"):
        from app.importers.manifest_xlsx import read_xlsx_rows  # noqa: PLC0415 - optional path

        rows: Generator[tuple[int, list[str]], None, None] = read_xlsx_rows(
            data, file_name, progress=progress, cancel=cancel
        )
        encoding, delimiter = "xlsx", ""
    else:
        text, encoding = decode_text(data, file_name)
        delimiter = detect_delimiter(text)
        rows = _csv_rows(text, delimiter, file_name, progress, cancel)
    non_empty: list[tuple[int, list[str]]] = []
    # A runaway file stops being read here; the exact check follows once the header row is
    # known (it is one of the first MAX_HEADER_SCAN_ROWS non-empty rows).
    rows_allowed = MAX_MANIFEST_LINES + MAX_HEADER_SCAN_ROWS
    with closing(rows):  # stopping early closes the file (the XLSX workbook) at once
        for number, row in rows:
            if any(c.strip() for c in row):
                non_empty.append((number, row))
                if len(non_empty) > rows_allowed:
                    _refuse_if_too_long(non_empty, file_name)
    if not non_empty:
        raise ManifestFileError(file=file_name, problem="it has no rows")
    _refuse_if_too_long(non_empty, file_name)
    header_index = detect_header([r for _, r in non_empty])
    return TableSource(file_name, non_empty, encoding, delimiter, header_index)


def _refuse_if_too_long(non_empty: Sequence[tuple[int, list[str]]], file_name: str) -> None:
    """Raise :class:`ManifestTooLong` naming the first data row over the limit, if any."""
    header_index = detect_header([r for _, r in non_empty[:MAX_HEADER_SCAN_ROWS]])
    first_over = header_index + 1 + MAX_MANIFEST_LINES
    if len(non_empty) > first_over:
        raise ManifestTooLong(
            file=file_name, row=non_empty[first_over][0], limit=MAX_MANIFEST_LINES
        )


def _csv_rows(
    text: str,
    delimiter: str,
    file_name: str,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> Generator[tuple[int, list[str]], None, None]:
    total = len(text)
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    row_number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ManifestRowError(
                file=file_name,
                row=reader.line_num,
                column="-",
                problem="a quoted cell is not closed (check the quotes in this row)",
            ) from exc
        row_number = reader.line_num
        if row_number % _CHECK_EVERY_ROWS == 0:
            if cancel is not None and cancel.is_set():
                raise UserCancelled
            if progress is not None:
                progress(stream.tell() // 2, total)
        yield row_number, row


def preview(
    data: bytes, file_name: str, remembered: ColumnMapping | None = None
) -> ManifestPreview:
    table = read_table(data, file_name)
    headers = table.headers
    return ManifestPreview(
        file_name=file_name,
        headers=headers,
        sample_rows=[r for _, r in table.data_rows[:PREVIEW_ROWS]],
        data_row_count=len(table.data_rows),
        encoding=table.encoding,
        delimiter=table.delimiter,
        suggested=suggest_mapping(headers, remembered),
    )


def parse_manifest(
    data: bytes,
    file_name: str,
    mapping: ColumnMapping | None = None,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ParsedManifest:
    """Parse a whole manifest with ``mapping`` (default: the suggested one).

    Raises :class:`ManifestFileError`, :class:`ManifestRowError` (naming row and column),
    :class:`ManifestEncodingError` or :class:`ManifestTooLong` (naming the row),
    :class:`ManifestMappingError`, or :class:`UserCancelled`.
    """
    import hashlib  # noqa: PLC0415 - only here

    table = read_table(data, file_name, progress=progress, cancel=cancel)
    headers = table.headers
    mapping = mapping if mapping is not None else suggest_mapping(headers)
    index_of = _column_indexes(mapping, headers, file_name)
    if not any(
        f in index_of for f in (ManifestField.SERIAL, ManifestField.ASSET_TAG, ManifestField.EPC)
    ):
        raise ManifestMappingError(
            file=file_name,
            problem="no column is mapped to serial number, asset tag or EPC; "
            "choose at least one in the column mapping",
        )
    entries = _entries(table, index_of, file_name, progress, cancel)
    if not entries:
        raise ManifestFileError(file=file_name, problem="it has a header row but no data rows")
    return ParsedManifest(
        file_name=file_name,
        source_sha256=hashlib.sha256(data).hexdigest(),
        entries=tuple(entries),
        duplicates=find_duplicates(entries),
        mapping=mapping,
        encoding=table.encoding,
        delimiter=table.delimiter,
    )


def parse_manifest_file(
    path: Path,
    mapping: ColumnMapping | None = None,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ParsedManifest:
    return parse_manifest(path.read_bytes(), path.name, mapping, progress=progress, cancel=cancel)


def _column_indexes(
    mapping: ColumnMapping, headers: Sequence[str], file_name: str
) -> dict[ManifestField, int]:
    by_norm: dict[str, int] = {}
    for i, h in enumerate(headers):
        by_norm.setdefault(_norm_header(h), i)
    out: dict[ManifestField, int] = {}
    for fld, header in mapping.columns.items():
        if not header:
            continue
        index = by_norm.get(_norm_header(header))
        if index is None:
            raise ManifestMappingError(
                file=file_name,
                problem=f"the column '{header}' chosen for {fld.title} is not in the header row",
            )
        out[fld] = index
    return out


def _entries(
    table: TableSource,
    index_of: dict[ManifestField, int],
    file_name: str,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> list[ManifestEntry]:
    headers = table.headers
    weight_in_lb = ManifestField.WEIGHT in index_of and bool(
        re.search(r"\blbs?\b", headers[index_of[ManifestField.WEIGHT]].lower())
    )
    text_fields = [
        (f, index_of[f])
        for f in (
            ManifestField.SERIAL,
            ManifestField.ASSET_TAG,
            ManifestField.EPC,
            ManifestField.MAKE,
            ManifestField.MODEL,
            ManifestField.DEVICE_TYPE,
            ManifestField.CUSTOMER_REF,
        )
        if f in index_of
    ]
    qty_index = index_of.get(ManifestField.QUANTITY)
    weight_index = index_of.get(ManifestField.WEIGHT)
    rows = table.data_rows
    total = len(rows)
    entries: list[ManifestEntry] = []
    for position, (row_number, row) in enumerate(rows):
        if position % _CHECK_EVERY_ROWS == 0:
            if cancel is not None and cancel.is_set():
                raise UserCancelled
            if progress is not None:
                progress(total + position, 2 * total)
        values: dict[str, str] = {}
        for fld, index in text_fields:
            cell = row[index].strip() if index < len(row) else ""
            if cell:
                _check_text_cell(cell, file_name, row_number, headers[index])
            values[fld.value] = cell
        quantity = 1
        if qty_index is not None:
            quantity = _quantity(row, qty_index, file_name, row_number, headers[qty_index])
        weight_g = 0
        if weight_index is not None:
            weight_g = _weight_g(
                row,
                weight_index,
                in_lb=weight_in_lb,
                file_name=file_name,
                row_number=row_number,
                column=headers[weight_index],
            )
        identified = values.get("serial") or values.get("asset_tag") or values.get("epc")
        if not identified:
            if quantity > 1 and (values.get("device_type") or values.get("model")):
                pass  # a bulk line ("box of 40 keyboards") has no serial
            else:
                column = _missing_identifier_column(index_of, headers)
                raise ManifestRowError(
                    file=file_name,
                    row=row_number,
                    column=column,
                    problem="serial number is empty (and no asset tag or EPC either)",
                )
        entries.append(
            ManifestEntry(
                line_no=len(entries) + 1,
                row=row_number,
                quantity=quantity,
                weight_g=weight_g,
                **values,
            )
        )
    if progress is not None:
        progress(2 * total, 2 * total)
    return entries


def _missing_identifier_column(index_of: dict[ManifestField, int], headers: Sequence[str]) -> str:
    for fld in (ManifestField.SERIAL, ManifestField.ASSET_TAG, ManifestField.EPC):
        if fld in index_of:
            return headers[index_of[fld]]
    return "-"


def _check_text_cell(cell: str, file_name: str, row: int, column: str) -> None:
    if len(cell) > MAX_CELL_CHARS:
        raise ManifestRowError(
            file=file_name,
            row=row,
            column=column,
            problem=f"the value is longer than {MAX_CELL_CHARS} characters",
        )
    if cell.startswith(_FORMULA_START) or (cell.startswith("-") and cell[1:2] == "="):
        raise ManifestRowError(
            file=file_name,
            row=row,
            column=column,
            problem=f"{cell[:30]!r} is a spreadsheet formula, not a value; "
            "export the sheet with values only",
        )
    if _CONTROL_RE.search(cell):
        raise ManifestRowError(
            file=file_name, row=row, column=column, problem="the value holds control characters"
        )


def _quantity(row: list[str], index: int, file_name: str, row_number: int, column: str) -> int:
    cell = row[index].strip() if index < len(row) else ""
    if not cell:
        return 1
    try:
        number = Decimal(cell.replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or number != number.to_integral_value() or not 1 <= number <= MAX_QUANTITY:
        raise ManifestRowError(
            file=file_name,
            row=row_number,
            column=column,
            problem=f"quantity {cell[:30]!r} is not a whole number from 1 to {MAX_QUANTITY:,}",
        )
    return int(number)


def _weight_g(
    row: list[str], index: int, *, in_lb: bool, file_name: str, row_number: int, column: str
) -> int:
    cell = row[index].strip() if index < len(row) else ""
    if not cell:
        return 0
    if _PLAIN_NUMBER_RE.match(cell):  # the common case: "1.6"
        grams = Decimal(cell) * (Decimal("453.59237") if in_lb else Decimal(1000))
        return int(grams.to_integral_value())
    text = re.sub(r"\s*(kg|kgs|lb|lbs)\.?$", "", cell, flags=re.IGNORECASE)
    unit_lb = in_lb or bool(re.search(r"lbs?\.?$", cell, flags=re.IGNORECASE))
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number > 100_000:
        raise ManifestRowError(
            file=file_name,
            row=row_number,
            column=column,
            problem=f"weight {cell[:30]!r} is not a number of kilograms or pounds",
        )
    grams = number * (Decimal("453.59237") if unit_lb else Decimal(1000))
    return int(grams.to_integral_value())
