"""Read side of palletizing: pallets, their contents, which pallet an asset is on, and the next
pallet number. Rows never leave this module.

Any thread; each call takes its own read connection.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine

from app.domain.pallets import (
    LITHIUM_DEVICE_TYPES,
    BoxStatus,
    Pallet,
    PalletBox,
    PalletItem,
    PalletStatus,
    PalletType,
)

_LITHIUM = ", ".join(f"'{t}'" for t in sorted(LITHIUM_DEVICE_TYPES))
_PALLET_SQL = (
    "SELECT p.pallet_id, p.pallet_type, p.destination, p.status, p.piece_count, p.weight_g, "  # noqa: S608
    "p.seal_numbers, p.sealed_by, p.sealed_at, p.opened_at, "
    "(SELECT count(*) FROM pallet_contents c WHERE c.pallet_id = p.pallet_id "
    f"  AND lower(c.device_type) IN ({_LITHIUM})), "
    "p.labels_printed, p.shipped_at, "
    # Boxes that hold something: an empty box closed unused is not on the pallet.
    "(SELECT count(*) FROM pallet_boxes b WHERE b.pallet_id = p.pallet_id AND b.piece_count > 0), "
    "(SELECT count(*) FROM pallet_boxes b WHERE b.pallet_id = p.pallet_id AND b.status = 'open') "
    "FROM pallets p"
)
_BOX_SQL = "SELECT box_id, pallet_id, number, status, piece_count FROM pallet_boxes"
_CONTENTS_SQL = (
    "SELECT c.asset_id, coalesce(a.serial, ''), coalesce(a.asset_tag, ''), c.device_type, "
    "coalesce(a.make, ''), coalesce(a.model, ''), c.disposition, coalesce(a.job_id, ''), "
    "c.added_seq, c.box_id FROM pallet_contents c LEFT JOIN assets a ON a.asset_id = c.asset_id "
    "WHERE c.pallet_id = ? ORDER BY c.added_seq"
)


class PalletRepository:
    """Queries for :class:`app.services.palletizing.PalletizingService` (its ``PalletReader``)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _connect(self) -> Connection:
        return self._engine.connect().execution_options(station_read_only=True)

    def pallets(self) -> list[Pallet]:
        """Every pallet, newest first."""
        with self._connect() as conn:
            rows = conn.exec_driver_sql(_PALLET_SQL + " ORDER BY p.opened_seq DESC").fetchall()
        return [_pallet(r) for r in rows]

    def pallet(self, pallet_id: str) -> Pallet | None:
        with self._connect() as conn:
            row = conn.exec_driver_sql(
                _PALLET_SQL + " WHERE p.pallet_id = ?", (pallet_id.strip(),)
            ).first()
        return _pallet(row) if row is not None else None

    def contents(self, pallet_id: str) -> list[PalletItem]:
        """The assets on the pallet, in the order they were added."""
        with self._connect() as conn:
            rows = conn.exec_driver_sql(_CONTENTS_SQL, (pallet_id,)).fetchall()
        return [PalletItem(*r) for r in rows]

    def pallet_of(self, asset_id: str) -> str:
        """The pallet the asset is on, or ""."""
        with self._connect() as conn:
            value = conn.exec_driver_sql(
                "SELECT pallet_id FROM pallet_contents WHERE asset_id = ?", (asset_id,)
            ).scalar()
        return value or ""

    def boxes(self, pallet_id: str) -> list[PalletBox]:
        """The pallet's boxes in the order they were opened."""
        with self._connect() as conn:
            rows = conn.exec_driver_sql(
                _BOX_SQL + " WHERE pallet_id = ? ORDER BY number", (pallet_id,)
            ).fetchall()
        return [_box(r) for r in rows]

    def box(self, box_id: str) -> PalletBox | None:
        with self._connect() as conn:
            row = conn.exec_driver_sql(_BOX_SQL + " WHERE box_id = ?", (box_id.strip(),)).first()
        return _box(row) if row is not None else None

    def box_of(self, asset_id: str) -> str:
        """The box the asset is in, or "" (loose, or on no pallet)."""
        with self._connect() as conn:
            value = conn.exec_driver_sql(
                "SELECT box_id FROM pallet_contents WHERE asset_id = ?", (asset_id,)
            ).scalar()
        return value or ""

    def next_number(self) -> int:
        with self._connect() as conn:
            value = conn.exec_driver_sql("SELECT max(number) FROM pallets").scalar()
        return (value or 0) + 1


def _pallet(r: Any) -> Pallet:
    return Pallet(
        pallet_id=r[0],
        pallet_type=PalletType(r[1]),
        destination=r[2],
        status=PalletStatus(r[3]),
        piece_count=r[4],
        weight_g=r[5],
        seal_numbers=tuple(json.loads(r[6])),
        sealed_by=r[7],
        sealed_at=r[8],
        opened_at=r[9],
        lithium_count=r[10],
        labels_printed=r[11],
        shipped_at=r[12],
        box_count=r[13],
        open_boxes=r[14],
    )


def _box(r: Any) -> PalletBox:
    return PalletBox(
        box_id=r[0], pallet_id=r[1], number=r[2], status=BoxStatus(r[3]), piece_count=r[4]
    )
