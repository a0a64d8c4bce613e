"""Read side of grading: the asset being graded (with its custody kinds for the refusals), its
grade history, and the rubric versions admins published. Rows never leave this module.

Any thread; each call takes its own read connection.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine

from app.domain.grading import GradeRecord, GradingAsset

_ASSET_SQL = (
    "SELECT asset_id, job_id, serial, asset_tag, device_type, make, model, status, custodian, "
    "location FROM assets WHERE {where}"
)
# Custody kinds of an asset's custody events, newest first.
_CUSTODY_KINDS_SQL = (
    "SELECT json_extract(e.payload, '$.kind') FROM event_subjects s "
    "JOIN events e ON e.seq = s.seq "
    "WHERE s.subject_kind = 'asset' AND s.subject_id = ? AND e.type = 'custody.transferred' "
    "ORDER BY e.seq DESC"
)
_HISTORY_SQL = (
    "SELECT g.seq, g.event_id, g.asset_id, g.device_time, coalesce(o.display_name, g.operator_id), "
    "g.rubric_id, g.rubric_version, g.cosmetic_scale, g.cosmetic_grade, g.functional_scale, "
    "g.functional_grade, g.disposition, g.derived_functional_grade, g.derived_disposition, "
    "g.override_reason, g.defects, g.photo_count, g.notes, g.superseded_by, g.needs_review "
    "FROM grade_history g LEFT JOIN operators o ON o.operator_id = g.operator_id "
    "WHERE g.asset_id = ? ORDER BY g.seq DESC"
)


class GradingRepository:
    """Queries for :class:`app.services.grading.GradingService` (its ``GradingReader``)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _connect(self) -> Connection:
        return self._engine.connect().execution_options(station_read_only=True)

    def find_asset(self, value: str) -> GradingAsset | None:
        """An asset by ID, or else the asset whose serial or tag (as typed, or upper-cased)
        is ``value``; a received asset is preferred to a voided one."""
        stripped = value.strip()
        if not stripped:
            return None
        with self._connect() as conn:
            row = conn.exec_driver_sql(_ASSET_SQL.format(where="asset_id = ?"), (stripped,)).first()
            if row is None:
                keys = (stripped, stripped.upper())
                for column in ("serial", "asset_tag"):
                    row = conn.exec_driver_sql(
                        _ASSET_SQL.format(where=f"{column} IN (?, ?)")
                        + " ORDER BY status = 'received' DESC, received_seq DESC LIMIT 1",
                        keys,
                    ).first()
                    if row is not None:
                        break
            if row is None:
                return None
            kinds = [r[0] for r in conn.exec_driver_sql(_CUSTODY_KINDS_SQL, (row[0],)).fetchall()]
        return GradingAsset(
            *row,
            last_custody_kind=kinds[0] if kinds else "",
            custody_kinds=frozenset(k for k in kinds if k),
        )

    def history(self, asset_id: str) -> list[GradeRecord]:
        """Every grade of the asset, newest first (superseded ones included)."""
        with self._connect() as conn:
            rows = conn.exec_driver_sql(_HISTORY_SQL, (asset_id,)).fetchall()
        return [_record(r) for r in rows]

    def published_rubrics(self) -> list[tuple[str, dict[str, Any]]]:
        """(source name, body) of every published rubric version, oldest first."""
        with self._connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT source_name, body FROM rubrics ORDER BY published_seq"
            ).fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]


def _record(r: Any) -> GradeRecord:
    return GradeRecord(
        seq=r[0],
        event_id=r[1],
        asset_id=r[2],
        device_time=r[3],
        operator_name=r[4],
        rubric_id=r[5],
        rubric_version=r[6],
        cosmetic_scale=r[7],
        cosmetic_grade=r[8],
        functional_scale=r[9],
        functional_grade=r[10],
        disposition=r[11],
        derived_functional=r[12],
        derived_disposition=r[13],
        override_reason=r[14],
        defects=tuple(json.loads(r[15])),
        photo_count=r[16],
        notes=r[17],
        superseded_by=r[18],
        needs_review=bool(r[19]),
    )
