"""The station database side of sync (implements ``app.sync.engine.SyncStore``).

Receipts and acknowledgement flags are written in ONE transaction; a reference page and its
cursor in ONE transaction (docs: sync-protocol §6, §7, F1). Event rows are only ever read here.
Any thread; each call uses its own connection.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.domain.sync import (
    CheckpointSeen,
    Enrolment,
    PendingSummary,
    ReferenceChange,
    StoredReceipt,
)
from app.ledger.verify import LedgerRow
from app.storage import reference_projection, schema

_COLUMNS = (
    "e.seq, e.event_id, e.station_id, e.facility_id, e.hlc_l, e.hlc_c, e.device_time, "
    "e.operator_id, e.type, e.schema_version, e.payload, e.refs, e.prev_hash, e.hash, e.sig"
)
# Constant text; every value is a bound parameter.
_UNACKED = (
    "SELECT " + _COLUMNS + " FROM events e LEFT JOIN event_sync_state s ON s.seq = e.seq "  # noqa: S608
    "WHERE e.seq > ? AND (s.acknowledged IS NULL OR s.acknowledged = 0) ORDER BY e.seq LIMIT ?"
)
_FROM_SEQ = "SELECT " + _COLUMNS + " FROM events e WHERE e.seq >= ? ORDER BY e.seq LIMIT ?"  # noqa: S608
# A receipt that acknowledges always wins (a resend after a server restore brings a new
# server_seq); one that does not never un-acknowledges an event acknowledged before.
_UPSERT_RECEIPT = (
    "INSERT INTO event_sync_state (seq, acknowledged, server_seq, receipt) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (seq) DO UPDATE SET "
    "server_seq = CASE WHEN excluded.acknowledged OR NOT event_sync_state.acknowledged "
    "THEN excluded.server_seq ELSE event_sync_state.server_seq END, "
    "receipt = CASE WHEN excluded.acknowledged OR NOT event_sync_state.acknowledged "
    "THEN excluded.receipt ELSE event_sync_state.receipt END, "
    "acknowledged = excluded.acknowledged OR event_sync_state.acknowledged"
)
_FIRST_UNACKED = (
    "SELECT e.seq, e.hlc_l FROM events e LEFT JOIN event_sync_state s ON s.seq = e.seq "
    "WHERE e.seq > ? AND (s.acknowledged IS NULL OR s.acknowledged = 0) ORDER BY e.seq LIMIT 1"
)
#: station_meta key: every event with seq <= this is acknowledged (a scan hint, kept with the
#: receipts in the same transaction, so it is never ahead of them).
ACKED_THROUGH_KEY = "sync.acked_through"
REF_SCOPE = "reference"
_ENROLMENT_KEY = "sync.enrolment"


class SqliteSyncStore:
    """Sync bookkeeping over one station database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _read(self):  # noqa: ANN202 - a SQLAlchemy connection context
        return self._engine.connect().execution_options(station_read_only=True)

    # ---- push side ----

    def pending_rows(self, *, from_seq: int | None, limit: int) -> list[LedgerRow]:
        with self._read() as conn:
            if from_seq is not None:
                cursor = conn.exec_driver_sql(_FROM_SEQ, (from_seq, limit)).cursor
            else:
                after = self._acked_through(conn)
                cursor = conn.exec_driver_sql(_UNACKED, (after, limit)).cursor
            return [LedgerRow._make(row) for row in cursor.fetchall()] if cursor else []

    def record_receipts(
        self, receipts: Sequence[StoredReceipt], checkpoint: CheckpointSeen | None = None
    ) -> None:
        """Receipts, acknowledgement flags and the newly verified server checkpoint, in ONE
        transaction."""
        if not receipts and checkpoint is None:
            return
        with self._engine.begin() as conn:
            if checkpoint is not None:
                self._put_checkpoint(conn, checkpoint)
            if not receipts:
                return
            conn.exec_driver_sql(
                _UPSERT_RECEIPT,
                [(r.seq, r.acknowledged, r.server_seq, r.receipt_json) for r in receipts],
            )
            through = self._acked_through(conn)
            first = conn.exec_driver_sql(_FIRST_UNACKED, (through,)).first()
            if first is None:
                new = conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM events").scalar_one()
            else:
                new = first[0] - 1
            if new != through:
                self._put(conn, ACKED_THROUGH_KEY, str(new))

    # ---- server checkpoints (docs §10: stations as witnesses) ----

    def save_checkpoint(self, checkpoint: CheckpointSeen) -> None:
        with self._engine.begin() as conn:
            self._put_checkpoint(conn, checkpoint)

    @staticmethod
    def _put_checkpoint(conn, checkpoint: CheckpointSeen) -> None:  # noqa: ANN001
        when = datetime.fromtimestamp(checkpoint.verified_at_ms / 1000, UTC)
        stmt = sqlite_insert(schema.checkpoints_seen).values(
            tree_size=checkpoint.tree_size,
            root_hash=checkpoint.root_hex,
            signature=checkpoint.note,  # the whole signed note, re-verifiable later
            received_at=when.isoformat(timespec="milliseconds"),
        )
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["tree_size"]))

    def last_checkpoint(self) -> CheckpointSeen | None:
        """The largest server checkpoint this station verified (None before the first)."""
        t = schema.checkpoints_seen
        with self._read() as conn:
            row = conn.execute(select(t).order_by(t.c.tree_size.desc()).limit(1)).first()
        if row is None:
            return None
        when = datetime.fromisoformat(row.received_at)
        return CheckpointSeen(
            tree_size=int(row.tree_size),
            root_hex=row.root_hash,
            note=row.signature,
            verified_at_ms=int(when.timestamp() * 1000),
        )

    @staticmethod
    def _acked_through(conn) -> int:  # noqa: ANN001
        m = schema.station_meta
        value = conn.execute(
            select(m.c.value).where(m.c.key == ACKED_THROUGH_KEY)
        ).scalar_one_or_none()
        return int(value) if value is not None else 0

    def pending_summary(self) -> PendingSummary:
        with self._read() as conn:
            after = self._acked_through(conn)
            total = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM events WHERE seq > ?", (after,)
            ).scalar_one()
            acked = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM event_sync_state WHERE seq > ? AND acknowledged",
                (after,),
            ).scalar_one()
            first = conn.exec_driver_sql(_FIRST_UNACKED, (after,)).first()
        return PendingSummary(
            count=int(total) - int(acked), oldest_hlc_ms=None if first is None else first[1]
        )

    def chain_head(self) -> tuple[int, str]:
        with self._read() as conn:
            row = conn.exec_driver_sql(
                "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
            ).first()
        return (0, "0" * 64) if row is None else (int(row[0]), str(row[1]))

    def acknowledged(self) -> dict[int, int]:
        """``seq → server_seq`` of every acknowledged event (for checks and tests)."""
        s = schema.event_sync_state
        with self._read() as conn:
            rows = conn.execute(
                select(s.c.seq, s.c.server_seq).where(s.c.acknowledged.is_(True))
            ).all()
        return {int(r.seq): int(r.server_seq) for r in rows}

    # ---- pull side ----

    def ref_cursor(self) -> int | None:
        c = schema.sync_cursors
        with self._read() as conn:
            value = conn.execute(
                select(c.c.cursor).where(c.c.scope == REF_SCOPE)
            ).scalar_one_or_none()
        return None if value is None else int(value)

    def apply_ref_page(self, rows: Sequence[ReferenceChange], cursor: int) -> None:
        """Store the rows, apply them to the station's tables (customers, jobs, manifests,
        operators) and move the cursor, in ONE transaction."""
        with self._engine.begin() as conn:
            self._apply(conn, rows)
            reference_projection.apply_keys(conn, {(r.kind, r.row_id) for r in rows})
            self._set_cursor(conn, cursor)

    def replace_ref_snapshot(self, rows: Sequence[ReferenceChange], cursor: int) -> None:
        """Replace the server-owned data by the snapshot, in ONE transaction: every row the
        server had put into station tables and is no longer in the snapshot goes; station facts
        (receipts, scans, its own manifests) stay."""
        with self._engine.begin() as conn:
            before = reference_projection.server_owned_keys(conn)
            conn.execute(delete(schema.reference_rows))
            self._apply(conn, rows)
            reference_projection.apply_keys(conn, before | {(r.kind, r.row_id) for r in rows})
            self._set_cursor(conn, cursor)

    @staticmethod
    def _apply(conn, rows: Sequence[ReferenceChange]) -> None:  # noqa: ANN001
        table = schema.reference_rows
        for row in rows:
            if row.deleted:
                conn.execute(
                    delete(table).where(table.c.kind == row.kind, table.c.row_id == row.row_id)
                )
                continue
            stmt = sqlite_insert(table).values(
                kind=row.kind, row_id=row.row_id, change_seq=row.change_seq, body=row.body_json
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["kind", "row_id"],
                    set_={"change_seq": stmt.excluded.change_seq, "body": stmt.excluded.body},
                )
            )

    @staticmethod
    def _set_cursor(conn, cursor: int) -> None:  # noqa: ANN001
        c = schema.sync_cursors
        stmt = sqlite_insert(c).values(
            scope=REF_SCOPE, cursor=str(cursor), updated_at=datetime.now(UTC).isoformat()
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["scope"],
                set_={"cursor": stmt.excluded.cursor, "updated_at": stmt.excluded.updated_at},
            )
        )

    def reference_rows(self, kind: str | None = None) -> dict[tuple[str, str], str]:
        """``(kind, row_id) → body JSON`` of the pulled reference data."""
        table = schema.reference_rows
        query = select(table.c.kind, table.c.row_id, table.c.body)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        with self._read() as conn:
            return {(r.kind, r.row_id): r.body for r in conn.execute(query)}

    # ---- enrolment and flags ----

    def enrolment(self) -> Enrolment | None:
        raw = self.meta_get(_ENROLMENT_KEY)
        if raw is None:
            return None
        data = json.loads(raw)
        return Enrolment(
            server_url=data["server_url"],
            station_id=data["station_id"],
            facility_id=data["facility_id"],
            enrolled_at_ms=int(data["enrolled_at_ms"]),
            checkpoint_key=str(data.get("checkpoint_key", "")),
        )

    def save_enrolment(self, enrolment: Enrolment) -> None:
        self.meta_put(
            _ENROLMENT_KEY,
            json.dumps(
                {
                    "server_url": enrolment.server_url,
                    "station_id": enrolment.station_id,
                    "facility_id": enrolment.facility_id,
                    "enrolled_at_ms": enrolment.enrolled_at_ms,
                    "checkpoint_key": enrolment.checkpoint_key,
                }
            ),
        )

    def meta_get(self, key: str) -> str | None:
        m = schema.station_meta
        with self._read() as conn:
            return conn.execute(select(m.c.value).where(m.c.key == key)).scalar_one_or_none()

    def meta_put(self, key: str, value: str | None) -> None:
        m = schema.station_meta
        with self._engine.begin() as conn:
            if value is None:
                conn.execute(delete(m).where(m.c.key == key))
                return
            self._put(conn, key, value)

    @staticmethod
    def _put(conn, key: str, value: str) -> None:  # noqa: ANN001
        stmt = sqlite_insert(schema.station_meta).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
