"""Custody: the enumeration of custody kinds, identity checks, and an asset's chain of custody
as spans (who held it, where, from when to when). Docs: custody-and-receiving §2-§3."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class CustodyKind(enum.StrEnum):
    """The ``kind`` of custody events. One place lists them all."""

    PICKUP = "PICKUP"
    LOAD = "LOAD"
    TRANSIT_START = "TRANSIT_START"
    TRANSIT_ARRIVE = "TRANSIT_ARRIVE"
    DOCK_RECEIVE = "DOCK_RECEIVE"
    SEAL_VERIFY = "SEAL_VERIFY"
    UNSEAL = "UNSEAL"
    INTAKE_SCAN = "INTAKE_SCAN"
    MOVE = "MOVE"
    MOVE_TO_SECURE_CAGE = "MOVE_TO_SECURE_CAGE"
    HANDOFF = "HANDOFF"
    ISSUE_TO_TECH = "ISSUE_TO_TECH"
    RETURN_FROM_TECH = "RETURN_FROM_TECH"
    SANITIZE_START = "SANITIZE_START"
    SANITIZE_END = "SANITIZE_END"
    DESTROY = "DESTROY"
    QC_SAMPLE = "QC_SAMPLE"
    SHIP_DOWNSTREAM = "SHIP_DOWNSTREAM"
    RETURN_TO_CUSTOMER = "RETURN_TO_CUSTOMER"
    EXCEPTION = "EXCEPTION"


class IdentityCheck(enum.StrEnum):
    """How a party's identity was checked at a handoff."""

    DRIVERS_LICENCE = "drivers_licence"
    COMPANY_BADGE = "company_badge"
    BADGE_AND_PIN = "badge+pin"
    SIGNATURE_ONLY = "signature_only"
    NONE = "none"

    @property
    def title(self) -> str:
        return {
            IdentityCheck.DRIVERS_LICENCE: "Driver's licence checked",
            IdentityCheck.COMPANY_BADGE: "Carrier badge checked",
            IdentityCheck.BADGE_AND_PIN: "Badge scanned + PIN",
            IdentityCheck.SIGNATURE_ONLY: "Signature only",
            IdentityCheck.NONE: "Not checked",
        }[self]


#: Where a received asset starts: the receiving dock, held by the receiving operator.
RECEIVING_LOCATION = "receiving dock"


@dataclass(frozen=True, slots=True)
class CustodySpan:
    """One interval of an asset's custody: ``holder`` at ``location`` from ``start`` until
    ``end`` (empty: still now). Times are ISO-8601 device times from the events."""

    holder: str
    location: str
    start: str
    end: str
    kind: str
    recorded_by: str
    seq: int


@dataclass(frozen=True, slots=True)
class AssetSummary:
    """What the asset detail view shows at the top."""

    asset_id: str
    job_id: str
    serial: str
    asset_tag: str
    device_type: str
    make: str
    model: str
    custodian: str
    location: str
    status: str


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    container_id: str
    job_id: str
    seal_number: str
    seal_intact: bool
    custodian: str
    location: str


@dataclass(frozen=True, slots=True)
class AssetEvent:
    """An event concerning an asset, oldest first, for its chain of custody."""

    seq: int
    type: str
    device_time: str
    operator_name: str
    payload: dict[str, Any] = field(hash=False)
