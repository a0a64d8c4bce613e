"""Read side of receiving and custody: jobs, manifest lines, received assets, containers,
discrepancies and asset histories as frozen domain objects. Rows never leave this module.

Any thread; each call takes its own read connection. Identifier lookups compare the value as
scanned and upper-cased (``IN (?, ?)``) so that the indexes are used: a scan must find its line
among 100,000 in well under a millisecond.
"""

from __future__ import annotations

import json
from itertools import starmap
from typing import Any

from sqlalchemy import Connection, Engine

from app.domain.custody import AssetEvent, AssetSummary, ContainerInfo
from app.domain.manifests import (
    DiscrepancyCode,
    ExpectedLine,
    JobSummary,
    RaisedDiscrepancy,
    ReceiptRef,
    ReceivedItem,
    ReceivingCounters,
    make_expected_line,
)
from app.domain.reference import ReceiptParty, ReceivingExceptionRef, ReferenceKind
from app.ledger.canonical import parse_json

_LINE_COLUMNS = (
    "l.manifest_id, l.line_no, l.serial, l.asset_tag, l.epc, l.make, l.model, l.device_type, "
    "l.quantity, m.job_id, coalesce(l.received_asset_id, '')"
)
# The job's lines; ``job_id`` is the parameter itself (equal to every matched row's value).
_JOB_LINES_SQL = (
    "SELECT l.manifest_id, l.line_no, l.serial, l.asset_tag, l.epc, l.make, l.model, "
    "l.device_type, l.quantity, ?, coalesce(l.received_asset_id, '') FROM manifest_lines l "
    "WHERE l.manifest_id IN (SELECT manifest_id FROM manifests WHERE job_id = ?) "
    "ORDER BY l.manifest_id, l.line_no"
)
_ASSET_COLUMNS = (
    "asset_id, serial, asset_tag, epc, make, model, device_type, manifest_id, line_no, matched_by"
)


def _station(party: ReceiptParty) -> str:
    return f"station {party.station_name or party.station_id}"


def _line(row: Any) -> ExpectedLine:
    return ExpectedLine(*row)


def _item(row: Any) -> ReceivedItem:
    return ReceivedItem(*row)


def _keys(value: str) -> tuple[str, str]:
    stripped = value.strip()
    return stripped, stripped.upper()


class ReceivingRepository:
    """Queries for :class:`app.services.receiving.ReceivingService` (its ``ReceivingReader``)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _connect(self) -> Connection:
        return self._engine.connect().execution_options(station_read_only=True)

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._connect() as conn:
            return list(conn.exec_driver_sql(sql, params).fetchall())

    # ---- jobs ----

    def jobs(self) -> list[JobSummary]:
        rows = self._all(
            "SELECT j.job_id, j.customer_id, coalesce(c.name, j.customer_id), j.status, "
            "j.expected, "
            "(SELECT group_concat(m.manifest_id, ', ') FROM manifests m WHERE m.job_id = j.job_id),"
            " j.inbound_seq IS NOT NULL "
            "FROM receiving_jobs j LEFT JOIN customers c ON c.customer_id = j.customer_id "
            "ORDER BY j.status DESC, j.job_id"
        )
        return [
            JobSummary(
                job_id=r[0],
                customer_id=r[1],
                customer_name=r[2],
                status=r[3],
                line_count=r[4],
                manifest_ids=r[5] or "",
                inbound_recorded=bool(r[6]),
            )
            for r in rows
        ]

    def job_status(self, job_id: str) -> str | None:
        """``open``, ``closed`` or None (no such job): cheap, for every scan."""
        rows = self._all("SELECT status FROM receiving_jobs WHERE job_id = ?", (job_id,))
        return rows[0][0] if rows else None

    def job(self, job_id: str) -> JobSummary | None:
        return next((j for j in self.jobs() if j.job_id == job_id), None)

    def customers(self) -> list[tuple[str, str]]:
        return [
            tuple(r) for r in self._all("SELECT customer_id, name FROM customers ORDER BY name")
        ]

    def manifest_exists(self, manifest_id: str) -> bool:
        return bool(self._all("SELECT 1 FROM manifests WHERE manifest_id = ?", (manifest_id,)))

    def counters(self, job_id: str) -> ReceivingCounters:
        rows = self._all(
            "SELECT expected, received, extra FROM receiving_jobs WHERE job_id = ?", (job_id,)
        )
        if not rows:
            return ReceivingCounters()
        expected, received, extra = rows[0]
        return ReceivingCounters(
            expected=expected, received=received, missing=expected - received, extra=extra
        )

    def remembered_mapping(self, customer_id: str) -> dict[str, str] | None:
        rows = self._all(
            "SELECT mapping FROM customer_column_mappings WHERE customer_id = ?", (customer_id,)
        )
        return json.loads(rows[0][0]) if rows else None

    # ---- matching ----

    def lines_matching(self, value: str) -> list[tuple[str, ExpectedLine]]:
        """(match key, line) for every manifest line whose serial, tag or EPC is ``value``."""
        keys = _keys(value)
        found: list[tuple[str, ExpectedLine]] = []
        with self._connect() as conn:
            for column in ("serial", "asset_tag", "epc"):
                rows = conn.exec_driver_sql(
                    f"SELECT {_LINE_COLUMNS} FROM manifest_lines l "  # noqa: S608 - fixed names
                    f"JOIN manifests m USING (manifest_id) WHERE l.{column} IN (?, ?) "
                    "ORDER BY l.manifest_id, l.line_no",
                    keys,
                ).fetchall()
                found.extend((column, _line(r)) for r in rows)
        return found

    def received_matching(self, value: str) -> list[tuple[str, ReceivedItem]]:
        """(job, item) for every received (not voided) asset with ``value`` as an identifier."""
        keys = _keys(value)
        found: dict[str, tuple[str, ReceivedItem]] = {}
        with self._connect() as conn:
            for column in ("serial", "asset_tag", "epc"):
                rows = conn.exec_driver_sql(
                    f"SELECT job_id, {_ASSET_COLUMNS} FROM assets "  # noqa: S608 - fixed names
                    f"WHERE {column} IN (?, ?) AND status = 'received'",
                    keys,
                ).fetchall()
                for r in rows:
                    found.setdefault(r[1], (r[0], _item(r[1:])))
        return list(found.values())

    def last_receipt(self, job_id: str) -> ReceiptRef | None:
        rows = self._all(
            "SELECT a.asset_id, e.event_id, a.serial, a.asset_tag FROM assets a "
            "JOIN events e ON e.seq = a.received_seq "
            "WHERE a.job_id = ? AND a.status = 'received' ORDER BY a.received_seq DESC LIMIT 1",
            (job_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return ReceiptRef(asset_id=r[0], event_id=r[1], identifier=r[2] or r[3])

    # ---- reconciliation ----

    def job_lines(self, job_id: str) -> list[ExpectedLine]:
        """Every manifest line of the job, by manifest and line number.

        A job may have 100,000 lines: the rows stream from the driver cursor straight into
        domain objects (no intermediate row objects), and the ``IN`` form lets SQLite walk the
        primary key in order instead of sorting the whole job in a temporary B-tree.
        """
        with self._connect() as conn:
            cursor = conn.exec_driver_sql(
                _JOB_LINES_SQL, (job_id, job_id)
            ).cursor  # the DBAPI cursor: rows as plain tuples
            return list(starmap(make_expected_line, cursor)) if cursor is not None else []

    def job_items(self, job_id: str) -> list[ReceivedItem]:
        return [
            _item(r)
            for r in self._all(
                f"SELECT {_ASSET_COLUMNS} FROM assets "  # noqa: S608 - fixed text
                "WHERE job_id = ? AND status = 'received' ORDER BY received_seq",
                (job_id,),
            )
        ]

    def wrong_job_scans(self, job_id: str) -> list[tuple[str, str]]:
        return [
            (r[0], r[1])
            for r in self._all(
                "SELECT value, other_job_id FROM scan_flags WHERE job_id = ? "
                "AND outcome = 'other_job' ORDER BY seq",
                (job_id,),
            )
        ]

    def raised_discrepancies(self, job_id: str) -> list[RaisedDiscrepancy]:
        out = []
        for r in self._all(
            "SELECT code, line_no, asset_id, container_id, note FROM discrepancies "
            "WHERE job_id = ? ORDER BY raised_seq",
            (job_id,),
        ):
            try:
                code = DiscrepancyCode(r[0])
            except ValueError:
                continue  # a code from a newer version: shown in the Custody log
            out.append(RaisedDiscrepancy(code, r[1], r[2], r[3], r[4]))
        return out + self.server_exceptions(job_id)

    def server_exceptions(self, job_id: str) -> list[RaisedDiscrepancy]:
        """Contradictions the server found between stations for this job (pulled reference
        rows of kind ``receiving_exception``), worded from this station's point of view."""
        rows = self._all(
            "SELECT body, coalesce((SELECT value FROM station_meta WHERE key = 'station_id'), "
            "(SELECT station_id FROM events ORDER BY seq LIMIT 1)) "
            "FROM reference_rows WHERE kind = ? AND json_extract(body, '$.job_id') = ? "
            "ORDER BY change_seq",
            (ReferenceKind.RECEIVING_EXCEPTION.value, job_id),
        )
        out = []
        for body, station_id in rows:
            try:
                ref = ReceivingExceptionRef.model_validate(json.loads(body))
            except ValueError:
                continue  # a shape from a newer server: kept verbatim, not shown
            if ref.resolved:
                continue
            parties = ref.party_for(station_id or "")
            line_no = 0
            if parties is None:
                asset_id = ""
                note = (
                    f"{ref.identifier}: received at {_station(ref.first)} and at "
                    f"{_station(ref.second)}; both receipts kept"
                )
            else:
                own, other = parties
                asset_id = own.asset_id
                found = self._all("SELECT line_no FROM assets WHERE asset_id = ?", (asset_id,))
                line_no = int(found[0][0]) if found else 0
                note = (
                    f"{ref.identifier}: also received at {_station(other)} as "
                    f"{other.asset_id}; both receipts kept, resolve by hand"
                )
            out.append(
                RaisedDiscrepancy(DiscrepancyCode.DUPLICATE_RECEIPT, line_no, asset_id, "", note)
            )
        return out

    def inbound_payload(self, job_id: str) -> dict[str, Any] | None:
        rows = self._all(
            "SELECT e.payload FROM receiving_jobs j JOIN events e ON e.seq = j.inbound_seq "
            "WHERE j.job_id = ?",
            (job_id,),
        )
        return parse_json(rows[0][0]) if rows else None

    # ---- custody ----

    def asset(self, asset_id: str) -> AssetSummary | None:
        rows = self._all(
            "SELECT asset_id, job_id, serial, asset_tag, device_type, make, model, custodian, "
            "location, status FROM assets WHERE asset_id = ?",
            (asset_id.strip(),),
        )
        return AssetSummary(*rows[0]) if rows else None

    def find_asset(self, value: str) -> AssetSummary | None:
        """An asset by ID, or the received asset whose serial, tag or EPC is ``value``."""
        found = self.asset(value)
        if found is not None:
            return found
        matches = self.received_matching(value)
        return self.asset(matches[0][1].asset_id) if matches else None

    def container(self, container_id: str) -> ContainerInfo | None:
        rows = self._all(
            "SELECT container_id, job_id, seal_number, seal_intact, custodian, location "
            "FROM containers WHERE container_id IN (?, ?)",
            _keys(container_id),
        )
        if not rows:
            return None
        r = rows[0]
        return ContainerInfo(r[0], r[1], r[2], bool(r[3]), r[4], r[5])

    def asset_events(self, asset_id: str) -> list[AssetEvent]:
        rows = self._all(
            "SELECT e.seq, e.type, e.device_time, coalesce(o.display_name, e.operator_id), "
            "e.payload FROM event_subjects s JOIN events e ON e.seq = s.seq "
            "LEFT JOIN operators o ON o.operator_id = e.operator_id "
            "WHERE s.subject_kind = 'asset' AND s.subject_id = ? ORDER BY e.seq",
            (asset_id,),
        )
        return [AssetEvent(r[0], r[1], r[2], r[3], parse_json(r[4])) for r in rows]
