"""Station start-up: the genesis event that binds the ledger to the station key."""

from __future__ import annotations

from app.domain.events import StationInitialized
from app.services.event_drafts import draft
from app.services.operators import SYSTEM_OPERATOR_ID
from app.services.ports import EventAppender


def ensure_initialized(
    events: EventAppender, *, station_name: str, public_key_hex: str, software_version: str
) -> bool:
    """Append ``station.initialized`` as event #1 if the ledger is empty; True if it did."""
    if events.head().seq != 0:
        return False
    payload = StationInitialized(
        station_name=station_name,
        public_key_hex=public_key_hex,
        software_version=software_version,
    )
    events.append([draft(payload, SYSTEM_OPERATOR_ID)])
    return True
