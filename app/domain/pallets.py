"""Pallets: types, lifecycle, what may go on which pallet, and pallet numbering.

Pure rules. The services ask :func:`add_refusal` / :func:`transition_refusal` and show the
reason they return; nothing here reads a database.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.domain.errors import UserFacingError
from app.domain.grading import SHIPPED_KINDS, Disposition
from app.domain.ids import is_sscc, sscc18


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

    @property
    def is_sscc(self) -> bool:
        return is_sscc(self.pallet_id)


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


@dataclass(frozen=True, slots=True)
class PalletIdScheme:
    """How pallet IDs are numbered: SSCC-18 from a GS1 company prefix, or an internal scheme
    (``prefix`` + zero-padded number) when the facility has no prefix."""

    gs1_company_prefix: str = ""
    extension_digit: int = 0
    internal_prefix: str = "PAL-"
    internal_digits: int = 6

    def pallet_id(self, number: int) -> str:
        """The ID of the ``number``-th pallet (1-based) of this station's range."""
        if number < 1:
            raise PalletIdInvalid(problem=f"pallet number {number} must be 1 or more")
        if self.gs1_company_prefix:
            try:
                return sscc18(self.gs1_company_prefix, number, self.extension_digit)
            except ValueError as exc:
                raise PalletIdInvalid(problem=str(exc)) from None
        return f"{self.internal_prefix}{number:0{self.internal_digits}d}"


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
