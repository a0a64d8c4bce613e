"""Manifests and receiving: manifest fields, how a scan matches a manifest line, line-level
reconciliation outcomes and discrepancy codes (docs: custody-and-receiving §4-§6). Pure rules."""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.domain.records import positional_constructor

#: A job ID a station and the server both accept (it appears in file names and barcodes).
JOB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: What to tell a person whose job ID does not match :data:`JOB_ID_RE`.
JOB_ID_RULE = "use letters, digits, '-', '_' or '.' (at most 64)"


class ManifestField(enum.StrEnum):
    """What a manifest column can mean. The order is the column-mapping dialog's order."""

    SERIAL = "serial"
    ASSET_TAG = "asset_tag"
    EPC = "epc"
    MAKE = "make"
    MODEL = "model"
    DEVICE_TYPE = "device_type"
    QUANTITY = "quantity"
    WEIGHT = "weight"
    CUSTOMER_REF = "customer_ref"

    @property
    def title(self) -> str:
        return _FIELD_TITLES[self]


_FIELD_TITLES = {
    ManifestField.SERIAL: "Serial number",
    ManifestField.ASSET_TAG: "Asset tag",
    ManifestField.EPC: "RFID EPC",
    ManifestField.MAKE: "Make",
    ManifestField.MODEL: "Model",
    ManifestField.DEVICE_TYPE: "Device type",
    ManifestField.QUANTITY: "Quantity",
    ManifestField.WEIGHT: "Weight",
    ManifestField.CUSTOMER_REF: "Customer reference",
}


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One expected item as read from a customer's file. ``row`` is the file's row number."""

    line_no: int
    row: int
    serial: str = ""
    asset_tag: str = ""
    epc: str = ""
    make: str = ""
    model: str = ""
    device_type: str = ""
    quantity: int = 1
    weight_g: int = 0
    customer_ref: str = ""


@dataclass(frozen=True, slots=True)
class DuplicateIdentifier:
    """An identifier that appears on more than one manifest row."""

    field: ManifestField
    value: str
    rows: tuple[int, ...]


def normalize_identifier(value: str) -> str:
    """How identifiers compare: surrounding blanks and letter case never matter (labels,
    scanners and spreadsheets disagree on both); inner characters do."""
    return value.strip().upper()


def find_duplicates(entries: Iterable[ManifestEntry]) -> tuple[DuplicateIdentifier, ...]:
    """Serials, asset tags and EPCs appearing on more than one row (empty values ignored)."""
    rows: dict[tuple[ManifestField, str], list[int]] = {}
    for entry in entries:
        for fld, value in (
            (ManifestField.SERIAL, entry.serial),
            (ManifestField.ASSET_TAG, entry.asset_tag),
            (ManifestField.EPC, entry.epc),
        ):
            key = normalize_identifier(value)
            if key:
                rows.setdefault((fld, key), []).append(entry.row)
    return tuple(
        DuplicateIdentifier(fld, value, tuple(found))
        for (fld, value), found in rows.items()
        if len(found) > 1
    )


# ---- scans ----


class ScanOutcome(enum.StrEnum):
    """What one scan meant, as the receiving banner shows it."""

    MATCHED = "matched"
    NOT_ON_MANIFEST = "not_on_manifest"
    ALREADY_RECEIVED = "already_received"
    OTHER_JOB = "other_job"

    @property
    def severity(self) -> str:
        """``ok`` (green), ``warn`` (amber) or ``error`` (red)."""
        return {
            ScanOutcome.MATCHED: "ok",
            ScanOutcome.NOT_ON_MANIFEST: "warn",
        }.get(self, "error")


class MatchKey(enum.StrEnum):
    """Which identifier of a manifest line a scan matched, in the order they are tried."""

    SERIAL = "serial"
    ASSET_TAG = "asset_tag"
    EPC = "epc"


MATCH_ORDER: tuple[MatchKey, ...] = (MatchKey.SERIAL, MatchKey.ASSET_TAG, MatchKey.EPC)


@dataclass(frozen=True, slots=True)
class ExpectedLine:
    """A manifest line as receiving sees it (``received_asset_id`` empty: not yet received)."""

    manifest_id: str
    line_no: int
    serial: str
    asset_tag: str
    epc: str
    make: str
    model: str
    device_type: str
    quantity: int
    job_id: str = ""
    received_asset_id: str = ""


@dataclass(frozen=True, slots=True)
class ReceivedItem:
    """An asset received on a job (voided receipts excluded)."""

    asset_id: str
    serial: str
    asset_tag: str
    epc: str
    make: str
    model: str
    device_type: str
    manifest_id: str = ""
    line_no: int = 0  # 0: not on the manifest
    matched_by: str = ""


def classify_scan(
    job_id: str,
    candidates: Sequence[ExpectedLine],
    received: Sequence[ReceivedItem],
    received_job_ids: Sequence[str] = (),
) -> tuple[ScanOutcome, ExpectedLine | None]:
    """Decide a scan's outcome.

    ``candidates``: manifest lines (any job) whose identifier equals the scan, best key first.
    ``received``: assets of *this* job already received under the scanned identifier.
    ``received_job_ids``: other jobs where the identifier was already received.
    Returns the outcome and, when MATCHED, the line to receive against.
    """
    open_here = [c for c in candidates if c.job_id == job_id and not c.received_asset_id]
    if open_here:
        return ScanOutcome.MATCHED, open_here[0]
    if received or any(c.job_id == job_id for c in candidates):
        return ScanOutcome.ALREADY_RECEIVED, None
    if any(c.job_id != job_id for c in candidates) or received_job_ids:
        return ScanOutcome.OTHER_JOB, None
    return ScanOutcome.NOT_ON_MANIFEST, None


@dataclass(frozen=True, slots=True)
class ReceivingCounters:
    """The running counters on the receiving page."""

    expected: int = 0
    received: int = 0
    missing: int = 0
    extra: int = 0


# ---- reconciliation ----


class LineOutcome(enum.StrEnum):
    RECEIVED_MATCHED = "RECEIVED_MATCHED"
    MISSING = "MISSING"
    UNEXPECTED = "UNEXPECTED"
    DUPLICATE = "DUPLICATE"
    MISMATCH = "MISMATCH"


class DiscrepancyCode(enum.StrEnum):
    MISSING = "MISSING"
    EXTRA_UNMANIFESTED = "EXTRA_UNMANIFESTED"
    SERIAL_MISMATCH = "SERIAL_MISMATCH"
    MODEL_MISMATCH = "MODEL_MISMATCH"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    QTY_SHORT = "QTY_SHORT"
    QTY_OVER = "QTY_OVER"
    DRIVE_MISSING = "DRIVE_MISSING"
    DRIVE_EXTRA = "DRIVE_EXTRA"
    UNREADABLE_SERIAL = "UNREADABLE_SERIAL"
    DAMAGED_IN_TRANSIT = "DAMAGED_IN_TRANSIT"
    DAMAGED_ON_ARRIVAL = "DAMAGED_ON_ARRIVAL"
    SEAL_BROKEN = "SEAL_BROKEN"
    SEAL_MISMATCH = "SEAL_MISMATCH"
    WEIGHT_VARIANCE = "WEIGHT_VARIANCE"
    LOCKED_DEVICE = "LOCKED_DEVICE"
    HAZARD = "HAZARD"
    DUPLICATE = "DUPLICATE"
    WRONG_JOB = "WRONG_JOB"
    # Another station received the same item for this job (found by the server after sync).
    DUPLICATE_RECEIPT = "DUPLICATE_RECEIPT"

    @property
    def is_custody_exception(self) -> bool:
        """Escalate and notify the customer (NAID AAA notification policy)."""
        return self in _CUSTODY_EXCEPTIONS

    @property
    def title(self) -> str:
        return self.value.replace("_", " ").capitalize()


_CUSTODY_EXCEPTIONS = frozenset(
    {DiscrepancyCode.DRIVE_MISSING, DiscrepancyCode.SEAL_BROKEN, DiscrepancyCode.SEAL_MISMATCH}
)


class DiscrepancyStatus(enum.StrEnum):
    OPEN = "open"
    CUSTOMER_NOTIFIED = "customer_notified"
    RESOLVED = "resolved"


class Resolution(enum.StrEnum):
    NONE = ""
    FOUND_LATER = "found_later"
    CUSTOMER_CONFIRMED_NOT_SHIPPED = "customer_confirmed_not_shipped"
    WRITTEN_OFF = "written_off"
    MANIFEST_AMENDED = "manifest_amended"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One difference found at receiving; ``key`` identifies it for resolutions."""

    code: DiscrepancyCode
    line_no: int = 0
    identifier: str = ""
    asset_id: str = ""
    container_id: str = ""
    description: str = ""
    note: str = ""
    status: DiscrepancyStatus = DiscrepancyStatus.OPEN
    resolution: Resolution = Resolution.NONE

    @property
    def key(self) -> str:
        return f"{self.code}:{self.line_no}:{self.asset_id}:{self.container_id}:{self.identifier}"


@dataclass(frozen=True, slots=True)
class RaisedDiscrepancy:
    """A discrepancy an operator raised by hand (damage, seal, hazard...)."""

    code: DiscrepancyCode
    line_no: int = 0
    asset_id: str = ""
    container_id: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class LineResult:
    line: ExpectedLine
    outcome: LineOutcome
    asset_id: str = ""


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """A job's receiving result: per-line outcomes, the extras, and every discrepancy."""

    job_id: str
    lines: tuple[LineResult, ...]
    extras: tuple[ReceivedItem, ...]
    discrepancies: tuple[Discrepancy, ...]
    counters: ReceivingCounters
    outcome_counts: dict[LineOutcome, int] = field(default_factory=dict)


# Hot-path constructors (one record per manifest line): see app.domain.records.
make_expected_line = positional_constructor(ExpectedLine)
_make_line_result = positional_constructor(LineResult)
_make_discrepancy = positional_constructor(Discrepancy)


def reconcile(
    job_id: str,
    lines: Sequence[ExpectedLine],
    received: Sequence[ReceivedItem],
    *,
    wrong_job_scans: Sequence[tuple[str, str]] = (),
    raised: Sequence[RaisedDiscrepancy] = (),
) -> Reconciliation:
    """Reconcile a job per serial.

    ``wrong_job_scans``: (identifier, other job) for items of another job found in this one.
    Every manifest line ends RECEIVED_MATCHED, MISSING, DUPLICATE or MISMATCH; every item
    received off-manifest is UNEXPECTED unless it explains a missing line (same asset tag or
    serial as the line, the other identifier differing: MISMATCH / SERIAL_MISMATCH).
    Linear in the number of lines and items.
    """
    # Reconciling a 100k-line job is dominated by per-line overhead: keys are normalised once
    # per line (inline: same rule as normalize_identifier), the common case (a missing line,
    # no off-manifest items to explain it) takes no lookups, descriptions are shared between
    # lines of the same make/model/type, and the records are built by positional constructors.
    serial_keys = [ln.serial.strip().upper() for ln in lines]
    serial_count = Counter(serial_keys)
    extras = [item for item in received if not item.line_no]
    # Off-manifest items by identifier, to explain missing lines (tag matches, serial differs).
    extra_by_tag = {normalize_identifier(x.asset_tag): x for x in extras if x.asset_tag.strip()}
    extra_by_serial = {normalize_identifier(x.serial): x for x in extras if x.serial.strip()}
    may_explain = bool(extra_by_tag or extra_by_serial)
    explained: set[str] = set()
    results: list[LineResult] = []
    discrepancies: list[Discrepancy] = []
    add_result = results.append
    add_discrepancy = discrepancies.append
    descriptions: dict[tuple[str, str, str], str] = {}
    missing, missing_code = LineOutcome.MISSING, DiscrepancyCode.MISSING
    open_status, no_resolution = DiscrepancyStatus.OPEN, Resolution.NONE
    make_line_result, make_discrepancy = _make_line_result, _make_discrepancy
    for line, serial_key in zip(lines, serial_keys, strict=True):
        if line.received_asset_id:
            outcome = LineOutcome.RECEIVED_MATCHED
            if serial_key and serial_count[serial_key] > 1:
                outcome = LineOutcome.DUPLICATE
                add_discrepancy(
                    Discrepancy(
                        DiscrepancyCode.DUPLICATE,
                        line_no=line.line_no,
                        identifier=line.serial,
                        asset_id=line.received_asset_id,
                        description=f"serial {line.serial} appears on more than one line",
                    )
                )
            add_result(LineResult(line, outcome, line.received_asset_id))
            continue
        if may_explain:
            partner = None
            tag_key = normalize_identifier(line.asset_tag)
            if tag_key and tag_key in extra_by_tag:
                partner = extra_by_tag[tag_key]
            elif serial_key and serial_key in extra_by_serial:
                partner = extra_by_serial[serial_key]
            if partner is not None and partner.asset_id not in explained:
                explained.add(partner.asset_id)
                add_result(LineResult(line, LineOutcome.MISMATCH, partner.asset_id))
                add_discrepancy(
                    Discrepancy(
                        DiscrepancyCode.SERIAL_MISMATCH,
                        line_no=line.line_no,
                        identifier=line.serial or line.asset_tag,
                        asset_id=partner.asset_id,
                        description=(
                            f"manifest: tag {line.asset_tag or '—'} serial {line.serial or '—'}; "
                            f"received: tag {partner.asset_tag or '—'} "
                            f"serial {partner.serial or '—'}"
                        ),
                    )
                )
                continue
        add_result(make_line_result(line, missing, ""))
        what = (line.make, line.model, line.device_type)
        description = descriptions.get(what)
        if description is None:
            description = descriptions[what] = " ".join(filter(None, what))
        add_discrepancy(
            make_discrepancy(
                missing_code,
                line.line_no,
                line.serial or line.asset_tag or line.epc,
                "",  # asset_id
                "",  # container_id
                description,
                "",  # note
                open_status,
                no_resolution,
            )
        )
    unexpected = tuple(x for x in extras if x.asset_id not in explained)
    for item in unexpected:
        discrepancies.append(
            Discrepancy(
                DiscrepancyCode.EXTRA_UNMANIFESTED,
                identifier=item.serial or item.asset_tag or item.epc,
                asset_id=item.asset_id,
                description=" ".join(filter(None, (item.make, item.model, item.device_type))),
            )
        )
    for identifier, other_job in dict.fromkeys(wrong_job_scans):
        discrepancies.append(
            Discrepancy(
                DiscrepancyCode.WRONG_JOB,
                identifier=identifier,
                description=f"belongs to job {other_job}"
                if other_job
                else "belongs to another job",
            )
        )
    for r in raised:
        discrepancies.append(
            Discrepancy(
                r.code,
                line_no=r.line_no,
                asset_id=r.asset_id,
                container_id=r.container_id,
                note=r.note,
                description=r.note,
            )
        )
    outcome_counts = Counter(r.outcome for r in results)
    outcome_counts[LineOutcome.UNEXPECTED] = len(unexpected)
    received_lines = sum(1 for ln in lines if ln.received_asset_id)
    counters = ReceivingCounters(
        expected=len(lines),
        received=received_lines,
        missing=len(lines) - received_lines,
        extra=len(extras),
    )
    return Reconciliation(
        job_id=job_id,
        lines=tuple(results),
        extras=unexpected,
        discrepancies=tuple(discrepancies),
        counters=counters,
        outcome_counts=dict(outcome_counts),
    )


def apply_resolutions(
    discrepancies: Sequence[Discrepancy],
    resolutions: dict[str, tuple[Resolution, str]],
) -> tuple[Discrepancy, ...]:
    """Attach the supervisor's resolutions (by discrepancy key): a resolution resolves it."""
    out = []
    for d in discrepancies:
        chosen = resolutions.get(d.key)
        if chosen is None:
            out.append(d)
            continue
        resolution, note = chosen
        status = DiscrepancyStatus.RESOLVED if resolution else DiscrepancyStatus.OPEN
        out.append(
            Discrepancy(
                d.code,
                line_no=d.line_no,
                identifier=d.identifier,
                asset_id=d.asset_id,
                container_id=d.container_id,
                description=d.description,
                note=note or d.note,
                status=status,
                resolution=resolution,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class JobSummary:
    """A receiving job as the job chooser lists it."""

    job_id: str
    customer_id: str
    customer_name: str
    status: str  # open | closed
    line_count: int
    manifest_ids: str
    inbound_recorded: bool

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class ReceiptRef:
    """The newest receipt of a job (what "undo last scan" voids)."""

    asset_id: str
    event_id: str
    identifier: str
