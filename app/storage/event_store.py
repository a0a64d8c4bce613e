"""The station's write path: seal events, append them, update projections, commit — one
SQLite transaction per call, so the ledger and the projections can never disagree."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, select

from app.ledger.canonical import canonical_json
from app.ledger.chain import ChainHead, EventDraft, Sealer
from app.ledger.envelope import Envelope
from app.ledger.verify import LedgerRow
from app.storage import schema
from app.storage.projector import Projector

_EVENT_COLUMN_NAMES = (
    "seq",
    "event_id",
    "station_id",
    "facility_id",
    "hlc_l",
    "hlc_c",
    "device_time",
    "operator_id",
    "type",
    "schema_version",
    "payload",
    "refs",
    "prev_hash",
    "hash",
    "sig",
)
_COLUMN_LIST = ", ".join(_EVENT_COLUMN_NAMES)
# Constant text; every value is a bound parameter.
_INSERT_EVENTS = (
    f"INSERT INTO events ({_COLUMN_LIST}) VALUES ({', '.join('?' * len(_EVENT_COLUMN_NAMES))})"  # noqa: S608
)
_SELECT_LEDGER_PAGE = "SELECT " + _COLUMN_LIST + " FROM events WHERE seq > ? ORDER BY seq LIMIT ?"  # noqa: S608


def row_tuple(envelope: Envelope) -> tuple[Any, ...]:
    """The ``events`` row for an envelope, in ``_EVENT_COLUMN_NAMES`` order; payload and refs
    are stored as canonical JSON text."""
    return (
        envelope.seq,
        envelope.event_id,
        envelope.station_id,
        envelope.facility_id,
        envelope.hlc_l,
        envelope.hlc_c,
        envelope.device_time,
        envelope.operator_id,
        envelope.type,
        envelope.schema_version,
        canonical_json(envelope.payload).decode("utf-8"),
        canonical_json(envelope.refs).decode("utf-8"),
        envelope.prev_hash,
        envelope.hash,
        envelope.sig,
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
            # Raw driver executemany: SQLAlchemy's per-row parameter handling costs more than
            # SQLite's insert itself (measured by tests/benchmarks).
            conn.exec_driver_sql(_INSERT_EVENTS, [row_tuple(e) for e in envelopes])
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
    """Every event as a :class:`LedgerRow`, in ``seq`` order, read in pages (keyset).

    Reads through the driver cursor: the verifier walks every row, and SQLAlchemy's row
    objects cost more than the SHA-256 of the row.
    """
    last_seq = 0
    while True:
        with engine.connect().execution_options(station_read_only=True) as conn:
            rows = conn.exec_driver_sql(_SELECT_LEDGER_PAGE, (last_seq, batch_size)).cursor
            page = [LedgerRow._make(row) for row in rows.fetchall()] if rows else []
        if not page:
            return
        yield from page
        last_seq = page[-1].seq
