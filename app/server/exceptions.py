"""Cross-station business exceptions found during ingest (docs: sync-protocol §8).

Two stations receiving the same job offline can both record a receipt of the same serial. Both
facts are true records of what each station did, so both are stored and neither event is
rejected or quarantined; the contradiction becomes an **exception** for a person: a row in
``sync_exceptions`` (shown on the facility page and by the admin API) and a reference row of kind
``receiving_exception`` that the facility's stations pull and show in that job's reconciliation.

Runs inside the ingest transaction, after the events have their ``server_seq``. Concurrency: the
first receipt of each identifier per facility and job is claimed by inserting into
``receipt_keys``; a second station's insert of the same key (even from another server process)
waits for the first transaction to commit and then sees its row, so a duplicate is never missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from app.domain.manifests import normalize_identifier
from app.domain.reference import ReceiptParty, ReceivingExceptionRef, ReferenceKind
from app.ledger.canonical import canonical_json
from app.server import schema
from app.server.admin import put_reference_rows
from app.server.ingest import _insert
from app.sync.wire import WireEvent

RECEIVED = "asset.received"
VOIDED = "receiving.scan_voided"
DUPLICATE_RECEIPT = "duplicate_receipt"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event: WireEvent
    server_seq: int


def _keys(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, words) for each identifier a receipt claims."""
    keys = []
    serial = normalize_identifier(str(payload.get("serial", "")))
    if serial:
        keys.append((f"SERIAL:{serial}", f"serial {payload.get('serial', '').strip()}"))
    manifest_id, line_no = payload.get("manifest_id", ""), payload.get("line_no", 0)
    if manifest_id and line_no:
        keys.append((f"LINE:{manifest_id}#{line_no}", f"manifest {manifest_id} line {line_no}"))
    return keys


def detect_receipt_conflicts(
    conn: Connection, facility_id: str, stored: Sequence[StoredEvent], now_ms: int
) -> list[dict[str, Any]]:
    """Index this batch's accepted receipts and voids; record (and publish to the facility)
    every receipt another station already made of the same identifier in the same job.
    Returns the new exception rows."""
    found: list[dict[str, Any]] = []
    table = schema.receipt_keys
    names: dict[str, str] = {}  # station names, read once an exception needs them
    for item in stored:
        event, payload = item.event, item.event.payload
        job_id = str(payload.get("job_id", ""))
        if not job_id:
            continue
        if event.type == VOIDED:
            # A voided receipt no longer claims its identifiers (exceptions already raised
            # stay for the person reviewing them).
            conn.execute(
                table.delete().where(
                    table.c.facility_id == facility_id,
                    table.c.station_id == event.station_id,
                    table.c.event_id == str(payload.get("voided_event_id", "")),
                )
            )
            continue
        if event.type != RECEIVED:
            continue
        seen_pairs: set[str] = set()
        for key, words in _keys(payload):
            claimed = conn.execute(
                _insert(conn, table)
                .values(
                    facility_id=facility_id,
                    job_id=job_id,
                    ident_key=key,
                    station_id=event.station_id,
                    event_id=event.event_id,
                    asset_id=str(payload.get("asset_id", "")),
                    seq=event.seq,
                    server_seq=item.server_seq,
                )
                .on_conflict_do_nothing()
                .returning(table.c.event_id)
            ).first()
            if claimed is not None:
                continue
            first = conn.execute(
                select(table).where(
                    table.c.facility_id == facility_id,
                    table.c.job_id == job_id,
                    table.c.ident_key == key,
                )
            ).one()
            if first.station_id == event.station_id or first.event_id in seen_pairs:
                continue  # the station's own repeat: its own scan logic flags it
            seen_pairs.add(first.event_id)
            if not names:
                names = _station_names(conn)
            row = _record(conn, facility_id, job_id, words, first, item, names, now_ms)
            if row is not None:
                found.append(row)
    return found


def _station_names(conn: Connection) -> dict[str, str]:
    st = schema.stations
    rows = conn.execute(select(st.c.station_id, st.c.station_name))
    return {r.station_id: r.station_name for r in rows}


def _record(  # noqa: PLR0917 - one call site, in this module
    conn: Connection,
    facility_id: str,
    job_id: str,
    words: str,
    first: Any,
    item: StoredEvent,
    names: dict[str, str],
    now_ms: int,
) -> dict[str, Any] | None:
    event = item.event
    ref = ReceivingExceptionRef(
        kind=DUPLICATE_RECEIPT,
        job_id=job_id,
        identifier=words,
        first=ReceiptParty(
            station_id=first.station_id,
            station_name=names.get(first.station_id, ""),
            event_id=first.event_id,
            asset_id=first.asset_id,
            seq=int(first.seq),
            server_seq=int(first.server_seq),
        ),
        second=ReceiptParty(
            station_id=event.station_id,
            station_name=names.get(event.station_id, ""),
            event_id=event.event_id,
            asset_id=str(event.payload.get("asset_id", "")),
            seq=event.seq,
            server_seq=item.server_seq,
        ),
        detected_at_ms=now_ms,
    )
    body = canonical_json(ref.model_dump(mode="json")).decode("utf-8")
    exc = schema.sync_exceptions
    inserted = conn.execute(
        _insert(conn, exc)
        .values(
            kind=DUPLICATE_RECEIPT,
            facility_id=facility_id,
            job_id=job_id,
            identifier=words,
            first_station_id=first.station_id,
            first_event_id=first.event_id,
            second_station_id=event.station_id,
            second_event_id=event.event_id,
            body=body,
            detected_at_ms=now_ms,
            resolved=False,
        )
        .on_conflict_do_nothing()
        .returning(exc.c.exception_id)
    ).first()
    if inserted is None:
        return None
    exception_id = f"X-{inserted.exception_id}"
    put_reference_rows(
        conn,
        ReferenceKind.RECEIVING_EXCEPTION.value,
        {exception_id: ref.model_dump(mode="json")},
        facility_id=facility_id,
    )
    return {"exception_id": exception_id, "body": body}


def accepted(events: Sequence[WireEvent], result: Any) -> list[StoredEvent]:
    """The batch's events stored as ``accepted`` just now (an ``IngestResult``'s receipts),
    in server_seq order. Duplicates were indexed when first stored; quarantined events are
    excluded from projections until reviewed, so they raise nothing either."""
    by_id = {e.event_id: e for e in events}
    out = [
        StoredEvent(by_id[r.event_id], int(r.server_seq))
        for r in result.receipts
        if r.status == "accepted" and r.server_seq is not None and r.event_id in by_id
    ]
    return sorted(out, key=lambda s: s.server_seq)
