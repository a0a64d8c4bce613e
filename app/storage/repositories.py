"""Read side: repositories returning frozen domain objects. Rows never leave this module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, RowMapping, Select, func, select

from app.domain.audit import LedgerEntry, LedgerFilter
from app.domain.roles import Operator, Role
from app.ledger.canonical import parse_json
from app.ledger.verify import LedgerRow
from app.storage import schema
from app.storage.event_store import iter_ledger_rows


class _Reader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _connect(self) -> Connection:
        return self._engine.connect().execution_options(station_read_only=True)


class OperatorRepository(_Reader):
    """Operators as enrolled (projection). Any thread; each call uses its own connection."""

    def all(self) -> list[Operator]:
        with self._connect() as conn:
            rows = conn.execute(
                select(schema.operators).order_by(schema.operators.c.display_name)
            ).all()
        return [_operator(r._mapping) for r in rows]

    def by_id(self, operator_id: str) -> Operator | None:
        return self._one(schema.operators.c.operator_id == operator_id)

    def by_badge(self, badge: str) -> Operator | None:
        return self._one(schema.operators.c.badge == badge)

    def count(self) -> int:
        with self._connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(schema.operators)).scalar_one()
            )

    def _one(self, condition: ColumnElement[bool]) -> Operator | None:
        with self._connect() as conn:
            row = conn.execute(select(schema.operators).where(condition)).first()
        return None if row is None else _operator(row._mapping)


def _operator(m: RowMapping) -> Operator:
    return Operator(
        operator_id=m["operator_id"],
        display_name=m["display_name"],
        badge=m["badge"],
        role=Role(m["role"]),
        pin_hash=m["pin_hash"],
        active=bool(m["active"]),
    )


class StationMetaRepository(_Reader):
    """Station identity (id, facility, name): written once at initialisation."""

    def get(self, key: str) -> str | None:
        with self._connect() as conn:
            return conn.execute(
                select(schema.station_meta.c.value).where(schema.station_meta.c.key == key)
            ).scalar_one_or_none()

    def put_if_absent(self, key: str, value: str) -> str:
        """Store ``value`` unless ``key`` is set; return the stored value either way."""
        with self._engine.begin() as conn:
            existing = conn.execute(
                select(schema.station_meta.c.value).where(schema.station_meta.c.key == key)
            ).scalar_one_or_none()
            if existing is not None:
                return existing
            conn.execute(schema.station_meta.insert().values(key=key, value=value))
            return value


class LedgerReader(_Reader):
    """Pages over the ledger for the Custody log and feeds the verifier."""

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.events)).scalar_one())

    def page(
        self, ledger_filter: LedgerFilter, *, before_seq: int | None = None, limit: int = 500
    ) -> list[LedgerEntry]:
        """Newest first: up to ``limit`` matching entries with ``seq < before_seq``."""
        query = self._filtered(ledger_filter)
        if before_seq is not None:
            query = query.where(schema.events.c.seq < before_seq)
        query = query.order_by(schema.events.c.seq.desc()).limit(limit)
        with self._connect() as conn:
            rows = conn.execute(query).all()
        return [
            LedgerEntry(
                seq=r.seq,
                event_id=r.event_id,
                type=r.type,
                operator_id=r.operator_id,
                operator_name=r.display_name or r.operator_id,
                device_time=r.device_time,
                hlc_ms=r.hlc_l,
                payload=parse_json(r.payload),
                refs=parse_json(r.refs),
                hash=r.hash,
                prev_hash=r.prev_hash,
                sig=r.sig,
            )
            for r in rows
        ]

    def _filtered(self, f: LedgerFilter) -> Select[Any]:
        e = schema.events
        query = select(
            e.c.seq,
            e.c.event_id,
            e.c.type,
            e.c.operator_id,
            e.c.device_time,
            e.c.hlc_l,
            e.c.payload,
            e.c.refs,
            e.c.hash,
            e.c.prev_hash,
            e.c.sig,
            schema.operators.c.display_name,
        ).outerjoin(schema.operators, schema.operators.c.operator_id == e.c.operator_id)
        for kind, value in (("asset", f.asset_id.strip()), ("pallet", f.pallet_id.strip())):
            if value:
                s = schema.event_subjects
                query = query.where(
                    e.c.seq.in_(
                        select(s.c.seq).where(s.c.subject_kind == kind, s.c.subject_id == value)
                    )
                )
        if f.operator_id:
            query = query.where(e.c.operator_id == f.operator_id)
        if f.type_prefix:
            query = query.where(e.c.type.startswith(f.type_prefix, autoescape=True))
        if f.from_ms is not None:
            query = query.where(e.c.hlc_l >= f.from_ms)
        if f.to_ms is not None:
            query = query.where(e.c.hlc_l <= f.to_ms)
        return query

    def last_hlc(self) -> tuple[int, int]:
        """The HLC of the newest event, so a restarted clock never goes backwards."""
        with self._connect() as conn:
            row = conn.execute(
                select(schema.events.c.hlc_l, schema.events.c.hlc_c)
                .order_by(schema.events.c.seq.desc())
                .limit(1)
            ).first()
        return (0, 0) if row is None else (row.hlc_l, row.hlc_c)

    def iter_rows(self) -> Iterator[LedgerRow]:
        """Every event in ``seq`` order, for the verifier."""
        return iter_ledger_rows(self._engine)
