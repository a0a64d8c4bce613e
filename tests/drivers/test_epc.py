"""EPC TDS decoding: every vector of the upstream vector file, the doc's own table, and errors."""

import csv
from pathlib import Path

import pytest

from drivers.epc import (
    SUPPORTED_HEADERS,
    EpcError,
    UnsupportedEpcScheme,
    decode_epc,
    uri_escape,
)
from drivers.errors import ProtocolError

VECTORS_CSV = Path(__file__).resolve().parents[1] / "data" / "epc" / "epc_hex_uri_vectors.csv"


def _load_vectors() -> list[dict[str, str]]:
    with VECTORS_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


VECTORS = _load_vectors()
URI_VECTORS = [row for row in VECTORS if row["tag_uri"]]


def test_vector_file_is_complete() -> None:
    assert len(VECTORS) == 93
    assert len({row["scheme"] for row in VECTORS}) == 21


@pytest.mark.parametrize(
    "row",
    URI_VECTORS,
    ids=[f"{i:02d}-{row['scheme']}-{row['hex'][:12]}" for i, row in enumerate(URI_VECTORS)],
)
def test_upstream_vector(row: dict[str, str]) -> None:
    epc = decode_epc(row["hex"])
    assert epc.scheme == row["scheme"]
    assert epc.tag_uri == row["tag_uri"]
    assert epc.pure_identity_uri == row["pure_identity_uri"]
    assert epc.hex == row["hex"].upper()


def test_pyepc_gtin_vector_without_uris() -> None:
    # fulfilio/pyepc test_gtin_from_epc: only the GTIN is asserted upstream.
    (row,) = [r for r in VECTORS if not r["tag_uri"]]
    epc = decode_epc(row["hex"])
    assert epc.gs1_elements()[0].value == "08719139005740"


# docs/scanners-and-rfid.md section 4.5: "all must pass".
DOC_VECTORS = [
    (
        "3074257BF7194E4000001A85",
        "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
        "urn:epc:id:sgtin:0614141.812345.6789",
    ),
    (
        "3034257BF7194E4000003039",
        "urn:epc:tag:sgtin-96:1.0614141.812345.12345",
        "urn:epc:id:sgtin:0614141.812345.12345",
    ),
    (
        "30C579D5D4ADB60000000000",
        "urn:epc:tag:sgtin-96:6.50712192365.88.0",
        "urn:epc:id:sgtin:50712192365.88.0",
    ),
    (
        "3154257BF4499602D2000000",
        "urn:epc:tag:sscc-96:2.0614141.1234567890",
        "urn:epc:id:sscc:0614141.1234567890",
    ),
    (
        "31003932449F003039000000",
        "urn:epc:tag:sscc-96:0.061414123456.12345",
        "urn:epc:id:sscc:061414123456.12345",
    ),
    (
        "33B4257BF40C0E4000000190",
        "urn:epc:tag:grai-96:5.0614141.12345.400",
        "urn:epc:id:grai:0614141.12345.400",
    ),
    (
        "3300393243FF740000000000",
        "urn:epc:tag:grai-96:0.061414113245..0",
        "urn:epc:id:grai:061414113245..0",
    ),
    (
        "3434257BF400000000BC6038",
        "urn:epc:tag:giai-96:1.0614141.12345400",
        "urn:epc:id:giai:0614141.12345400",
    ),
    (
        "3434257BF400000000000000",
        "urn:epc:tag:giai-96:1.0614141.0",
        "urn:epc:id:giai:0614141.0",
    ),
    (
        "3178E61C883950F59A000000",
        "urn:epc:tag:sscc-96:3.235634.35321345434",
        "urn:epc:id:sscc:235634.35321345434",
    ),
    (
        "3474257BF40000000000162E",
        "urn:epc:tag:giai-96:3.0614141.5678",
        "urn:epc:id:giai:0614141.5678",
    ),
]


@pytest.mark.parametrize(("hex_epc", "tag_uri", "pure_uri"), DOC_VECTORS)
def test_doc_vector(hex_epc: str, tag_uri: str, pure_uri: str) -> None:
    epc = decode_epc(hex_epc)
    assert (epc.tag_uri, epc.pure_identity_uri) == (tag_uri, pure_uri)


def test_doc_worked_decode_fields_and_derived_gs1_keys() -> None:
    epc = decode_epc("3074257bf7194e4000001a85")  # lower case accepted
    assert (epc.filter, epc.fields) == (3, ("0614141", "812345", "6789"))
    assert [(e.ai, e.value) for e in epc.gs1_elements()] == [
        ("01", "80614141123458"),
        ("21", "6789"),
    ]
    sscc = decode_epc("3154257BF4499602D2000000")
    assert [(e.ai, e.value) for e in sscc.gs1_elements()] == [("00", "106141412345678908")]


def test_grai_and_giai_gs1_keys() -> None:
    grai = decode_epc("33B4257BF40C0E4000000190")
    assert [(e.ai, e.value) for e in grai.gs1_elements()] == [("8003", "00614141123452400")]
    giai = decode_epc("3434257BF400000000BC6038")
    # The barcode twin in docs section 2.6, decoder string 3.
    assert [(e.ai, e.value) for e in giai.gs1_elements()] == [("8004", "061414112345400")]
    assert decode_epc("350000000000000000000000").gs1_elements() == ()


@pytest.mark.parametrize(
    ("hex_epc", "header"),
    [("E2000017220A0123456789AB", 0xE2), ("000000000000000000001545", 0x00), ("3A00", 0x3A)],
)
def test_unsupported_header_names_the_byte(hex_epc: str, header: int) -> None:
    with pytest.raises(UnsupportedEpcScheme, match=f"header byte 0x{header:02X}") as info:
        decode_epc(hex_epc)
    assert info.value.header == header
    assert isinstance(info.value, ProtocolError)


def test_supported_headers_cover_every_scheme_in_the_vector_file() -> None:
    headers = {int(row["hex"][:2], 16) for row in VECTORS}
    assert headers <= SUPPORTED_HEADERS


@pytest.mark.parametrize(
    ("hex_epc", "message"),
    [
        ("303C257BF7194E4000001A85", r"sgtin-96: partition value 7 is invalid"),
        ("3074257BF7194E40", r"sgtin-96: EPC is 64 bits, the scheme needs 96"),
        ("30ZZ", r"not hexadecimal"),
        ("", r"EPC is empty"),
        # SGTIN-96, partition 0: 40-bit company prefix 0xFFFFFFFFFF > 12 digits.
        ("3003FFFFFFFFFC0000000000", r"company prefix value 1099511627775 exceeds 12 digits"),
        # SGTIN-96, partition 5: item reference 0xFFFFF = 1048575 > 6 digits.
        ("3074257BF7FFFFC000000000", r"item reference value 1048575 exceeds 6 digits"),
        # GRAI-96, partition 0: asset type must be 0 when K = 0.
        ("3300393243FF744000000000", r"asset type must be 0 when it has no digits"),
        # SGCN-96 serial without its leading '1' digit.
        ("3F14F4E4E612640000000009", r"lacks the leading '1'"),
        # CPI-var whose part reference never terminates before the data ends.
        ("3D14257BF71CADD35D", r"too short for field part reference"),
    ],
)
def test_malformed_epcs_raise_clear_errors(hex_epc: str, message: str) -> None:
    with pytest.raises(EpcError, match=message):
        decode_epc(hex_epc)


def test_extra_bits_beyond_the_scheme_are_ignored() -> None:
    epc = decode_epc("3074257BF7194E4000001A85" + "0000")
    assert epc.pure_identity_uri == "urn:epc:id:sgtin:0614141.812345.6789"


def test_uri_escape() -> None:
    assert uri_escape('A/B%C&D<E>F?G"H#I') == "A%2FB%25C%26D%3CE%3EF%3FG%22H%23I"
