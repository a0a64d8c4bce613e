"""Grading rubrics, grades and disposition rules. Pure: no I/O, no Qt, no SQL.

A **rubric** is data (``resources/rubrics/*.toml``, or a version an admin published): per device
type, a cosmetic scale, a functional scale, a checklist, defect codes (some need a photo) and
ordered **derivation rules**. Grades keep the two axes apart (docs/grading.md §1): the grader
picks the cosmetic grade; the first rule whose conditions hold suggests the functional grade and
the disposition; the grader may override either, with a reason.

Rule conditions (all given conditions must hold; a rule without conditions always matches, and
the last rule must be such a catch-all so that every sheet derives something):

* ``failed_any``: one of these checks failed (``"*"``: any check);
* ``not_tested_any``: one of these checks was not tested (``"*"``: any);
* ``defects_any``: one of these defects was recorded (``"*"``: any);
* ``cosmetic_any``: the cosmetic grade is one of these.

A measured check (``unit`` set, e.g. battery health in %) passes when its value lies within
``min_value``..``max_value`` and fails otherwise; the value decides, not a key press.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.errors import UserFacingError

ANY = "*"
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")


class CheckResult(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a check result, not a password
    FAIL = "fail"
    NOT_TESTED = "not_tested"
    NOT_APPLICABLE = "not_applicable"

    @property
    def title(self) -> str:
        return {
            CheckResult.PASS: "Pass",
            CheckResult.FAIL: "Fail",
            CheckResult.NOT_TESTED: "Not tested",
            CheckResult.NOT_APPLICABLE: "N/A",
        }[self]


class Disposition(enum.StrEnum):
    """Where an asset goes next (docs/grading.md §6)."""

    REUSE_RESALE = "REUSE_RESALE"
    REFURBISH_REPAIR = "REFURBISH_REPAIR"
    PARTS_HARVEST = "PARTS_HARVEST"
    RECYCLE = "RECYCLE"
    DESTROY = "DESTROY"
    RETURN_TO_CUSTOMER = "RETURN_TO_CUSTOMER"
    HOLD = "HOLD"
    QUARANTINE_HAZARD = "QUARANTINE_HAZARD"

    @property
    def title(self) -> str:
        return {
            Disposition.REUSE_RESALE: "Resale",
            Disposition.REFURBISH_REPAIR: "Refurbish / repair",
            Disposition.PARTS_HARVEST: "Parts harvest",
            Disposition.RECYCLE: "Recycle",
            Disposition.DESTROY: "Destroy",
            Disposition.RETURN_TO_CUSTOMER: "Return to customer",
            Disposition.HOLD: "Hold",
            Disposition.QUARANTINE_HAZARD: "Quarantine (hazard)",
        }[self]


# ---- errors ----


class RubricInvalid(UserFacingError):
    code = "rubric.invalid"
    template = "Rubric {source}: {field}: {problem}."


class AssetNotFound(UserFacingError):
    code = "grading.asset_not_found"
    template = "No asset with ID, serial or tag '{value}' has been received at this station."


class GradingRefused(UserFacingError):
    """Grading this asset (or with this disposition) is not allowed; the reason says why."""

    code = "grading.refused"
    template = "{asset_id} cannot be graded: {reason}."


class AssetNotReceived(GradingRefused):
    code = "grading.not_received"


class AssetAlreadyShipped(GradingRefused):
    code = "grading.already_shipped"


class ResaleWhileDataBearing(GradingRefused):
    code = "grading.data_bearing"


class GradeIncomplete(GradingRefused):
    code = "grading.incomplete"


class NoRubric(UserFacingError):
    code = "grading.no_rubric"
    template = "No grading rubric covers device type '{device_type}'; pick one by hand."


# ---- the rubric model ----


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Scale:
    """A named, versioned list of codes (e.g. ``CTIA_COSMETIC@2023``)."""

    name: str
    grades: tuple[Grade, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades)

    def grade(self, code: str) -> Grade | None:
        return next((g for g in self.grades if g.code == code), None)


@dataclass(frozen=True, slots=True)
class CheckItem:
    code: str
    label: str
    hint: str = ""
    unit: str = ""  # set: a measured item (value decides pass/fail)
    min_value: int | None = None
    max_value: int | None = None

    @property
    def measured(self) -> bool:
        return bool(self.unit)

    def passes(self, value: int) -> bool:
        if self.min_value is not None and value < self.min_value:
            return False
        return self.max_value is None or value <= self.max_value

    @property
    def bounds_text(self) -> str:
        if self.min_value is not None and self.max_value is not None:
            return f"{self.min_value} to {self.max_value} {self.unit}"
        if self.min_value is not None:
            return f"≥ {self.min_value} {self.unit}"
        if self.max_value is not None:
            return f"≤ {self.max_value} {self.unit}"
        return self.unit


@dataclass(frozen=True, slots=True)
class DefectCode:
    code: str
    label: str
    photo_required: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    functional: str
    disposition: Disposition
    failed_any: tuple[str, ...] = ()
    not_tested_any: tuple[str, ...] = ()
    defects_any: tuple[str, ...] = ()
    cosmetic_any: tuple[str, ...] = ()

    @property
    def catch_all(self) -> bool:
        return not (self.failed_any or self.not_tested_any or self.defects_any or self.cosmetic_any)


@dataclass(frozen=True, slots=True)
class Rubric:
    rubric_id: str
    version: int
    title: str
    device_types: tuple[str, ...]
    data_bearing: bool
    cosmetic: Scale
    functional: Scale
    checks: tuple[CheckItem, ...]
    defects: tuple[DefectCode, ...]
    rules: tuple[Rule, ...]
    notes: str = ""
    # The validated source data: what ``rubric.published`` records and sync will carry.
    body: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.title} v{self.version}"

    def check(self, code: str) -> CheckItem | None:
        return next((c for c in self.checks if c.code == code), None)

    def defect(self, code: str) -> DefectCode | None:
        return next((d for d in self.defects if d.code == code), None)


# ---- parsing and validation ----

_TOP_FIELDS = {
    "id": (str, True),
    "version": (int, True),
    "title": (str, True),
    "device_types": (list, True),
    "data_bearing": (bool, True),
    "notes": (str, False),
    "cosmetic": (dict, True),
    "functional": (dict, True),
    "checks": (list, True),
    "defects": (list, False),
    "rules": (list, True),
}
_SCALE_FIELDS = {"scale": (str, True), "grades": (list, True)}
_GRADE_FIELDS = {"code": (str, True), "name": (str, True), "description": (str, False)}
_CHECK_FIELDS = {
    "code": (str, True),
    "label": (str, True),
    "hint": (str, False),
    "unit": (str, False),
    "min_value": (int, False),
    "max_value": (int, False),
}
_DEFECT_FIELDS = {"code": (str, True), "label": (str, True), "photo_required": (bool, False)}
_RULE_FIELDS = {
    "name": (str, True),
    "functional": (str, True),
    "disposition": (str, True),
    "failed_any": (list, False),
    "not_tested_any": (list, False),
    "defects_any": (list, False),
    "cosmetic_any": (list, False),
}
_TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> RubricInvalid:
        return RubricInvalid(source=self.source, field=where, problem=problem)

    def table(self, data: Any, where: str, spec: Mapping[str, tuple[type, bool]]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "must be a table")
        for key in data:
            if key not in spec:
                known = ", ".join(spec)
                raise self.fail(
                    f"{where}.{key}" if where else key, f"unknown field (known: {known})"
                )
        for key, (kind, required) in spec.items():
            path = f"{where}.{key}" if where else key
            if key not in data:
                if required:
                    raise self.fail(path, "missing")
                continue
            value = data[key]
            # bool is an int in Python; a rubric must say what it means.
            wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
            if wrong:
                raise self.fail(path, f"must be {_TYPE_NAMES[kind]}")
            if kind is str and not value.strip() and required:
                raise self.fail(path, "is empty")
        return data

    def code(self, value: str, where: str) -> str:
        if not _CODE_RE.match(value):
            raise self.fail(where, f"'{value}' is not a valid code (letters, digits, _ . + -)")
        return value

    def strings(self, values: list[Any], where: str) -> tuple[str, ...]:
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{where}[{i}]", "must be non-empty text")
        return tuple(values)

    def unique(self, codes: Iterable[str], where: str, item: str) -> None:
        seen: dict[str, int] = {}
        for i, code in enumerate(codes):
            if code in seen:
                raise self.fail(
                    f"{where}[{i}].{item}", f"duplicate code '{code}' (also {where}[{seen[code]}])"
                )
            seen[code] = i


def parse_rubric_toml(text: str, source: str) -> Rubric:
    """Parse and validate a rubric file's text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Name the place, not the library's sentence.
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        at = f"line {where.group(1)}, column {where.group(2)}" if where else "the file"
        raise RubricInvalid(source=source, field=at, problem="not valid TOML") from None
    return parse_rubric(data, source)


def parse_rubric(data: Mapping[str, Any], source: str) -> Rubric:
    """Validate rubric data (parsed TOML or a published body); raise :class:`RubricInvalid`
    naming the source, the field and the problem."""
    c = _Checker(source)
    top = c.table(dict(data), "", _TOP_FIELDS)
    _refuse_floats(top, "", c)
    rubric_id = c.code(top["id"], "id")
    if top["version"] < 1:
        raise c.fail("version", "must be 1 or more")
    device_types = c.strings(top["device_types"], "device_types")
    if not device_types:
        raise c.fail("device_types", "names no device type")
    scales = {name: _scale(c, top[name], name) for name in ("cosmetic", "functional")}

    checks = _checks(c, top["checks"])
    defects = _defects(c, top.get("defects", []))
    rules = _rules(c, top["rules"], scales, checks, defects)
    if not rules:
        raise c.fail("rules", "no derivation rule")
    if not rules[-1].catch_all:
        raise c.fail(
            f"rules[{len(rules) - 1}]",
            "the last rule must have no conditions, so that every sheet derives a grade",
        )
    return Rubric(
        rubric_id=rubric_id,
        version=top["version"],
        title=top["title"].strip(),
        device_types=tuple(t.strip().lower() for t in device_types),
        data_bearing=top["data_bearing"],
        cosmetic=scales["cosmetic"],
        functional=scales["functional"],
        checks=checks,
        defects=defects,
        rules=tuple(rules),
        notes=top.get("notes", ""),
        body=dict(data),
    )


def _checks(c: _Checker, raw_checks: list[Any]) -> tuple[CheckItem, ...]:
    checks: list[CheckItem] = []
    for i, raw in enumerate(raw_checks):
        where = f"checks[{i}]"
        t = c.table(raw, where, _CHECK_FIELDS)
        lo, hi = t.get("min_value"), t.get("max_value")
        if (lo is not None or hi is not None) and not t.get("unit"):
            raise c.fail(f"{where}.unit", "missing (a check with min_value/max_value is measured)")
        if lo is not None and hi is not None and lo > hi:
            raise c.fail(f"{where}.min_value", f"{lo} is above max_value {hi}")
        checks.append(
            CheckItem(
                code=c.code(t["code"], f"{where}.code"),
                label=t["label"].strip(),
                hint=t.get("hint", ""),
                unit=t.get("unit", ""),
                min_value=lo,
                max_value=hi,
            )
        )
    if not checks:
        raise c.fail("checks", "the checklist is empty")
    c.unique((x.code for x in checks), "checks", "code")

    return tuple(checks)


def _defects(c: _Checker, raw_defects: list[Any]) -> tuple[DefectCode, ...]:
    defects: list[DefectCode] = []
    for i, raw in enumerate(raw_defects):
        where = f"defects[{i}]"
        t = c.table(raw, where, _DEFECT_FIELDS)
        defects.append(
            DefectCode(
                code=c.code(t["code"], f"{where}.code"),
                label=t["label"].strip(),
                photo_required=t.get("photo_required", False),
            )
        )
    c.unique((d.code for d in defects), "defects", "code")

    return tuple(defects)


def _rules(
    c: _Checker,
    raw_rules: list[Any],
    scales: Mapping[str, Scale],
    checks: tuple[CheckItem, ...],
    defects: tuple[DefectCode, ...],
) -> list[Rule]:
    check_codes = {x.code for x in checks}
    defect_codes = {d.code for d in defects}
    rules: list[Rule] = []
    for i, raw in enumerate(raw_rules):
        where = f"rules[{i}]"
        t = c.table(raw, where, _RULE_FIELDS)
        functional = t["functional"]
        if scales["functional"].grade(functional) is None:
            raise c.fail(
                f"{where}.functional",
                f"grade '{functional}' is not on the functional scale "
                f"({', '.join(scales['functional'].codes)})",
            )
        try:
            disposition = Disposition(t["disposition"])
        except ValueError:
            raise c.fail(
                f"{where}.disposition",
                f"'{t['disposition']}' is not a disposition ({', '.join(Disposition)})",
            ) from None
        conditions: dict[str, tuple[str, ...]] = {}
        for key, known, what in (
            ("failed_any", check_codes, "check"),
            ("not_tested_any", check_codes, "check"),
            ("defects_any", defect_codes, "defect"),
            ("cosmetic_any", set(scales["cosmetic"].codes), "cosmetic grade"),
        ):
            values = c.strings(t.get(key, []), f"{where}.{key}")
            for j, value in enumerate(values):
                if value != ANY and value not in known:
                    raise c.fail(f"{where}.{key}[{j}]", f"no {what} '{value}' in this rubric")
            conditions[key] = values
        rules.append(
            Rule(
                name=t["name"].strip(), functional=functional, disposition=disposition, **conditions
            )
        )
    return rules


def _scale(c: _Checker, raw: Any, where: str) -> Scale:
    t = c.table(raw, where, _SCALE_FIELDS)
    grades: list[Grade] = []
    for i, graw in enumerate(t["grades"]):
        g = c.table(graw, f"{where}.grades[{i}]", _GRADE_FIELDS)
        grades.append(
            Grade(
                code=c.code(g["code"], f"{where}.grades[{i}].code"),
                name=g["name"].strip(),
                description=g.get("description", ""),
            )
        )
    if not grades:
        raise c.fail(f"{where}.grades", "the scale has no grade")
    c.unique((g.code for g in grades), f"{where}.grades", "code")
    return Scale(name=t["scale"].strip(), grades=tuple(grades))


def _refuse_floats(value: Any, where: str, c: _Checker) -> None:
    # Rubrics travel in events: canonical JSON has no floats (thresholds are whole numbers).
    if isinstance(value, float):
        raise c.fail(where, "decimals are not allowed; use a whole number")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{where}.{key}" if where else key, c)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_floats(item, f"{where}[{i}]", c)
    elif not isinstance(value, str | int | bool):
        raise c.fail(where, "only text, whole numbers, true/false, lists and tables are allowed")


# ---- answers and derivation ----


@dataclass(frozen=True, slots=True)
class Answer:
    """The grader's answer to one checklist item: a result and, for a measured item, a value."""

    code: str
    result: CheckResult | None = None
    value: int | None = None


def effective_result(check: CheckItem, answer: Answer | None) -> CheckResult | None:
    """What counts: a measured item's value decides; otherwise the key the grader pressed."""
    if answer is None:
        return None
    if check.measured and answer.value is not None:
        return CheckResult.PASS if check.passes(answer.value) else CheckResult.FAIL
    return answer.result


@dataclass(frozen=True, slots=True)
class Derivation:
    """The rubric's suggestion for a sheet: functional grade, disposition and the rule."""

    functional: str
    disposition: Disposition
    rule: str
    failed: tuple[str, ...]
    not_tested: tuple[str, ...]
    unanswered: tuple[str, ...]


def derive(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    cosmetic: str,
    defects: Iterable[str],
) -> Derivation:
    """Apply the rubric's rules in order; the first that matches suggests the grade.

    Unanswered items count as not tested for the rules (and block saving, see
    :func:`sheet_problems`).
    """
    results = {c.code: effective_result(c, answers.get(c.code)) for c in rubric.checks}
    failed = tuple(code for code, r in results.items() if r is CheckResult.FAIL)
    unanswered = tuple(code for code, r in results.items() if r is None)
    not_tested = tuple(
        code for code, r in results.items() if r is CheckResult.NOT_TESTED or r is None
    )
    defect_set = set(defects)

    def hits(wanted: tuple[str, ...], present: Iterable[str]) -> bool:
        present = set(present)
        return bool(present) if ANY in wanted else bool(present.intersection(wanted))

    for rule in rubric.rules:
        if rule.failed_any and not hits(rule.failed_any, failed):
            continue
        if rule.not_tested_any and not hits(rule.not_tested_any, not_tested):
            continue
        if rule.defects_any and not hits(rule.defects_any, defect_set):
            continue
        if rule.cosmetic_any and cosmetic not in rule.cosmetic_any:
            continue
        return Derivation(
            rule.functional, rule.disposition, rule.name, failed, not_tested, unanswered
        )
    # parse_rubric guarantees a catch-all last rule.
    raise AssertionError(f"rubric {rubric.rubric_id} has no catch-all rule")


def sheet_problems(
    rubric: Rubric,
    answers: Mapping[str, Answer],
    cosmetic: str,
    defects: Iterable[str],
    photo_defects: Iterable[str],
) -> list[str]:
    """Why a sheet cannot be saved yet (empty: it can). Each entry is a short phrase."""
    problems: list[str] = []
    if rubric.cosmetic.grade(cosmetic) is None:
        problems.append(f"no cosmetic grade chosen ({'/'.join(rubric.cosmetic.codes)})")
    unanswered = [
        c.label for c in rubric.checks if effective_result(c, answers.get(c.code)) is None
    ]
    if unanswered:
        problems.append(f"{len(unanswered)} check(s) not answered: {', '.join(unanswered)}")
    for code in answers:
        if rubric.check(code) is None:
            problems.append(f"answer for unknown check '{code}'")
    with_photo = set(photo_defects)
    for code in defects:
        defect = rubric.defect(code)
        if defect is None:
            problems.append(f"unknown defect code '{code}'")
        elif defect.photo_required and code not in with_photo:
            problems.append(f"defect '{defect.label}' needs a photo")
    return problems


def find_rubric(rubrics: Iterable[Rubric], device_type: str) -> Rubric | None:
    """The highest version of the rubric that lists ``device_type`` (case-insensitive)."""
    wanted = device_type.strip().lower()
    matching = [r for r in rubrics if wanted and wanted in r.device_types]
    return max(matching, key=lambda r: r.version, default=None)


def latest_versions(rubrics: Iterable[Rubric]) -> list[Rubric]:
    """One rubric per id, the highest version, ordered by title."""
    best: dict[str, Rubric] = {}
    for rubric in rubrics:
        current = best.get(rubric.rubric_id)
        if current is None or rubric.version > current.version:
            best[rubric.rubric_id] = rubric
    return sorted(best.values(), key=lambda r: r.title)


# ---- what the station knows about an asset being graded ----


@dataclass(frozen=True, slots=True)
class GradingAsset:
    """An asset as the Grading page shows it, plus what the refusals need."""

    asset_id: str
    job_id: str
    serial: str
    asset_tag: str
    device_type: str
    make: str
    model: str
    status: str  # received | voided
    custodian: str
    location: str
    # The kind of the asset's latest custody event ("" if none since receipt).
    last_custody_kind: str = ""
    # Custody kinds seen for the asset (for the data-bearing seam: SANITIZE_END, DESTROY).
    custody_kinds: frozenset[str] = frozenset()

    @property
    def description(self) -> str:
        kind = self.device_type or "item"
        return f"{kind} {self.make} {self.model}".strip()


#: Custody kinds after which an asset has left the facility.
SHIPPED_KINDS = frozenset({"SHIP_DOWNSTREAM", "RETURN_TO_CUSTOMER"})


@dataclass(frozen=True, slots=True)
class GradeRecord:
    """One ``asset.graded`` event as history shows it (newest first in lists)."""

    seq: int
    event_id: str
    asset_id: str
    device_time: str
    operator_name: str
    rubric_id: str
    rubric_version: int
    cosmetic_scale: str
    cosmetic_grade: str
    functional_scale: str
    functional_grade: str
    disposition: str
    derived_functional: str
    derived_disposition: str
    override_reason: str
    defects: tuple[str, ...]
    photo_count: int
    notes: str
    superseded_by: str  # event id of the re-grade, "" while current
    needs_review: bool = False  # did not name the grade current before it (see projector)

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)

    @property
    def current(self) -> bool:
        return not self.superseded_by
