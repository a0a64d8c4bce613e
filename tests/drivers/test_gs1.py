"""GS1 check digits and element-string parsing (docs/scanners-and-rfid.md section 2.6)."""

import pytest

from drivers.errors import ProtocolError
from drivers.gs1 import (
    Gs1Element,
    Gs1Error,
    format_element_string,
    gs1_check_digit,
    has_valid_check_digit,
    parse_element_string,
)

GS = "\x1d"


@pytest.mark.parametrize(
    ("digits", "check"),
    [("0703206980498", 8), ("8061414112345", 8), ("10614141234567890", 8)],
)
def test_check_digit_vectors_from_the_doc(digits: str, check: int) -> None:
    assert gs1_check_digit(digits) == check
    assert has_valid_check_digit(digits + str(check))
    assert not has_valid_check_digit(digits + str((check + 1) % 10))


def test_check_digit_rejects_non_digits() -> None:
    with pytest.raises(Gs1Error, match="digits only"):
        gs1_check_digit("12A4")
    assert not has_valid_check_digit("١٢٣")  # non-ASCII digits are not GS1 digits


def test_doc_string_1_fixed_fields_then_last_variable_field() -> None:
    elements = parse_element_string("010703206980498815210526100329")
    assert elements == (
        Gs1Element("01", "07032069804988", "GTIN"),
        Gs1Element("15", "210526", "BEST BEFORE or BEST BY"),
        Gs1Element("10", "0329", "BATCH/LOT"),
    )


def test_doc_string_2_gs_terminates_a_variable_field() -> None:
    elements = parse_element_string(f"0180614141123458216789{GS}10LOT42")
    assert [(e.ai, e.value) for e in elements] == [
        ("01", "80614141123458"),
        ("21", "6789"),
        ("10", "LOT42"),
    ]
    assert format_element_string(elements) == "(01)80614141123458(21)6789(10)LOT42"


def test_doc_string_3_giai() -> None:
    assert parse_element_string("8004061414112345400") == (
        Gs1Element("8004", "061414112345400", "GIAI"),
    )


def test_sscc_and_grai_and_measure_ais() -> None:
    elements = parse_element_string(f"00106141412345678908{GS}8003006141411234524000{GS}3103000150")
    assert [(e.ai, e.value) for e in elements] == [
        ("00", "106141412345678908"),
        ("8003", "006141411234524000"),
        ("3103", "000150"),
    ]


def test_leading_gs_and_gs_after_fixed_field_are_tolerated() -> None:
    elements = parse_element_string(f"{GS}0180614141123458{GS}21ABC")
    assert [(e.ai, e.value) for e in elements] == [("01", "80614141123458"), ("21", "ABC")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("0180614141123457", r"GTIN 80614141123457 has check digit 7, expected 8"),
        ("00106141412345678907", r"SSCC .* expected 8"),
        ("01806141411234", r"\(01\) GTIN needs exactly 14 characters at offset 2"),
        ("0180614141A23458", r"\(01\) GTIN at offset 2 must be digits"),
        ("21" + "X" * 21, r"\(21\) SERIAL .* 21 characters, maximum 20; a GS .* missing"),
        (f"21ABC{GS}{GS}10X", r"empty field between two GS separators at offset 5"),
        ("21", r"\(21\) SERIAL at offset 0 has no data"),
        ("9", r"unknown GS1 Application Identifier at offset 0"),
        ("0180614141123458" + "23X", r"unknown GS1 Application Identifier at offset 16: '23X'"),
        ("", r"empty"),
        ("8003123", r"\(8003\) GRAI .* must start with a 14-digit key"),
    ],
)
def test_malformed_element_strings_name_the_ai_and_offset(data: str, message: str) -> None:
    with pytest.raises(Gs1Error, match=message):
        parse_element_string(data)


def test_gs1_error_is_a_protocol_error() -> None:
    assert issubclass(Gs1Error, ProtocolError)
