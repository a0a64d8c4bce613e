"""Turning validated payload models into drafts for the event store."""

from __future__ import annotations

from app.domain.events import Payload
from app.ledger.chain import EventDraft


def draft(payload: Payload, operator_id: str) -> EventDraft:
    """An :class:`EventDraft` from a validated payload model, acting as ``operator_id``."""
    return EventDraft(
        type=payload.event_type,
        payload=payload.model_dump(mode="json"),
        operator_id=operator_id,
        schema_version=payload.schema_version,
    )
