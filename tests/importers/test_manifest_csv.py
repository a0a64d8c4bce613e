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
    MAX_MANIFEST_LINES,
    SNIPE_IT_PRESET,
    ColumnMapping,
    ManifestEncodingError,
    ManifestFileError,
    ManifestMappingError,
    ManifestRowError,
    ManifestTooLong,
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


def test_mixed_encodings_name_the_row_instead_of_garbling_the_file():
    # UTF-8 throughout, except row 4 pasted from a Windows-1252 sheet ("Café" as byte 0xE9).
    data = "Serial,Make\nS-1,Müller GmbH\nS-2,Dell\n".encode() + b"S-3,Caf\xe9\nS-4,HP\n"
    with pytest.raises(ManifestEncodingError) as refused:
        parse_manifest(data, "mixed.csv")
    assert refused.value.message.startswith("mixed.csv, row 4: byte 0xE9 is not UTF-8 text")
    assert "Nothing was imported" in refused.value.message
    # Windows-1252 alone is still read as such.
    parsed = parse_manifest(b"Serial,Make\nS-3,Caf\xe9\n", "cp1252.csv")
    assert parsed.encoding == "cp1252" and parsed.entries[0].make == "Café"


@pytest.mark.parametrize(
    ("data", "row"),
    [
        # Bytes Windows-1252 leaves undefined (0x81, 0x8D), in a file that is not UTF-8 either.
        (b"Serial,Model\r\nA1,X\r\nA2,\x81\x8d\r\n", 3),
        # UTF-16 with a lone surrogate on row 3.
        (b"\xff\xfe" + "Serial,Model\r\nA1,X\r\nA2,".encode("utf-16-le") + b"\x00\xdc", 3),
    ],
)
def test_wrong_encoding_names_the_row(data, row):
    with pytest.raises(ManifestEncodingError, match=rf"^m\.csv, row {row}: byte 0x[0-9A-F]{{2}}"):
        parse_manifest(data, "m.csv")


def test_a_million_rows_are_refused_naming_the_first_row_over_the_limit():
    rows = "".join(f"SN-{i:07d},HP\n" for i in range(1_000_000))
    data = ("Customer pickup list\n\nSerial,Make\n" + rows).encode()  # header on row 3
    seen: list[tuple[int, int]] = []
    with pytest.raises(ManifestTooLong) as refused:
        parse_manifest(data, "register.csv", progress=lambda d, t: seen.append((d, t)))
    first_over = 3 + MAX_MANIFEST_LINES + 1
    assert refused.value.message.startswith(
        f"register.csv, row {first_over}: the manifest has more than {MAX_MANIFEST_LINES:,}"
    )
    # Reading stopped soon after the limit instead of going through the whole file.
    assert seen and seen[-1][0] < seen[-1][1] // 2
    # One line fewer than the limit over is fine.
    exactly = ("Serial\n" + "".join(f"S{i}\n" for i in range(MAX_MANIFEST_LINES))).encode()
    assert len(parse_manifest(exactly, "ok.csv").entries) == MAX_MANIFEST_LINES
    with pytest.raises(ManifestTooLong, match=rf"row {MAX_MANIFEST_LINES + 2}:"):
        parse_manifest(exactly + b"S-one-more\n", "one-more.csv")


def test_an_xlsx_over_the_limit_is_refused_naming_the_row(monkeypatch):
    from app.importers import manifest_csv  # noqa: PLC0415 - the module whose limit is lowered

    # A 250,000-row workbook takes minutes to write; the rule is the same at any limit.
    monkeypatch.setattr(manifest_csv, "MAX_MANIFEST_LINES", 5)
    rows = [["Pickup list"], [], ["Serial", "Model"]] + [[f"S-{i}", "X"] for i in range(40)]
    with pytest.raises(ManifestTooLong, match=r"^big\.xlsx, row 9: .* more than 5 lines"):
        parse_manifest(xlsx_bytes(rows), "big.xlsx")
    ok = xlsx_bytes([["Serial", "Model"]] + [[f"S-{i}", "X"] for i in range(5)])
    assert len(parse_manifest(ok, "ok.xlsx").entries) == 5
