"""Projections: the current-state tables the UI reads, updated from each event in the same
transaction that appends it, and rebuildable from the ledger alone."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from app.ledger.envelope import Envelope
from app.storage import schema

Handler = Callable[[Connection, Envelope], None]


class Projector:
    """Applies events to the projection tables. Stateless; callers pass the connection whose
    transaction also appends the events."""

    def __init__(self) -> None:
        self._handlers: Mapping[str, Handler] = {
            "operator.enrolled": self._operator_enrolled,
            "customer.registered": self._customer_registered,
            "manifest.imported": self._manifest_imported,
            "asset.received": self._asset_received,
            "custody.transferred": self._custody_transferred,
        }

    def apply(self, conn: Connection, envelopes: Iterable[Envelope]) -> None:
        """Update projections for ``envelopes`` (in seq order). Unknown types only index the
        operator, so an event from a newer version never blocks the write path."""
        subjects: list[dict[str, Any]] = []
        for envelope in envelopes:
            handler = self._handlers.get(envelope.type)
            if handler is not None:
                handler(conn, envelope)
            subjects.extend(_subjects_of(envelope))
        if subjects:
            conn.execute(insert(schema.event_subjects).prefix_with("OR IGNORE"), subjects)

    def rebuild(self, conn: Connection, batch_size: int = 5000) -> int:
        """Empty every projection and replay the whole ledger; return the event count."""
        for table in schema.PROJECTION_TABLES:
            conn.execute(delete(table))
        count = 0
        last_seq = 0
        while True:
            rows = conn.execute(
                select(schema.events)
                .where(schema.events.c.seq > last_seq)
                .order_by(schema.events.c.seq)
                .limit(batch_size)
            ).all()
            if not rows:
                return count
            self.apply(conn, [envelope_from_row(row._mapping) for row in rows])
            count += len(rows)
            last_seq = rows[-1].seq

    # ---- handlers ----

    def _operator_enrolled(self, conn: Connection, e: Envelope) -> None:
        p = e.payload
        conn.execute(
            insert(schema.operators).values(
                operator_id=p["operator_id"],
                display_name=p["display_name"],
                badge=p["badge"],
                role=p["role"],
                pin_hash=p["pin_hash"],
                active=True,
                enrolled_seq=e.seq,
            )
        )

    def _customer_registered(self, conn: Connection, e: Envelope) -> None:
        conn.execute(
            insert(schema.customers).values(
                customer_id=e.payload["customer_id"], name=e.payload["name"]
            )
        )

    def _manifest_imported(self, conn: Connection, e: Envelope) -> None:
        p = e.payload
        conn.execute(
            insert(schema.manifests).values(
                manifest_id=p["manifest_id"],
                customer_id=p["customer_id"],
                job_id=p["job_id"],
                source_name=p["source_name"],
                source_sha256=p["source_sha256"],
                line_count=len(p["lines"]),
                imported_seq=e.seq,
            )
        )
        if p["lines"]:
            defaults = {"serial": "", "asset_tag": "", "make": "", "model": "", "device_type": ""}
            conn.execute(
                insert(schema.manifest_lines),
                [
                    {**defaults, "quantity": 1, **line, "manifest_id": p["manifest_id"]}
                    for line in p["lines"]
                ],
            )

    def _asset_received(self, conn: Connection, e: Envelope) -> None:
        p = e.payload
        conn.execute(
            insert(schema.assets).values(
                asset_id=p["asset_id"],
                job_id=p["job_id"],
                manifest_id=p.get("manifest_id", ""),
                line_no=p.get("line_no", 0),
                serial=p.get("serial", ""),
                asset_tag=p.get("asset_tag", ""),
                device_type=p.get("device_type", ""),
                make=p.get("make", ""),
                model=p.get("model", ""),
                custodian=e.operator_id,
                location="receiving dock",
                received_seq=e.seq,
                last_seq=e.seq,
            )
        )
        if p.get("manifest_id") and p.get("line_no"):
            conn.execute(
                update(schema.manifest_lines)
                .where(
                    schema.manifest_lines.c.manifest_id == p["manifest_id"],
                    schema.manifest_lines.c.line_no == p["line_no"],
                )
                .values(received_asset_id=p["asset_id"])
            )

    def _custody_transferred(self, conn: Connection, e: Envelope) -> None:
        p = e.payload
        asset_ids = p.get("asset_ids", [])
        if not asset_ids:
            return
        values: dict[str, Any] = {"custodian": p["to_party"], "last_seq": e.seq}
        if p.get("location"):
            values["location"] = p["location"]
        conn.execute(
            update(schema.assets).where(schema.assets.c.asset_id.in_(asset_ids)).values(values)
        )


def _subjects_of(e: Envelope) -> list[dict[str, Any]]:
    p = e.payload
    found: list[tuple[str, str]] = [("operator", e.operator_id)]
    if e.type == "operator.enrolled":
        found.append(("operator", p["operator_id"]))
    for key, kind in (
        ("asset_id", "asset"),
        ("manifest_id", "manifest"),
        ("customer_id", "customer"),
        ("job_id", "job"),
        ("pallet_id", "pallet"),
    ):
        value = p.get(key)
        if isinstance(value, str) and value:
            found.append((kind, value))
    for key, kind in (("asset_ids", "asset"), ("container_ids", "container")):
        for value in p.get(key, ()):
            found.append((kind, value))
    return [{"subject_kind": k, "subject_id": v, "seq": e.seq} for k, v in dict.fromkeys(found)]


def envelope_from_row(row: Mapping[str, Any]) -> Envelope:
    """Rebuild an :class:`Envelope` from an ``events`` row."""
    return Envelope(
        event_id=row["event_id"],
        station_id=row["station_id"],
        facility_id=row["facility_id"],
        seq=row["seq"],
        hlc_l=row["hlc_l"],
        hlc_c=row["hlc_c"],
        device_time=row["device_time"],
        operator_id=row["operator_id"],
        type=row["type"],
        schema_version=row["schema_version"],
        payload=json.loads(row["payload"]),
        refs=json.loads(row["refs"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        sig=row["sig"],
    )
