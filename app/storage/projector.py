"""Projections: the current-state tables the UI reads, updated from each event in the same
transaction that appends it, and rebuildable from the ledger alone."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from app.ledger.canonical import parse_json
from app.ledger.envelope import Envelope
from app.storage import reference_projection, sanitization_projection, schema

# A handler projects a run of consecutive events of one type, in seq order.
Handler = Callable[[Connection, Sequence[Envelope]], None]


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
    "make, model, custodian, location, received_seq, last_seq, epc, matched_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_LINES = (
    "INSERT INTO manifest_lines (manifest_id, line_no, serial, asset_tag, make, model, "
    "device_type, quantity, epc, weight_g, customer_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_JOB_FROM_MANIFEST = (
    "INSERT INTO receiving_jobs (job_id, customer_id, status, expected) VALUES (?, ?, 'open', ?) "
    "ON CONFLICT (job_id) DO UPDATE SET customer_id = excluded.customer_id, "
    "expected = expected + excluded.expected"
)
_ADD_EXPECTED = (
    "UPDATE receiving_jobs SET expected = expected + ? "
    "WHERE job_id = (SELECT job_id FROM manifests WHERE manifest_id = ?)"
)
_COUNT_RECEIPT = (
    "INSERT INTO receiving_jobs (job_id, customer_id, status, received, extra) "
    "VALUES (?, '', 'open', ?, ?) ON CONFLICT (job_id) DO UPDATE SET "
    "received = received + excluded.received, extra = extra + excluded.extra"
)
_UNCOUNT_RECEIPT = (
    "UPDATE receiving_jobs SET "
    "received = received - (SELECT count(*) FROM assets WHERE asset_id = ? "
    "  AND status = 'received' AND manifest_id != '' AND line_no > 0), "
    "extra = extra - (SELECT count(*) FROM assets WHERE asset_id = ? "
    "  AND status = 'received' AND NOT (manifest_id != '' AND line_no > 0)) "
    "WHERE job_id = ?"
)
_UPSERT_JOB_INBOUND = (
    "INSERT INTO receiving_jobs (job_id, customer_id, status, inbound_seq) "
    "VALUES (?, '', 'open', ?) "
    "ON CONFLICT (job_id) DO UPDATE SET inbound_seq = excluded.inbound_seq"
)
_CLOSE_JOB = (
    "INSERT INTO receiving_jobs (job_id, customer_id, status, closed_seq) "
    "VALUES (?, '', 'closed', ?) "
    "ON CONFLICT (job_id) DO UPDATE SET status = 'closed', closed_seq = excluded.closed_seq"
)
_UPSERT_MAPPING = (
    "INSERT INTO customer_column_mappings (customer_id, mapping, updated_seq) VALUES (?, ?, ?) "
    "ON CONFLICT (customer_id) DO UPDATE SET mapping = excluded.mapping, "
    "updated_seq = excluded.updated_seq"
)
_UPSERT_CONTAINER = (
    "INSERT INTO containers (container_id, job_id, seal_number, seal_intact, custodian, "
    "location, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (container_id) DO UPDATE SET "
    "job_id = excluded.job_id, seal_number = excluded.seal_number, "
    "seal_intact = excluded.seal_intact, custodian = excluded.custodian, "
    "location = excluded.location, last_seq = excluded.last_seq"
)
_MOVE_CONTAINER = (
    "UPDATE containers SET custodian = ?, location = coalesce(?, location), last_seq = ? "
    "WHERE container_id = ?"
)
_DESCRIBE_ASSET = (
    "UPDATE assets SET serial = ?, asset_tag = ?, device_type = ?, make = ?, model = ?, "
    "last_seq = ? WHERE asset_id = ?"
)
_VOID_ASSET = "UPDATE assets SET status = 'voided', last_seq = ? WHERE asset_id = ?"
_UNLINK_LINE = "UPDATE manifest_lines SET received_asset_id = NULL WHERE received_asset_id = ?"
_INSERT_FLAG = (
    "INSERT INTO scan_flags (seq, job_id, value, outcome, other_job_id) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_DISCREPANCY = (
    "INSERT INTO discrepancies (discrepancy_id, job_id, code, line_no, asset_id, container_id, "
    "note, raised_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


_INSERT_RUBRIC = (
    "INSERT INTO rubrics (rubric_id, version, title, source_name, source_sha256, body, "
    "published_seq) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_GRADE = (
    "INSERT INTO grade_history (seq, event_id, asset_id, operator_id, device_time, rubric_id, "
    "rubric_version, cosmetic_scale, cosmetic_grade, functional_scale, functional_grade, "
    "disposition, derived_functional_grade, derived_disposition, override_reason, defects, "
    "photo_count, notes, superseded_by, needs_review) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?)"
)
_CURRENT_GRADE = "SELECT event_id, grade_count FROM asset_grades WHERE asset_id = ?"
_SUPERSEDE_GRADES = (
    "UPDATE grade_history SET superseded_by = ? WHERE asset_id = ? AND superseded_by = '' "
    "AND seq < ?"
)
_UPSERT_ASSET_GRADE = (
    "INSERT INTO asset_grades (asset_id, event_id, seq, rubric_id, rubric_version, "
    "cosmetic_grade, functional_grade, disposition, overridden, grade_count) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (asset_id) DO UPDATE SET "
    "event_id = excluded.event_id, seq = excluded.seq, rubric_id = excluded.rubric_id, "
    "rubric_version = excluded.rubric_version, cosmetic_grade = excluded.cosmetic_grade, "
    "functional_grade = excluded.functional_grade, disposition = excluded.disposition, "
    "overridden = excluded.overridden, grade_count = excluded.grade_count"
)


class Projector:
    """Applies events to the projection tables. Stateless; callers pass the connection whose
    transaction also appends the events."""

    def __init__(self) -> None:
        self._handlers: Mapping[str, Handler] = {
            "operator.enrolled": self._operators_enrolled,
            "customer.registered": self._customers_registered,
            "manifest.imported": self._manifests_imported,
            "manifest.lines_added": self._manifest_lines_added,
            "asset.received": self._assets_received,
            "asset.described": self._assets_described,
            "custody.transferred": self._custody_transferred,
            "custody.inbound_received": self._inbound_received,
            "receiving.scan_flagged": self._scans_flagged,
            "receiving.scan_voided": self._scans_voided,
            "receiving.discrepancy_raised": self._discrepancies_raised,
            "receiving.closed": self._receiving_closed,
            "asset.graded": self._assets_graded,
            "rubric.published": self._rubrics_published,
            "pallet.opened": _pallets_opened,
            "pallet.asset_added": _pallet_assets_added,
            "pallet.asset_removed": _pallet_assets_removed,
            "pallet.closed": _pallets_status("closed"),
            "pallet.reopened": _pallets_reopened,
            "pallet.weighed": _pallets_weighed,
            "pallet.sealed": _pallets_sealed,
            "pallet.unsealed": _pallets_unsealed,
            "pallet.shipped": _pallets_shipped,
            "label.printed": _labels_printed,
            "pallet.box_opened": _pallet_boxes_opened,
            "pallet.asset_boxed": _pallet_assets_boxed,
            "pallet.asset_unboxed": _pallet_assets_unboxed,
            "pallet.box_closed": _pallet_boxes_closed,
            "media.registered": sanitization_projection.media_registered,
            "sanitization.recorded": sanitization_projection.sanitization_recorded,
            "sanitization.review_raised": sanitization_projection.reviews_raised,
            "destruction.batch_recorded": sanitization_projection.destruction_batches_recorded,
            "certificate.issued": sanitization_projection.certificates_issued,
            "sanitization.sample_drawn": sanitization_projection.samples_drawn,
            "sanitization.sample_verified": sanitization_projection.samples_verified,
            "sanitization.review_resolved": sanitization_projection.reviews_resolved,
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
        """Empty every projection and replay the whole ledger; return the event count.

        Server-owned reference data (``reference_rows``) is applied too: its customers before
        the replay (the station's manifests may name them), the rest after it (manifest lines
        link to the receipts the replay made) - the same tables the incremental path builds.
        """
        for table in schema.PROJECTION_TABLES:
            conn.execute(delete(table))
        reference = reference_projection.all_keys(conn)
        reference_projection.apply_keys(conn, reference, kinds=("customer",))
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
                reference_projection.apply_keys(conn, reference)
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
        # The server may have sent this customer already (reference data): its row stands.
        conn.exec_driver_sql(
            "INSERT INTO customers (customer_id, name) VALUES (?, ?) "
            "ON CONFLICT (customer_id) DO NOTHING",
            [(e.payload["customer_id"], e.payload["name"]) for e in run],
        )

    def _manifests_imported(self, conn: Connection, run: Sequence[Envelope]) -> None:
        # A customer known only from server data that the server has since withdrawn is not
        # replayed by a rebuild: keep the foreign key whole with a placeholder row.
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO customers (customer_id, name) VALUES (?, ?)",
            [(e.payload["customer_id"], e.payload["customer_id"]) for e in run],
        )
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
        self._insert_lines(conn, run)
        conn.exec_driver_sql(
            _UPSERT_JOB_FROM_MANIFEST,
            [(e.payload["job_id"], e.payload["customer_id"], len(e.payload["lines"])) for e in run],
        )
        mappings = [
            (
                e.payload["customer_id"],
                json.dumps(e.payload["column_mapping"], sort_keys=True),
                e.seq,
            )
            for e in run
            if e.payload.get("column_mapping")
        ]
        if mappings:
            conn.exec_driver_sql(_UPSERT_MAPPING, mappings)

    def _manifest_lines_added(self, conn: Connection, run: Sequence[Envelope]) -> None:
        self._insert_lines(conn, run)
        conn.exec_driver_sql(
            _ADD_EXPECTED,
            [(len(e.payload["lines"]), e.payload["manifest_id"]) for e in run],
        )

    @staticmethod
    def _insert_lines(conn: Connection, run: Sequence[Envelope]) -> None:
        # Raw driver executemany: a 100,000-line manifest must import in seconds.
        rows = [
            (
                e.payload["manifest_id"],
                line["line_no"],
                line.get("serial", ""),
                line.get("asset_tag", ""),
                line.get("make", ""),
                line.get("model", ""),
                line.get("device_type", ""),
                line.get("quantity", 1),
                line.get("epc", ""),
                line.get("weight_g", 0),
                line.get("customer_ref", ""),
            )
            for e in run
            for line in e.payload["lines"]
        ]
        if rows:
            conn.exec_driver_sql(_INSERT_LINES, rows)

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
                    e.payload.get("epc", ""),
                    e.payload.get("matched_by", ""),
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
        counts = []
        for e in run:
            on_line = bool(e.payload.get("manifest_id") and e.payload.get("line_no"))
            counts.append((e.payload["job_id"], int(on_line), int(not on_line)))
        conn.exec_driver_sql(_COUNT_RECEIPT, counts)

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
        container_moves = [
            (e.payload["to_party"], e.payload.get("location") or None, e.seq, container_id)
            for e in run
            for container_id in e.payload.get("container_ids", ())
        ]
        if container_moves:
            conn.exec_driver_sql(_MOVE_CONTAINER, container_moves)

    def _assets_described(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.exec_driver_sql(
            _DESCRIBE_ASSET,
            [
                (
                    e.payload.get("serial", ""),
                    e.payload.get("asset_tag", ""),
                    e.payload.get("device_type", ""),
                    e.payload.get("make", ""),
                    e.payload.get("model", ""),
                    e.seq,
                    e.payload["asset_id"],
                )
                for e in run
            ],
        )

    def _inbound_received(self, conn: Connection, run: Sequence[Envelope]) -> None:
        for e in run:
            p = e.payload
            conn.exec_driver_sql(_UPSERT_JOB_INBOUND, (p["job_id"], e.seq))
            containers = [
                (
                    c["container_id"],
                    p["job_id"],
                    c.get("seal_number", ""),
                    bool(c.get("seal_intact", True)),
                    p["received_by"],
                    p.get("location", ""),
                    e.seq,
                )
                for c in p.get("containers", ())
            ]
            if containers:
                conn.exec_driver_sql(_UPSERT_CONTAINER, containers)

    def _scans_flagged(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.exec_driver_sql(
            _INSERT_FLAG,
            [
                (
                    e.seq,
                    e.payload["job_id"],
                    e.payload["value"],
                    e.payload["outcome"],
                    e.payload.get("other_job_id", ""),
                )
                for e in run
            ],
        )

    def _scans_voided(self, conn: Connection, run: Sequence[Envelope]) -> None:
        for e in run:
            asset_id = e.payload["asset_id"]
            conn.exec_driver_sql(_UNCOUNT_RECEIPT, (asset_id, asset_id, e.payload["job_id"]))
            conn.exec_driver_sql(_VOID_ASSET, (e.seq, asset_id))
            conn.exec_driver_sql(_UNLINK_LINE, (e.payload["asset_id"],))

    def _discrepancies_raised(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.exec_driver_sql(
            _INSERT_DISCREPANCY,
            [
                (
                    e.payload["discrepancy_id"],
                    e.payload["job_id"],
                    e.payload["code"],
                    e.payload.get("line_no", 0),
                    e.payload.get("asset_id", ""),
                    e.payload.get("container_id", ""),
                    e.payload.get("note", ""),
                    e.seq,
                )
                for e in run
            ],
        )

    def _receiving_closed(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.exec_driver_sql(_CLOSE_JOB, [(e.payload["job_id"], e.seq) for e in run])

    def _assets_graded(self, conn: Connection, run: Sequence[Envelope]) -> None:
        # One event at a time: a re-grade in the same run supersedes the grade before it.
        for e in run:
            p = e.payload
            asset_id = p["asset_id"]
            current = conn.exec_driver_sql(_CURRENT_GRADE, (asset_id,)).first()
            # A grade that does not name the current one (two stations graded the same asset,
            # or a re-grade from a stale screen) is flagged for review, never merged.
            needs_review = current is not None and p.get("supersedes_event_id", "") != current[0]
            conn.exec_driver_sql(_SUPERSEDE_GRADES, (e.event_id, asset_id, e.seq))
            conn.exec_driver_sql(
                _INSERT_GRADE,
                (
                    e.seq,
                    e.event_id,
                    asset_id,
                    e.operator_id,
                    e.device_time,
                    p["rubric_id"],
                    p["rubric_version"],
                    p["cosmetic_scale"],
                    p["cosmetic_grade"],
                    p["functional_scale"],
                    p["functional_grade"],
                    p["disposition"],
                    p["derived_functional_grade"],
                    p["derived_disposition"],
                    p.get("override_reason", ""),
                    json.dumps(list(p.get("defects", ()))),
                    len(p.get("photos", ())),
                    p.get("notes", ""),
                    needs_review,
                ),
            )
            conn.exec_driver_sql(
                _UPSERT_ASSET_GRADE,
                (
                    asset_id,
                    e.event_id,
                    e.seq,
                    p["rubric_id"],
                    p["rubric_version"],
                    p["cosmetic_grade"],
                    p["functional_grade"],
                    p["disposition"],
                    bool(p.get("override_reason")),
                    (current[1] if current is not None else 0) + 1,
                ),
            )

    def _rubrics_published(self, conn: Connection, run: Sequence[Envelope]) -> None:
        conn.exec_driver_sql(
            _INSERT_RUBRIC,
            [
                (
                    e.payload["rubric_id"],
                    e.payload["version"],
                    e.payload["title"],
                    e.payload["source_name"],
                    e.payload["source_sha256"],
                    json.dumps(e.payload["body"], sort_keys=True),
                    e.seq,
                )
                for e in run
            ],
        )


# ---- pallets (issue 7): module functions, one statement per event kind ----

_INSERT_PALLET = (
    "INSERT INTO pallets (pallet_id, pallet_type, destination, status, number, piece_count, "
    "weight_g, seal_numbers, sealed_by, sealed_at, opened_at, shipped_at, labels_printed, "
    "opened_seq, last_seq) VALUES (?, ?, ?, 'open', ?, 0, 0, '[]', '', '', ?, '', 0, ?, ?)"
)
_INSERT_PALLET_CONTENT = (
    "INSERT INTO pallet_contents (asset_id, pallet_id, device_type, disposition, added_seq) "
    "VALUES (?, ?, ?, ?, ?)"
)
_COUNT_PALLET = "UPDATE pallets SET piece_count = piece_count + ?, last_seq = ? WHERE pallet_id = ?"
_DELETE_PALLET_CONTENT = "DELETE FROM pallet_contents WHERE asset_id = ? AND pallet_id = ?"
_PALLET_STATUS = "UPDATE pallets SET status = ?, last_seq = ? WHERE pallet_id = ?"
# Reopening or unsealing voids the weight and the seals: they must be taken again.
_PALLET_REOPEN = (
    "UPDATE pallets SET status = 'open', weight_g = 0, seal_numbers = '[]', sealed_by = '', "
    "sealed_at = '', last_seq = ? WHERE pallet_id = ?"
)
_PALLET_WEIGH = (
    "UPDATE pallets SET status = 'weighed', weight_g = ?, last_seq = ? WHERE pallet_id = ?"
)
_PALLET_SEAL = (
    "UPDATE pallets SET status = 'sealed', seal_numbers = ?, sealed_by = ?, sealed_at = ?, "
    "last_seq = ? WHERE pallet_id = ?"
)
_PALLET_SHIP = (
    "UPDATE pallets SET status = 'shipped', shipped_at = ?, last_seq = ? WHERE pallet_id = ?"
)
_PALLET_LABEL = (
    "UPDATE pallets SET labels_printed = labels_printed + 1, last_seq = ? WHERE pallet_id = ?"
)


def _pallets_opened(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_PALLET,
        [
            (
                e.payload["pallet_id"],
                e.payload["pallet_type"],
                e.payload["destination"],
                e.payload["number"],
                e.device_time,
                e.seq,
                e.seq,
            )
            for e in run
        ],
    )


def _pallet_assets_added(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_PALLET_CONTENT,
        [
            (
                e.payload["asset_id"],
                e.payload["pallet_id"],
                e.payload.get("device_type", ""),
                e.payload.get("disposition", ""),
                e.seq,
            )
            for e in run
        ],
    )
    conn.exec_driver_sql(_COUNT_PALLET, [(1, e.seq, e.payload["pallet_id"]) for e in run])


def _pallet_assets_removed(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _DELETE_PALLET_CONTENT, [(e.payload["asset_id"], e.payload["pallet_id"]) for e in run]
    )
    conn.exec_driver_sql(_COUNT_PALLET, [(-1, e.seq, e.payload["pallet_id"]) for e in run])


def _pallets_status(status: str) -> Handler:
    def handler(conn: Connection, run: Sequence[Envelope]) -> None:
        conn.exec_driver_sql(_PALLET_STATUS, [(status, e.seq, e.payload["pallet_id"]) for e in run])

    return handler


def _pallets_reopened(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(_PALLET_REOPEN, [(e.seq, e.payload["pallet_id"]) for e in run])


def _pallets_unsealed(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(_PALLET_REOPEN, [(e.seq, e.payload["pallet_id"]) for e in run])


def _pallets_weighed(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _PALLET_WEIGH, [(e.payload["weight_g"], e.seq, e.payload["pallet_id"]) for e in run]
    )


def _pallets_sealed(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _PALLET_SEAL,
        [
            (
                json.dumps(list(e.payload["seal_numbers"])),
                e.payload["sealed_by"],
                e.device_time,
                e.seq,
                e.payload["pallet_id"],
            )
            for e in run
        ],
    )


def _pallets_shipped(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _PALLET_SHIP, [(e.device_time, e.seq, e.payload["pallet_id"]) for e in run]
    )


def _labels_printed(conn: Connection, run: Sequence[Envelope]) -> None:
    rows = [
        (e.seq, e.payload["pallet_id"])
        for e in run
        if e.payload.get("pallet_id") and e.payload.get("document") == "pallet_label"
    ]
    if rows:
        conn.exec_driver_sql(_PALLET_LABEL, rows)


_INSERT_PALLET_BOX = (
    "INSERT INTO pallet_boxes (box_id, pallet_id, number, status, piece_count, opened_seq, "
    "last_seq) VALUES (?, ?, ?, 'open', 0, ?, ?)"
)
_BOX_ASSET = "UPDATE pallet_contents SET box_id = ? WHERE asset_id = ? AND pallet_id = ?"
_COUNT_BOX = "UPDATE pallet_boxes SET piece_count = piece_count + ?, last_seq = ? WHERE box_id = ?"
_CLOSE_BOX = "UPDATE pallet_boxes SET status = 'closed', last_seq = ? WHERE box_id = ?"


def _pallet_boxes_opened(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_PALLET_BOX,
        [
            (e.payload["box_id"], e.payload["pallet_id"], e.payload["number"], e.seq, e.seq)
            for e in run
        ],
    )


def _pallet_assets_boxed(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _BOX_ASSET,
        [(e.payload["box_id"], e.payload["asset_id"], e.payload["pallet_id"]) for e in run],
    )
    conn.exec_driver_sql(_COUNT_BOX, [(1, e.seq, e.payload["box_id"]) for e in run])


def _pallet_assets_unboxed(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _BOX_ASSET, [("", e.payload["asset_id"], e.payload["pallet_id"]) for e in run]
    )
    conn.exec_driver_sql(_COUNT_BOX, [(-1, e.seq, e.payload["box_id"]) for e in run])


def _pallet_boxes_closed(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(_CLOSE_BOX, [(e.seq, e.payload["box_id"]) for e in run])


def _subjects_of(e: Envelope) -> list[tuple[str, str, int]]:
    p = e.payload
    # Who acted is already indexed on events.operator_id; subjects are what an event is about.
    found: list[tuple[str, str]] = []
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
    for container in p.get("containers", ()):
        if isinstance(container, dict) and container.get("container_id"):
            found.append(("container", container["container_id"]))
    container_id = p.get("container_id")
    if isinstance(container_id, str) and container_id:
        found.append(("container", container_id))
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
        payload=parse_json(row["payload"]),
        refs=parse_json(row["refs"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        sig=row["sig"],
    )
