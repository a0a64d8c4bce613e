"""What the Custody log shows: ledger entries and the filter over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """Filter for the Custody log. Empty fields match everything; times are Unix ms (HLC)."""

    asset_id: str = ""
    pallet_id: str = ""
    operator_id: str = ""
    type_prefix: str = ""
    from_ms: int | None = None
    to_ms: int | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One event as the Custody log lists it."""

    seq: int
    event_id: str
    type: str
    operator_id: str
    operator_name: str
    device_time: str
    hlc_ms: int
    payload: dict[str, Any] = field(hash=False)
    refs: dict[str, Any] = field(hash=False)
    hash: str = ""
    prev_hash: str = ""
    sig: str = ""
