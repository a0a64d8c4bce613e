"""Projections: the current-state tables the UI reads, updated from each event in the same
transaction that appends it, and rebuildable from the ledger alone."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from app.ledger.envelope import Envelope
from app.storage import schema

# A handler projects a run of consecutive events of one type, in seq order.
Handler = Callable[[Connection, Sequence[Envelope]], None]

_LINE_DEFAULTS = {"serial": "", "asset_tag": "", "make": "", "model": "", "device_type": ""}

# Statements built once: building and cache-keying a statement per event cost more than the
# rest of the write path together. Bind names carry a ``b_`` prefix because SQLAlchemy reserves
# column names for the SET clause.
_MARK_LINE_RECEIVED = (
    update(schema.manifest_lines)
    .where(
        schema.manifest_lines.c.manifest_id == bindparam("b_manifest_id"),
        schema.manifest_lines.c.line_no == bindparam("b_line_no"),
    )
    .values(received_asset_id=bindparam("b_asset_id"))
)
_MOVE_ASSET = (
    update(schema.assets)
    .where(schema.assets.c.asset_id == bindparam("b_asset_id"))
    .values(
        custodian=bindparam("b_custodian"),
        last_seq=bindparam("b_last_seq"),
        # An empty location in the event keeps the asset where it was.
        location=func.coalesce(bindparam("b_location"), schema.assets.c.location),
    )
)


_INSERT_SUBJECTS = (
    "INSERT OR IGNORE INTO event_subjects (subject_kind, subject_id, seq) VALUES (?, ?, ?)"
)
_INSERT_ASSET = (
    "INSERT INTO assets (asset_id, job_id, manifest_id, line_no, serial, asset_tag, device_type, "
    "make, model, custodian, location, received_seq, last_seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Projector:
    """Applies events to the projection tables. Stateless; callers pass the connection whose
    transaction also appends the events."""

    def __init__(self) -> None:
        self._handlers: Mapping[str, Handler] = {
            "operator.enrolled": self._operators_enrolled,
            "customer.registered": self._customers_registered,
            "manifest.imported": self._manifests_imported,
            "asset.received": self._assets_received,
            "custody.transferred": self._custody_transferred,
        }

    def apply(self, conn: Connection, envelopes: Iterable[Envelope]) -> None:
        """Update projections for ``envelopes`` (in seq order). Unknown types only index the
        operator, so an event from a newer version never blocks the write path.

        Consecutive events of one type are projected together (one executemany per
        statement); runs are applied in order, so the result equals one-by-one application.
        """
        subjects: list[tuple[str, str, int]] = []
        for event_type, run in groupby(envelopes, key=lambda e: e.type):
            batch = list(run)
            handler = self._handlers.get(event_type)
            if handler is not None:
                handler(conn, batch)
            for envelope in batch:
                subjects.extend(_subjects_of(envelope))
        if subjects:
            # Raw driver executemany: the ORM-free Core path still spends ~10 µs per row
            # processing parameters, more than SQLite spends storing them.
            conn.exec_driver_sql(_INSERT_SUBJECTS, subjects)

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

    # ---- handlers: each takes a run of events of its type, in seq order ----

    def _operators_enrolled(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.execute(
            insert(schema.operators),
            [
                {
                    "operator_id": e.payload["operator_id"],
                    "display_name": e.payload["display_name"],
                    "badge": e.payload["badge"],
                    "role": e.payload["role"],
                    "pin_hash": e.payload["pin_hash"],
                    "active": True,
                    "enrolled_seq": e.seq,
                }
                for e in run
            ],
        )

    def _customers_registered(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.execute(
            insert(schema.customers),
            [{"customer_id": e.payload["customer_id"], "name": e.payload["name"]} for e in run],
        )

    def _manifests_imported(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.execute(
            insert(schema.manifests),
            [
                {
                    "manifest_id": e.payload["manifest_id"],
                    "customer_id": e.payload["customer_id"],
                    "job_id": e.payload["job_id"],
                    "source_name": e.payload["source_name"],
                    "source_sha256": e.payload["source_sha256"],
                    "line_count": len(e.payload["lines"]),
                    "imported_seq": e.seq,
                }
                for e in run
            ],
        )
        lines = [
            {**_LINE_DEFAULTS, "quantity": 1, **line, "manifest_id": e.payload["manifest_id"]}
            for e in run
            for line in e.payload["lines"]
        ]
        if lines:
            conn.execute(insert(schema.manifest_lines), lines)

    def _assets_received(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.exec_driver_sql(
            _INSERT_ASSET,
            [
                (
                    e.payload["asset_id"],
                    e.payload["job_id"],
                    e.payload.get("manifest_id", ""),
                    e.payload.get("line_no", 0),
                    e.payload.get("serial", ""),
                    e.payload.get("asset_tag", ""),
                    e.payload.get("device_type", ""),
                    e.payload.get("make", ""),
                    e.payload.get("model", ""),
                    e.operator_id,
                    "receiving dock",
                    e.seq,
                    e.seq,
                )
                for e in run
            ],
        )
        received_lines = [
            {
                "b_manifest_id": e.payload["manifest_id"],
                "b_line_no": e.payload["line_no"],
                "b_asset_id": e.payload["asset_id"],
            }
            for e in run
            if e.payload.get("manifest_id") and e.payload.get("line_no")
        ]
        if received_lines:
            conn.execute(_MARK_LINE_RECEIVED, received_lines)

    def _custody_transferred(self, conn: Connection, run: Sequence[Envelope]) -> None:
        moves = [
            {
                "b_asset_id": asset_id,
                "b_custodian": e.payload["to_party"],
                "b_last_seq": e.seq,
                "b_location": e.payload.get("location") or None,
            }
            for e in run
            for asset_id in e.payload.get("asset_ids", ())
        ]
        if moves:
            conn.execute(_MOVE_ASSET, moves)


def _subjects_of(e: Envelope) -> list[tuple[str, str, int]]:
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
    return [(kind, value, e.seq) for kind, value in dict.fromkeys(found)]


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
