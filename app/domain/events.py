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


class ManifestImported(Payload):
    event_type = "manifest.imported"
    summary_template = "Manifest {manifest_id} for job {job_id} imported from {source_name}"
    manifest_id: NonEmpty
    customer_id: NonEmpty
    job_id: NonEmpty
    source_name: NonEmpty
    source_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    lines: tuple[ManifestLine, ...]

    def summary(self) -> str:
        return (
            f"Manifest {self.manifest_id} for job {self.job_id} imported from "
            f"{self.source_name} ({len(self.lines)} lines)"
        )


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


class CustodyTransferred(Payload):
    event_type = "custody.transferred"
    summary_template = "{kind}: {from_party} → {to_party}, {item_count} item(s)"
    kind: NonEmpty
    from_party: NonEmpty
    to_party: NonEmpty
    asset_ids: tuple[NonEmpty, ...] = ()
    container_ids: tuple[NonEmpty, ...] = ()
    location: str = ""

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


PAYLOAD_TYPES: dict[str, type[Payload]] = {
    cls.event_type: cls
    for cls in (
        StationInitialized,
        OperatorEnrolled,
        OperatorSignedIn,
        OperatorSignedOut,
        CustomerRegistered,
        ManifestImported,
        AssetReceived,
        CustodyTransferred,
    )
}


def parse_payload(event_type: str, data: dict[str, Any]) -> Payload:
    """Validate stored or incoming payload data against its schema.

    Raises ``KeyError`` for an unknown type and ``pydantic.ValidationError`` for bad data.
    Stored JSON has lists where models hold tuples, so validation runs in JSON mode.
    """
    cls = PAYLOAD_TYPES[event_type]
    return cls.model_validate_json(json.dumps(data))
