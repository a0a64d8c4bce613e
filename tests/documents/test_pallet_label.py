"""Pallet and asset labels: PDFs rendered with pdftoppm and decoded with zbarimg (the barcode
value must be the pallet ID, or AI 00 + SSCC for GS1-128), ZPL content, and IDs that do not
fit refused (never truncated)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.documents.pallet_label import (
    AssetLabelData,
    LabelFieldTooLong,
    LabelSize,
    PalletLabelData,
    asset_label_layout,
    pallet_label_layout,
    render_pdf,
    render_zpl,
)
from app.domain.ids import sscc18

pytestmark = pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="needs zbar-tools and poppler-utils (packaging/debian-*packages.txt)",
)

SSCC = sscc18("0614141", 123456789, extension_digit=1)


def data(pallet_id: str = SSCC, *, is_sscc: bool = True, destination: str = "GreenCycle, Bay 7"):
    return PalletLabelData(
        pallet_id=pallet_id,
        is_sscc=is_sscc,
        pallet_type="Resale",
        destination=destination,
        piece_count=42,
        weight="312.5 kg",
        sealed_by="Sam Supervisor",
        sealed_at="2026-11-21 06:40",
        seal_numbers=("S-1001", "S-1002"),
        lithium=True,
        facility="Facility 1",
    )


def decode(pdf: bytes, tmp_path: Path) -> list[str]:
    source = tmp_path / "label.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "300", "-singlefile", str(source), str(tmp_path / "label")],
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "-q", str(tmp_path / "label.png")], capture_output=True, text=True, check=False
    ).stdout
    return sorted(out.split())


def text_of(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "label.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("size", [LabelSize.PALLET_4X6, LabelSize.PALLET_4X3])
def test_sscc_label_decodes_as_gs1_128_and_qr(size, tmp_path):
    pdf = render_pdf([pallet_label_layout(data(), size)])
    assert decode(pdf, tmp_path) == [f"CODE-128:00{SSCC}", f"QR-Code:{SSCC}"]
    text = text_of(pdf, tmp_path)
    for expected in (f"(00) {SSCC}", "RESALE", "GreenCycle, Bay 7", "42 PCS", "312.5 kg"):
        assert expected in text
    assert "LITHIUM BATTERIES - UN3481" in text
    assert "Sam Supervisor" in text


@pytest.mark.parametrize("size", [LabelSize.PALLET_4X6, LabelSize.PALLET_4X3])
def test_internal_id_label_decodes_as_code_128(size, tmp_path):
    pdf = render_pdf([pallet_label_layout(data("PAL-000123", is_sscc=False), size)])
    assert decode(pdf, tmp_path) == ["CODE-128:PAL-000123", "QR-Code:PAL-000123"]


def test_asset_intake_label_decodes(tmp_path):
    layout = asset_label_layout(AssetLabelData("AS-0123456789AB", "5CG1234ABC", "HP 840", "JOB-1"))
    pdf = render_pdf([layout])
    assert decode(pdf, tmp_path) == ["CODE-128:AS-0123456789AB", "QR-Code:AS-0123456789AB"]
    text = text_of(pdf, tmp_path)
    assert "S/N 5CG1234ABC" in text and "HP 840" in text and "JOB-1" in text


@pytest.mark.parametrize("dpi", [203, 300])
def test_asset_label_qr_scans_for_ids_that_need_the_narrowest_bars(tmp_path, dpi):
    """A letter-heavy ID needs 1-dot Code 128 bars on 2 in; the QR code must read at the
    Zebra's 203 dpi and at an office printer's 300 dpi, and the bars at 203 dpi (1 dot each)."""
    asset_id = "AS-7K3M9QX2B4HD"
    layout = asset_label_layout(AssetLabelData(asset_id, "5CG1234ABCDEFGH", "HP 840 G7", "JOB-9"))
    source = tmp_path / "label.pdf"
    source.write_bytes(render_pdf([layout]))
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(source), str(tmp_path / "label")],
        check=True,
    )
    found = subprocess.run(
        ["zbarimg", "-q", str(tmp_path / "label.png")], capture_output=True, text=True, check=False
    ).stdout.split()
    assert f"QR-Code:{asset_id}" in found
    if dpi == 203:
        assert f"CODE-128:{asset_id}" in found
    zpl = render_zpl(layout).decode()
    assert f"^FDQA,{asset_id}^FS" in zpl and f"^FD{asset_id}^FS" in zpl


def test_zpl_has_the_same_fields():
    zpl = render_zpl(pallet_label_layout(data(), LabelSize.PALLET_4X6)).decode()
    assert zpl.startswith("^XA\n^CI28\n^PW812\n^LL1218")
    assert zpl.rstrip().endswith("^XZ")
    assert f"^BCN,200,N,N,N,D^FD(00){SSCC}^FS" in zpl
    assert f"^FDQA,{SSCC}^FS" in zpl
    assert f"^FH\\^FD(00) {SSCC}^FS" in zpl
    assert "LITHIUM BATTERIES - UN3481" in zpl
    small = render_zpl(pallet_label_layout(data(), LabelSize.PALLET_4X3)).decode()
    assert "^LL609" in small


def test_zpl_escapes_control_characters():
    zpl = render_zpl(
        pallet_label_layout(data(destination="Dock ^7 ~ back\\door"), LabelSize.PALLET_4X6)
    ).decode()
    assert "Dock \\5E7 \\7E back\\5Cdoor" in zpl


def test_an_id_too_long_for_the_label_is_refused_never_truncated():
    long_id = "PAL-" + "X" * 60
    with pytest.raises(LabelFieldTooLong) as err:
        pallet_label_layout(data(long_id, is_sscc=False), LabelSize.PALLET_4X3)
    assert "pallet ID" in err.value.message and long_id in err.value.message
    with pytest.raises(LabelFieldTooLong, match="destination"):
        pallet_label_layout(data(destination="Z" * 120), LabelSize.PALLET_4X6)


@pytest.mark.parametrize("size", [LabelSize.PALLET_4X6, LabelSize.PALLET_4X3])
def test_box_count_on_the_label_of_a_5000_piece_pallet(size, tmp_path):
    from dataclasses import replace  # noqa: PLC0415

    big = replace(data(), piece_count=5000, weight="1250.0 kg", box_count=12)
    pdf = render_pdf([pallet_label_layout(big, size)])
    assert "5000 PCS / 12 BOXES" in text_of(pdf, tmp_path)
    assert decode(pdf, tmp_path) == [f"CODE-128:00{SSCC}", f"QR-Code:{SSCC}"]
    assert b"5000 PCS / 12 BOXES" in render_zpl(pallet_label_layout(big, size))
    one = replace(data(), box_count=1)
    assert "42 PCS / 1 BOX " in text_of(render_pdf([pallet_label_layout(one, size)]), tmp_path)
