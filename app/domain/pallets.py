"""Pallets: types, lifecycle, what may go on which pallet, and pallet numbering.

Pure rules. The services ask :func:`add_refusal` / :func:`transition_refusal` and show the
reason they return; nothing here reads a database.
"""

from __future__ import annotations

import base64
import enum
import hashlib
from dataclasses import dataclass

from app.domain.errors import UserFacingError
from app.domain.grading import SHIPPED_KINDS, Disposition
from app.domain.ids import SSCC_LENGTH, is_sscc, sscc18


class PalletType(enum.StrEnum):
    RESALE = "resale"
    REUSE = "reuse"
    PARTS = "parts"
    RECYCLE = "recycle"
    DESTRUCTION = "destruction"
    RETURN_TO_CUSTOMER = "return_to_customer"

    @property
    def title(self) -> str:
        return {
            PalletType.RESALE: "Resale",
            PalletType.REUSE: "Reuse",
            PalletType.PARTS: "Parts",
            PalletType.RECYCLE: "Recycle",
            PalletType.DESTRUCTION: "Destruction",
            PalletType.RETURN_TO_CUSTOMER: "Return to customer",
        }[self]

    @property
    def ship_kind(self) -> str:
        """The custody kind of this pallet's outbound handoff."""
        return "RETURN_TO_CUSTOMER" if self is PalletType.RETURN_TO_CUSTOMER else "SHIP_DOWNSTREAM"


#: Dispositions each pallet type accepts. HOLD and QUARANTINE_HAZARD go on no pallet.
ALLOWED_DISPOSITIONS: dict[PalletType, frozenset[Disposition]] = {
    PalletType.RESALE: frozenset({Disposition.REUSE_RESALE}),
    PalletType.REUSE: frozenset({Disposition.REUSE_RESALE, Disposition.REFURBISH_REPAIR}),
    PalletType.PARTS: frozenset({Disposition.PARTS_HARVEST}),
    PalletType.RECYCLE: frozenset({Disposition.RECYCLE}),
    PalletType.DESTRUCTION: frozenset({Disposition.DESTROY}),
    PalletType.RETURN_TO_CUSTOMER: frozenset({Disposition.RETURN_TO_CUSTOMER}),
}
#: Pallet types that take an asset nobody graded yet (shred everything; send it all back).
UNGRADED_ALLOWED = frozenset({PalletType.DESTRUCTION, PalletType.RETURN_TO_CUSTOMER})
#: Pallet types on which a data-bearing asset is refused.
DATA_FREE_TYPES = frozenset({PalletType.RESALE, PalletType.REUSE})
#: Device types shipped with lithium batteries: the label carries the hazard flag.
LITHIUM_DEVICE_TYPES = frozenset({"laptop", "phone", "tablet", "smartphone", "notebook", "ups"})


class PalletStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    WEIGHED = "weighed"
    SEALED = "sealed"
    SHIPPED = "shipped"


class PalletAction(enum.StrEnum):
    ADD = "add assets to"
    REMOVE = "remove assets from"
    CLOSE = "close"
    REOPEN = "reopen"
    WEIGH = "weigh"
    SEAL = "seal"
    UNSEAL = "unseal"
    SHIP = "ship"


#: Which status each action needs.
_ALLOWED_FROM: dict[PalletAction, frozenset[PalletStatus]] = {
    PalletAction.ADD: frozenset({PalletStatus.OPEN}),
    PalletAction.REMOVE: frozenset({PalletStatus.OPEN}),
    PalletAction.CLOSE: frozenset({PalletStatus.OPEN}),
    PalletAction.REOPEN: frozenset({PalletStatus.CLOSED, PalletStatus.WEIGHED}),
    PalletAction.WEIGH: frozenset({PalletStatus.CLOSED, PalletStatus.WEIGHED}),
    PalletAction.SEAL: frozenset({PalletStatus.WEIGHED}),
    PalletAction.UNSEAL: frozenset({PalletStatus.SEALED}),
    PalletAction.SHIP: frozenset({PalletStatus.SEALED}),
}


class PalletRefused(UserFacingError):
    """An asset may not go on (or come off) a pallet, or a step is out of order."""

    code = "pallet.refused"
    template = "{subject}: {reason}."


class PalletNotFound(UserFacingError):
    code = "pallet.not_found"
    template = "No pallet '{value}' at this station."


class BoxNotFound(UserFacingError):
    code = "pallet.box_not_found"
    template = "No box '{value}' at this station."


class PalletIdInvalid(UserFacingError):
    code = "pallet.id_scheme"
    template = "Pallet numbering: {problem}."


@dataclass(frozen=True, slots=True)
class Pallet:
    """A pallet as the projection holds it."""

    pallet_id: str
    pallet_type: PalletType
    destination: str
    status: PalletStatus
    piece_count: int
    weight_g: int
    seal_numbers: tuple[str, ...]
    sealed_by: str
    sealed_at: str
    opened_at: str
    lithium_count: int = 0
    labels_printed: int = 0
    shipped_at: str = ""
    box_count: int = 0  # boxes/totes opened on the pallet (0: loose assets only)
    open_boxes: int = 0

    @property
    def is_sscc(self) -> bool:
        return is_sscc(self.pallet_id)


class BoxStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class PalletBox:
    """A box or tote within a pallet, as the projection holds it."""

    box_id: str
    pallet_id: str
    number: int
    status: BoxStatus
    piece_count: int

    @property
    def label(self) -> str:
        """The short name shown beside its assets: ``B01``."""
        return box_label(self.number)


def box_label(number: int) -> str:
    return f"B{number:02d}"


def box_id_for(pallet_id: str, number: int) -> str:
    """The ID of box ``number`` on ``pallet_id`` (scannable; unique wherever the pallet ID
    is)."""
    return f"{pallet_id}-{box_label(number)}"


#: Pallet statuses in which a box may be closed (a box left open is closed before sealing).
BOX_CLOSABLE = frozenset({PalletStatus.OPEN, PalletStatus.CLOSED, PalletStatus.WEIGHED})


def box_refusal(pallet: Pallet, box: PalletBox, *, closing: bool = False) -> str | None:  # noqa: PLR0911 - one reason per rule
    """Why assets may not go into (or come out of) ``box``, or it may not be closed; None if
    they may."""
    if box.pallet_id != pallet.pallet_id:
        return f"box {box.box_id} is on pallet {box.pallet_id}, not {pallet.pallet_id}"
    if closing:
        if box.status is BoxStatus.CLOSED:
            return f"box {box.label} is already closed"
        if pallet.status not in BOX_CLOSABLE:
            return f"the pallet is {pallet.status.value}"
        return None
    refused = transition_refusal(pallet, PalletAction.ADD)
    if refused:
        return refused
    if box.status is BoxStatus.CLOSED:
        return f"box {box.label} is closed"
    return None


def seal_refusal(pallet: Pallet) -> str | None:
    """Why ``pallet`` may not be sealed now (besides its status), or None."""
    if pallet.open_boxes:
        return f"{pallet.open_boxes} box(es) on it are still open; close every box before sealing"
    return None


@dataclass(frozen=True, slots=True)
class PalletCandidate:
    """What the rules need to know about an asset scanned onto a pallet."""

    asset_id: str
    status: str  # received | voided
    device_type: str
    disposition: str  # "" when not graded
    data_bearing: bool
    data_bearing_reason: str
    last_custody_kind: str = ""
    on_pallet: str = ""  # the pallet it is on now, "" if none


def transition_refusal(pallet: Pallet, action: PalletAction) -> str | None:
    """Why ``action`` is not allowed on ``pallet`` now, or None."""
    if pallet.status in _ALLOWED_FROM[action]:
        return None
    if action in (PalletAction.ADD, PalletAction.REMOVE) and pallet.status is PalletStatus.SEALED:
        return "the pallet is sealed; a supervisor must unseal it first (the unseal is recorded)"
    if pallet.status is PalletStatus.SHIPPED:
        return "the pallet has shipped"
    needs = " or ".join(s.value for s in sorted(_ALLOWED_FROM[action]))
    return f"cannot {action.value} a {pallet.status.value} pallet (it must be {needs})"


def add_refusal(pallet: Pallet, asset: PalletCandidate) -> str | None:  # noqa: PLR0911
    """Why ``asset`` may not go on ``pallet``, or None. The reason is shown to the operator."""
    refused = transition_refusal(pallet, PalletAction.ADD)
    if refused:
        return refused
    if asset.status != "received":
        return f"its receipt was {asset.status}"
    if asset.last_custody_kind in SHIPPED_KINDS:
        return f"it has already left the facility ({asset.last_custody_kind})"
    if asset.on_pallet == pallet.pallet_id:
        return "it is already on this pallet"
    if asset.on_pallet:
        return f"it is on pallet {asset.on_pallet}; remove it there first"
    if pallet.pallet_type in DATA_FREE_TYPES and asset.data_bearing:
        return (
            f"data-bearing assets may not go on a {pallet.pallet_type.title.lower()} pallet "
            f"({asset.data_bearing_reason})"
        )
    if not asset.disposition:
        if pallet.pallet_type in UNGRADED_ALLOWED:
            return None
        return f"it is not graded; a {pallet.pallet_type.title.lower()} pallet needs a disposition"
    allowed = ALLOWED_DISPOSITIONS[pallet.pallet_type]
    if asset.disposition not in allowed:
        title = _disposition_title(asset.disposition)
        fits = ", ".join(sorted(d.title for d in allowed))
        return (
            f"its disposition is {title}; a {pallet.pallet_type.title.lower()} pallet takes {fits}"
        )
    return None


def _disposition_title(value: str) -> str:
    try:
        return Disposition(value).title
    except ValueError:
        return value


#: Digits of the station code inside an SSCC serial reference: always exactly this many
#: (``"7"`` is used as ``"07"``), so no station's numbers can be another's with a longer code.
SSCC_STATION_DIGITS = 2


@dataclass(frozen=True, slots=True)
class PalletIdScheme:
    """How pallet IDs are numbered, so that stations sharing a GS1 company prefix (or a
    facility without one) never produce the same pallet ID.

    * **SSCC-18** (``gs1_company_prefix`` set): extension digit, company prefix, then the
      serial reference = this station's ``station_code`` as exactly two digits (00-99, unique
      among the stations numbering from that prefix, configured as
      ``station.pallet_station_code``) followed by the station's pallet counter zero-padded to
      the remaining digits, then the GS1 check digit. Two stations differ in the station-code
      digits at the same place, so their SSCCs differ whatever their counters. Without a
      station code an SSCC is refused (a derived two-digit code could collide). Capacity per
      station: ``10 ** (14 - len(prefix)) - 1`` pallets (7-digit prefix: 9,999,999; 10-digit
      prefix: 9,999).
    * **Internal** (no prefix): ``internal_prefix`` + station code + ``-`` + zero-padded
      counter, e.g. ``PAL-07-000123``. The station code is the configured one, or one derived
      from the station's signing key by ``bootstrap`` (5 base-32 characters: two stations
      collide with a chance of about 1 in 33 million; configure codes to rule it out). The
      ``-`` after the code keeps codes of different lengths apart.
      An empty code gives ``PAL-000123`` (a single-station setup, and tests).
    """

    gs1_company_prefix: str = ""
    extension_digit: int = 0
    internal_prefix: str = "PAL-"
    internal_digits: int = 6
    station_code: str = ""

    def __post_init__(self) -> None:
        code = self.station_code
        if code and not (code.isascii() and code.isalnum() and code.upper() == code):
            raise PalletIdInvalid(
                problem=f"station code {code!r} must be upper-case letters and digits"
            )
        if self.gs1_company_prefix and code:
            if not code.isdigit() or len(code) > SSCC_STATION_DIGITS:
                raise PalletIdInvalid(
                    problem=(
                        f"station code {code!r} must be a number from 0 to 99 when pallets "
                        "are numbered as SSCCs"
                    )
                )
            object.__setattr__(self, "station_code", code.zfill(SSCC_STATION_DIGITS))

    def pallet_id(self, number: int) -> str:
        """The ID of the ``number``-th pallet (1-based) of this station's range."""
        if number < 1:
            raise PalletIdInvalid(problem=f"pallet number {number} must be 1 or more")
        if self.gs1_company_prefix:
            return self._sscc(number)
        code = f"{self.station_code}-" if self.station_code else ""
        return f"{self.internal_prefix}{code}{number:0{self.internal_digits}d}"

    def _sscc(self, number: int) -> str:
        if not self.station_code:
            raise PalletIdInvalid(
                problem=(
                    "a GS1 company prefix is set but this station has no pallet station code "
                    "(station.pallet_station_code: 0 to 99, different on every station that "
                    "numbers pallets from the same prefix)"
                )
            )
        width = SSCC_LENGTH - 2 - len(self.gs1_company_prefix)  # serial reference digits
        counter_digits = width - len(self.station_code)
        if counter_digits < 1 or number >= 10**counter_digits:
            raise PalletIdInvalid(
                problem=(
                    f"station {self.station_code} has used all {10**counter_digits - 1:,} "
                    f"SSCC numbers of prefix {self.gs1_company_prefix}; give it a new station "
                    "code or a longer prefix"
                    if counter_digits >= 1
                    else f"prefix {self.gs1_company_prefix} leaves no room for a station code"
                )
            )
        serial_reference = int(f"{self.station_code}{number:0{counter_digits}d}")
        try:
            return sscc18(self.gs1_company_prefix, serial_reference, self.extension_digit)
        except ValueError as exc:
            raise PalletIdInvalid(problem=str(exc)) from None


def derived_station_code(public_key: bytes) -> str:
    """A 5-character code for internal pallet IDs from the station's signing public key (the
    key is random per station): base 32, upper case."""
    digest = hashlib.sha256(b"itad-pallet-station-code\0" + public_key).digest()
    return base64.b32encode(digest)[:5].decode("ascii")


def format_weight_kg(weight_g: int) -> str:
    """``123456`` → ``"123.5 kg"`` (display only; the ledger keeps grams)."""
    return f"{weight_g / 1000:.1f} kg"


def parse_weight_kg(text: str) -> int:
    """Operator-typed kilograms → grams. Raises ``ValueError`` for anything but a positive
    number below 5 tonnes."""
    value = float(text.strip().replace(",", "."))
    grams = round(value * 1000)
    if not 0 < grams <= 5_000_000:
        raise ValueError(f"{text!r} is not a pallet weight in kg")
    return grams


@dataclass(frozen=True, slots=True)
class PalletItem:
    """One asset on a pallet, as the contents list and manifest show it."""

    asset_id: str
    serial: str
    asset_tag: str
    device_type: str
    make: str
    model: str
    disposition: str
    job_id: str
    added_seq: int
    box_id: str = ""  # "" when the asset lies loose on the pallet
