"""Server-owned reference data as it travels to stations (docs: sync-protocol §7, §8).

The server keeps each row as ``(kind, row_id) → body``; stations pull them by cursor and apply the
kinds below into their own tables. The body models here are the contract between the server's
upload paths (which validate before storing) and the station's applier (which validates again and
skips a row that does not fit, keeping it verbatim: a bad row never blocks the pull).

Pure: stdlib and pydantic only.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.domain.events import ManifestLine
from app.domain.roles import Role

NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ReferenceKind(enum.StrEnum):
    """Kinds a station applies into its tables (other kinds are only kept verbatim)."""

    CUSTOMER = "customer"  # row_id = customer_id
    JOB = "job"  # row_id = job_id
    MANIFEST = "manifest"  # row_id = manifest_id
    OPERATOR = "operator"  # row_id = operator_id
    RUBRIC = "rubric"  # row_id = "<rubric id>@<version>"
    RECEIVING_EXCEPTION = "receiving_exception"  # row_id = the server's exception id


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CustomerRef(_Body):
    name: NonEmpty


class JobRef(_Body):
    customer_id: Ident


class ManifestRef(_Body):
    """A manifest uploaded at the server: the same fields as ``manifest.imported``."""

    customer_id: Ident
    job_id: Ident
    source_name: NonEmpty
    source_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    lines: tuple[ManifestLine, ...]


class OperatorRef(_Body):
    display_name: NonEmpty
    badge: NonEmpty
    role: Role
    pin_hash: Annotated[str, StringConstraints(min_length=1)]
    active: bool = True


class RubricRef(_Body):
    """A grading rubric version published at the server: the same body a station's
    ``rubric.published`` carries (validated by ``app.domain.grading.parse_rubric``)."""

    source_name: NonEmpty
    body: dict[str, Any]


class ReceiptParty(_Body):
    """One station's receipt in a cross-station exception."""

    station_id: Ident
    station_name: str = ""
    event_id: str
    asset_id: str
    seq: int
    server_seq: int


class ReceivingExceptionRef(_Body):
    """A contradiction the server found between stations (e.g. the same serial received twice
    for one job by two stations). Both facts stay; a person resolves it."""

    kind: str  # "duplicate_receipt"
    job_id: Ident
    identifier: str  # what matched: the serial (or "manifest line M#n")
    first: ReceiptParty
    second: ReceiptParty
    detected_at_ms: int = Field(ge=0)
    resolved: bool = False

    def party_for(self, station_id: str) -> tuple[ReceiptParty, ReceiptParty] | None:
        """(this station's receipt, the other station's), or None if neither is ours."""
        if self.first.station_id == station_id:
            return self.first, self.second
        if self.second.station_id == station_id:
            return self.second, self.first
        return None
