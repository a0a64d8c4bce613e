"""Manifest import: encodings, delimiters, BOM, header detection, mapping presets, bad input
named by file, row and column, duplicates, progress and cancellation."""

from __future__ import annotations

import io
import re
import threading

import pytest
from openpyxl import Workbook

from app.domain.errors import UserCancelled
from app.domain.manifests import ManifestField
from app.importers.manifest_csv import (
    SNIPE_IT_PRESET,
    ColumnMapping,
    ManifestFileError,
    ManifestMappingError,
    ManifestRowError,
    parse_manifest,
    preview,
    suggest_mapping,
)

ROWS = [
    ["Serial Number", "Asset Tag", "Make", "Model", "Type", "Qty", "Weight (kg)"],
    ["SN-1", "T-1", "Hewlett-Packard Ünïcode", "EliteBook", "laptop", "1", "1.5"],
    ["SN-2", "T-2", "Dell", "OptiPlex", "desktop", "1", "5"],
]


def text_of(rows, delimiter=","):
    return "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16", b""),
        ("utf-16-le", b""),
        ("cp1252", b""),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters(encoding, bom, delimiter):
    data = bom + text_of(ROWS, delimiter).encode(encoding)
    parsed = parse_manifest(data, "m.csv")
    assert [e.serial for e in parsed.entries] == ["SN-1", "SN-2"]
    assert parsed.entries[0].make == "Hewlett-Packard Ünïcode"
    assert parsed.entries[0].weight_g == 1500
    assert parsed.entries[1].row == 3
    assert parsed.delimiter == delimiter


def test_header_is_found_below_a_title_block():
    rows = [["Acme pickup list"], ["printed 2026-01-04"], [], *ROWS]
    parsed = parse_manifest(text_of(rows).encode(), "m.csv")
    assert [e.row for e in parsed.entries] == [5, 6]


def test_snipe_it_export_preset():
    headers = [
        "Asset Tag",
        "Asset Name",
        "Serial",
        "Model",
        "Model No.",
        "Category",
        "Manufacturer",
        "Status",
    ]
    mapping = suggest_mapping(headers)
    assert mapping == SNIPE_IT_PRESET
    data = text_of([headers, ["A-1", "x", "S-9", "T14", "20W0", "Laptops", "Lenovo", "Ready"]])
    entry = parse_manifest(data.encode(), "snipe.csv").entries[0]
    assert (entry.serial, entry.asset_tag, entry.make, entry.device_type) == (
        "S-9",
        "A-1",
        "Lenovo",
        "Laptops",
    )


def test_remembered_mapping_wins_when_it_fits():
    remembered = ColumnMapping({ManifestField.SERIAL: "Make"})  # odd, but the customer's
    assert suggest_mapping(ROWS[0], remembered).columns == {ManifestField.SERIAL: "Make"}
    unfit = ColumnMapping({ManifestField.SERIAL: "Nope"})
    assert suggest_mapping(ROWS[0], unfit).columns[ManifestField.SERIAL] == "Serial Number"


def test_empty_serial_names_file_row_and_column():
    rows = [*ROWS, ["", "", "HP", "x", "laptop", "1", ""]]
    with pytest.raises(ManifestRowError) as caught:
        parse_manifest(text_of(rows).encode(), "acme.csv")
    assert caught.value.message == (
        "acme.csv, row 4, column 'Serial Number': serial number is empty (and no asset tag or "
        "EPC either). Nothing was imported."
    )


def test_bulk_line_without_serial_is_fine():
    rows = [*ROWS, ["", "", "", "keyboards", "peripherals", "40", ""]]
    parsed = parse_manifest(text_of(rows).encode(), "m.csv")
    assert parsed.entries[-1].quantity == 40


@pytest.mark.parametrize("cell", ['=HYPERLINK("x")', "+1+2", "@SUM(A1)", "-=1"])
def test_formulas_are_refused(cell):
    rows = [*ROWS, [cell, "T-9", "HP", "x", "laptop", "1", ""]]
    with pytest.raises(ManifestRowError, match=r"row 4, column 'Serial Number'.*formula"):
        parse_manifest(text_of(rows).encode(), "m.csv")


@pytest.mark.parametrize(
    ("qty", "weight", "column"),
    [("two", "1", "Qty"), ("1.5", "1", "Qty"), ("0", "1", "Qty"), ("1", "heavy", "Weight (kg)")],
)
def test_bad_numbers_name_their_column(qty, weight, column):
    rows = [*ROWS, ["SN-3", "T-3", "HP", "x", "laptop", qty, weight]]
    with pytest.raises(ManifestRowError, match=re.escape(f"row 4, column '{column}'")):
        parse_manifest(text_of(rows).encode(), "m.csv")


def test_binary_junk_renamed_csv():
    junk = bytes(range(256)) * 64
    with pytest.raises(ManifestFileError, match=r"junk\.csv: it is not a text manifest"):
        parse_manifest(junk, "junk.csv")
    with pytest.raises(ManifestFileError, match="not a readable XLSX"):
        parse_manifest(b"PK\x03\x04" + junk, "broken.csv")


def test_empty_and_header_only_files():
    with pytest.raises(ManifestFileError, match="no rows"):
        parse_manifest(b"", "e.csv")
    with pytest.raises(ManifestFileError, match="no data rows"):
        parse_manifest(text_of(ROWS[:1]).encode(), "h.csv")


def test_unclosed_quote_names_the_row():
    data = b'Serial,Model\nS1,"unterminated\n'
    with pytest.raises(ManifestRowError, match="quote"):
        parse_manifest(data, "q.csv")


def test_no_identifier_column_mapped():
    with pytest.raises(ManifestMappingError, match="serial number, asset tag or EPC"):
        parse_manifest(b"Colour,Size\nred,1\n", "m.csv")


def test_duplicates_inside_a_manifest_are_reported():
    rows = [*ROWS, ["sn-1", "T-3", "HP", "x", "laptop", "1", ""]]
    parsed = parse_manifest(text_of(rows).encode(), "m.csv")
    assert [(d.field, d.value, d.rows) for d in parsed.duplicates] == [
        (ManifestField.SERIAL, "SN-1", (2, 4))
    ]


def test_progress_and_cancel():
    data = ("Serial\n" + "".join(f"S{i}\n" for i in range(20_000))).encode()
    seen: list[tuple[int, int]] = []
    parsed = parse_manifest(data, "big.csv", progress=lambda d, t: seen.append((d, t)))
    assert len(parsed.entries) == 20_000
    assert seen and seen[-1][0] == seen[-1][1]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(UserCancelled):
        parse_manifest(data, "big.csv", cancel=cancel)


def xlsx_bytes(rows, merge: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_numbers_and_merged_cells():
    data = xlsx_bytes([["Serial", "Model", "Qty"], [12345, "X", 1], ["S-2", "Y", 2.0]])
    parsed = parse_manifest(data, "m.xlsx")
    assert [e.serial for e in parsed.entries] == ["12345", "S-2"]
    assert parsed.entries[1].quantity == 2
    merged = xlsx_bytes([["Serial", "Model"], ["S-1", "X"], ["S-2", "Y"]], merge="A2:A3")
    with pytest.raises(ManifestRowError, match="row 3, column 'Serial'"):
        parse_manifest(merged, "merged.xlsx")


def test_xlsx_formula_is_refused():
    data = xlsx_bytes([["Serial", "Model"], ['=A1&"x"', "X"]])
    with pytest.raises(ManifestRowError, match="formula"):
        parse_manifest(data, "f.xlsx")


def test_preview_offers_the_suggested_mapping():
    p = preview(text_of(ROWS).encode("utf-16"), "m.csv")
    assert p.headers == ROWS[0]
    assert p.data_row_count == 2
    assert p.suggested.columns[ManifestField.WEIGHT] == "Weight (kg)"
    assert p.encoding == "utf-16"
