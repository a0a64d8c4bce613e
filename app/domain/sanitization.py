"""NIST SP 800-88 sanitization: outcomes (Clear / Purge / Destroy) kept apart from techniques,
tools and verification, and the rules that decide which outcome a technique achieved.

Pure: no I/O. The rules follow ``docs/sanitization.md`` §5 (S1-S19); the tool's own label
(e.g. nwipe's "DoD 5220.22-M") is evidence of what the tool claims and never the outcome.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class Outcome(enum.StrEnum):
    """What level was achieved (NIST SP 800-88 "method")."""

    CLEAR = "CLEAR"
    PURGE = "PURGE"
    DESTROY = "DESTROY"


class Technique(enum.StrEnum):
    """What was physically or logically done."""

    OVERWRITE = "OVERWRITE"
    BLOCK_ERASE = "BLOCK_ERASE"
    CRYPTO_ERASE = "CRYPTO_ERASE"
    SANITIZE_OVERWRITE = "SANITIZE_OVERWRITE"
    ATA_SECURITY_ERASE = "ATA_SECURITY_ERASE"
    ATA_ENHANCED_SECURITY_ERASE = "ATA_ENHANCED_SECURITY_ERASE"
    NVME_FORMAT_UDE = "NVME_FORMAT_UDE"
    NVME_FORMAT_CE = "NVME_FORMAT_CE"
    TCG_CE = "TCG_CE"
    DEGAUSS = "DEGAUSS"
    SHRED = "SHRED"
    DISINTEGRATE = "DISINTEGRATE"
    PULVERIZE = "PULVERIZE"
    CRUSH = "CRUSH"
    INCINERATE = "INCINERATE"
    MELT = "MELT"
    FACTORY_RESET = "FACTORY_RESET"
    VERIFY_ONLY = "VERIFY_ONLY"


PHYSICAL_TECHNIQUES = frozenset(
    {
        Technique.SHRED,
        Technique.DISINTEGRATE,
        Technique.PULVERIZE,
        Technique.CRUSH,
        Technique.INCINERATE,
        Technique.MELT,
    }
)
_FIRMWARE_PURGE = frozenset(
    {
        Technique.BLOCK_ERASE,
        Technique.SANITIZE_OVERWRITE,
        Technique.NVME_FORMAT_UDE,
        Technique.NVME_FORMAT_CE,
    }
)


class MediaKind(enum.StrEnum):
    HDD = "HDD"
    SSD = "SSD"
    NVME = "NVME"
    FLASH = "FLASH"  # USB sticks, memory cards
    PHONE = "PHONE"
    TAPE = "TAPE"
    UNKNOWN = "UNKNOWN"

    @property
    def is_flash(self) -> bool:
        return self in (MediaKind.SSD, MediaKind.NVME, MediaKind.FLASH, MediaKind.PHONE)

    @property
    def is_magnetic(self) -> bool:
        return self in (MediaKind.HDD, MediaKind.TAPE)


class WipeResult(enum.StrEnum):
    """How the run ended, as the tool reported it (after the consistency checks)."""

    PASSED = "PASSED"
    PARTIAL_WARNING = "PARTIAL_WARNING"  # erased, but hidden sectors / retries: needs validation
    UNVERIFIED = "UNVERIFIED"  # firmware command "has completed" without explicit success
    FAILED = "FAILED"
    ABORTED = "ABORTED"


class Verification(enum.StrEnum):
    NONE = "none"
    TOOL_COMPLETION_STATUS = "tool_completion_status"
    FULL_READBACK = "full_readback"
    SAMPLED_READBACK = "sampled_readback"
    BEFORE_AFTER_CE_COMPARE = "before_after_ce_compare"
    VISUAL_PARTICLE_CHECK = "visual_particle_check"
    SECONDARY_TOOL = "secondary_tool"


#: The standard a new certificate cites (rule S19).
STANDARD_BASIS = "NIST SP 800-88 Rev. 2; technique per IEEE 2883-2022"
#: nwipe -q and other anonymisers print this instead of the serial (rule S12).
ANONYMISED_SERIAL_RE = re.compile(r"^X{4,}$")
_PLACEHOLDER_SERIALS = frozenset({"", "NONE", "N/A", "UNKNOWN", "0", "DEFAULT STRING"})
DIN_LEVEL_RE = re.compile(r"^[PFOTHE]-[1-7]$")


def usable_serial(serial: str) -> bool:
    """False for an empty, placeholder or anonymised serial: such a report is never matched."""
    value = serial.strip().upper()
    return value not in _PLACEHOLDER_SERIALS and not ANONYMISED_SERIAL_RE.match(value)


def normalise_serial(serial: str) -> str:
    return serial.strip().upper()


@dataclass(frozen=True, slots=True)
class Classification:
    """The outcome the rules grant (``None``: the record does not count as sanitization), and
    what the record needs: destruction, validation, and the notes explaining why."""

    outcome: Outcome | None
    route_to_destruction: bool = False
    needs_validation: bool = False
    notes: tuple[str, ...] = ()

    @property
    def passing(self) -> bool:
        return self.outcome is not None


def classify(  # noqa: PLR0912 - one branch per rule, in the order the docs list them
    technique: Technique,
    media: MediaKind,
    result: WipeResult,
    *,
    ce_conditions_documented: bool = False,
    tool_claim: str = "",
) -> Classification:
    """Derive the outcome from technique + media type + result (rule S1), never from a label.

    S2 every overwrite is Clear; S3 ATA Security Erase on flash is Clear, Enhanced on an HDD is
    Purge; S4 degaussing flash never counts; S5 firmware commands are Purge only on reported
    success; S6 CE is Purge only with documented conditions; S7 verify-only is no sanitization;
    S9 failed/aborted routes to destruction; S11 a factory reset alone is not sanitization;
    S18 a tool claim above the derived outcome is flagged for validation.
    """
    notes: list[str] = []
    if technique is Technique.VERIFY_ONLY:
        return Classification(None, notes=("a verify-only run is not a sanitization (S7)",))
    if result in (WipeResult.FAILED, WipeResult.ABORTED):
        return Classification(
            None,
            route_to_destruction=True,
            notes=(f"{result.value.lower()} sanitization: route the drive to destruction (S9)",),
        )
    outcome: Outcome | None
    if technique in PHYSICAL_TECHNIQUES:
        outcome = Outcome.DESTROY
    elif technique is Technique.OVERWRITE or technique is Technique.ATA_SECURITY_ERASE:
        outcome = Outcome.CLEAR
    elif technique is Technique.ATA_ENHANCED_SECURITY_ERASE:
        outcome = Outcome.CLEAR if media.is_flash or media is MediaKind.UNKNOWN else Outcome.PURGE
        if media.is_flash:
            notes.append("ATA Security Erase on flash media counts as Clear only (S3)")
    elif technique is Technique.DEGAUSS:
        if not media.is_magnetic:
            return Classification(
                None,
                route_to_destruction=True,
                needs_validation=True,
                notes=("degaussing does not sanitize flash or unknown media (S4)",),
            )
        outcome = Outcome.PURGE
    elif technique in (Technique.CRYPTO_ERASE, Technique.TCG_CE):
        outcome = Outcome.PURGE if ce_conditions_documented else Outcome.CLEAR
        if not ce_conditions_documented:
            notes.append("crypto erase without documented CE conditions counts as Clear (S6)")
    elif technique in _FIRMWARE_PURGE:
        outcome = Outcome.PURGE
    elif technique is Technique.FACTORY_RESET:
        return Classification(
            None,
            needs_validation=True,
            notes=("a factory reset alone is not logical sanitization (S11)",),
        )
    else:  # pragma: no cover - every technique is handled above
        outcome = None
    needs_validation = False
    if result is WipeResult.UNVERIFIED:
        needs_validation = True
        if outcome is Outcome.PURGE:
            outcome = Outcome.CLEAR
            notes.append("no explicit success reported: not accepted as Purge until verified (S5)")
    if result is WipeResult.PARTIAL_WARNING:
        needs_validation = True
        notes.append("hidden sectors or retries reported: validation required (S8)")
    claim = tool_claim.upper()
    if outcome is not None and "PURGE" in claim and outcome is Outcome.CLEAR:
        needs_validation = True
        notes.append(f"tool claims {tool_claim!r}; the rules give Clear (S18)")
    return Classification(outcome, needs_validation=needs_validation, notes=tuple(notes))


@dataclass(frozen=True, slots=True)
class DriveIdentity:
    """A drive as a report or ``smartctl`` describes it."""

    serial: str
    model: str = ""
    kind: MediaKind = MediaKind.UNKNOWN
    capacity_bytes: int = 0
    interface: str = ""
    wwn: str = ""
    power_on_hours: int | None = None
    firmware: str = ""


@dataclass(frozen=True, slots=True)
class DriveWipe:
    """One drive's result in a wipe report, as parsed (before matching and classification)."""

    drive: DriveIdentity
    technique: Technique
    result: WipeResult
    tool: str
    tool_version: str
    tool_method_label: str = ""
    passes: int = 0
    pattern: str = ""
    verification: Verification = Verification.TOOL_COMPLETION_STATUS
    verification_result: str = ""
    started: str = ""  # ISO 8601; local time without zone when the tool gives no zone
    ended: str = ""
    errors: str = ""
    device: str = ""
    host_serial: str = ""
    host_asset_tag: str = ""
    notes: tuple[str, ...] = ()
    #: Non-empty when the parser cannot classify this result (e.g. a wipe method the rules do
    #: not know): the result goes to the review list with this reason, never counted passing.
    review_reason: str = ""


@dataclass(frozen=True, slots=True)
class WipeReport:
    """A parsed report file: its drives and the report-level problems found while parsing."""

    file_name: str
    sha256: str
    tool: str
    tool_version: str
    drives: tuple[DriveWipe, ...]
    problems: tuple[str, ...] = ()
    ignored_lines: int = 0


@dataclass(frozen=True, slots=True)
class Medium:
    """A registered data-bearing medium and its best sanitization state."""

    media_id: str
    asset_id: str
    kind: str
    serial: str
    model: str
    capacity_bytes: int = 0
    interface: str = ""
    wwn: str = ""
    power_on_hours: int | None = None
    outcome: str = ""  # best passing outcome recorded; "" = none
    last_result: str = ""
    route_to_destruction: bool = False
    voided_reason: str = ""  # why a once-passing outcome stopped counting (failed QC sample)

    @property
    def sanitized(self) -> bool:
        return bool(self.outcome)


def blocking_media(media: Iterable[Medium]) -> list[Medium]:
    """The media that keep their host data-bearing: those with no passing outcome."""
    return [m for m in media if not m.sanitized]


def sample_size(wiped: int, percent: int = 5) -> int:
    """R2v3 QC: at least ``percent``% of wiped drives (rounded up), at least one when any."""
    if wiped <= 0:
        return 0
    return max(1, -(-wiped * percent // 100))


@dataclass(frozen=True, slots=True)
class CertificateLine:
    drive_serial: str
    asset_id: str
    kind: str
    model: str
    outcome: str
    technique: str
    tool: str
    result: str
    date: str
    operator: str
    evidence_sha256: str


@dataclass(frozen=True, slots=True)
class CertificateData:
    certificate_no: str
    customer: str
    job_id: str
    facility: str
    issued: str
    lines: Sequence[CertificateLine]
    signers: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    standard: str = STANDARD_BASIS
    line_items_sha256: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SanitizationRow:
    """One recorded attempt, as the results table shows it."""

    seq: int
    record_id: str
    media_id: str
    asset_id: str
    drive_serial: str
    media_kind: str
    outcome: str
    technique: str
    result: str
    tool: str
    tool_version: str
    tool_method_label: str
    ended: str
    evidence_sha256: str
    evidence_name: str
    operator: str
    batch_id: str
    needs_validation: bool
    route_to_destruction: bool
    operator_id: str = ""


@dataclass(frozen=True, slots=True)
class ReviewItem:
    review_id: str
    seq: int
    file_name: str
    evidence_sha256: str
    drive_serial: str
    model: str
    result: str
    reason: str
    drive_index: int = -1


#: Verification methods an independent QC check may use (docs/sanitization.md §3, §7): each
#: reads the media back or uses a second tool; the wiping tool's own status is not a check.
QC_METHODS = (
    Verification.FULL_READBACK,
    Verification.SAMPLED_READBACK,
    Verification.SECONDARY_TOOL,
    Verification.BEFORE_AFTER_CE_COMPARE,
)


@dataclass(frozen=True, slots=True)
class SampleDriveRow:
    """One drive of an R2v3 QC sample and, once recorded, its independent verification."""

    sample_id: str
    job_id: str
    media_id: str
    drive_serial: str
    asset_id: str
    record_id: str
    wiped_by: str
    tool: str
    status: str  # pending | PASSED | FAILED
    verifier: str
    method: str
    recovery_tool: str
    notes: str
    reopened_count: int
    sample_status: str  # pending | passed | failed
    wiped_by_name: str = ""


@dataclass(frozen=True, slots=True)
class HostAsset:
    asset_id: str
    job_id: str
    serial: str
    asset_tag: str
    device_type: str
    make: str
    model: str
