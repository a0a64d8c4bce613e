"""The station's write path: seal events, append them, update projections, commit — one
SQLite transaction per call, so the ledger and the projections can never disagree."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, insert, select

from app.ledger.canonical import canonical_json
from app.ledger.chain import ChainHead, EventDraft, Sealer
from app.ledger.envelope import Envelope
from app.ledger.verify import LedgerRow
from app.storage import schema
from app.storage.projector import Projector


def row_of(envelope: Envelope) -> dict[str, Any]:
    """The ``events`` row for an envelope; payload and refs stored as canonical JSON text."""
    return {
        "seq": envelope.seq,
        "event_id": envelope.event_id,
        "station_id": envelope.station_id,
        "facility_id": envelope.facility_id,
        "hlc_l": envelope.hlc_l,
        "hlc_c": envelope.hlc_c,
        "device_time": envelope.device_time,
        "operator_id": envelope.operator_id,
        "type": envelope.type,
        "schema_version": envelope.schema_version,
        "payload": canonical_json(envelope.payload).decode("utf-8"),
        "refs": canonical_json(envelope.refs).decode("utf-8"),
        "prev_hash": envelope.prev_hash,
        "hash": envelope.hash,
        "sig": envelope.sig,
    }


_LEDGER_COLUMNS = (
    schema.events.c.seq,
    schema.events.c.event_id,
    schema.events.c.station_id,
    schema.events.c.facility_id,
    schema.events.c.hlc_l,
    schema.events.c.hlc_c,
    schema.events.c.device_time,
    schema.events.c.operator_id,
    schema.events.c.type,
    schema.events.c.schema_version,
    schema.events.c.payload,
    schema.events.c.refs,
    schema.events.c.prev_hash,
    schema.events.c.hash,
    schema.events.c.sig,
)


class EventStore:
    """Owns appends to one station ledger.

    Any thread may call :meth:`append`; calls are serialised by an in-process lock and by
    SQLite's write lock (``BEGIN IMMEDIATE``), so ``seq`` stays contiguous. In the app only the
    DB worker thread calls it.
    """

    def __init__(self, engine: Engine, sealer: Sealer, projector: Projector) -> None:
        self._engine = engine
        self._sealer = sealer
        self._projector = projector
        self._lock = threading.Lock()

    @property
    def station_id(self) -> str:
        return self._sealer.station_id

    def append(self, drafts: Sequence[EventDraft]) -> list[Envelope]:
        """Seal and append ``drafts`` and update projections in one transaction.

        When this returns, the events are durable (``synchronous=FULL``). If anything raises,
        nothing was written.
        """
        if not drafts:
            return []
        with self._lock, self._engine.begin() as conn:
            head = self._head(conn)
            envelopes = self._sealer.seal(head, drafts)
            conn.execute(insert(schema.events), [row_of(e) for e in envelopes])
            self._projector.apply(conn, envelopes)
        return envelopes

    @staticmethod
    def _head(conn: Any) -> ChainHead:
        row = conn.execute(
            select(schema.events.c.seq, schema.events.c.hash)
            .order_by(schema.events.c.seq.desc())
            .limit(1)
        ).first()
        return ChainHead() if row is None else ChainHead(row.seq, row.hash)

    def head(self) -> ChainHead:
        with self._engine.connect().execution_options(station_read_only=True) as conn:
            return self._head(conn)

    def rebuild_projections(self) -> int:
        """Empty and replay every projection from the ledger, in one transaction."""
        with self._lock, self._engine.begin() as conn:
            return self._projector.rebuild(conn)


def iter_ledger_rows(engine: Engine, batch_size: int = 10_000) -> Iterator[LedgerRow]:
    """Every event as a :class:`LedgerRow`, in ``seq`` order, read in pages (keyset)."""
    last_seq = 0
    while True:
        with engine.connect().execution_options(station_read_only=True) as conn:
            rows = conn.execute(
                select(*_LEDGER_COLUMNS)
                .where(schema.events.c.seq > last_seq)
                .order_by(schema.events.c.seq)
                .limit(batch_size)
            ).all()
        if not rows:
            return
        for row in rows:
            yield LedgerRow(*row)
        last_seq = rows[-1][0]
