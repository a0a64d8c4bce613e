"""Applying server-owned reference data (``reference_rows``) to the station's own tables.

The station keeps every pulled row verbatim in ``reference_rows``; this module makes the tables
the UI reads agree with it: customers, receiving jobs, manifests and their lines, operators
(docs: sync-protocol §7, §8). It runs inside the caller's transaction: the sync store's (page
and cursor together, F1) and the projector's rebuild.

Rules:

* **Idempotent and order-free.** :func:`apply_keys` makes the tables reflect the *current*
  ``reference_rows`` state of each key it is given, whatever was applied before, so a repeated
  page, a snapshot that replaces everything, and a rebuild from the ledger all end the same.
* **Station facts are never touched.** Receipts, scans, voids, inbound handoffs, closings live in
  projections of the ledger (assets, scan_flags, receiving_jobs counters...). A manifest line's
  ``received_asset_id`` is re-derived from the station's received assets after the line is
  (re)written; a job row that holds station facts is never deleted.
* **Station-owned wins on a clash.** A manifest, customer or operator the station recorded in its
  own ledger (``imported_seq``/``enrolled_seq`` > 0) is never replaced by server data; server
  rows carry 0 there.
* **A row that does not fit is skipped, never fatal**: it stays in ``reference_rows`` and is
  reported (logged), so one bad upload cannot stop a station from pulling.

Server manifests travel as one row each (``ManifestRef``); ``receiving_exception`` rows are read
straight from ``reference_rows`` by the receiving repository (they belong to no station table).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import Connection

from app.domain.errors import UserFacingError
from app.domain.grading import parse_rubric
from app.domain.reference import (
    CustomerRef,
    JobRef,
    ManifestRef,
    OperatorRef,
    ReferenceKind,
    RubricRef,
)
from app.ledger.canonical import canonical_json, parse_json

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (kind, row_id)

#: Customers first (manifests point at them), then jobs, manifests, operators.
_ORDER = {
    ReferenceKind.CUSTOMER.value: 0,
    ReferenceKind.JOB.value: 1,
    ReferenceKind.MANIFEST.value: 2,
    ReferenceKind.OPERATOR.value: 3,
    ReferenceKind.RUBRIC.value: 4,
}
APPLIED_KINDS = frozenset(_ORDER)

_INSERT_LINES = (
    "INSERT INTO manifest_lines (manifest_id, line_no, serial, asset_tag, make, model, "
    "device_type, quantity, epc, weight_g, customer_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# The station's latest received (not voided) asset on each line: what the ledger path sets.
_LINK_LINES = (
    "UPDATE manifest_lines SET received_asset_id = (SELECT a.asset_id FROM assets a "
    "WHERE a.manifest_id = manifest_lines.manifest_id AND a.line_no = manifest_lines.line_no "
    "AND a.status = 'received' ORDER BY a.received_seq DESC LIMIT 1) WHERE manifest_id = ?"
)
_RECOUNT_EXPECTED = (
    "UPDATE receiving_jobs SET expected = (SELECT count(*) FROM manifest_lines l "
    "JOIN manifests m ON m.manifest_id = l.manifest_id WHERE m.job_id = receiving_jobs.job_id) "
    "WHERE job_id = ?"
)
# A job keeps the customer the station's own manifest named; server data only fills a blank.
_UPSERT_JOB = (
    "INSERT INTO receiving_jobs (job_id, customer_id, status) VALUES (?, ?, 'open') "
    "ON CONFLICT (job_id) DO UPDATE SET customer_id = CASE WHEN receiving_jobs.customer_id = '' "
    "THEN excluded.customer_id ELSE receiving_jobs.customer_id END"
)
# Which customer a job shows: the station's own latest manifest for it (what the ledger path
# sets), else the server's job row, else a server manifest's; "" when none is left.
_RECUSTOMER = (
    "UPDATE receiving_jobs SET customer_id = coalesce("
    "(SELECT customer_id FROM manifests WHERE job_id = ?1 AND imported_seq > 0 "
    "ORDER BY imported_seq DESC LIMIT 1), "
    "(SELECT json_extract(body, '$.customer_id') FROM reference_rows "
    "WHERE kind = 'job' AND row_id = ?1), "
    "(SELECT customer_id FROM manifests WHERE job_id = ?1 ORDER BY manifest_id LIMIT 1), "
    "'') WHERE job_id = ?1"
)
# A job row that nothing but server data made (no manifest, no station fact, no job row).
_PRUNE_JOB = (
    "DELETE FROM receiving_jobs WHERE job_id = ? AND status = 'open' AND inbound_seq IS NULL "
    "AND closed_seq IS NULL AND received = 0 AND extra = 0 "
    "AND NOT EXISTS (SELECT 1 FROM manifests WHERE job_id = receiving_jobs.job_id) "
    "AND NOT EXISTS (SELECT 1 FROM assets WHERE job_id = receiving_jobs.job_id) "
    "AND NOT EXISTS (SELECT 1 FROM scan_flags WHERE job_id = receiving_jobs.job_id) "
    "AND NOT EXISTS (SELECT 1 FROM discrepancies WHERE job_id = receiving_jobs.job_id) "
    "AND NOT EXISTS (SELECT 1 FROM reference_rows WHERE kind = 'job' "
    "AND row_id = receiving_jobs.job_id)"
)


def all_keys(conn: Connection) -> set[Key]:
    """Every applied-kind key currently in ``reference_rows``."""
    rows = conn.exec_driver_sql("SELECT kind, row_id FROM reference_rows").fetchall()
    return {(r[0], r[1]) for r in rows if r[0] in APPLIED_KINDS}


def server_owned_keys(conn: Connection) -> set[Key]:
    """Keys of the rows server data put into station tables (for a snapshot's clean-up)."""
    keys: set[Key] = set()
    for (manifest_id,) in conn.exec_driver_sql(
        "SELECT manifest_id FROM manifests WHERE imported_seq = 0"
    ):
        keys.add((ReferenceKind.MANIFEST.value, manifest_id))
    for (operator_id,) in conn.exec_driver_sql(
        "SELECT operator_id FROM operators WHERE enrolled_seq = 0"
    ):
        keys.add((ReferenceKind.OPERATOR.value, operator_id))
    for rubric_id, version in conn.exec_driver_sql(
        "SELECT rubric_id, version FROM rubrics WHERE published_seq = 0"
    ):
        keys.add((ReferenceKind.RUBRIC.value, f"{rubric_id}@{version}"))
    return keys | all_keys(conn)


def apply_keys(conn: Connection, keys: Iterable[Key], *, kinds: Iterable[str] = _ORDER) -> int:
    """Make the station tables reflect ``reference_rows`` for each key (present: upsert;
    absent: remove what server data put there). Returns how many rows did not fit."""
    wanted = set(kinds)
    ordered = sorted(
        (k for k in set(keys) if k[0] in wanted and k[0] in _ORDER),
        key=lambda k: (_ORDER[k[0]], k[1]),
    )
    problems = 0
    jobs_touched: set[str] = set()
    for kind, row_id in ordered:
        raw = conn.exec_driver_sql(
            "SELECT body FROM reference_rows WHERE kind = ? AND row_id = ?", (kind, row_id)
        ).scalar_one_or_none()
        try:
            body = None if raw is None else parse_json(raw)
            if kind == ReferenceKind.CUSTOMER:
                _customer(conn, row_id, None if body is None else CustomerRef.model_validate(body))
            elif kind == ReferenceKind.JOB:
                job = None if body is None else JobRef.model_validate(body)
                _job(conn, row_id, job)
                jobs_touched.add(row_id)
            elif kind == ReferenceKind.MANIFEST:
                manifest = None if body is None else ManifestRef.model_validate(body)
                jobs_touched |= _manifest(conn, row_id, manifest)
            elif kind == ReferenceKind.OPERATOR:
                _operator(conn, row_id, None if body is None else OperatorRef.model_validate(body))
            elif kind == ReferenceKind.RUBRIC:
                _rubric(conn, row_id, None if body is None else RubricRef.model_validate(body))
        except (ValidationError, ValueError, UserFacingError) as exc:
            problems += 1
            log.warning("reference %s %s does not fit and was not applied: %s", kind, row_id, exc)
    for job_id in sorted(jobs_touched):
        conn.exec_driver_sql(_RECOUNT_EXPECTED, (job_id,))
        conn.exec_driver_sql(_RECUSTOMER, (job_id,))
        conn.exec_driver_sql(_PRUNE_JOB, (job_id,))
    return problems


def _customer(conn: Connection, customer_id: str, ref: CustomerRef | None) -> None:
    if ref is not None:
        conn.exec_driver_sql(
            "INSERT INTO customers (customer_id, name) VALUES (?, ?) "
            "ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name",
            (customer_id, ref.name),
        )
        return
    # Deleted at the server. Registered by this station itself: back to the station's own name
    # (what a rebuild from the ledger gives). Otherwise keep it while anything here names it
    # (its manifests, a job); else remove it.
    registered = conn.exec_driver_sql(
        "SELECT e.payload FROM event_subjects s JOIN events e ON e.seq = s.seq "
        "WHERE s.subject_kind = 'customer' AND s.subject_id = ? "
        "AND e.type = 'customer.registered' ORDER BY e.seq LIMIT 1",
        (customer_id,),
    ).scalar_one_or_none()
    if registered is not None:
        name = str(parse_json(registered).get("name", customer_id))
        conn.exec_driver_sql(
            "UPDATE customers SET name = ? WHERE customer_id = ?", (name, customer_id)
        )
        return
    conn.exec_driver_sql(
        "DELETE FROM customers WHERE customer_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM manifests WHERE customer_id = customers.customer_id) "
        "AND NOT EXISTS (SELECT 1 FROM receiving_jobs WHERE customer_id = customers.customer_id)",
        (customer_id,),
    )


def _job(conn: Connection, job_id: str, ref: JobRef | None) -> None:
    if ref is None:
        return  # the prune after the batch removes it if nothing else holds it
    _ensure_customer(conn, ref.customer_id)
    conn.exec_driver_sql(_UPSERT_JOB, (job_id, ref.customer_id))


def _ensure_customer(conn: Connection, customer_id: str) -> None:
    # A manifest may name a customer whose own row has not arrived (or was deleted): keep the
    # foreign key whole with a placeholder the customer row, when it comes, renames.
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO customers (customer_id, name) VALUES (?, ?)",
        (customer_id, customer_id),
    )


def _manifest(conn: Connection, manifest_id: str, ref: ManifestRef | None) -> set[str]:
    """Replace the server's copy of one manifest; return the jobs whose counts may change."""
    current = conn.exec_driver_sql(
        "SELECT job_id, imported_seq FROM manifests WHERE manifest_id = ?", (manifest_id,)
    ).first()
    touched: set[str] = set()
    if current is not None:
        if current[1] > 0:
            if ref is not None:
                log.warning(
                    "server manifest %s not applied: this station imported one with that id",
                    manifest_id,
                )
            return touched
        touched.add(current[0])
        conn.exec_driver_sql("DELETE FROM manifest_lines WHERE manifest_id = ?", (manifest_id,))
        conn.exec_driver_sql("DELETE FROM manifests WHERE manifest_id = ?", (manifest_id,))
    if ref is None:
        return touched
    _ensure_customer(conn, ref.customer_id)
    conn.exec_driver_sql(
        "INSERT INTO manifests (manifest_id, customer_id, job_id, source_name, source_sha256, "
        "line_count, imported_seq) VALUES (?, ?, ?, ?, ?, ?, 0)",
        (
            manifest_id,
            ref.customer_id,
            ref.job_id,
            ref.source_name,
            ref.source_sha256,
            len(ref.lines),
        ),
    )
    if ref.lines:
        conn.exec_driver_sql(
            _INSERT_LINES,
            [
                (
                    manifest_id,
                    line.line_no,
                    line.serial,
                    line.asset_tag,
                    line.make,
                    line.model,
                    line.device_type,
                    line.quantity,
                    line.epc,
                    line.weight_g,
                    line.customer_ref,
                )
                for line in ref.lines
            ],
        )
    conn.exec_driver_sql(_LINK_LINES, (manifest_id,))
    conn.exec_driver_sql(_UPSERT_JOB, (ref.job_id, ref.customer_id))
    touched.add(ref.job_id)
    return touched


def _operator(conn: Connection, operator_id: str, ref: OperatorRef | None) -> None:
    current = conn.exec_driver_sql(
        "SELECT enrolled_seq FROM operators WHERE operator_id = ?", (operator_id,)
    ).first()
    if current is not None and current[0] > 0:
        if ref is not None:
            log.warning("server operator %s not applied: enrolled at this station", operator_id)
        return
    if ref is None:
        conn.exec_driver_sql(
            "DELETE FROM operators WHERE operator_id = ? AND enrolled_seq = 0", (operator_id,)
        )
        return
    clash = conn.exec_driver_sql(
        "SELECT operator_id FROM operators WHERE badge = ? AND operator_id != ?",
        (ref.badge, operator_id),
    ).first()
    if clash is not None:
        raise ValueError(f"badge already belongs to operator {clash[0]}")
    conn.exec_driver_sql(
        "INSERT INTO operators (operator_id, display_name, badge, role, pin_hash, active, "
        "enrolled_seq) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (operator_id) DO UPDATE SET "
        "display_name = excluded.display_name, badge = excluded.badge, role = excluded.role, "
        "pin_hash = excluded.pin_hash, active = excluded.active",
        (operator_id, ref.display_name, ref.badge, ref.role.value, ref.pin_hash, ref.active),
    )


def _rubric(conn: Connection, row_id: str, ref: RubricRef | None) -> None:
    rubric_id, _, version_text = row_id.rpartition("@")
    if not rubric_id or not version_text.isdigit():
        raise ValueError("a rubric's row id must be <rubric id>@<version>")
    version = int(version_text)
    current = conn.exec_driver_sql(
        "SELECT published_seq FROM rubrics WHERE rubric_id = ? AND version = ?",
        (rubric_id, version),
    ).first()
    if current is not None and current[0] > 0:
        return  # published at this station: its own record stands
    if ref is None:
        conn.exec_driver_sql(
            "DELETE FROM rubrics WHERE rubric_id = ? AND version = ? AND published_seq = 0",
            (rubric_id, version),
        )
        return
    rubric = parse_rubric(ref.body, ref.source_name)  # RubricInvalid names the field
    if (rubric.rubric_id, rubric.version) != (rubric_id, version):
        raise ValueError(f"the body is rubric {rubric.rubric_id} v{rubric.version}")
    body = canonical_json(dict(rubric.body))
    conn.exec_driver_sql(
        "INSERT INTO rubrics (rubric_id, version, title, source_name, source_sha256, body, "
        "published_seq) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (rubric_id, version) DO UPDATE "
        "SET title = excluded.title, source_name = excluded.source_name, "
        "source_sha256 = excluded.source_sha256, body = excluded.body",
        (
            rubric_id,
            version,
            rubric.title,
            ref.source_name,
            hashlib.sha256(body).hexdigest(),
            body.decode("utf-8"),
        ),
    )
