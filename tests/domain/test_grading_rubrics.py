"""Rubrics as data: every bundled rubric loads; each kind of bad rubric is refused with a clear
sentence naming the file and the field; derivation rules pick the first matching rule."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from app.domain.grading import (
    Answer,
    CheckResult,
    Disposition,
    RubricInvalid,
    derive,
    effective_result,
    find_rubric,
    latest_versions,
    parse_rubric,
    parse_rubric_toml,
    sheet_problems,
)

RUBRICS = Path(__file__).resolve().parents[2] / "resources" / "rubrics"
DEVICE_TYPES = ("laptop", "desktop", "server", "phone", "tablet", "monitor", "network", "drive")


def laptop_data() -> dict:
    return tomllib.loads((RUBRICS / "laptop.toml").read_text())


def laptop():
    return parse_rubric(laptop_data(), "laptop.toml")


def all_pass(rubric, **overrides: Answer) -> dict[str, Answer]:
    answers = {c.code: Answer(c.code, CheckResult.PASS) for c in rubric.checks}
    answers.update(overrides)
    return answers


@pytest.mark.parametrize("device_type", DEVICE_TYPES)
def test_every_device_type_has_a_valid_bundled_rubric(device_type):
    rubrics = [
        parse_rubric_toml(p.read_text(encoding="utf-8"), p.name) for p in RUBRICS.glob("*.toml")
    ]
    rubric = find_rubric(rubrics, device_type)
    assert rubric is not None, device_type
    assert rubric.version >= 1
    assert rubric.cosmetic.codes == ("A", "B", "C", "D")
    assert rubric.rules[-1].catch_all
    assert any(d.photo_required for d in rubric.defects)


def test_phones_use_ctia_scales_and_laptops_have_a_15_item_checklist():
    phone = parse_rubric_toml((RUBRICS / "phone.toml").read_text(), "phone.toml")
    assert phone.cosmetic.name.startswith("CTIA_COSMETIC")
    assert phone.functional.codes == tuple(str(n) for n in range(10))
    assert len(laptop().checks) == 15
    battery = laptop().check("battery_health")
    assert battery is not None and battery.measured and battery.min_value == 70


def _invalid(data: dict) -> str:
    with pytest.raises(RubricInvalid) as caught:
        parse_rubric(data, "laptop.toml")
    return caught.value.message


def test_unknown_field_is_named_with_its_place():
    data = laptop_data()
    data["checks"][3]["colour"] = "red"
    message = _invalid(data)
    assert message.startswith("Rubric laptop.toml: checks[3].colour: unknown field")
    data = laptop_data()
    data["owner"] = "me"
    assert _invalid(data).startswith("Rubric laptop.toml: owner: unknown field")


def test_missing_grade_is_named():
    data = laptop_data()
    data["rules"][1]["functional"] = "F9"
    assert _invalid(data) == (
        "Rubric laptop.toml: rules[1].functional: grade 'F9' is not on the functional scale "
        "(F6, F5, F4, F3, F0, NF, RECYCLE)."
    )
    data = laptop_data()
    data["cosmetic"]["grades"] = []
    assert _invalid(data) == "Rubric laptop.toml: cosmetic.grades: the scale has no grade."
    data = laptop_data()
    del data["functional"]["grades"]
    assert _invalid(data) == "Rubric laptop.toml: functional.grades: missing."
    data = laptop_data()
    data["rules"][6]["cosmetic_any"] = ["E"]
    assert _invalid(data) == (
        "Rubric laptop.toml: rules[6].cosmetic_any[0]: no cosmetic grade 'E' in this rubric."
    )


def test_duplicate_codes_are_named_with_both_places():
    data = laptop_data()
    data["defects"][4]["code"] = data["defects"][0]["code"]
    assert _invalid(data) == (
        "Rubric laptop.toml: defects[4].code: duplicate code 'CRACKED_LCD' (also defects[0])."
    )
    data = laptop_data()
    data["checks"].append(copy.deepcopy(data["checks"][0]))
    assert "checks[15].code: duplicate code 'power_on' (also checks[0])" in _invalid(data)
    data = laptop_data()
    data["cosmetic"]["grades"][2]["code"] = "A"
    assert "cosmetic.grades[2].code: duplicate code 'A'" in _invalid(data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("version"), "version: missing"),
        (lambda d: d.update(version="1"), "version: must be a whole number"),
        (lambda d: d.update(data_bearing=1), "data_bearing: must be true or false"),
        (lambda d: d["checks"][8].update(min_value=70.5), "checks[8].min_value: decimals"),
        (
            lambda d: d["checks"][0].pop("unit", None) or d["checks"][0].update(min_value=1),
            "checks[0].unit: missing",
        ),
        (lambda d: d["rules"][0].update(disposition="SELL"), "rules[0].disposition: 'SELL'"),
        (lambda d: d["rules"][0].update(failed_any=["nope"]), "no check 'nope'"),
        (lambda d: d["rules"].pop(), "the last rule must have no conditions"),
        (lambda d: d.update(checks=[]), "checks: the checklist is empty"),
        (lambda d: d.update(id="bad id!"), "id: 'bad id!' is not a valid code"),
    ],
)
def test_other_mistakes_are_named(change, expected):
    data = laptop_data()
    change(data)
    assert expected in _invalid(data)


def test_toml_syntax_errors_name_the_line_not_the_library_text():
    with pytest.raises(RubricInvalid) as caught:
        parse_rubric_toml('id = "x"\nversion = = 2\n', "broken.toml")
    assert caught.value.message == "Rubric broken.toml: line 2, column 11: not valid TOML."


def test_all_pass_derives_hardware_functional_resale():
    rubric = laptop()
    d = derive(rubric, all_pass(rubric), "B", [])
    assert (d.functional, d.disposition) == ("F4", Disposition.REUSE_RESALE)
    assert d.rule == "Everything tested works"
    assert sheet_problems(rubric, all_pass(rubric), "B", [], []) == []


def test_rules_apply_in_order_first_match_wins():
    rubric = laptop()
    webcam_failed = all_pass(rubric, webcam=Answer("webcam", CheckResult.FAIL))
    d = derive(rubric, webcam_failed, "A", [])
    assert (d.functional, d.disposition) == ("F3", Disposition.REUSE_RESALE)
    assert d.failed == ("webcam",)
    # A locked BIOS outranks the webcam failure: back to the customer.
    locked = dict(webcam_failed, bios_unlocked=Answer("bios_unlocked", CheckResult.FAIL))
    assert derive(rubric, locked, "A", []).disposition is Disposition.RETURN_TO_CUSTOMER
    # A swollen battery outranks everything.
    d = derive(rubric, locked, "A", ["SWOLLEN_BATTERY"])
    assert d.disposition is Disposition.QUARANTINE_HAZARD
    # Cosmetic D with everything working: parts.
    assert derive(rubric, all_pass(rubric), "D", []).disposition is Disposition.PARTS_HARVEST
    # Key function not tested: cannot be categorized.
    untested = all_pass(rubric, display=Answer("display", CheckResult.NOT_TESTED))
    assert derive(rubric, untested, "A", []).functional == "F0"


def test_a_measured_value_decides_pass_or_fail():
    rubric = laptop()
    battery = rubric.check("battery_health")
    assert effective_result(battery, Answer("battery_health", value=87)) is CheckResult.PASS
    # Even a pressed "pass" cannot beat the measured value.
    low = Answer("battery_health", CheckResult.PASS, 55)
    assert effective_result(battery, low) is CheckResult.FAIL
    d = derive(rubric, all_pass(rubric, battery_health=low), "A", [])
    assert d.failed == ("battery_health",)
    assert d.disposition is Disposition.REUSE_RESALE and d.functional == "F3"


def test_sheet_problems_list_what_blocks_saving():
    rubric = laptop()
    answers = all_pass(rubric)
    del answers["keyboard"]
    problems = sheet_problems(rubric, answers, "", ["CRACKED_LCD", "NOPE"], [])
    assert problems == [
        "no cosmetic grade chosen (A/B/C/D)",
        "1 check(s) not answered: Keyboard: every key",
        "defect 'Cracked LCD' needs a photo",
        "unknown defect code 'NOPE'",
    ]
    assert sheet_problems(rubric, all_pass(rubric), "C", ["CRACKED_LCD"], ["CRACKED_LCD"]) == []


def test_latest_versions_and_device_type_lookup_prefer_the_highest_version():
    v1 = laptop()
    data = laptop_data()
    data["version"] = 2
    v2 = parse_rubric(data, "laptop-v2.toml")
    assert latest_versions([v1, v2]) == [v2]
    assert find_rubric([v1, v2], "Laptop") is v2
    assert find_rubric([v1, v2], "toaster") is None
