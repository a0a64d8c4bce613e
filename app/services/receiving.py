"""Receiving: import a customer manifest, record the truck's arrival (inbound handoff), scan
items against the job's manifest, undo a scan, raise discrepancies, and close receiving with a
reconciliation and a discrepancy report for the customer.

Threads: ``preview_manifest`` and ``parse_manifest`` are pure file work for the I/O pool (they
only read); everything that appends events runs on the DB worker (the task runner). Permission
checks are made here, whatever the UI shows.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from app.documents.discrepancy_report import (
    DiscrepancyReportData,
    SealRow,
    render_csv,
    render_pdf,
)
from app.documents.pallet_label import AssetLabelData, asset_label_layout
from app.documents.pallet_label import render_pdf as render_label_pdf
from app.documents.pallet_label import render_zpl as render_label_zpl
from app.domain.custody import AssetSummary, IdentityCheck
from app.domain.errors import InvalidInput, UserFacingError
from app.domain.events import (
    AssetDescribed,
    AssetReceived,
    ClosedDiscrepancy,
    ContainerSeal,
    CustomerRegistered,
    DiscrepancyRaised,
    InboundHandoff,
    LabelPrinted,
    ManifestImported,
    ManifestLine,
    ManifestLinesAdded,
    ReceivingClosed,
    ScanFlagged,
    ScanVoided,
)
from app.domain.grading import AssetNotFound
from app.domain.ids import new_asset_id, new_record_id
from app.domain.manifests import (
    JOB_ID_RE,
    JOB_ID_RULE,
    MATCH_ORDER,
    DiscrepancyCode,
    ExpectedLine,
    JobSummary,
    ManifestEntry,
    ReceivingCounters,
    Reconciliation,
    Resolution,
    ScanOutcome,
    apply_resolutions,
    classify_scan,
    reconcile,
)
from app.domain.printing import PrintFormat, PrintTarget
from app.domain.roles import Permission
from app.importers.manifest_csv import (
    ColumnMapping,
    ManifestPreview,
    ParsedManifest,
    Progress,
    parse_manifest,
    preview,
)
from app.services.event_drafts import draft
from app.services.palletizing_ports import LabelPrinter
from app.services.ports import EventAppender, PermissionGate
from app.services.receiving_ports import BlobSink, ReceivingReader

#: Lines per event for large manifests (the first chunk rides in ``manifest.imported``).
MANIFEST_CHUNK_LINES = 5000
#: Declared vs observed weight beyond this fraction raises WEIGHT_VARIANCE.
WEIGHT_TOLERANCE_PERCENT = 2
#: A candidate's match key → its place in MATCH_ORDER (built once, not on every scan).
_MATCH_RANK = {key.value: rank for rank, key in enumerate(MATCH_ORDER)}


class JobNotFound(UserFacingError):
    code = "receiving.job_not_found"
    template = "There is no receiving job {job_id}; import its manifest first."


class JobClosed(UserFacingError):
    code = "receiving.job_closed"
    template = "Receiving for job {job_id} is closed; nothing more can be received on it."


class NothingToUndo(UserFacingError):
    code = "receiving.nothing_to_undo"
    template = "Nothing to undo: no receipt on job {job_id} is left to void."


class ManifestAlreadyImported(UserFacingError):
    code = "receiving.manifest_exists"
    template = "Manifest {manifest_id} was already imported; nothing was imported again."


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one scan did, for the banner and the counters."""

    outcome: ScanOutcome
    value: str
    job_id: str
    counters: ReceivingCounters
    asset_id: str = ""
    line: ExpectedLine | None = None
    matched_by: str = ""
    other_job_id: str = ""

    @property
    def headline(self) -> str:
        return {
            ScanOutcome.MATCHED: "MATCHED",
            ScanOutcome.NOT_ON_MANIFEST: "NOT ON MANIFEST",
            ScanOutcome.ALREADY_RECEIVED: "ALREADY RECEIVED",
            ScanOutcome.OTHER_JOB: "OTHER JOB",
        }[self.outcome]

    @property
    def detail(self) -> str:
        if self.outcome is ScanOutcome.MATCHED and self.line is not None:
            what = " ".join(p for p in (self.line.make, self.line.model) if p) or "item"
            target = f" → {self.asset_id}" if self.asset_id else ""
            return f"{self.value}: {what}, line {self.line.line_no}{target}"
        if self.outcome is ScanOutcome.NOT_ON_MANIFEST:
            return f"{self.value} is not on this job's manifest: capture it as an extra item"
        if self.outcome is ScanOutcome.ALREADY_RECEIVED:
            return f"{self.value} was already received" + (
                f" as {self.asset_id}" if self.asset_id else ""
            )
        return f"{self.value} belongs to job {self.other_job_id}: set it aside"


@dataclass(frozen=True, slots=True)
class _Match:
    """How a scan classifies against the manifests and receipts (before anything is written)."""

    outcome: ScanOutcome
    line: ExpectedLine | None = None
    matched_by: str = ""
    asset_id: str = ""
    other_job_id: str = ""


@dataclass(frozen=True, slots=True)
class ManifestRecorded:
    manifest_id: str
    job_id: str
    customer_id: str
    line_count: int
    duplicate_count: int


@dataclass(frozen=True, slots=True)
class ContainerCheck:
    container_id: str
    seal_number: str = ""
    bol_seal_number: str = ""
    seal_intact: bool = True


@dataclass(frozen=True, slots=True)
class InboundInput:
    """The truck's arrival as the inbound handoff dialog collects it."""

    job_id: str
    carrier: str
    driver_name: str
    driver_id_method: IdentityCheck
    bol_number: str
    driver_signature_png: bytes
    receiver_signature_png: bytes
    driver_id_ref: str = ""
    vehicle_id: str = ""
    location: str = "Dock 1"
    containers: Sequence[ContainerCheck] = ()
    pieces_declared: int = 0
    pieces_observed: int = 0
    weight_declared_g: int = 0
    weight_observed_g: int = 0
    photos: Sequence[Path] = ()
    exceptions: Sequence[DiscrepancyCode] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True)
class InboundRecorded:
    job_id: str
    exceptions: tuple[DiscrepancyCode, ...]
    photo_hashes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CloseResult:
    reconciliation: Reconciliation
    pdf_path: Path
    csv_path: Path
    pdf_sha256: str
    csv_sha256: str


@dataclass(frozen=True, slots=True)
class IntakeLabelOutput:
    """Where per-asset intake labels go: the station's label printer through the print queue
    (``target``: ``tcp://``/``serial:`` take ZPL, ``os:<name>`` takes PDF) or, with no printer
    configured, PDF files in ``pdf_dir``."""

    printer: LabelPrinter | None = None
    target: str = ""
    pdf_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class IntakeLabelResult:
    """One intake label: queued (``print_job_id``, to ``target``) or saved (``path``)."""

    asset_id: str
    print_job_id: str = ""
    target: str = ""
    path: Path | None = None

    @property
    def text(self) -> str:
        if self.path is not None:
            return f"Intake label for {self.asset_id} saved to {self.path}"
        return f"Intake label for {self.asset_id} sent to the printer ({self.target})"


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Who the report says issued it."""

    station_name: str = ""
    facility_id: str = ""


class ReceivingService:
    """Owns the receiving workflow of this station. Appending methods: DB worker thread."""

    def __init__(
        self,
        events: EventAppender,
        reader: ReceivingReader,
        blobs: BlobSink,
        operators: PermissionGate,
        *,
        report_context: ReportContext | None = None,
        now: Callable[[], datetime] | None = None,
        intake_labels: IntakeLabelOutput | None = None,
    ) -> None:
        self._events = events
        self._reader = reader
        self._blobs = blobs
        self._operators = operators
        self._context = report_context or ReportContext()
        self._now = now or (lambda: datetime.now().astimezone())
        self._labels = intake_labels or IntakeLabelOutput()

    def use_intake_label_output(self, output: IntakeLabelOutput) -> None:
        """Where intake labels go. ``bootstrap`` calls it once, at start-up, when the print
        queue exists (it is started after this service)."""
        self._labels = output

    # ---- jobs ----

    def jobs(self) -> list[JobSummary]:
        return self._reader.jobs()

    def customers(self) -> list[tuple[str, str]]:
        return self._reader.customers()

    def counters(self, job_id: str) -> ReceivingCounters:
        return self._reader.counters(job_id)

    def find_job(self, value: str) -> str | None:
        """The job a scanned value names (a job sheet barcode), if any."""
        wanted = value.strip().upper()
        status = self._reader.job_status(wanted)
        return wanted if status is not None else None

    # ---- manifests ----

    def preview_manifest(self, path: Path, customer_id: str = "") -> ManifestPreview:
        """Headers, sample rows and the suggested mapping (remembered for the customer).
        I/O pool."""
        remembered = self._reader.remembered_mapping(customer_id) if customer_id else None
        return preview(
            path.read_bytes(),
            path.name,
            ColumnMapping.from_json_dict(remembered) if remembered else None,
        )

    def parse_manifest(
        self,
        path: Path,
        mapping: ColumnMapping | None = None,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ParsedManifest:
        """Parse the whole file (all-or-nothing). I/O pool; writes nothing."""
        return parse_manifest(
            path.read_bytes(), path.name, mapping, progress=progress, cancel=cancel
        )

    def record_manifest(
        self,
        parsed: ParsedManifest,
        *,
        customer_id: str,
        job_id: str,
        customer_name: str = "",
        manifest_id: str = "",
    ) -> ManifestRecorded:
        """Append the manifest (and a new customer, if named) in one transaction."""
        operator = self._operators.require(Permission.IMPORT_MANIFESTS)
        customer_id = customer_id.strip()
        job_id = job_id.strip().upper()
        if not customer_id:
            raise InvalidInput(field="Customer", problem="is empty")
        if not JOB_ID_RE.match(job_id):
            raise InvalidInput(field="Job", problem=JOB_ID_RULE)
        if self._reader.job_status(job_id) == "closed":
            raise JobClosed(job_id=job_id)
        manifest_id = manifest_id.strip() or f"MAN-{job_id}-{parsed.source_sha256[:6].upper()}"
        if self._reader.manifest_exists(manifest_id):
            raise ManifestAlreadyImported(manifest_id=manifest_id)
        drafts = []
        known = {cid for cid, _ in self._reader.customers()}
        if customer_id not in known:
            drafts.append(
                draft(
                    CustomerRegistered(
                        customer_id=customer_id, name=customer_name.strip() or customer_id
                    ),
                    operator.operator_id,
                )
            )
        lines = [_line_of(e) for e in parsed.entries]
        drafts.append(
            draft(
                ManifestImported(
                    manifest_id=manifest_id,
                    customer_id=customer_id,
                    job_id=job_id,
                    source_name=parsed.file_name[:200],
                    source_sha256=parsed.source_sha256,
                    lines=tuple(lines[:MANIFEST_CHUNK_LINES]),
                    total_lines=len(lines),
                    column_mapping=parsed.mapping.to_json_dict(),
                ),
                operator.operator_id,
            )
        )
        for start in range(MANIFEST_CHUNK_LINES, len(lines), MANIFEST_CHUNK_LINES):
            drafts.append(
                draft(
                    ManifestLinesAdded(
                        manifest_id=manifest_id,
                        lines=tuple(lines[start : start + MANIFEST_CHUNK_LINES]),
                    ),
                    operator.operator_id,
                )
            )
        self._events.append(drafts)
        return ManifestRecorded(
            manifest_id=manifest_id,
            job_id=job_id,
            customer_id=customer_id,
            line_count=len(lines),
            duplicate_count=len(parsed.duplicates),
        )

    def import_manifest(
        self,
        path: Path,
        *,
        customer_id: str,
        job_id: str,
        mapping: ColumnMapping | None = None,
        customer_name: str = "",
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ManifestRecorded:
        """Parse and record in one call (CLI, tests, benchmarks)."""
        self._operators.require(Permission.IMPORT_MANIFESTS)
        if mapping is None:
            remembered = self._reader.remembered_mapping(customer_id)
            if remembered:
                mapping = ColumnMapping.from_json_dict(remembered)
        try:
            parsed = self.parse_manifest(path, mapping, progress=progress, cancel=cancel)
        except UserFacingError as exc:
            if mapping is None or "mapping" not in exc.code:
                raise
            parsed = self.parse_manifest(path, None, progress=progress, cancel=cancel)
        return self.record_manifest(
            parsed, customer_id=customer_id, job_id=job_id, customer_name=customer_name
        )

    # ---- scanning ----

    def scan(self, job_id: str, value: str, source: str) -> ScanResult:
        """Match a barcode (serial or asset tag) against the job's manifest and record it."""
        return self._scan(job_id, (value,), value, source)

    def scan_tag(self, job_id: str, epc_hex: str, epc_uri: str, source: str) -> ScanResult:
        """An RFID tag arrival: match by EPC (hex as read, or its pure-identity URI)."""
        values = tuple(v for v in (epc_hex, epc_uri) if v)
        return self._scan(job_id, values, epc_uri or epc_hex, source)

    def preview_scan(self, job_id: str, value: str) -> ScanResult:
        """What scanning ``value`` on ``job_id`` would record now, read from the last committed
        state; appends nothing (``asset_id`` is empty for a match: no asset exists yet).

        Any thread. The Receiving page calls it on the I/O pool while the DB worker is busy
        (a large import holds it for seconds), so the operator gets the result at once; the
        scan itself still goes through :meth:`scan`, in arrival order, whose result is the
        one recorded."""
        return self._preview(job_id, (value,), value)

    def preview_tag(self, job_id: str, epc_hex: str, epc_uri: str) -> ScanResult:
        """:meth:`preview_scan` for an RFID tag arrival (matched as :meth:`scan_tag` does)."""
        values = tuple(v for v in (epc_hex, epc_uri) if v)
        return self._preview(job_id, values, epc_uri or epc_hex)

    def _preview(self, job_id: str, values: tuple[str, ...], shown: str) -> ScanResult:
        self._operators.require(Permission.RECEIVE_ASSETS)
        shown = shown.strip()
        if not shown:
            raise InvalidInput(field="Scan", problem="is empty")
        self._require_open(job_id)
        match = self._match(job_id, values)
        return ScanResult(
            match.outcome,
            shown,
            job_id,
            self._reader.counters(job_id),
            asset_id=match.asset_id,
            line=match.line,
            matched_by=match.matched_by,
            other_job_id=match.other_job_id,
        )

    def _match(self, job_id: str, values: tuple[str, ...]) -> _Match:
        """Classify a scan against the manifests and the received assets (reads only)."""
        candidates: list[tuple[str, ExpectedLine]] = []
        for value in values:
            candidates.extend(self._reader.lines_matching(value))
        candidates.sort(key=lambda c: _MATCH_RANK.get(c[0], len(_MATCH_RANK)))
        received_here = []
        received_elsewhere = []
        if not any(c.job_id == job_id and not c.received_asset_id for _, c in candidates):
            for value in values:
                for other_job, item in self._reader.received_matching(value):
                    (received_here if other_job == job_id else received_elsewhere).append(
                        (other_job, item)
                    )
        outcome, line = classify_scan(
            job_id,
            [c for _, c in candidates],
            [item for _, item in received_here],
            [j for j, _ in received_elsewhere],
        )
        if outcome is ScanOutcome.MATCHED:
            assert line is not None
            matched_by = next(k for k, c in candidates if c is line)
            return _Match(outcome, line=line, matched_by=matched_by)
        asset_id = ""
        other_job = ""
        if outcome is ScanOutcome.ALREADY_RECEIVED:
            asset_id = received_here[0][1].asset_id if received_here else ""
            if not asset_id:
                here = next((c for _, c in candidates if c.job_id == job_id), None)
                asset_id = here.received_asset_id if here else ""
        elif outcome is ScanOutcome.OTHER_JOB:
            other = next((c.job_id for _, c in candidates if c.job_id != job_id), "")
            other_job = other or (received_elsewhere[0][0] if received_elsewhere else "")
        return _Match(outcome, asset_id=asset_id, other_job_id=other_job)

    def _scan(self, job_id: str, values: tuple[str, ...], shown: str, source: str) -> ScanResult:
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        shown = shown.strip()
        if not shown:
            raise InvalidInput(field="Scan", problem="is empty")
        self._require_open(job_id)
        match = self._match(job_id, values)
        outcome, line = match.outcome, match.line
        actor = operator.operator_id
        if outcome is ScanOutcome.MATCHED:
            assert line is not None
            asset_id = new_asset_id()
            self._events.append(
                [
                    draft(
                        AssetReceived(
                            asset_id=asset_id,
                            job_id=job_id,
                            manifest_id=line.manifest_id,
                            line_no=line.line_no,
                            serial=line.serial,
                            asset_tag=line.asset_tag,
                            device_type=line.device_type,
                            make=line.make,
                            model=line.model,
                            epc=line.epc,
                            scan_source=source or "scan",
                            matched_by=match.matched_by,
                            scanned_value=shown[:200],
                        ),
                        actor,
                    )
                ]
            )
            return ScanResult(
                outcome,
                shown,
                job_id,
                self._reader.counters(job_id),
                asset_id=asset_id,
                line=line,
                matched_by=match.matched_by,
            )
        self._events.append(
            [
                draft(
                    ScanFlagged(
                        job_id=job_id,
                        value=shown[:200],
                        outcome=outcome.value,
                        scan_source=source or "scan",
                        asset_id=match.asset_id,
                        other_job_id=match.other_job_id,
                    ),
                    actor,
                )
            ]
        )
        return ScanResult(
            outcome,
            shown,
            job_id,
            self._reader.counters(job_id),
            asset_id=match.asset_id,
            other_job_id=match.other_job_id,
        )

    def receive_extra(
        self,
        job_id: str,
        *,
        serial: str,
        device_type: str,
        make: str = "",
        model: str = "",
        asset_tag: str = "",
        source: str = "quick capture",
    ) -> ScanResult:
        """Receive an item that is not on the manifest (quick capture after an amber scan)."""
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        self._require_open(job_id)
        serial, asset_tag = serial.strip(), asset_tag.strip()
        if not serial and not asset_tag:
            raise InvalidInput(field="Serial", problem="is empty (scan or type it)")
        if not device_type.strip():
            raise InvalidInput(field="Type", problem="is empty")
        for value in (serial, asset_tag):
            if value and any(j == job_id for j, _ in self._reader.received_matching(value)):
                raise InvalidInput(field="Serial", problem=f"{value} was already received")
        asset_id = new_asset_id()
        self._events.append(
            [
                draft(
                    AssetReceived(
                        asset_id=asset_id,
                        job_id=job_id,
                        serial=serial,
                        asset_tag=asset_tag,
                        device_type=device_type.strip(),
                        make=make.strip(),
                        model=model.strip(),
                        scan_source=source,
                        scanned_value=(serial or asset_tag)[:200],
                    ),
                    operator.operator_id,
                )
            ]
        )
        return ScanResult(
            ScanOutcome.NOT_ON_MANIFEST,
            serial or asset_tag,
            job_id,
            self._reader.counters(job_id),
            asset_id=asset_id,
        )

    def describe_asset(
        self,
        asset_id: str,
        *,
        serial: str,
        device_type: str,
        make: str = "",
        model: str = "",
        asset_tag: str = "",
    ) -> None:
        """Correct an asset's identity (a new event; the receipt stays as recorded)."""
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        if self._reader.asset(asset_id) is None:
            raise InvalidInput(field="Asset", problem=f"{asset_id} is not known here")
        self._events.append(
            [
                draft(
                    AssetDescribed(
                        asset_id=asset_id,
                        serial=serial.strip(),
                        asset_tag=asset_tag.strip(),
                        device_type=device_type.strip(),
                        make=make.strip(),
                        model=model.strip(),
                    ),
                    operator.operator_id,
                )
            ]
        )

    def undo_last_scan(self, job_id: str, reason: str = "undone at the station") -> ScanResult:
        """Void the job's newest receipt with a correcting event (nothing is deleted)."""
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        self._require_open(job_id)
        last = self._reader.last_receipt(job_id)
        if last is None:
            raise NothingToUndo(job_id=job_id)
        self._events.append(
            [
                draft(
                    ScanVoided(
                        job_id=job_id,
                        asset_id=last.asset_id,
                        voided_event_id=last.event_id,
                        reason=reason.strip() or "undone at the station",
                    ),
                    operator.operator_id,
                )
            ]
        )
        return ScanResult(
            ScanOutcome.MATCHED,
            last.identifier,
            job_id,
            self._reader.counters(job_id),
            asset_id=last.asset_id,
        )

    def _require_open(self, job_id: str) -> None:
        status = self._reader.job_status(job_id)
        if status is None:
            raise JobNotFound(job_id=job_id)
        if status == "closed":
            raise JobClosed(job_id=job_id)

    # ---- intake labels ----

    def intake_label_pdf(self, value: str) -> bytes:
        """The per-asset intake label (2x1 in, asset ID as Code 128) as PDF, for the asset
        whose ID, serial or tag is ``value``."""
        self._operators.require(Permission.RECEIVE_ASSETS)
        return self._intake_label(self._label_asset(value), PrintFormat.PDF)

    def print_intake_label(self, asset_id: str) -> IntakeLabelResult:
        """Print the asset's intake label: queued to the configured label printer (the
        ``label.printed`` event is appended when the printer has taken every byte, on the
        print queue's thread), or, with no printer configured, saved as a PDF in the
        configured folder (event appended at once). DB worker."""
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        asset = self._label_asset(asset_id)
        output = self._labels
        if output.printer is not None and output.target:
            target = output.target
            fmt = PrintTarget.format_of(target)
            data = self._intake_label(asset, fmt)

            def delivered() -> None:
                self._record_label(operator.operator_id, asset, fmt, target, data)

            try:
                job_id = output.printer.submit(
                    target, data, f"Asset {asset.asset_id} intake label", delivered
                )
            except ValueError as exc:
                raise InvalidInput(field="Label printer", problem=str(exc)) from None
            return IntakeLabelResult(asset.asset_id, print_job_id=job_id, target=target)
        if output.pdf_dir is None:
            raise InvalidInput(
                field="Label printer",
                problem="none is configured (station.label_printer), and no folder for PDFs",
            )
        path = output.pdf_dir / f"intake-{asset.asset_id}.pdf"
        try:
            output.pdf_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(
                field=f"Folder {output.pdf_dir}", problem=f"could not be created ({exc.strerror})"
            ) from None
        self.save_asset_label_pdf(asset.asset_id, path)
        return IntakeLabelResult(asset.asset_id, path=path)

    def save_asset_label_pdf(self, value: str, path: Path) -> Path:
        """The per-asset intake label (2x1 in) for the asset whose ID, serial or tag is
        ``value``, written to ``path``; records ``label.printed`` (target ``file:<path>``)."""
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        asset = self._label_asset(value)
        data = self._intake_label(asset, PrintFormat.PDF)
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise InvalidInput(
                field=f"File {path.name}", problem=f"could not be written ({exc.strerror})"
            ) from None
        self._record_label(operator.operator_id, asset, PrintFormat.PDF, f"file:{path}", data)
        return path

    def _label_asset(self, value: str) -> AssetSummary:
        asset = self._reader.find_asset(value)
        if asset is None:
            raise AssetNotFound(value=value.strip())
        return asset

    @staticmethod
    def _intake_label(asset: AssetSummary, fmt: PrintFormat) -> bytes:
        # The one intake-label layout (app.documents.pallet_label), rendered per printer.
        layout = asset_label_layout(
            AssetLabelData(
                asset_id=asset.asset_id,
                serial=asset.serial,
                make_model=f"{asset.make} {asset.model}".strip(),
                job_id=asset.job_id,
            )
        )
        if fmt is PrintFormat.ZPL:
            return render_label_zpl(layout)
        return render_label_pdf([layout], title=f"Asset {asset.asset_id}")

    def _record_label(
        self, actor: str, asset: AssetSummary, fmt: PrintFormat, target: str, data: bytes
    ) -> None:
        self._events.append(
            [
                draft(
                    LabelPrinted(
                        subject_id=asset.asset_id,
                        asset_id=asset.asset_id,
                        document="asset_label",
                        format=fmt.value,
                        size="2x1",
                        target=target[:200],
                        content_sha256=hashlib.sha256(data).hexdigest(),
                    ),
                    actor,
                )
            ]
        )

    # ---- inbound handoff ----

    def record_inbound(self, data: InboundInput) -> InboundRecorded:
        """The carrier → facility handoff (DOCK_RECEIVE), with photos and both signatures as
        content-addressed blobs; seal and count problems become discrepancies at once."""
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        self._require_open(data.job_id)
        for name, value in (
            ("Carrier", data.carrier),
            ("Driver name", data.driver_name),
            ("Bill of lading", data.bol_number),
        ):
            if not value.strip():
                raise InvalidInput(field=name, problem="is empty")
        if not data.driver_signature_png:
            raise InvalidInput(
                field="Driver signature", problem="is missing; ask the driver to sign"
            )
        if not data.receiver_signature_png:
            raise InvalidInput(field="Receiver signature", problem="is missing; sign to receive")
        if not data.containers:
            raise InvalidInput(field="Containers", problem="list at least one container")
        photos = tuple(self._blobs.put_file(p) for p in data.photos)
        driver_sig = self._blobs.put(data.driver_signature_png)
        receiver_sig = self._blobs.put(data.receiver_signature_png)
        raised = _inbound_discrepancies(data)
        exceptions = tuple(dict.fromkeys(code for code, _, _ in raised))
        drafts = [
            draft(
                InboundHandoff(
                    job_id=data.job_id,
                    carrier=data.carrier.strip(),
                    driver_name=data.driver_name.strip(),
                    driver_id_method=data.driver_id_method.value,
                    driver_id_ref=data.driver_id_ref.strip(),
                    vehicle_id=data.vehicle_id.strip(),
                    bol_number=data.bol_number.strip(),
                    received_by=operator.display_name,
                    location=data.location.strip(),
                    containers=tuple(
                        ContainerSeal(
                            container_id=c.container_id.strip(),
                            seal_number=c.seal_number.strip(),
                            bol_seal_number=c.bol_seal_number.strip(),
                            seal_intact=c.seal_intact,
                        )
                        for c in data.containers
                    ),
                    piece_count_declared=data.pieces_declared,
                    piece_count_observed=data.pieces_observed,
                    weight_declared_g=data.weight_declared_g,
                    weight_observed_g=data.weight_observed_g,
                    photos=photos,
                    driver_signature_sha256=driver_sig,
                    receiver_signature_sha256=receiver_sig,
                    exceptions=tuple(code.value for code in exceptions),
                    notes=data.notes.strip(),
                ),
                operator.operator_id,
            )
        ]
        for code, container_id, note in raised:
            drafts.append(
                draft(
                    DiscrepancyRaised(
                        discrepancy_id=new_record_id("dis"),
                        job_id=data.job_id,
                        code=code.value,
                        container_id=container_id,
                        note=note,
                        photos=photos,
                    ),
                    operator.operator_id,
                )
            )
        self._events.append(drafts)
        return InboundRecorded(data.job_id, exceptions, photos)

    def raise_discrepancy(
        self,
        job_id: str,
        code: DiscrepancyCode,
        *,
        note: str = "",
        asset_id: str = "",
        line_no: int = 0,
        container_id: str = "",
        photos: Sequence[Path] = (),
    ) -> None:
        """Record a discrepancy found by a person (damage, hazard, missing drive...)."""
        operator = self._operators.require(Permission.RECEIVE_ASSETS)
        self._require_open(job_id)
        hashes = tuple(self._blobs.put_file(p) for p in photos)
        self._events.append(
            [
                draft(
                    DiscrepancyRaised(
                        discrepancy_id=new_record_id("dis"),
                        job_id=job_id,
                        code=code.value,
                        asset_id=asset_id,
                        line_no=line_no,
                        container_id=container_id,
                        note=note.strip(),
                        photos=hashes,
                    ),
                    operator.operator_id,
                )
            ]
        )

    # ---- reconciliation and closing ----

    def reconcile(self, job_id: str) -> Reconciliation:
        return reconcile(
            job_id,
            self._reader.job_lines(job_id),
            self._reader.job_items(job_id),
            wrong_job_scans=self._reader.wrong_job_scans(job_id),
            raised=self._reader.raised_discrepancies(job_id),
        )

    def close_receiving(
        self,
        job_id: str,
        resolutions: dict[str, tuple[Resolution, str]] | None = None,
    ) -> CloseResult:
        """Close the job (supervisor): reconcile, render the PDF and CSV report, keep both as
        blobs, and record ``receiving.closed`` with their hashes."""
        operator = self._operators.require(Permission.CLOSE_RECEIVING)
        self._require_open(job_id)
        rec = self.reconcile(job_id)
        discrepancies = apply_resolutions(rec.discrepancies, resolutions or {})
        job = self._reader.job(job_id)
        inbound = self._reader.inbound_payload(job_id) or {}
        report = DiscrepancyReportData(
            job_id=job_id,
            customer_name=job.customer_name if job else "",
            manifest_ids=job.manifest_ids if job else "",
            facility=self._context.facility_id,
            station=self._context.station_name,
            closed_by=f"{operator.display_name} ({operator.role.value})",
            closed_at=self._now().strftime("%Y-%m-%d %H:%M %Z").strip(),
            counters=rec.counters,
            discrepancies=discrepancies,
            carrier=inbound.get("carrier", ""),
            driver_name=inbound.get("driver_name", ""),
            bol_number=inbound.get("bol_number", ""),
            vehicle_id=inbound.get("vehicle_id", ""),
            pieces_declared=inbound.get("piece_count_declared", 0),
            pieces_observed=inbound.get("piece_count_observed", 0),
            weight_declared_g=inbound.get("weight_declared_g", 0),
            weight_observed_g=inbound.get("weight_observed_g", 0),
            seals=tuple(
                SealRow(c["container_id"], c.get("seal_number", ""), c.get("seal_intact", True))
                for c in inbound.get("containers", ())
            ),
        )
        pdf = render_pdf(report)
        csv_bytes = render_csv(report)
        pdf_sha = self._blobs.put(pdf)
        csv_sha = self._blobs.put(csv_bytes)
        c = rec.counters
        self._events.append(
            [
                draft(
                    ReceivingClosed(
                        job_id=job_id,
                        expected=c.expected,
                        received=c.received,
                        missing=c.missing,
                        extra=c.extra,
                        discrepancies=tuple(
                            ClosedDiscrepancy(
                                code=d.code.value,
                                line_no=d.line_no,
                                identifier=d.identifier[:200],
                                asset_id=d.asset_id,
                                status=d.status.value,
                                resolution=d.resolution.value,
                                note=d.note[:500],
                            )
                            for d in discrepancies
                        ),
                        report_pdf_sha256=pdf_sha,
                        report_csv_sha256=csv_sha,
                    ),
                    operator.operator_id,
                )
            ]
        )
        return CloseResult(
            reconciliation=replace(rec, discrepancies=discrepancies),
            pdf_path=self._blobs.path_of(pdf_sha),
            csv_path=self._blobs.path_of(csv_sha),
            pdf_sha256=pdf_sha,
            csv_sha256=csv_sha,
        )


def _line_of(e: ManifestEntry) -> ManifestLine:
    return ManifestLine(
        line_no=e.line_no,
        serial=e.serial,
        asset_tag=e.asset_tag,
        make=e.make,
        model=e.model,
        device_type=e.device_type,
        quantity=e.quantity,
        epc=e.epc,
        weight_g=e.weight_g,
        customer_ref=e.customer_ref,
    )


def _inbound_discrepancies(data: InboundInput) -> list[tuple[DiscrepancyCode, str, str]]:
    """Seal, count and weight problems at the dock, plus the exceptions the receiver ticked:
    (code, container, note)."""
    raised: list[tuple[DiscrepancyCode, str, str]] = []  # code, container, note
    for c in data.containers:
        if not c.seal_intact:
            raised.append((DiscrepancyCode.SEAL_BROKEN, c.container_id, f"seal {c.seal_number}"))
        if c.bol_seal_number and c.seal_number.strip() != c.bol_seal_number.strip():
            raised.append(
                (
                    DiscrepancyCode.SEAL_MISMATCH,
                    c.container_id,
                    f"seal {c.seal_number or '—'}, BOL says {c.bol_seal_number}",
                )
            )
    if data.pieces_declared and data.pieces_observed != data.pieces_declared:
        code = (
            DiscrepancyCode.QTY_SHORT
            if data.pieces_observed < data.pieces_declared
            else DiscrepancyCode.QTY_OVER
        )
        raised.append(
            (
                code,
                "",
                f"{data.pieces_observed} pieces counted, {data.pieces_declared} declared",
            )
        )
    if data.weight_declared_g and (
        abs(data.weight_observed_g - data.weight_declared_g) * 100
        > data.weight_declared_g * WEIGHT_TOLERANCE_PERCENT
    ):
        raised.append(
            (
                DiscrepancyCode.WEIGHT_VARIANCE,
                "",
                f"{data.weight_observed_g / 1000:.1f} kg weighed, "
                f"{data.weight_declared_g / 1000:.1f} kg declared",
            )
        )
    for code in data.exceptions:
        if code not in {r[0] for r in raised}:
            raised.append((code, "", "noted at the dock"))
    return raised
