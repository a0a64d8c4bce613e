"""Sanitization: the media registry, wipe-report import (nwipe, Blancco, smartctl), shred /
destroy batches with a witness, the data-bearing release gate, and certificates.

Threads: ``read_files`` is pure file work for the I/O pool (it only reads); everything that
appends events runs on the DB worker (the task runner). Permission checks are made here.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from app.documents.certificate import line_items_sha256, render_certificate_pdf
from app.domain.errors import InvalidInput, SignInFailed, UserCancelled, UserFacingError
from app.domain.events import (
    CertificateIssued,
    DestructionBatchRecorded,
    MediaRegistered,
    SampledDrive,
    SanitizationRecorded,
    SanitizationReviewRaised,
    SanitizationReviewResolved,
    SanitizationSampleDrawn,
    SanitizationSampleVerified,
)
from app.domain.grading import GradingAsset, Rubric
from app.domain.ids import new_record_id
from app.domain.roles import Permission
from app.domain.sanitization import (
    DIN_LEVEL_RE,
    QC_METHODS,
    CertificateData,
    CertificateLine,
    DriveIdentity,
    DriveWipe,
    HostAsset,
    MediaKind,
    Medium,
    ReviewItem,
    SampleDriveRow,
    SanitizationRow,
    Technique,
    Verification,
    WipeReport,
    WipeResult,
    blocking_media,
    classify,
    normalise_serial,
    sample_size,
    usable_serial,
)
from app.importers.report_errors import ReportUnreadable, check_file_size
from app.importers.wipe_reports import REPORT_SUFFIXES, parse_report_file
from app.ledger.chain import EventDraft
from app.services.event_drafts import draft
from app.services.grading_ports import DataBearing
from app.services.pins import verify_pin
from app.services.ports import EventAppender, OperatorDirectory, PermissionGate

Progress = Callable[[int, int], None]


class SanitizationReader(Protocol):
    def media_by_serial(self, serial: str) -> list[Medium]: ...

    def media_of_asset(self, asset_id: str) -> list[Medium]: ...

    def media_of_job(self, job_id: str) -> list[Medium]: ...

    def all_media(self, limit: int = 5000) -> list[Medium]: ...

    def records(self, limit: int = 5000) -> list[SanitizationRow]: ...

    def records_of_media(self, media_id: str) -> list[SanitizationRow]: ...

    def reviews(self) -> list[ReviewItem]: ...

    def evidence_seen(self, sha256: str) -> bool: ...

    def find_asset(self, value: str) -> HostAsset | None: ...

    def assets_with_serial(self, serial: str) -> list[HostAsset]: ...

    def job_customer(self, job_id: str) -> tuple[str, str] | None: ...

    def jobs(self) -> list[str]: ...

    def certificate_of_job(self, job_id: str) -> str | None: ...

    def certificate_count(self) -> int: ...

    def review(self, review_id: str) -> ReviewItem | None: ...

    def review_resolution(self, review_id: str) -> str | None: ...

    def media_by_id(self, media_id: str) -> Medium | None: ...

    def sample_drives(self, *, job_id: str = "", sample_id: str = "") -> list[SampleDriveRow]: ...

    def all_sample_drives(self, limit: int = 2000) -> list[SampleDriveRow]: ...


class EvidenceStore(Protocol):
    """Content-addressed blobs: keeps imported files and hands them back by SHA-256."""

    def put(self, data: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...


class AssetNotFound(UserFacingError):
    code = "sanitization.asset_not_found"
    template = "No received asset has the ID, serial or tag {value!r}."


class DriveAlreadyRegistered(UserFacingError):
    code = "sanitization.drive_registered"
    template = "Drive {serial} is already registered on {asset_id}."


class StillDataBearing(UserFacingError):
    """Raised by the release gate: the message names the drive that blocks."""

    code = "sanitization.data_bearing"
    template = "{what} {subject} still carries data: drive {serial} ({kind} {model}) {why}."


class BatchRefused(UserFacingError):
    code = "sanitization.batch_refused"
    template = "Destruction batch not recorded: {problem}."


class SampleRefused(UserFacingError):
    code = "sanitization.sample_refused"
    template = "QC sample: {problem}."


class QcSamplePending(UserFacingError):
    """The certificate waits for an independent verification: the message names the drive."""

    code = "sanitization.qc_pending"
    template = (
        "Job {job_id} cannot be certified yet: drive {serial} (host {asset_id}) is in QC sample "
        "{sample_id} and awaits independent verification."
    )


class ReviewRefused(UserFacingError):
    code = "sanitization.review_refused"
    template = "Review item {review_id}: {problem}."


@dataclass(frozen=True, slots=True)
class ReadFile:
    """A dropped file, read and parsed on the I/O pool (nothing recorded yet)."""

    path: Path
    data: bytes
    parsed: WipeReport | DriveIdentity


@dataclass(frozen=True, slots=True)
class ReadResult:
    files: tuple[ReadFile, ...]
    errors: tuple[str, ...]  # one sentence per unreadable file, naming it


@dataclass
class ImportSummary:
    recorded: int = 0
    reviews: int = 0
    identities: int = 0
    already_imported: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        parts = [f"{self.recorded} drive result(s) recorded", f"{self.reviews} to review"]
        if self.identities:
            parts.append(f"{self.identities} drive identit(ies) updated")
        if self.already_imported:
            parts.append(f"{len(self.already_imported)} file(s) already imported")
        if self.errors:
            parts.append(f"{len(self.errors)} file(s) unreadable")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class BatchInput:
    equipment_id: str
    din_level: str
    serials: Sequence[str]
    post_count: int
    witness_badge: str
    witness_pin: str
    output_weight_g: int = 0
    particle_size_mm: str = ""
    video_ref: str = ""
    technique: Technique = Technique.SHRED


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    certificate_no: str
    pdf_path: Path
    pdf_sha256: str
    line_count: int
    reprint: bool


class SanitizationService:
    """Owns the sanitization workflow of this station. Appending methods: DB worker thread."""

    def __init__(
        self,
        events: EventAppender,
        reader: SanitizationReader,
        blobs: EvidenceStore,
        operators: PermissionGate,
        directory: OperatorDirectory,
        *,
        facility: str = "",
        now: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._events = events
        self._reader = reader
        self._blobs = blobs
        self._operators = operators
        self._directory = directory
        self._facility = facility
        self._now = now or (lambda: datetime.now().astimezone())
        self._rng = rng or random.SystemRandom()

    # ---- reading ----

    def media(self) -> list[Medium]:
        return self._reader.all_media()

    def records(self) -> list[SanitizationRow]:
        return self._reader.records()

    def reviews(self) -> list[ReviewItem]:
        return self._reader.reviews()

    def jobs(self) -> list[str]:
        return self._reader.jobs()

    # ---- media registry ----

    def register_medium(
        self,
        host: str,
        serial: str,
        *,
        kind: MediaKind = MediaKind.UNKNOWN,
        model: str = "",
        identity: DriveIdentity | None = None,
        source_sha256: str = "",
    ) -> Medium:
        """Register a drive (serial first) on the asset whose ID, serial or tag is ``host``."""
        operator = self._operators.require(Permission.RECORD_SANITIZATION)
        serial = (identity.serial if identity else serial).strip()
        if not usable_serial(serial):
            raise InvalidInput(field="Drive serial", problem="is empty or anonymised")
        asset = self._reader.find_asset(host) if host.strip() else None
        if host.strip() and asset is None:
            raise AssetNotFound(value=host.strip())
        existing = self._reader.media_by_serial(serial)
        if existing:
            raise DriveAlreadyRegistered(serial=serial, asset_id=existing[0].asset_id or "no host")
        self._events.append(
            [
                self._register_draft(
                    asset,
                    identity or DriveIdentity(serial, model, kind),
                    operator.operator_id,
                    source_sha256,
                )
            ]
        )
        return self._reader.media_by_serial(serial)[0]

    def _register_draft(
        self, asset: HostAsset | None, drive: DriveIdentity, operator_id: str, sha: str = ""
    ) -> EventDraft:
        return draft(
            MediaRegistered(
                media_id=new_record_id("md"),
                asset_id=asset.asset_id if asset else "",
                kind=drive.kind.value,
                serial=drive.serial.strip()[:200],
                model=drive.model[:200],
                capacity_bytes=max(drive.capacity_bytes, 0),
                interface=drive.interface[:32],
                wwn=drive.wwn[:64],
                power_on_hours=drive.power_on_hours,
                source="smartctl" if sha else "scan",
                source_sha256=sha,
            ),
            operator_id,
        )

    # ---- report import ----

    def read_files(
        self,
        paths: Iterable[Path],
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ReadResult:
        """Read and parse dropped files and folders (folders: their report files, recursively).
        I/O pool; writes nothing. A bad file is reported by name; the others still import."""
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files += sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES
                )
            else:
                files.append(path)
        read: list[ReadFile] = []
        errors: list[str] = []
        for n, path in enumerate(files, start=1):
            if cancel is not None and cancel.is_set():
                raise UserCancelled()
            try:
                # By size first: an oversize file is refused without reading a byte of it.
                check_file_size(path.stat().st_size, path.name)
                data = path.read_bytes()
                read.append(ReadFile(path, data, parse_report_file(data, path.name)))
            except ReportUnreadable as exc:
                errors.append(exc.message)
            except OSError as exc:
                errors.append(f"{path.name}: the file could not be read ({exc.strerror}).")
            if progress is not None:
                progress(n, len(files))
        return ReadResult(tuple(read), tuple(errors))

    def record_import(self, result: ReadResult, *, station_tz: str = "") -> ImportSummary:
        """Record what ``read_files`` parsed: one transaction per file, so a file is recorded
        whole or not at all. Re-importing a file (same SHA-256) records nothing again."""
        operator = self._operators.require(Permission.RECORD_SANITIZATION)
        tz = station_tz or (self._now().tzname() or "")
        summary = ImportSummary(errors=list(result.errors))
        for item in result.files:
            if isinstance(item.parsed, DriveIdentity):
                summary.identities += self._import_identity(item, operator.operator_id)
                continue
            report = item.parsed
            if self._reader.evidence_seen(report.sha256):
                summary.already_imported.append(report.file_name)
                continue
            sha = self._blobs.put(item.data)
            drafts = self._report_drafts(report, sha, tz, operator.operator_id)
            self._events.append(drafts)
            summary.recorded += sum(1 for d in drafts if d.type == "sanitization.recorded")
            summary.reviews += sum(1 for d in drafts if d.type == "sanitization.review_raised")
        return summary

    def _import_identity(self, item: ReadFile, operator_id: str) -> int:
        drive = item.parsed
        assert isinstance(drive, DriveIdentity)
        if not usable_serial(drive.serial) or self._reader.media_by_serial(drive.serial):
            return 0
        sha = self._blobs.put(item.data)
        self._events.append([self._register_draft(None, drive, operator_id, sha)])
        return 1

    def _report_drafts(
        self, report: WipeReport, sha: str, tz: str, operator_id: str
    ) -> list[EventDraft]:
        drafts: list[EventDraft] = []

        def review(wipe: DriveWipe | None, reason: str, index: int = -1) -> None:
            drafts.append(
                draft(
                    SanitizationReviewRaised(
                        review_id=new_record_id("rv"),
                        file_name=report.file_name[:200],
                        evidence_sha256=sha,
                        drive_serial=(wipe.drive.serial if wipe else "")[:200],
                        model=(wipe.drive.model if wipe else "")[:200],
                        result=wipe.result.value if wipe else "",
                        reason=reason[:200],
                        drive_index=index,
                    ),
                    operator_id,
                )
            )

        if not report.drives:
            review(None, "; ".join(report.problems) or "the report lists no drive")
        registered: dict[str, Medium] = {}
        for index, wipe in enumerate(report.drives):
            serial = wipe.drive.serial
            if wipe.review_reason:
                review(wipe, wipe.review_reason, index)
                continue
            if not usable_serial(serial):
                review(
                    wipe, f"drive serial {serial!r} is empty or anonymised: match by hand", index
                )
                continue
            if wipe.technique is Technique.VERIFY_ONLY:
                review(wipe, "verify-only run: a verification, not a sanitization (S7)", index)
                continue
            media = self._reader.media_by_serial(serial)
            medium = media[0] if len(media) == 1 else registered.get(normalise_serial(serial))
            if len(media) > 1:
                review(
                    wipe,
                    f"ambiguous: {len(media)} registered drives have serial {serial}",
                    index,
                )
                continue
            if medium is None:
                hosts = (
                    self._reader.assets_with_serial(wipe.host_serial)
                    if usable_serial(wipe.host_serial)
                    else []
                )
                if len(hosts) != 1:
                    review(wipe, f"no registered drive has serial {serial}", index)
                    continue
                # The report names its host (DMI serial) and the host was received: register
                # the drive on it, then record against it.
                reg = self._register_draft(hosts[0], wipe.drive, operator_id)
                drafts.append(reg)
                medium = Medium(
                    media_id=reg.payload["media_id"],
                    asset_id=hosts[0].asset_id,
                    kind=wipe.drive.kind.value,
                    serial=serial,
                    model=wipe.drive.model,
                )
                registered[normalise_serial(serial)] = medium
            drafts.append(
                self._record_draft(
                    wipe, medium, report=report, sha=sha, tz=tz, operator_id=operator_id
                )
            )
        return drafts

    def _record_draft(
        self,
        wipe: DriveWipe,
        medium: Medium,
        *,
        report: WipeReport,
        sha: str,
        tz: str,
        operator_id: str,
        batch_id: str = "",
    ) -> EventDraft:
        kind = _kind(medium.kind)
        if kind is MediaKind.UNKNOWN:
            kind = wipe.drive.kind
        verdict = classify(wipe.technique, kind, wipe.result, tool_claim=wipe.tool_method_label)
        notes = tuple(n[:200] for n in (*wipe.notes, *verdict.notes, *report.problems))
        return draft(
            SanitizationRecorded(
                record_id=new_record_id("sr"),
                media_id=medium.media_id,
                asset_id=medium.asset_id,
                drive_serial=medium.serial[:200],
                media_kind=kind.value,
                outcome=verdict.outcome.value if verdict.outcome else "",
                technique=wipe.technique.value,
                result=wipe.result.value,
                tool=wipe.tool[:200],
                tool_version=wipe.tool_version[:200],
                tool_method_label=wipe.tool_method_label[:200],
                passes=wipe.passes,
                pattern=wipe.pattern[:200],
                verification_method=wipe.verification.value,
                verification_result=wipe.verification_result[:200],
                started=wipe.started,
                ended=wipe.ended,
                station_tz=tz,
                evidence_sha256=sha,
                evidence_name=report.file_name[:200],
                route_to_destruction=verdict.route_to_destruction,
                needs_validation=verdict.needs_validation or bool(report.problems),
                batch_id=batch_id,
                notes=notes,
            ),
            operator_id,
        )

    # ---- destruction ----

    def record_destruction(self, batch: BatchInput) -> str:
        """Record a witnessed shred/destroy batch; one DESTROY record per drive. Returns the
        batch ID. The witness confirms with badge + PIN and must be someone else."""
        operator = self._operators.require(Permission.RECORD_SANITIZATION)
        if not batch.equipment_id.strip():
            raise BatchRefused(problem="the equipment ID is empty")
        level = batch.din_level.strip().upper()
        if not DIN_LEVEL_RE.match(level):
            raise BatchRefused(problem=f"{batch.din_level!r} is not a DIN 66399 level like H-4")
        serials = [s.strip() for s in batch.serials if s.strip()]
        if not serials:
            raise BatchRefused(problem="no drive was scanned into the batch")
        if len({normalise_serial(s) for s in serials}) != len(serials):
            raise BatchRefused(problem="a drive was scanned twice")
        if batch.post_count != len(serials):
            raise BatchRefused(
                problem=f"{len(serials)} drive(s) scanned in but post-count is "
                f"{batch.post_count}: find the difference before recording"
            )
        witness = self._directory.by_badge(batch.witness_badge.strip())
        if witness is None or not verify_pin(batch.witness_pin, witness.pin_hash):
            raise SignInFailed(who=f"badge {batch.witness_badge.strip()!r}")
        if not witness.active:
            raise BatchRefused(problem=f"{witness.display_name} is deactivated")
        if witness.operator_id == operator.operator_id:
            raise BatchRefused(problem="the witness must be a second person")
        media: list[Medium] = []
        for serial in serials:
            found = self._reader.media_by_serial(serial)
            if len(found) != 1:
                raise BatchRefused(
                    problem=f"drive {serial} is "
                    + ("not registered" if not found else "registered more than once")
                )
            media.append(found[0])
        batch_id = new_record_id("db")
        now = self._now().isoformat(timespec="seconds")
        drafts = [
            draft(
                DestructionBatchRecorded(
                    batch_id=batch_id,
                    equipment_id=batch.equipment_id.strip()[:200],
                    din_level=level,
                    particle_size_mm=batch.particle_size_mm,
                    technique=batch.technique.value,
                    witness_operator_id=witness.operator_id,
                    witness_name=witness.display_name,
                    media_ids=tuple(m.media_id for m in media),
                    serials=tuple(m.serial for m in media),
                    pre_count=len(media),
                    post_count=batch.post_count,
                    output_weight_g=batch.output_weight_g,
                    video_ref=batch.video_ref,
                ),
                operator.operator_id,
            )
        ]
        report = WipeReport(f"batch {batch_id}", "", batch.equipment_id, "", ())
        for m in media:
            wipe = DriveWipe(
                drive=DriveIdentity(m.serial, m.model, _kind(m.kind)),
                technique=batch.technique,
                result=WipeResult.PASSED,
                tool=batch.equipment_id.strip()[:200],
                tool_version="",
                tool_method_label=f"DIN 66399 {level}",
                verification=Verification.VISUAL_PARTICLE_CHECK,
                verification_result=f"witnessed by {witness.display_name}",
                started=now,
                ended=now,
            )
            drafts.append(
                self._record_draft(
                    wipe,
                    m,
                    report=report,
                    sha="",
                    tz="",
                    operator_id=operator.operator_id,
                    batch_id=batch_id,
                )
            )
        self._events.append(drafts)
        return batch_id

    # ---- verification sampling (R2v3 QC) ----

    def _logically_sanitized(self, job_id: str) -> list[Medium]:
        return [m for m in self._reader.media_of_job(job_id) if m.outcome in ("CLEAR", "PURGE")]

    def _counting_record(self, medium: Medium) -> SanitizationRow | None:
        """The record that gives ``medium`` its current outcome (the newest with it)."""
        records = self._reader.records_of_media(medium.media_id)
        return next((r for r in reversed(records) if r.outcome == medium.outcome), None)

    def sample_drives(self, job_id: str = "") -> list[SampleDriveRow]:
        """QC sample drives of ``job_id`` (all jobs when empty), newest sample first."""
        job = job_id.strip().upper()
        return self._reader.sample_drives(job_id=job) if job else self._reader.all_sample_drives()

    def draw_sample(self, job_id: str, percent: int = 5) -> list[SampleDriveRow]:
        """Draw and record (``sanitization.sample_drawn``) a random R2v3 QC sample of at least
        ``percent``% of the job's logically sanitized drives (Clear/Purge; destroyed drives are
        not sampled). Refused while an earlier sample of the job is still pending."""
        operator = self._operators.require(Permission.RECORD_SANITIZATION)
        job = job_id.strip().upper()
        if not 1 <= percent <= 100:
            raise SampleRefused(problem=f"{percent}% is not a percentage between 1 and 100")
        if self._reader.job_customer(job) is None:
            raise InvalidInput(field="Job", problem=f"there is no job {job}")
        pending = [d for d in self._reader.sample_drives(job_id=job) if d.status == "pending"]
        if pending:
            d = pending[0]
            raise SampleRefused(
                problem=f"sample {d.sample_id} of job {job} is still pending: verify drive "
                f"{d.drive_serial} first"
            )
        wiped = self._logically_sanitized(job)
        if not wiped:
            raise SampleRefused(problem=f"job {job} has no logically sanitized drive to sample")
        count = sample_size(len(wiped), percent)
        chosen = sorted(self._rng.sample(wiped, count), key=lambda m: m.serial)
        drives: list[SampledDrive] = []
        for m in chosen:
            record = self._counting_record(m)
            if record is None:  # pragma: no cover - an outcome always comes from a record
                raise SampleRefused(problem=f"drive {m.serial} has no record for its outcome")
            drives.append(
                SampledDrive(
                    media_id=m.media_id,
                    drive_serial=m.serial,
                    asset_id=m.asset_id,
                    record_id=record.record_id,
                    wiped_by=record.operator_id or record.operator,
                    tool=record.tool,
                    tool_version=record.tool_version,
                )
            )
        sample_id = new_record_id("qs")
        self._events.append(
            [
                draft(
                    SanitizationSampleDrawn(
                        sample_id=sample_id,
                        job_id=job,
                        percent=percent,
                        population=len(wiped),
                        selection_method=(
                            f"uniform random draw of {count} of {len(wiped)} logically "
                            f"sanitized drive(s), at least {percent}% rounded up"
                        ),
                        drives=tuple(drives),
                    ),
                    operator.operator_id,
                )
            ]
        )
        return self._reader.sample_drives(sample_id=sample_id)

    def record_sample_result(
        self,
        sample_id: str,
        drive: str,
        *,
        passed: bool,
        method: Verification,
        recovery_tool: str = "",
        notes: str = "",
    ) -> SampleDriveRow:
        """Record the independent verification of one sampled drive (``drive``: its serial or
        media ID) by the signed-in operator, who must not be the operator who recorded the
        wipe. A failure re-opens the batch (:meth:`batch_of`); its notes say what was found."""
        operator = self._operators.require(Permission.RECORD_SANITIZATION)
        rows = self._reader.sample_drives(sample_id=sample_id.strip())
        if not rows:
            raise SampleRefused(problem=f"there is no sample {sample_id.strip()!r}")
        wanted = drive.strip()
        row = next(
            (
                r
                for r in rows
                if r.media_id == wanted
                or normalise_serial(r.drive_serial) == normalise_serial(wanted)
            ),
            None,
        )
        if row is None:
            raise SampleRefused(problem=f"drive {wanted} is not in sample {rows[0].sample_id}")
        if row.status != "pending":
            raise SampleRefused(
                problem=f"drive {row.drive_serial} was already verified ({row.status})"
            )
        if operator.operator_id == row.wiped_by:
            raise SampleRefused(
                problem=f"{operator.display_name} recorded the wipe of drive {row.drive_serial}; "
                "the verification must be done by someone else"
            )
        if method not in QC_METHODS:
            allowed = ", ".join(m.value for m in QC_METHODS)
            raise SampleRefused(
                problem=f"{method.value!r} does not re-check the media; use one of {allowed}"
            )
        if not passed and not notes.strip():
            raise SampleRefused(problem="say what was found when a sample fails (notes)")
        reopened: list[Medium] = []
        rule = ""
        if not passed:
            rule, reopened = self.batch_of(row)
        self._events.append(
            [
                draft(
                    SanitizationSampleVerified(
                        sample_id=row.sample_id,
                        job_id=row.job_id,
                        media_id=row.media_id,
                        drive_serial=row.drive_serial,
                        asset_id=row.asset_id,
                        verifier_operator_id=operator.operator_id,
                        verifier_name=operator.display_name,
                        method=method.value,
                        recovery_tool=recovery_tool.strip()[:200],
                        result="PASSED" if passed else "FAILED",
                        notes=notes.strip()[:400],
                        batch_rule=rule[:200],
                        reopened_media_ids=tuple(m.media_id for m in reopened),
                        reopened_serials=tuple(m.serial for m in reopened),
                    ),
                    operator.operator_id,
                )
            ]
        )
        return next(
            r
            for r in self._reader.sample_drives(sample_id=row.sample_id)
            if r.media_id == row.media_id
        )

    def batch_of(self, row: SampleDriveRow) -> tuple[str, list[Medium]]:
        """The batch a failed sample re-opens, and the rule that defines it.

        The batch is every drive of the same job whose *current* passing outcome is logical
        (Clear/Purge) and comes from a record made with the same tool name and version as
        the sampled record: the same software build on the same job, so the same process the
        failed check casts doubt on. The ledger does not group imports into runs, so the tool
        build is the tightest grouping every record carries. Destroyed drives are not in it,
        nor drives re-sanitized with another tool."""
        sampled = next(
            (
                r
                for r in self._reader.records_of_media(row.media_id)
                if r.record_id == row.record_id
            ),
            None,
        )
        tool = sampled.tool if sampled else row.tool
        version = sampled.tool_version if sampled else ""
        members: list[Medium] = []
        for m in self._logically_sanitized(row.job_id):
            record = self._counting_record(m)
            if record is not None and (record.tool, record.tool_version) == (tool, version):
                members.append(m)
        rule = f"batch: drives of job {row.job_id} wiped with {tool} {version}".strip()
        return rule, members

    # ---- review list ----

    def assign_review(
        self, review_id: str, drive: str, *, matched_by: str = "scan", note: str = ""
    ) -> SanitizationRow:
        """Assign an open review item to a registered drive (``drive``: a scanned serial, or a
        media ID picked from a list) and record the report's result for it, with the original
        file's SHA-256 as evidence. Both events are appended in one transaction."""
        operator = self._operators.require(Permission.RECORD_SANITIZATION)
        item = self._open_review(review_id)
        if not item.result:
            raise ReviewRefused(
                review_id=item.review_id,
                problem="it names no drive result (a report-level problem): dismiss it instead",
            )
        wanted = drive.strip()
        if not wanted:
            raise InvalidInput(field="Drive", problem="is empty: scan or pick the drive")
        medium = self._reader.media_by_id(wanted) if matched_by == "pick" else None
        if medium is None:
            found = self._reader.media_by_serial(wanted)
            if len(found) != 1:
                raise ReviewRefused(
                    review_id=item.review_id,
                    problem=f"drive {wanted} is "
                    + ("not registered: register it first" if not found else "registered twice"),
                )
            medium = found[0]
        wipe, report = self._review_wipe(item)
        if wipe.technique is Technique.VERIFY_ONLY:
            raise ReviewRefused(
                review_id=item.review_id,
                problem="a verify-only run records no sanitization (S7): dismiss it",
            )
        if wipe.review_reason:
            raise ReviewRefused(
                review_id=item.review_id,
                problem=f"{wipe.review_reason}; it cannot count for a drive: dismiss it",
            )
        how = f"assigned by hand ({matched_by}) from review {item.review_id}"
        if normalise_serial(wipe.drive.serial) != normalise_serial(medium.serial):
            how += f"; the report names serial {wipe.drive.serial!r}"
        record = self._record_draft(
            replace(wipe, notes=(*wipe.notes, how, *((note.strip(),) if note.strip() else ()))),
            medium,
            report=report,
            sha=item.evidence_sha256,
            tz=self._now().tzname() or "",
            operator_id=operator.operator_id,
        )
        resolved = draft(
            SanitizationReviewResolved(
                review_id=item.review_id,
                action="assigned",
                evidence_sha256=item.evidence_sha256,
                media_id=medium.media_id,
                asset_id=medium.asset_id,
                drive_serial=medium.serial,
                record_id=record.payload["record_id"],
                matched_by="pick" if matched_by == "pick" else "scan",
                reason=note.strip()[:200],
            ),
            operator.operator_id,
        )
        self._events.append([record, resolved])
        return self._reader.records_of_media(medium.media_id)[-1]

    def dismiss_review(self, review_id: str, reason: str) -> None:
        """Dismiss an open review item; the reason is required and kept in the ledger."""
        operator = self._operators.require(Permission.RECORD_SANITIZATION)
        item = self._open_review(review_id)
        if len(reason.strip()) < 3:
            raise InvalidInput(field="Reason", problem="is required to dismiss a review item")
        self._events.append(
            [
                draft(
                    SanitizationReviewResolved(
                        review_id=item.review_id,
                        action="dismissed",
                        evidence_sha256=item.evidence_sha256,
                        drive_serial=item.drive_serial,
                        reason=reason.strip()[:200],
                    ),
                    operator.operator_id,
                )
            ]
        )

    def _open_review(self, review_id: str) -> ReviewItem:
        item = self._reader.review(review_id.strip())
        if item is None:
            done = self._reader.review_resolution(review_id.strip())
            raise ReviewRefused(
                review_id=review_id.strip(),
                problem=f"it was already {done}" if done else "there is no such item",
            )
        return item

    def _review_wipe(self, item: ReviewItem) -> tuple[DriveWipe, WipeReport]:
        """The drive result a review item stands for, parsed again from the kept file."""
        try:
            data = self._blobs.get(item.evidence_sha256)
        except (OSError, KeyError, ValueError):
            raise ReviewRefused(
                review_id=item.review_id,
                problem=f"the original file {item.file_name} is not in the evidence store",
            ) from None
        parsed = parse_report_file(data, item.file_name)
        if not isinstance(parsed, WipeReport):
            raise ReviewRefused(review_id=item.review_id, problem="the file is not a wipe report")
        drives = parsed.drives
        if 0 <= item.drive_index < len(drives):
            return drives[item.drive_index], parsed
        same = [
            d for d in drives if d.drive.serial == item.drive_serial and d.drive.model == item.model
        ]
        if len(same) != 1:
            raise ReviewRefused(
                review_id=item.review_id,
                problem=f"{len(same)} drives of {item.file_name} look like it; cannot tell which",
            )
        return same[0], parsed

    # ---- enforcement ----

    def require_sanitized(self, asset_id: str, *, action: str = "leave the facility") -> None:
        """Raise :class:`StillDataBearing` naming the first drive of ``asset_id`` without a
        passing outcome (for palletizing, shipping and certificates)."""
        blocking = blocking_media(self._reader.media_of_asset(asset_id))
        if blocking:
            raise _blocked("Asset", asset_id, blocking[0], action)

    # ---- certificates ----

    def certificate_blocker(self, job_id: str) -> str:
        """What stops ``job_id`` being certified now, as the sentence the refusal would show
        (naming the drive); "" when nothing does. Any thread that may read."""
        try:
            self._certifiable(job_id.strip().upper())
        except UserFacingError as exc:
            return exc.message
        return ""

    def _certifiable(
        self, job_id: str
    ) -> tuple[tuple[str, str], list[Medium], list[SampleDriveRow]]:
        customer = self._reader.job_customer(job_id)
        if customer is None:
            raise InvalidInput(field="Job", problem=f"there is no job {job_id}")
        media = self._reader.media_of_job(job_id)
        if not media:
            raise InvalidInput(field="Job", problem=f"no drive is registered on job {job_id}")
        samples = self._reader.sample_drives(job_id=job_id)
        pending = next((d for d in samples if d.status == "pending"), None)
        if pending is not None:
            raise QcSamplePending(
                job_id=job_id,
                serial=pending.drive_serial,
                asset_id=pending.asset_id or "none",
                sample_id=pending.sample_id,
            )
        blocking = blocking_media(media)
        if blocking:
            raise _blocked("Job", job_id, blocking[0], "be certified")
        return customer, media, samples

    def issue_certificate(self, job_id: str, out_dir: Path) -> IssuedCertificate:
        """Render and record the job's certificate (a reprint if one was issued). Refused while
        a QC sample of the job is pending, or any drive of the job has no passing outcome
        (including drives a failed QC sample re-opened): the message names the drive."""
        operator = self._operators.require(Permission.ISSUE_CERTIFICATES)
        job_id = job_id.strip().upper()
        customer, media, samples = self._certifiable(job_id)
        lines: list[CertificateLine] = []
        exceptions: list[str] = [
            f"QC sample {d.sample_id}: drive {d.drive_serial} failed independent verification "
            f"({d.method}); {d.reopened_count} drive(s) of its batch were re-sanitized."
            for d in samples
            if d.status == "FAILED"
        ]
        for m in media:
            records = self._reader.records_of_media(m.media_id)
            best = next(r for r in reversed(records) if r.outcome == m.outcome)
            lines.append(
                CertificateLine(
                    drive_serial=m.serial,
                    asset_id=m.asset_id,
                    kind=m.kind,
                    model=m.model,
                    outcome=m.outcome,
                    technique=best.technique,
                    tool=f"{best.tool} {best.tool_version}".strip(),
                    result=best.result,
                    date=best.ended,
                    operator=best.operator,
                    evidence_sha256=best.evidence_sha256,
                )
            )
            if any(r.route_to_destruction for r in records):
                exceptions.append(
                    f"Drive {m.serial}: logical sanitization failed; routed to destruction."
                )
        previous = self._reader.certificate_of_job(job_id)
        number = previous or f"CERT-{self._now():%Y}-{self._reader.certificate_count() + 1:06d}"
        digest = line_items_sha256(lines)
        data = CertificateData(
            certificate_no=number,
            customer=customer[1],
            job_id=job_id,
            facility=self._facility,
            issued=self._now().isoformat(timespec="minutes"),
            lines=lines,
            signers=(
                f"Issued by {operator.display_name} ({operator.role.value})",
                "Verifier / validator",
            ),
            exceptions=tuple(exceptions),
            line_items_sha256=digest,
        )
        pdf = render_certificate_pdf(data)
        path = out_dir / f"{number}{'-reprint' if previous else ''}.pdf"
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
        except OSError as exc:
            # A folder the operator picked (read-only, a file, a full disk): say which, and
            # record nothing, so issuing again once it is fixed is not a reprint.
            raise InvalidInput(
                field=f"Certificate folder {out_dir}",
                problem=f"could not be written ({exc.strerror or exc})",
            ) from None
        sha = self._blobs.put(pdf)
        self._events.append(
            [
                draft(
                    CertificateIssued(
                        certificate_no=number,
                        job_id=job_id,
                        customer_id=customer[0],
                        line_count=len(lines),
                        line_items_sha256=digest,
                        pdf_sha256=sha,
                        reprint_of=number if previous else "",
                    ),
                    operator.operator_id,
                )
            ]
        )
        return IssuedCertificate(number, path, sha, len(lines), bool(previous))


class MediaDataBearingCheck:
    """Grading's ``DataBearingCheck`` from the media registry: an asset is data-bearing until
    every one of its media has a passing outcome. A device type that carries storage with no
    drive registered is data-bearing too (its drives have not been pulled and scanned yet)."""

    def __init__(self, reader: SanitizationReader) -> None:
        self._reader = reader

    def verdict(self, asset: GradingAsset, rubric: Rubric) -> DataBearing:
        media = self._reader.media_of_asset(asset.asset_id)
        if not media:
            if not rubric.data_bearing:
                return DataBearing(False, f"a {rubric.title.lower()} carries no data storage")
            return DataBearing(
                True, f"a {rubric.title.lower()} carries data and no drive is registered for it"
            )
        blocking = blocking_media(media)
        if blocking:
            m = blocking[0]
            return DataBearing(True, f"drive {m.serial} ({m.kind} {m.model}) {_why(m)}")
        outcomes = ", ".join(f"{m.serial} {m.outcome}" for m in media)
        return DataBearing(False, f"every drive sanitized ({outcomes})")


def _kind(value: str) -> MediaKind:
    return MediaKind(value) if value in MediaKind.__members__ else MediaKind.UNKNOWN


def _why(m: Medium) -> str:
    if m.voided_reason and not m.outcome:
        return f"no longer counts as sanitized: {m.voided_reason}; re-wipe or destroy it"
    if m.route_to_destruction:
        return f"failed sanitization ({m.last_result}) and awaits destruction"
    if m.last_result:
        return f"has no passing outcome (last result {m.last_result})"
    return "has no sanitization record"


def _blocked(what: str, subject: str, m: Medium, action: str) -> StillDataBearing:
    return StillDataBearing(
        what=what,
        subject=subject,
        serial=m.serial,
        kind=m.kind,
        model=m.model or "drive",
        why=_why(m) + f", so it cannot {action}",
    )
