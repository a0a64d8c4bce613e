"""Every event type the station writes, with its payload schema. One place lists them all.

Payloads use integers for measured values (grams, milliseconds, bytes) and strings for
decimals: floats are refused so that RFC 8785 canonical JSON is the same in every language.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.domain.roles import Role

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class Payload(BaseModel):
    """Base of every payload: strict, immutable, no unknown fields, no floats."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    # Human summary template used by the Custody log; fields come from the payload.
    summary_template: ClassVar[str] = ""

    def summary(self) -> str:
        """A one-line, human-readable description for the Custody log."""
        return self.summary_template.format(**self.model_dump())


class StationInitialized(Payload):
    event_type = "station.initialized"
    summary_template = "Station {station_name} initialised (key {public_key_hex:.16}…)"
    station_name: NonEmpty
    public_key_hex: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    software_version: NonEmpty


class OperatorEnrolled(Payload):
    event_type = "operator.enrolled"
    summary_template = "Operator {display_name} enrolled as {role} (badge {badge})"
    operator_id: NonEmpty
    display_name: NonEmpty
    badge: NonEmpty
    role: Role
    pin_hash: NonEmpty

    # The role arrives as a plain string from stored JSON; strict mode would refuse it.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, use_enum_values=True)


class OperatorSignedIn(Payload):
    event_type = "operator.signed_in"
    summary_template = "{display_name} signed in by {method}"
    display_name: NonEmpty
    method: Annotated[str, StringConstraints(pattern=r"^(badge|name)$")]


class OperatorSignedOut(Payload):
    event_type = "operator.signed_out"
    summary_template = "{display_name} signed out ({reason})"
    display_name: NonEmpty
    reason: NonEmpty


class CustomerRegistered(Payload):
    event_type = "customer.registered"
    summary_template = "Customer {name} ({customer_id}) registered"
    customer_id: NonEmpty
    name: NonEmpty


class ManifestLine(BaseModel):
    """One expected item on a customer manifest."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    line_no: Annotated[int, Field(ge=1)]
    serial: str = ""
    asset_tag: str = ""
    make: str = ""
    model: str = ""
    device_type: str = ""
    quantity: Annotated[int, Field(ge=1)] = 1
    epc: str = ""
    weight_g: Annotated[int, Field(ge=0)] = 0
    customer_ref: str = ""


class ManifestImported(Payload):
    event_type = "manifest.imported"
    summary_template = "Manifest {manifest_id} for job {job_id} imported from {source_name}"
    manifest_id: NonEmpty
    customer_id: NonEmpty
    job_id: NonEmpty
    source_name: NonEmpty
    source_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    lines: tuple[ManifestLine, ...]
    # Large manifests continue in ``manifest.lines_added`` events of the same transaction.
    total_lines: Annotated[int, Field(ge=0)] = 0
    # Manifest field → the file's column header, as the operator confirmed it (remembered per
    # customer for the next import).
    column_mapping: dict[str, str] = Field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"Manifest {self.manifest_id} for job {self.job_id} imported from "
            f"{self.source_name} ({max(self.total_lines, len(self.lines))} lines)"
        )


class ManifestLinesAdded(Payload):
    """A further chunk of a large manifest's lines, appended with its ``manifest.imported``."""

    event_type = "manifest.lines_added"
    manifest_id: NonEmpty
    lines: tuple[ManifestLine, ...]

    def summary(self) -> str:
        first = self.lines[0].line_no if self.lines else 0
        last = self.lines[-1].line_no if self.lines else 0
        return f"Manifest {self.manifest_id}: lines {first} to {last}"


class AssetReceived(Payload):
    event_type = "asset.received"
    summary_template = "Received {make} {model}, serial {serial}, as {asset_id} (job {job_id})"
    asset_id: NonEmpty
    job_id: NonEmpty
    manifest_id: str = ""
    line_no: Annotated[int, Field(ge=0)] = 0  # 0: not on the manifest
    serial: str = ""
    asset_tag: str = ""
    device_type: str = ""
    make: str = ""
    model: str = ""
    scan_source: NonEmpty
    epc: str = ""
    matched_by: str = ""  # serial, asset_tag, epc; empty: not on the manifest
    scanned_value: str = ""


class AssetDescribed(Payload):
    """Quick capture of an item's identity (an unmanifested item, or a corrected label)."""

    event_type = "asset.described"
    summary_template = "{asset_id} described: {device_type} {make} {model}, serial {serial}"
    asset_id: NonEmpty
    serial: str = ""
    asset_tag: str = ""
    device_type: str = ""
    make: str = ""
    model: str = ""


class ScanFlagged(Payload):
    """A scan that received nothing: not on the manifest (until captured as an extra), already
    received, or another job's item. Kept so that no scan is lost and duplicates and wrong-job
    items surface in reconciliation."""

    event_type = "receiving.scan_flagged"
    summary_template = "Scan {value!r} for job {job_id}: {outcome}"
    job_id: NonEmpty
    value: NonEmpty
    outcome: Annotated[
        str, StringConstraints(pattern=r"^(not_on_manifest|already_received|other_job)$")
    ]
    scan_source: NonEmpty
    asset_id: str = ""
    other_job_id: str = ""


class ScanVoided(Payload):
    """Undo of a receiving scan: a correcting event; the voided event stays in the ledger."""

    event_type = "receiving.scan_voided"
    summary_template = "Receipt of {asset_id} (job {job_id}) voided: {reason}"
    job_id: NonEmpty
    asset_id: NonEmpty
    voided_event_id: NonEmpty
    reason: NonEmpty


class ContainerSeal(BaseModel):
    """A container at a handoff: its ID, its seal, and whether the seal was intact."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    container_id: NonEmpty
    seal_number: str = ""
    bol_seal_number: str = ""
    seal_intact: bool = True
    photo_sha256: str = ""


class InboundHandoff(Payload):
    """Carrier → facility at the dock (custody kind ``DOCK_RECEIVE``)."""

    event_type = "custody.inbound_received"
    kind: NonEmpty = "DOCK_RECEIVE"
    job_id: NonEmpty
    carrier: NonEmpty
    driver_name: NonEmpty
    driver_id_method: NonEmpty
    driver_id_ref: str = ""
    vehicle_id: str = ""
    bol_number: NonEmpty
    received_by: NonEmpty
    location: str = ""
    containers: tuple[ContainerSeal, ...] = ()
    piece_count_declared: Count = 0
    piece_count_observed: Count = 0
    weight_declared_g: Count = 0
    weight_observed_g: Count = 0
    photos: tuple[str, ...] = ()
    driver_signature_sha256: str = ""
    receiver_signature_sha256: str = ""
    exceptions: tuple[str, ...] = ()
    notes: str = ""

    @property
    def container_ids(self) -> tuple[str, ...]:
        return tuple(c.container_id for c in self.containers)

    def summary(self) -> str:
        broken = sum(1 for c in self.containers if not c.seal_intact)
        return (
            f"DOCK_RECEIVE: {self.carrier} (driver {self.driver_name}, BOL {self.bol_number}) → "
            f"{self.received_by}, {len(self.containers)} container(s)"
            + (f", {broken} seal(s) broken" if broken else "")
            + f", {self.piece_count_observed}/{self.piece_count_declared} pieces"
        )


class DiscrepancyRaised(Payload):
    event_type = "receiving.discrepancy_raised"
    summary_template = "Discrepancy {code} on job {job_id}: {note}"
    discrepancy_id: NonEmpty
    job_id: NonEmpty
    code: NonEmpty
    manifest_id: str = ""
    line_no: Annotated[int, Field(ge=0)] = 0
    asset_id: str = ""
    container_id: str = ""
    note: str = ""
    photos: tuple[str, ...] = ()


class ClosedDiscrepancy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    code: NonEmpty
    line_no: Annotated[int, Field(ge=0)] = 0
    identifier: str = ""
    asset_id: str = ""
    status: NonEmpty = "open"
    resolution: str = ""
    note: str = ""


class ReceivingClosed(Payload):
    event_type = "receiving.closed"
    summary_template = (
        "Receiving closed for job {job_id}: {received} received of {expected} expected, "
        "{missing} missing, {extra} extra"
    )
    job_id: NonEmpty
    expected: Count
    received: Count
    missing: Count
    extra: Count
    discrepancies: tuple[ClosedDiscrepancy, ...] = ()
    report_pdf_sha256: str = ""
    report_csv_sha256: str = ""


class CustodyTransferred(Payload):
    event_type = "custody.transferred"
    summary_template = "{kind}: {from_party} → {to_party}, {item_count} item(s)"
    kind: NonEmpty
    from_party: NonEmpty
    to_party: NonEmpty
    asset_ids: tuple[NonEmpty, ...] = ()
    container_ids: tuple[NonEmpty, ...] = ()
    location: str = ""
    # Operator-to-operator handoffs: both parties by ID, and how the receiver confirmed.
    from_operator_id: str = ""
    to_operator_id: str = ""
    identity_check: str = ""

    @property
    def item_count(self) -> int:
        return len(self.asset_ids) + len(self.container_ids)

    def summary(self) -> str:
        return self.summary_template.format(
            kind=self.kind,
            from_party=self.from_party,
            to_party=self.to_party,
            item_count=self.item_count,
        )


Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class CheckAnswer(BaseModel):
    """One checklist item of a grade: result (pass/fail/not_tested/not_applicable) and, for a
    measured item, its value (e.g. battery health in %)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    code: NonEmpty
    result: Annotated[str, StringConstraints(pattern=r"^(pass|fail|not_tested|not_applicable)$")]
    value: int | None = None


class GradePhoto(BaseModel):
    """A photo kept content-addressed in the blob store; ``defect_code`` empty: general."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    sha256: Sha256Hex
    defect_code: str = ""
    file_name: str = ""


class AssetGraded(Payload):
    """A grade on two axes (cosmetic, functional) and a disposition, with the rubric's
    suggestion beside what the grader chose. A re-grade names the grade it supersedes."""

    event_type = "asset.graded"
    asset_id: NonEmpty
    rubric_id: NonEmpty
    rubric_version: Annotated[int, Field(ge=1)]
    cosmetic_scale: NonEmpty
    cosmetic_grade: NonEmpty
    functional_scale: NonEmpty
    functional_grade: NonEmpty
    disposition: NonEmpty
    derived_functional_grade: NonEmpty
    derived_disposition: NonEmpty
    derivation_rule: str = ""
    override_reason: str = ""  # set when the grader changed the suggestion
    answers: tuple[CheckAnswer, ...]
    defects: tuple[NonEmpty, ...] = ()
    photos: tuple[GradePhoto, ...] = ()
    notes: Annotated[str, StringConstraints(max_length=4000)] = ""
    supersedes_event_id: str = ""

    def summary(self) -> str:
        text = (
            f"{'Re-graded' if self.supersedes_event_id else 'Graded'} {self.asset_id}: "
            f"cosmetic {self.cosmetic_grade}, functional {self.functional_grade} "
            f"({self.rubric_id} v{self.rubric_version}) → {self.disposition}"
        )
        if self.override_reason:
            text += f", override: {self.override_reason}"
        return text


class RubricPublished(Payload):
    """An admin loaded a grading rubric (or a new version of one). ``body`` is the validated
    rubric data; rubrics become server reference data when sync carries them."""

    event_type = "rubric.published"
    summary_template = "Rubric {rubric_id} v{version} ({title}) published from {source_name}"
    rubric_id: NonEmpty
    version: Annotated[int, Field(ge=1)]
    title: NonEmpty
    source_name: NonEmpty
    source_sha256: Sha256Hex
    body: dict[str, Any]


# ---- pallets and outbound (issue 7) ----


class PalletOpened(Payload):
    event_type = "pallet.opened"
    summary_template = "Pallet {pallet_id} opened ({pallet_type}) for {destination}"
    pallet_id: NonEmpty
    pallet_type: Annotated[
        str,
        StringConstraints(pattern=r"^(resale|reuse|parts|recycle|destruction|return_to_customer)$"),
    ]
    destination: NonEmpty
    number: Annotated[int, Field(ge=1)]  # the station's pallet counter that made the ID


class PalletAssetAdded(Payload):
    event_type = "pallet.asset_added"
    summary_template = "{asset_id} added to pallet {pallet_id} (scanned {scanned_value!r})"
    pallet_id: NonEmpty
    asset_id: NonEmpty
    scanned_value: str = ""
    device_type: str = ""
    disposition: str = ""


class PalletAssetRemoved(Payload):
    event_type = "pallet.asset_removed"
    summary_template = "{asset_id} removed from pallet {pallet_id}: {reason}"
    pallet_id: NonEmpty
    asset_id: NonEmpty
    reason: str = ""


class PalletClosed(Payload):
    event_type = "pallet.closed"
    summary_template = "Pallet {pallet_id} closed with {piece_count} piece(s)"
    pallet_id: NonEmpty
    piece_count: Count


class PalletReopened(Payload):
    event_type = "pallet.reopened"
    summary_template = "Pallet {pallet_id} reopened: {reason}"
    pallet_id: NonEmpty
    reason: NonEmpty


class PalletWeighed(Payload):
    event_type = "pallet.weighed"
    summary_template = "Pallet {pallet_id} weighed: {weight_g} g ({scale})"
    pallet_id: NonEmpty
    weight_g: Annotated[int, Field(ge=1, le=5_000_000)]
    scale: str = "manual entry"


class PalletSealed(Payload):
    event_type = "pallet.sealed"
    summary_template = "Pallet {pallet_id} sealed by {sealed_by}, seals {seal_numbers}"
    pallet_id: NonEmpty
    seal_numbers: Annotated[tuple[NonEmpty, ...], Field(min_length=1, max_length=20)]
    sealed_by: NonEmpty
    piece_count: Count
    weight_g: Count


class PalletUnsealed(Payload):
    """A supervisor broke a pallet's seals to change its contents: recorded, with the reason."""

    event_type = "pallet.unsealed"
    summary_template = "Pallet {pallet_id} unsealed by {unsealed_by}: {reason}"
    pallet_id: NonEmpty
    unsealed_by: NonEmpty
    seal_numbers: tuple[NonEmpty, ...] = ()
    reason: NonEmpty


class PalletShipped(Payload):
    """Facility → carrier at the dock (custody kind ``SHIP_DOWNSTREAM`` or
    ``RETURN_TO_CUSTOMER``); a ``custody.transferred`` of the pallet's assets follows in the same
    transaction and ends their time in the facility."""

    event_type = "pallet.shipped"
    pallet_id: NonEmpty
    kind: Annotated[str, StringConstraints(pattern=r"^(SHIP_DOWNSTREAM|RETURN_TO_CUSTOMER)$")]
    destination: NonEmpty
    carrier: NonEmpty
    driver_name: NonEmpty
    driver_id_method: NonEmpty
    driver_id_ref: str = ""
    vehicle_id: str = ""
    bol_number: str = ""
    released_by: NonEmpty
    seal_numbers: tuple[NonEmpty, ...]
    piece_count_declared: Count
    piece_count_observed: Count
    weight_g: Count
    driver_signature_sha256: Sha256Hex
    shipper_signature_sha256: Sha256Hex
    notes: str = ""

    def summary(self) -> str:
        return (
            f"{self.kind}: pallet {self.pallet_id} → {self.carrier} (driver {self.driver_name}, "
            f"vehicle {self.vehicle_id or '-'}) for {self.destination}, "
            f"{self.piece_count_observed}/{self.piece_count_declared} pieces, "
            f"{self.weight_g} g, seals {', '.join(self.seal_numbers)}"
        )


class LabelPrinted(Payload):
    """A label or document was printed (or saved) for a pallet or asset; reprints included."""

    event_type = "label.printed"
    summary_template = "{document} for {subject_id} {action} to {target} ({format})"
    subject_id: NonEmpty
    pallet_id: str = ""
    asset_id: str = ""
    document: Annotated[str, StringConstraints(pattern=r"^(pallet_label|contents|asset_label)$")]
    format: Annotated[str, StringConstraints(pattern=r"^(zpl|pdf)$")]
    size: str = ""
    target: NonEmpty
    reprint: bool = False
    content_sha256: Sha256Hex

    def summary(self) -> str:
        action = "reprinted" if self.reprint else "printed"
        return self.summary_template.format(**self.model_dump(), action=action)


class PalletBoxOpened(Payload):
    """A box or tote opened on an open pallet (optional: a pallet may hold loose assets only).
    ``box_id`` is the pallet ID + ``-B`` + the box's number on that pallet."""

    event_type = "pallet.box_opened"
    summary_template = "Box {box_id} opened on pallet {pallet_id}"
    pallet_id: NonEmpty
    box_id: NonEmpty
    number: Annotated[int, Field(ge=1, le=999)]


class PalletAssetBoxed(Payload):
    """An asset on the pallet put into one of its open boxes (scanned into the box)."""

    event_type = "pallet.asset_boxed"
    summary_template = "{asset_id} put into box {box_id} on pallet {pallet_id}"
    pallet_id: NonEmpty
    box_id: NonEmpty
    asset_id: NonEmpty
    scanned_value: str = ""


class PalletAssetUnboxed(Payload):
    """An asset taken out of its box; it stays on the pallet (loose) unless removed after."""

    event_type = "pallet.asset_unboxed"
    summary_template = "{asset_id} taken out of box {box_id}: {reason}"
    pallet_id: NonEmpty
    box_id: NonEmpty
    asset_id: NonEmpty
    reason: str = ""


class PalletBoxClosed(Payload):
    event_type = "pallet.box_closed"
    summary_template = "Box {box_id} on pallet {pallet_id} closed with {piece_count} piece(s)"
    pallet_id: NonEmpty
    box_id: NonEmpty
    piece_count: Count


class MediaRegistered(Payload):
    """A data-bearing medium (drive, flash, phone storage, tape) linked to its host asset;
    scanned in (serial first) or read from ``smartctl -j`` output (``source_sha256``)."""

    event_type = "media.registered"
    summary_template = "Drive {serial} ({kind} {model}) registered on {asset_id}"
    media_id: NonEmpty
    asset_id: str = ""
    kind: NonEmpty
    serial: NonEmpty
    model: str = ""
    capacity_bytes: Annotated[int, Field(ge=0)] = 0
    interface: str = ""
    wwn: str = ""
    power_on_hours: Annotated[int, Field(ge=0)] | None = None
    source: NonEmpty = "scan"
    source_sha256: str = ""


class SanitizationRecorded(Payload):
    """One drive's sanitization attempt: outcome (Clear/Purge/Destroy, "" when the attempt does
    not count) kept apart from technique, tool, verification and the tool's own label. The
    report file is evidence by its SHA-256 (kept content-addressed)."""

    event_type = "sanitization.recorded"
    record_id: NonEmpty
    media_id: NonEmpty
    asset_id: str = ""
    drive_serial: NonEmpty
    media_kind: NonEmpty
    outcome: Annotated[str, StringConstraints(pattern=r"^(|CLEAR|PURGE|DESTROY)$")]
    technique: NonEmpty
    result: NonEmpty
    tool: NonEmpty
    tool_version: str = ""
    tool_method_label: str = ""
    passes: Annotated[int, Field(ge=0)] = 0
    pattern: str = ""
    verification_method: NonEmpty = "tool_completion_status"
    verification_result: str = ""
    standard_basis: NonEmpty = "NIST_800_88_R2"
    started: str = ""
    ended: str = ""
    station_tz: str = ""
    evidence_sha256: str = ""
    evidence_name: str = ""
    route_to_destruction: bool = False
    needs_validation: bool = False
    batch_id: str = ""
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        outcome = self.outcome or "no outcome"
        return (
            f"Drive {self.drive_serial}: {self.technique} by {self.tool} {self.tool_version} → "
            f"{self.result}, {outcome}"
            + (" (route to destruction)" if self.route_to_destruction else "")
        )


class SanitizationReviewRaised(Payload):
    """A drive result in a report that could not be matched (or must not be): kept for review,
    never dropped."""

    event_type = "sanitization.review_raised"
    summary_template = "Review: {file_name} drive {drive_serial!r}: {reason}"
    review_id: NonEmpty
    file_name: NonEmpty
    evidence_sha256: Sha256Hex
    drive_serial: str = ""
    model: str = ""
    result: str = ""
    reason: NonEmpty
    # Position of the drive in the parsed report (0-based; -1 for a report-level item or an
    # event written before this field existed): picks the drive again when the item is
    # assigned, even when several drives share an anonymised serial.
    drive_index: Annotated[int, Field(ge=-1)] = -1


class SanitizationReviewResolved(Payload):
    """A review-list item settled by a person: ``assigned`` to a registered drive (the wipe
    result is then recorded against it by a ``sanitization.recorded`` event, ``record_id``,
    with the original file's SHA-256 as evidence) or ``dismissed`` with a reason."""

    event_type = "sanitization.review_resolved"
    review_id: NonEmpty
    action: Annotated[str, StringConstraints(pattern=r"^(assigned|dismissed)$")]
    evidence_sha256: Sha256Hex
    media_id: str = ""
    asset_id: str = ""
    drive_serial: str = ""
    record_id: str = ""
    matched_by: str = ""  # "scan" or "pick" for an assignment
    reason: str = ""

    def summary(self) -> str:
        if self.action == "assigned":
            return (
                f"Review {self.review_id} assigned to drive {self.drive_serial} "
                f"({self.matched_by}): {self.reason}".rstrip(": ")
            )
        return f"Review {self.review_id} dismissed: {self.reason}"


class DestructionBatchRecorded(Payload):
    """A shred/destroy run: every drive scanned in before the hopper, the equipment, the
    DIN 66399 level, the witness (second operator, badge + PIN) and the counts."""

    event_type = "destruction.batch_recorded"
    batch_id: NonEmpty
    equipment_id: NonEmpty
    din_level: Annotated[str, StringConstraints(pattern=r"^[PFOTHE]-[1-7]$")]
    particle_size_mm: str = ""
    technique: NonEmpty = "SHRED"
    witness_operator_id: NonEmpty
    witness_name: NonEmpty
    media_ids: tuple[NonEmpty, ...]
    serials: tuple[NonEmpty, ...]
    pre_count: Count
    post_count: Count
    output_weight_g: Count = 0
    video_ref: str = ""

    def summary(self) -> str:
        return (
            f"Destruction batch {self.batch_id} on {self.equipment_id} ({self.din_level}): "
            f"{self.post_count}/{self.pre_count} drives, witness {self.witness_name}"
        )


class CertificateIssued(Payload):
    event_type = "certificate.issued"
    certificate_no: NonEmpty
    job_id: NonEmpty
    customer_id: str = ""
    line_count: Count
    line_items_sha256: Sha256Hex
    pdf_sha256: Sha256Hex
    reprint_of: str = ""

    def summary(self) -> str:
        what = f"reprint of {self.reprint_of}" if self.reprint_of else "issued"
        return (
            f"Certificate {self.certificate_no} for job {self.job_id} {what}: "
            f"{self.line_count} drive(s)"
        )


class SampledDrive(BaseModel):
    """One drive of an R2v3 QC sample, and the sanitization record the sample re-checks."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    media_id: NonEmpty
    drive_serial: NonEmpty
    asset_id: str = ""
    record_id: NonEmpty
    wiped_by: NonEmpty  # operator ID on the sampled record: the verifier must be someone else
    tool: NonEmpty
    tool_version: str = ""


class SanitizationSampleDrawn(Payload):
    """R2v3 Appendix B(13) QC: a random sample of at least ``percent``% of the job's logically
    sanitized drives (``population``), drawn for independent verification."""

    event_type = "sanitization.sample_drawn"
    sample_id: NonEmpty
    job_id: NonEmpty
    percent: Annotated[int, Field(ge=1, le=100)]
    population: Count
    selection_method: NonEmpty
    drives: Annotated[tuple[SampledDrive, ...], Field(min_length=1)]

    def summary(self) -> str:
        serials = ", ".join(d.drive_serial for d in self.drives)
        return (
            f"QC sample {self.sample_id} for job {self.job_id}: {len(self.drives)} of "
            f"{self.population} wiped drive(s) ({serials})"
        )


class SanitizationSampleVerified(Payload):
    """The independent verification of one sampled drive. A ``FAILED`` result re-opens the
    batch the drive came from: ``reopened_media_ids`` lists every drive whose passing logical
    outcome stops counting (computed by the service when the result is recorded)."""

    event_type = "sanitization.sample_verified"
    sample_id: NonEmpty
    job_id: NonEmpty
    media_id: NonEmpty
    drive_serial: NonEmpty
    asset_id: str = ""
    verifier_operator_id: NonEmpty
    verifier_name: NonEmpty
    method: NonEmpty  # a verification method (docs/sanitization.md §3), e.g. full_readback
    recovery_tool: str = ""
    result: Annotated[str, StringConstraints(pattern=r"^(PASSED|FAILED)$")]
    notes: str = ""
    batch_rule: str = ""
    reopened_media_ids: tuple[NonEmpty, ...] = ()
    reopened_serials: tuple[NonEmpty, ...] = ()

    def summary(self) -> str:
        text = (
            f"QC sample {self.sample_id}: drive {self.drive_serial} {self.result} "
            f"({self.method}, verified by {self.verifier_name})"
        )
        if self.reopened_media_ids:
            text += f"; batch re-opened: {len(self.reopened_media_ids)} drive(s)"
        return text


class SyncHaltCleared(Payload):
    """A supervisor cleared the stop that sync put itself in after the server rejected an event
    (a fork, a conflict...). Sending resumes; if the cause persists, sync stops again."""

    event_type = "sync.halt_cleared"
    summary_template = "Sync stop cleared: {reason} (it had stopped because: {halted_reason})"
    reason: NonEmpty
    halted_reason: str = ""
    halted_seq: Annotated[int, Field(ge=0)] = 0  # the event the server had rejected


PAYLOAD_TYPES: dict[str, type[Payload]] = {
    cls.event_type: cls
    for cls in (
        StationInitialized,
        OperatorEnrolled,
        OperatorSignedIn,
        OperatorSignedOut,
        CustomerRegistered,
        ManifestImported,
        ManifestLinesAdded,
        AssetReceived,
        AssetDescribed,
        ScanFlagged,
        ScanVoided,
        InboundHandoff,
        DiscrepancyRaised,
        ReceivingClosed,
        CustodyTransferred,
        AssetGraded,
        RubricPublished,
        PalletOpened,
        PalletAssetAdded,
        PalletAssetRemoved,
        PalletClosed,
        PalletReopened,
        PalletWeighed,
        PalletSealed,
        PalletUnsealed,
        PalletShipped,
        LabelPrinted,
        PalletBoxOpened,
        PalletAssetBoxed,
        PalletAssetUnboxed,
        PalletBoxClosed,
        MediaRegistered,
        SanitizationRecorded,
        SanitizationReviewRaised,
        SanitizationReviewResolved,
        DestructionBatchRecorded,
        CertificateIssued,
        SanitizationSampleDrawn,
        SanitizationSampleVerified,
        SyncHaltCleared,
    )
}


def parse_payload(event_type: str, data: dict[str, Any]) -> Payload:
    """Validate stored or incoming payload data against its schema.

    Raises ``KeyError`` for an unknown type and ``pydantic.ValidationError`` for bad data.
    Stored JSON has lists where models hold tuples, so validation runs in JSON mode.
    """
    cls = PAYLOAD_TYPES[event_type]
    return cls.model_validate_json(json.dumps(data))
