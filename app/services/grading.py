"""Grading: look an asset up, grade it against a rubric (event ``asset.graded``), re-grade
(superseding by reference, history kept), and publish rubric versions (``rubric.published``).

Thread: the DB worker (every method may read files or the database). Permission checks live
here: grading needs GRADE_ASSETS; publishing a rubric needs CHANGE_SETTINGS (admins).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from app.domain.errors import InvalidInput
from app.domain.events import AssetGraded, CheckAnswer, GradePhoto, RubricPublished
from app.domain.grading import (
    SHIPPED_KINDS,
    Answer,
    AssetAlreadyShipped,
    AssetNotFound,
    AssetNotReceived,
    CheckItem,
    Derivation,
    Disposition,
    GradeIncomplete,
    GradeRecord,
    GradingAsset,
    NoRubric,
    ResaleWhileDataBearing,
    Rubric,
    RubricInvalid,
    derive,
    effective_result,
    find_rubric,
    latest_versions,
    parse_rubric,
    parse_rubric_toml,
    sheet_problems,
)
from app.domain.roles import Permission
from app.services.event_drafts import draft
from app.services.grading_ports import DataBearing, DataBearingCheck, GradingReader, PhotoStore
from app.services.ports import EventAppender, PermissionGate

#: Custody kinds after which today's station treats an asset as no longer data-bearing.
_SANITIZED_KINDS = frozenset({"SANITIZE_END", "DESTROY"})


class DataBearingFromCustody:
    """Today's answer to "is it data-bearing?", from what the station records now.

    There is no media registry yet (the sanitization issue adds drives and their wipe results).
    Until then: a device type whose rubric says it carries storage is data-bearing unless a
    ``SANITIZE_END`` or ``DESTROY`` custody event was recorded for the asset. That event says a
    sanitization step ended, not that every drive PASSED: the sanitization issue must replace
    this with a check against the sanitization records.
    """

    def verdict(self, asset: GradingAsset, rubric: Rubric) -> DataBearing:
        if not rubric.data_bearing:
            return DataBearing(False, f"a {rubric.title.lower()} carries no data storage")
        done = asset.custody_kinds & _SANITIZED_KINDS
        if done:
            return DataBearing(False, f"custody shows {', '.join(sorted(done))}")
        return DataBearing(
            True,
            f"a {rubric.title.lower()} carries data and no sanitization is recorded for it yet",
        )


class RubricCatalog:
    """The rubrics the station grades with: the bundled files plus published versions.

    Any thread (guarded by a lock); files are read once, on first use.
    """

    def __init__(self, bundled_dir: Path | None, reader: GradingReader) -> None:
        self._bundled_dir = bundled_dir
        self._reader = reader
        self._lock = threading.Lock()
        self._rubrics: list[Rubric] | None = None

    def all(self) -> list[Rubric]:
        with self._lock:
            if self._rubrics is None:
                self._rubrics = self._load()
            return list(self._rubrics)

    def latest(self) -> list[Rubric]:
        return latest_versions(self.all())

    def get(self, rubric_id: str, version: int) -> Rubric | None:
        return next(
            (r for r in self.all() if r.rubric_id == rubric_id and r.version == version), None
        )

    def for_device_type(self, device_type: str) -> Rubric | None:
        return find_rubric(self.all(), device_type)

    def add(self, rubric: Rubric) -> None:
        with self._lock:
            if self._rubrics is not None:
                self._rubrics.append(rubric)

    def _load(self) -> list[Rubric]:
        found: list[Rubric] = []
        if self._bundled_dir is not None:
            for path in sorted(self._bundled_dir.glob("*.toml")):
                # A broken bundled rubric is a packaging bug: fail loudly, naming the file.
                found.append(parse_rubric_toml(path.read_text(encoding="utf-8"), path.name))
        for source, body in self._reader.published_rubrics():
            found.append(parse_rubric(body, source))
        return found


@dataclass(frozen=True, slots=True)
class GradingContext:
    """What the Grading page shows for a scanned asset."""

    asset: GradingAsset
    rubric: Rubric | None  # suggested by device type; None: the grader must pick one
    history: tuple[GradeRecord, ...]
    data_bearing: DataBearing | None
    refusal: str  # "" when the asset may be graded; otherwise the reason it may not

    @property
    def current(self) -> GradeRecord | None:
        return next((g for g in self.history if g.current), None)


@dataclass(frozen=True, slots=True)
class PhotoFile:
    path: Path
    defect_code: str = ""


@dataclass(frozen=True, slots=True)
class GradeSheet:
    """What the grader entered. Empty override fields: accept the rubric's suggestion."""

    asset_id: str
    rubric_id: str
    rubric_version: int
    answers: tuple[Answer, ...]
    cosmetic: str
    defects: tuple[str, ...] = ()
    photos: tuple[PhotoFile, ...] = ()
    notes: str = ""
    functional_override: str = ""
    disposition_override: str = ""
    override_reason: str = ""


class GradingService:
    """Owns the grading use cases for one station."""

    def __init__(
        self,
        events: EventAppender,
        reader: GradingReader,
        photos: PhotoStore,
        operators: PermissionGate,
        catalog: RubricCatalog,
        *,
        data_bearing: DataBearingCheck | None = None,
    ) -> None:
        self._events = events
        self._reader = reader
        self._photos = photos
        self._operators = operators
        self._catalog = catalog
        self._data_bearing: DataBearingCheck = data_bearing or DataBearingFromCustody()

    # ---- reading ----

    def rubrics(self) -> list[Rubric]:
        """The latest version of every rubric, for the rubric picker."""
        return self._catalog.latest()

    def lookup(self, value: str, *, rubric_id: str = "") -> GradingContext:
        """The asset whose ID, serial or tag is ``value``, with its grade history. With
        ``rubric_id`` (a pinned rubric: "Save and next"), that rubric instead of the device
        type's."""
        self._operators.require(Permission.GRADE_ASSETS)
        asset = self._reader.find_asset(value)
        if asset is None:
            raise AssetNotFound(value=value.strip())
        return self._context(asset, rubric_id)

    def _context(self, asset: GradingAsset, rubric_id: str = "") -> GradingContext:
        rubric = None
        if rubric_id:
            rubric = next((r for r in self._catalog.latest() if r.rubric_id == rubric_id), None)
        if rubric is None:
            rubric = self._catalog.for_device_type(asset.device_type)
        verdict = self._data_bearing.verdict(asset, rubric) if rubric is not None else None
        return GradingContext(
            asset=asset,
            rubric=rubric,
            history=tuple(self._reader.history(asset.asset_id)),
            data_bearing=verdict,
            refusal=_refusal(asset) or "",
        )

    # ---- grading ----

    def grade(self, sheet: GradeSheet) -> GradingContext:
        """Record a grade (or a re-grade superseding the current one); return the refreshed
        context. Raises a :class:`GradingRefused` subclass with the reason, or
        ``RubricInvalid``/``NoRubric``/``InvalidInput``."""
        operator = self._operators.require(Permission.GRADE_ASSETS)
        asset = self._reader.find_asset(sheet.asset_id)
        if asset is None or asset.asset_id != sheet.asset_id.strip():
            raise AssetNotReceived(
                asset_id=sheet.asset_id, reason="it has not been received at this station"
            )
        refusal = _refusal(asset)
        if refusal is not None:
            cls = AssetAlreadyShipped if asset.status == "received" else AssetNotReceived
            raise cls(asset_id=asset.asset_id, reason=refusal)
        rubric = self._catalog.get(sheet.rubric_id, sheet.rubric_version)
        if rubric is None:
            raise NoRubric(device_type=f"{sheet.rubric_id} v{sheet.rubric_version}")
        payload = self._payload(asset, rubric, sheet)
        if payload.disposition == Disposition.REUSE_RESALE:
            verdict = self._data_bearing.verdict(asset, rubric)
            if verdict.bearing:
                raise ResaleWhileDataBearing(
                    asset_id=asset.asset_id,
                    reason=f"resale needs sanitization first ({verdict.reason})",
                )
        stored = tuple(
            GradePhoto(
                sha256=self._store_photo(photo.path),
                defect_code=photo.defect_code,
                file_name=photo.path.name[:200],
            )
            for photo in sheet.photos
        )
        current = next((g for g in self._reader.history(asset.asset_id) if g.current), None)
        payload = payload.model_copy(
            update={
                "photos": stored,
                "supersedes_event_id": current.event_id if current else "",
            }
        )
        event = draft(payload, operator.operator_id)
        if current is not None:
            event = dataclasses.replace(event, refs={"supersedes": current.event_id})
        self._events.append([event])
        return self._context(asset, rubric.rubric_id)

    def _payload(self, asset: GradingAsset, rubric: Rubric, sheet: GradeSheet) -> AssetGraded:
        answers = {a.code: a for a in sheet.answers}
        photo_defects = {p.defect_code for p in sheet.photos if p.defect_code}
        problems = sheet_problems(rubric, answers, sheet.cosmetic, sheet.defects, photo_defects)
        if len(set(sheet.defects)) != len(sheet.defects):
            problems.append("a defect is listed twice")
        derivation = derive(rubric, answers, sheet.cosmetic, sheet.defects)
        functional, disposition = _final(rubric, derivation, sheet, problems)
        if problems:
            raise GradeIncomplete(asset_id=asset.asset_id, reason="; ".join(problems))
        changed = (functional, disposition) != (derivation.functional, derivation.disposition)
        return AssetGraded(
            asset_id=asset.asset_id,
            rubric_id=rubric.rubric_id,
            rubric_version=rubric.version,
            cosmetic_scale=rubric.cosmetic.name,
            cosmetic_grade=sheet.cosmetic,
            functional_scale=rubric.functional.name,
            functional_grade=functional,
            disposition=disposition,
            derived_functional_grade=derivation.functional,
            derived_disposition=derivation.disposition.value,
            derivation_rule=derivation.rule,
            override_reason=sheet.override_reason.strip() if changed else "",
            answers=tuple(
                CheckAnswer(
                    code=c.code,
                    result=_stored_result(c, answers[c.code]),
                    value=answers[c.code].value,
                )
                for c in rubric.checks
            ),
            defects=tuple(sheet.defects),
            notes=sheet.notes.strip(),
        )

    def _store_photo(self, path: Path) -> str:
        try:
            return self._photos.put_file(path)
        except OSError:
            raise InvalidInput(field=f"Photo {path.name}", problem="could not be read") from None

    # ---- rubrics ----

    def publish_rubric(self, path: Path) -> Rubric:
        """Load a rubric file and publish it as a new version (admins). The version must be
        higher than the station's current one for that rubric id."""
        operator = self._operators.require(Permission.CHANGE_SETTINGS)
        try:
            raw = path.read_bytes()
        except OSError:
            raise InvalidInput(
                field=f"Rubric file {path.name}", problem="could not be read"
            ) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RubricInvalid(source=path.name, field="file", problem="not UTF-8 text") from None
        rubric = parse_rubric_toml(text, path.name)
        newest = max(
            (r.version for r in self._catalog.all() if r.rubric_id == rubric.rubric_id), default=0
        )
        if rubric.version <= newest:
            raise RubricInvalid(
                source=path.name,
                field="version",
                problem=f"{rubric.version} is not newer than the current version {newest}",
            )
        self._events.append(
            [
                draft(
                    RubricPublished(
                        rubric_id=rubric.rubric_id,
                        version=rubric.version,
                        title=rubric.title,
                        source_name=path.name,
                        source_sha256=hashlib.sha256(raw).hexdigest(),
                        body=dict(rubric.body),
                    ),
                    operator.operator_id,
                )
            ]
        )
        self._catalog.add(rubric)
        return rubric


def _refusal(asset: GradingAsset) -> str | None:
    """Why this asset may not be graded now, or None."""
    if asset.status != "received":
        return f"its receipt was {asset.status}; it is not received"
    if asset.last_custody_kind in SHIPPED_KINDS:
        return f"it has already left the facility ({asset.last_custody_kind})"
    return None


def _final(
    rubric: Rubric, derivation: Derivation, sheet: GradeSheet, problems: list[str]
) -> tuple[str, str]:
    functional = sheet.functional_override or derivation.functional
    disposition = sheet.disposition_override or derivation.disposition.value
    if rubric.functional.grade(functional) is None:
        problems.append(f"functional grade '{functional}' is not on {rubric.functional.name}")
    if disposition not in set(Disposition):
        problems.append(f"'{disposition}' is not a disposition")
    overridden = (functional, disposition) != (derivation.functional, derivation.disposition)
    if overridden and not sheet.override_reason.strip():
        problems.append("an override of the suggested grade or disposition needs a reason")
    return functional, disposition


def _stored_result(check: CheckItem, answer: Answer) -> str:
    result = effective_result(check, answer)
    assert result is not None  # sheet_problems refused unanswered items
    return result.value
