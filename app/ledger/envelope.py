"""The event envelope and the hash that covers it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from app.ledger.canonical import canonical_json

# Every field the hash covers, in documentation order (the canonical form sorts them anyway).
HASHED_FIELDS = (
    "event_id",
    "station_id",
    "facility_id",
    "seq",
    "hlc",
    "device_time",
    "operator_id",
    "type",
    "schema_version",
    "payload",
    "refs",
    "prev_hash",
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """One sealed ledger event: immutable once its ``hash`` and ``sig`` are set."""

    event_id: str
    station_id: str
    facility_id: str
    seq: int
    hlc_l: int
    hlc_c: int
    device_time: str
    operator_id: str
    type: str
    schema_version: int
    payload: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""
    sig: str = ""

    def hashed_body(self) -> dict[str, Any]:
        """The explicit dict the hash covers: every field except ``hash`` and ``sig``."""
        return body_dict(
            event_id=self.event_id,
            station_id=self.station_id,
            facility_id=self.facility_id,
            seq=self.seq,
            hlc_l=self.hlc_l,
            hlc_c=self.hlc_c,
            device_time=self.device_time,
            operator_id=self.operator_id,
            type_=self.type,
            schema_version=self.schema_version,
            payload=self.payload,
            refs=self.refs,
            prev_hash=self.prev_hash,
        )

    def to_wire(self) -> dict[str, Any]:
        """The envelope as it travels: the hashed body plus ``hash`` and ``sig``."""
        wire = self.hashed_body()
        wire["hash"] = self.hash
        wire["sig"] = self.sig
        return wire


def body_dict(
    *,
    event_id: str,
    station_id: str,
    facility_id: str,
    seq: int,
    hlc_l: int,
    hlc_c: int,
    device_time: str,
    operator_id: str,
    type_: str,
    schema_version: int,
    payload: dict[str, Any],
    refs: dict[str, Any],
    prev_hash: str,
) -> dict[str, Any]:
    """Build the hashed dict from flat columns (the verifier uses this on stored rows)."""
    return {
        "event_id": event_id,
        "station_id": station_id,
        "facility_id": facility_id,
        "seq": seq,
        "hlc": {"l": hlc_l, "c": hlc_c},
        "device_time": device_time,
        "operator_id": operator_id,
        "type": type_,
        "schema_version": schema_version,
        "payload": payload,
        "refs": refs,
        "prev_hash": prev_hash,
    }


def digest_of(body: dict[str, Any]) -> bytes:
    """SHA-256 over the canonical JSON of ``body`` (raw 32 bytes)."""
    return hashlib.sha256(canonical_json(body)).digest()
