"""SSCC-18 numbering (checked against drivers.gs1 and GS1's published examples) and the pallet
rules with the reasons operators see."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.ids import gs1_check_digit, is_sscc, sscc18
from app.domain.pallets import (
    Pallet,
    PalletAction,
    PalletCandidate,
    PalletIdInvalid,
    PalletIdScheme,
    PalletStatus,
    PalletType,
    add_refusal,
    derived_station_code,
    parse_weight_kg,
    transition_refusal,
)
from drivers import gs1


def test_sscc_matches_gs1_published_examples():
    # GS1 General Specifications, SSCC example: (00) 1 0614141 123456789 7
    assert sscc18("0614141", 123456789, extension_digit=1) == "106141411234567897"
    assert is_sscc("106141411234567897")
    assert not is_sscc("106141411234567890")
    # GS1 check digit calculator example (GTIN-13 629104150021 → 3), same mod-10 rule.
    assert gs1_check_digit("629104150021") == 3
    # GS1 US example SSCC 0 0614141 000000001 ?, from drivers.gs1's rule.
    value = sscc18("0614141", 1)
    assert value[:-1] == "00614141000000001"
    assert gs1.has_valid_check_digit(value)


@given(st.text(alphabet="0123456789", min_size=1, max_size=40))
def test_domain_check_digit_agrees_with_the_driver(digits):
    assert gs1_check_digit(digits) == gs1.gs1_check_digit(digits)


def test_sscc_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        sscc18("0614141234", 10**6)
    with pytest.raises(ValueError, match="7-10 digits"):
        sscc18("12345", 1)
    # A 10-digit prefix leaves 6 serial-reference digits: 2 for the station, 4 for the counter.
    scheme = PalletIdScheme(gs1_company_prefix="0614141234", station_code="7")
    assert scheme.pallet_id(9_999) == sscc18("0614141234", 79_999)
    assert scheme.pallet_id(9_999).startswith("00614141234079999")
    with pytest.raises(PalletIdInvalid, match="station 07 has used all 9,999 SSCC numbers"):
        scheme.pallet_id(10_000)
    assert PalletIdScheme().pallet_id(12) == "PAL-000012"


def pallet(kind: PalletType, status: PalletStatus = PalletStatus.OPEN) -> Pallet:
    return Pallet("PAL-000001", kind, "Dock 2", status, 0, 0, (), "", "", "")


def asset(**kw) -> PalletCandidate:
    base = {
        "asset_id": "AS-1",
        "status": "received",
        "device_type": "laptop",
        "disposition": "REUSE_RESALE",
        "data_bearing": False,
        "data_bearing_reason": "wiped",
    }
    base.update(kw)
    return PalletCandidate(**base)


def test_rules_and_their_reasons():
    resale = pallet(PalletType.RESALE)
    assert add_refusal(resale, asset()) is None
    reason = add_refusal(resale, asset(data_bearing=True, data_bearing_reason="no wipe"))
    assert reason == "data-bearing assets may not go on a resale pallet (no wipe)"
    assert "data-bearing" in add_refusal(pallet(PalletType.REUSE), asset(data_bearing=True))
    # Recycling takes data-bearing assets with a recycle disposition.
    assert (
        add_refusal(pallet(PalletType.RECYCLE), asset(data_bearing=True, disposition="RECYCLE"))
        is None
    )
    assert add_refusal(pallet(PalletType.RECYCLE), asset()) == (
        "its disposition is Resale; a recycle pallet takes Recycle"
    )
    assert "not graded" in add_refusal(resale, asset(disposition=""))
    assert add_refusal(pallet(PalletType.DESTRUCTION), asset(disposition="")) is None
    assert "already left" in add_refusal(resale, asset(last_custody_kind="SHIP_DOWNSTREAM"))
    assert "on pallet PAL-9" in add_refusal(resale, asset(on_pallet="PAL-9"))
    assert "voided" in add_refusal(resale, asset(status="voided"))
    assert "HOLD" in add_refusal(resale, asset(disposition="HOLD")) or "Hold" in add_refusal(
        resale, asset(disposition="HOLD")
    )


def test_nothing_added_after_sealing_and_lifecycle_order():
    sealed = pallet(PalletType.RESALE, PalletStatus.SEALED)
    assert "unseal" in add_refusal(sealed, asset())
    assert transition_refusal(sealed, PalletAction.SHIP) is None
    assert transition_refusal(sealed, PalletAction.UNSEAL) is None
    assert "must be weighed" in transition_refusal(
        pallet(PalletType.RESALE, PalletStatus.CLOSED), PalletAction.SEAL
    )
    assert "shipped" in transition_refusal(
        pallet(PalletType.RESALE, PalletStatus.SHIPPED), PalletAction.UNSEAL
    )


def test_weight_parsing():
    assert parse_weight_kg("312,5") == 312_500
    with pytest.raises(ValueError):
        parse_weight_kg("-1")


# ---- numbering across stations (issue 7): never the same pallet ID from two stations ----


@pytest.mark.parametrize("prefix", ["0614141", "06141412", "0614141234"])
def test_two_stations_sharing_a_gs1_prefix_never_make_the_same_sscc(prefix):
    # Every pair of station codes, over the start and the end of each counter range.
    width = 16 - len(prefix) - 2
    numbers = [*range(1, 200), *range(10**width - 200, 10**width)]
    seen: dict[str, str] = {}
    for code in ("0", "00", "7", "07", "70", "99"):
        scheme = PalletIdScheme(gs1_company_prefix=prefix, station_code=code)
        for number in numbers:
            sscc = scheme.pallet_id(number)
            assert is_sscc(sscc) and sscc[1 : 1 + len(prefix)] == prefix
            owner = f"{scheme.station_code}#{number}"
            # "0" and "00" (and "7" and "07") are the same station code written two ways.
            assert seen.setdefault(sscc, owner) == owner, f"{sscc}: {seen[sscc]} and {owner}"
    assert len({owner.split("#")[0] for owner in seen.values()}) == 4  # 00, 07, 70, 99


@given(
    a=st.integers(0, 99),
    b=st.integers(0, 99),
    n=st.integers(1, 9_999_999),
    m=st.integers(1, 9_999_999),
)
def test_sscc_station_ranges_are_disjoint(a, b, n, m):
    first = PalletIdScheme(gs1_company_prefix="0614141", station_code=str(a)).pallet_id(n)
    second = PalletIdScheme(gs1_company_prefix="0614141", station_code=str(b)).pallet_id(m)
    assert (first == second) == (a == b and n == m)


def test_sscc_needs_a_station_code_and_codes_are_checked():
    with pytest.raises(PalletIdInvalid, match="no pallet station code") as err:
        PalletIdScheme(gs1_company_prefix="0614141").pallet_id(1)
    assert "station.pallet_station_code" in err.value.message
    for bad in ("100", "A1", "-1"):
        with pytest.raises(PalletIdInvalid, match="station code"):
            PalletIdScheme(gs1_company_prefix="0614141", station_code=bad)
    with pytest.raises(PalletIdInvalid, match="upper-case letters and digits"):
        PalletIdScheme(station_code="a-1")


def test_internal_ids_carry_the_station_code():
    one = PalletIdScheme(station_code="07")
    other = PalletIdScheme(station_code="7")
    derived = PalletIdScheme(station_code=derived_station_code(b"\x01" * 32))
    assert one.pallet_id(1) == "PAL-07-000001"
    assert other.pallet_id(71) == "PAL-7-000071"
    # The dash keeps codes of different lengths apart: "7" + 071 is not "07" + 1.
    ids = {s.pallet_id(n) for s in (one, other, derived) for n in range(1, 2000)}
    assert len(ids) == 3 * 1999
    codes = {derived_station_code(bytes([i]) * 32) for i in range(256)}
    assert len(codes) == 256 and all(len(c) == 5 and c.isalnum() for c in codes)
