"""Projection handlers for the media registry and sanitization events (registered in
:class:`app.storage.projector.Projector`). Each takes a run of events of one type in seq order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from app.ledger.envelope import Envelope

_INSERT_MEDIA = (
    "INSERT INTO media (media_id, asset_id, kind, serial, model, capacity_bytes, interface, wwn, "
    "registered_seq, power_on_hours, outcome, last_result, route_to_destruction, last_seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, ?)"
)
_INSERT_RECORD = (
    "INSERT INTO sanitization_records (seq, record_id, media_id, asset_id, drive_serial, "
    "media_kind, outcome, technique, result, tool, tool_version, tool_method_label, ended, "
    "evidence_sha256, evidence_name, operator_id, batch_id, needs_validation, "
    "route_to_destruction) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# The best passing outcome wins (a later Clear never lowers an earlier Destroy); the latest
# result and routing always follow the newest record.
_UPDATE_MEDIA = (
    "UPDATE media SET outcome = CASE "
    "  WHEN ? = '' THEN outcome "
    "  WHEN instr('|CLEAR|PURGE|DESTROY|', '|' || ? || '|') > "
    "       instr('|CLEAR|PURGE|DESTROY|', '|' || outcome || '|') OR outcome = '' THEN ? "
    "  ELSE outcome END, "
    "last_result = ?, route_to_destruction = ?, last_seq = ?, voided_reason = '' "
    "WHERE media_id = ?"
)
_INSERT_REVIEW = (
    "INSERT INTO sanitization_reviews (review_id, seq, file_name, evidence_sha256, drive_serial, "
    "model, result, reason, drive_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_SAMPLE = (
    "INSERT INTO qc_samples (sample_id, seq, job_id, percent, population, selection_method, "
    "drawn_by, status, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)"
)
_INSERT_SAMPLE_DRIVE = (
    "INSERT INTO qc_sample_drives (sample_id, media_id, position, drive_serial, asset_id, "
    "record_id, wiped_by, tool, tool_version, status, verifier_operator_id, verifier_name, "
    "method, recovery_tool, notes, reopened_count, verified_seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', '', '', '', '', '', 0, NULL)"
)
_VERIFY_SAMPLE_DRIVE = (
    "UPDATE qc_sample_drives SET status = ?, verifier_operator_id = ?, verifier_name = ?, "
    "method = ?, recovery_tool = ?, notes = ?, reopened_count = ?, verified_seq = ? "
    "WHERE sample_id = ? AND media_id = ?"
)
# A sample is failed once any drive failed, passed once every drive passed, pending otherwise.
_SAMPLE_STATUS = (
    "UPDATE qc_samples SET last_seq = ?, status = CASE "
    "  WHEN EXISTS (SELECT 1 FROM qc_sample_drives d WHERE d.sample_id = ? "
    "               AND d.status = 'FAILED') THEN 'failed' "
    "  WHEN EXISTS (SELECT 1 FROM qc_sample_drives d WHERE d.sample_id = ? "
    "               AND d.status = 'pending') THEN 'pending' "
    "  ELSE 'passed' END WHERE sample_id = ?"
)
# A failed sample re-opens its batch: those drives' passing outcomes stop counting, so their
# hosts are data-bearing again until a new record (re-wipe or destruction) sets an outcome.
_REOPEN_MEDIA = (
    "UPDATE media SET outcome = '', route_to_destruction = 0, voided_reason = ?, last_seq = ? "
    "WHERE media_id = ?"
)
_INSERT_RESOLUTION = (
    "INSERT INTO review_resolutions (review_id, seq, action, media_id, record_id, reason, "
    "operator_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_BATCH = (
    "INSERT INTO destruction_batches (batch_id, seq, equipment_id, din_level, "
    "witness_operator_id, pre_count, post_count, output_weight_g) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_CERTIFICATE = (
    "INSERT INTO certificates (certificate_no, seq, job_id, line_count, line_items_sha256, "
    "pdf_sha256, reprints) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (certificate_no) DO UPDATE "
    "SET reprints = reprints + 1, pdf_sha256 = excluded.pdf_sha256"
)


def media_registered(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_MEDIA,
        [
            (
                e.payload["media_id"],
                e.payload.get("asset_id", ""),
                e.payload["kind"],
                e.payload["serial"],
                e.payload.get("model", ""),
                e.payload.get("capacity_bytes", 0),
                e.payload.get("interface", ""),
                e.payload.get("wwn", ""),
                e.seq,
                e.payload.get("power_on_hours"),
                e.seq,
            )
            for e in run
        ],
    )


def sanitization_recorded(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_RECORD,
        [
            (
                e.seq,
                e.payload["record_id"],
                e.payload["media_id"],
                e.payload.get("asset_id", ""),
                e.payload["drive_serial"],
                e.payload["media_kind"],
                e.payload["outcome"],
                e.payload["technique"],
                e.payload["result"],
                e.payload["tool"],
                e.payload.get("tool_version", ""),
                e.payload.get("tool_method_label", ""),
                e.payload.get("ended", ""),
                e.payload.get("evidence_sha256", ""),
                e.payload.get("evidence_name", ""),
                e.operator_id,
                e.payload.get("batch_id", ""),
                bool(e.payload.get("needs_validation", False)),
                bool(e.payload.get("route_to_destruction", False)),
            )
            for e in run
        ],
    )
    # In order: each record updates the medium as the one before it left it.
    for e in run:
        outcome = e.payload["outcome"]
        conn.exec_driver_sql(
            _UPDATE_MEDIA,
            (
                outcome,
                outcome,
                outcome,
                e.payload["result"],
                bool(e.payload.get("route_to_destruction", False)) and not outcome,
                e.seq,
                e.payload["media_id"],
            ),
        )


def reviews_raised(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_REVIEW,
        [
            (
                e.payload["review_id"],
                e.seq,
                e.payload["file_name"],
                e.payload["evidence_sha256"],
                e.payload.get("drive_serial", ""),
                e.payload.get("model", ""),
                e.payload.get("result", ""),
                e.payload["reason"],
                e.payload.get("drive_index", -1),
            )
            for e in run
        ],
    )


def destruction_batches_recorded(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_BATCH,
        [
            (
                e.payload["batch_id"],
                e.seq,
                e.payload["equipment_id"],
                e.payload["din_level"],
                e.payload["witness_operator_id"],
                e.payload["pre_count"],
                e.payload["post_count"],
                e.payload.get("output_weight_g", 0),
            )
            for e in run
        ],
    )


def certificates_issued(conn: Connection, run: Sequence[Envelope]) -> None:
    for e in run:
        conn.exec_driver_sql(
            _UPSERT_CERTIFICATE,
            (
                e.payload["certificate_no"],
                e.seq,
                e.payload["job_id"],
                e.payload["line_count"],
                e.payload["line_items_sha256"],
                e.payload["pdf_sha256"],
            ),
        )


def samples_drawn(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_SAMPLE,
        [
            (
                e.payload["sample_id"],
                e.seq,
                e.payload["job_id"],
                e.payload["percent"],
                e.payload["population"],
                e.payload["selection_method"],
                e.operator_id,
                e.seq,
            )
            for e in run
        ],
    )
    conn.exec_driver_sql(
        _INSERT_SAMPLE_DRIVE,
        [
            (
                e.payload["sample_id"],
                d["media_id"],
                position,
                d["drive_serial"],
                d.get("asset_id", ""),
                d["record_id"],
                d["wiped_by"],
                d["tool"],
                d.get("tool_version", ""),
            )
            for e in run
            for position, d in enumerate(e.payload["drives"])
        ],
    )


def samples_verified(conn: Connection, run: Sequence[Envelope]) -> None:
    # In order: a later result must see the media as the earlier one left them.
    for e in run:
        p = e.payload
        reopened = p.get("reopened_media_ids", ())
        conn.exec_driver_sql(
            _VERIFY_SAMPLE_DRIVE,
            (
                p["result"],
                p["verifier_operator_id"],
                p["verifier_name"],
                p["method"],
                p.get("recovery_tool", ""),
                p.get("notes", ""),
                len(reopened),
                e.seq,
                p["sample_id"],
                p["media_id"],
            ),
        )
        conn.exec_driver_sql(
            _SAMPLE_STATUS, (e.seq, p["sample_id"], p["sample_id"], p["sample_id"])
        )
        if reopened:
            reason = (
                f"QC sample {p['sample_id']} failed on drive {p['drive_serial']}"
                f" ({p.get('batch_rule', '') or 'batch re-opened'})"
            )[:400]
            conn.exec_driver_sql(_REOPEN_MEDIA, [(reason, e.seq, m) for m in reopened])


def reviews_resolved(conn: Connection, run: Sequence[Envelope]) -> None:
    conn.exec_driver_sql(
        _INSERT_RESOLUTION,
        [
            (
                e.payload["review_id"],
                e.seq,
                e.payload["action"],
                e.payload.get("media_id", ""),
                e.payload.get("record_id", ""),
                e.payload.get("reason", "")[:400],
                e.operator_id,
            )
            for e in run
        ],
    )
