"""Server-side administration: enrolment codes, enrolment, revocation, reference data.

Used by the HTTP admin endpoints and by ``itad-station server-admin``. Every function takes a
connection inside the caller's transaction.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from app.domain.errors import UserFacingError
from app.domain.events import ManifestLine
from app.domain.manifests import JOB_ID_RE, JOB_ID_RULE
from app.domain.reference import CustomerRef, JobRef, ManifestRef, ReferenceKind
from app.importers.manifest_csv import parse_manifest
from app.ledger.canonical import canonical_json
from app.server import schema
from app.server.ingest import _insert, take_sequence

CODE_TTL_MS = 7 * 24 * 3600 * 1000
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed in


class EnrolmentRefused(UserFacingError):
    code = "server.enrolment_refused"
    template = "Enrolment refused: {why}."


def new_enrolment_code(
    conn: Connection, facility_id: str, now_ms: int, ttl_ms: int = CODE_TTL_MS
) -> str:
    """A one-time code a supervisor types into a new station to enrol it in ``facility_id``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    conn.execute(
        schema.enrolment_codes.insert().values(
            code=code,
            facility_id=facility_id,
            created_at_ms=now_ms,
            expires_at_ms=now_ms + ttl_ms,
            used_by_station=None,
        )
    )
    return code


def enrol_station(
    conn: Connection,
    *,
    code: str,
    station_id: str,
    station_name: str,
    public_key_hex: str,
    now_ms: int,
) -> str:
    """Use ``code`` to register the station and its key; return its facility.

    Repeating a successful enrolment with the same code, station and key answers the same (a
    lost response is retried safely); any other reuse of a code is refused.
    """
    codes = schema.enrolment_codes
    row = conn.execute(
        select(codes).where(codes.c.code == code.strip().upper()).with_for_update()
    ).first()
    if row is None:
        raise EnrolmentRefused(why="the code is not known")
    existing = conn.execute(
        select(schema.stations).where(schema.stations.c.station_id == station_id)
    ).first()
    if row.used_by_station is not None:
        if (
            row.used_by_station == station_id
            and existing is not None
            and existing.public_key_hex == public_key_hex
        ):
            return row.facility_id
        raise EnrolmentRefused(why="the code was used already")
    if row.expires_at_ms < now_ms:
        raise EnrolmentRefused(why="the code has expired")
    if existing is not None:
        raise EnrolmentRefused(why=f"station {station_id} is enrolled already")
    conn.execute(update(codes).where(codes.c.code == row.code).values(used_by_station=station_id))
    conn.execute(
        schema.stations.insert().values(
            station_id=station_id,
            facility_id=row.facility_id,
            station_name=station_name,
            public_key_hex=public_key_hex,
            enrolled_at_ms=now_ms,
            revoked=False,
            revoked_at_ms=None,
        )
    )
    return row.facility_id


def revoke_station(conn: Connection, station_id: str, now_ms: int) -> bool:
    result = conn.execute(
        update(schema.stations)
        .where(schema.stations.c.station_id == station_id)
        .values(revoked=True, revoked_at_ms=now_ms)
        .returning(schema.stations.c.station_id)
    )
    return result.first() is not None


def put_reference_rows(
    conn: Connection,
    kind: str,
    rows: dict[str, dict[str, Any]],
    *,
    facility_id: str = "",
) -> int:
    """Create or replace reference rows (``row_id → body``); return the last change_seq.

    The change numbers come from the sequencer, so a station pulling by cursor never skips a
    change that committed late (F12).
    """
    if not rows:
        return 0
    first = take_sequence(conn, schema.CHANGE_SEQ, len(rows))
    table = schema.reference_rows
    values = [
        {
            "kind": kind,
            "row_id": row_id,
            "facility_id": facility_id,
            "change_seq": first + offset,
            "deleted": False,
            "body": canonical_json(body).decode("utf-8"),
        }
        for offset, (row_id, body) in enumerate(rows.items())
    ]
    stmt = _insert(conn, table)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["kind", "row_id", "facility_id"],
            set_={
                "change_seq": stmt.excluded.change_seq,
                "deleted": stmt.excluded.deleted,
                "body": stmt.excluded.body,
            },
        ),
        values,
    )
    return first + len(rows) - 1


def delete_reference_row(conn: Connection, kind: str, row_id: str, facility_id: str = "") -> None:
    """Leave a tombstone (stations learn of deletions by cursor, like any change)."""
    seq = take_sequence(conn, schema.CHANGE_SEQ, 1)
    table = schema.reference_rows
    conn.execute(
        update(table)
        .where(table.c.kind == kind, table.c.row_id == row_id, table.c.facility_id == facility_id)
        .values(deleted=True, body="{}", change_seq=seq)
    )


def compact_tombstones(conn: Connection, up_to_change_seq: int) -> None:
    """Forget tombstones up to ``up_to_change_seq``; older cursors must then refetch (410)."""
    table = schema.reference_rows
    conn.execute(
        delete(table).where(table.c.deleted.is_(True), table.c.change_seq <= up_to_change_seq)
    )
    conn.execute(
        update(schema.counters)
        .where(schema.counters.c.name == schema.REF_FLOOR)
        .values(value=up_to_change_seq)
    )


class ReferenceFileInvalid(UserFacingError):
    code = "server.reference_file_invalid"
    template = "Reference data not loaded: {why}. Nothing was stored."


def load_reference_json(conn: Connection, data: Any) -> int:
    """Load ``{"facility_id": "...", "<kind>": {"<row_id>": {...}}}`` (the admin file format).
    Raises :class:`ReferenceFileInvalid` naming the key that does not fit (the caller's
    transaction then stores nothing)."""
    if not isinstance(data, dict):
        raise ReferenceFileInvalid(why="the file must hold one JSON object, not a list or value")
    facility = str(data.get("facility_id", ""))
    count = 0
    for kind, rows in data.items():
        if kind == "facility_id":
            continue
        if not isinstance(rows, dict):
            raise ReferenceFileInvalid(
                why=f'"{kind}" must be an object of row_id → row, not {type(rows).__name__}'
            )
        put_reference_rows(conn, kind, rows, facility_id=facility)
        count += len(rows)
    return count


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


class ManifestUploadRefused(UserFacingError):
    code = "server.manifest_refused"
    template = "Manifest not stored: {why}."


@dataclass(frozen=True, slots=True)
class UploadedManifest:
    manifest_id: str
    job_id: str
    customer_id: str
    facility_id: str
    line_count: int
    duplicate_count: int
    change_seq: int


def upload_manifest(
    conn: Connection,
    *,
    data: bytes,
    file_name: str,
    facility_id: str,
    customer_id: str,
    job_id: str,
    customer_name: str = "",
    manifest_id: str = "",
) -> UploadedManifest:
    """Parse a customer manifest (CSV/XLSX, with the station's own importer and its checks)
    and publish it, its job and its customer as reference data for ``facility_id``.

    All-or-nothing: a file that does not parse raises the importer's error (naming row and
    column) and stores nothing. The manifest id defaults to the one a station would give the
    same file (``MAN-<job>-<sha6>``), so importing it again at a station is refused as a repeat.
    """
    customer_id = customer_id.strip()
    job_id = job_id.strip().upper()
    facility_id = facility_id.strip()
    if not facility_id:
        raise ManifestUploadRefused(why="no facility given")
    if not customer_id or len(customer_id) > 64:
        raise ManifestUploadRefused(why="the customer id must have 1 to 64 characters")
    if not JOB_ID_RE.match(job_id):
        raise ManifestUploadRefused(why=f"the job id must {JOB_ID_RULE}")
    parsed = parse_manifest(data, file_name)
    manifest_id = manifest_id.strip() or f"MAN-{job_id}-{parsed.source_sha256[:6].upper()}"
    ref = ManifestRef(
        customer_id=customer_id,
        job_id=job_id,
        source_name=(file_name or "manifest")[:200],
        source_sha256=parsed.source_sha256,
        lines=tuple(
            ManifestLine(
                line_no=e.line_no,
                serial=e.serial,
                asset_tag=e.asset_tag,
                make=e.make,
                model=e.model,
                device_type=e.device_type,
                quantity=e.quantity,
                epc=e.epc,
                weight_g=e.weight_g,
                customer_ref=e.customer_ref,
            )
            for e in parsed.entries
        ),
    )
    table = schema.reference_rows
    known = conn.execute(
        select(table.c.body).where(
            table.c.kind == ReferenceKind.CUSTOMER.value,
            table.c.row_id == customer_id,
            table.c.facility_id.in_(["", facility_id]),
            table.c.deleted.is_(False),
        )
    ).first()
    if known is None or customer_name.strip():
        put_reference_rows(
            conn,
            ReferenceKind.CUSTOMER.value,
            {customer_id: CustomerRef(name=customer_name.strip() or customer_id).model_dump()},
            facility_id=facility_id,
        )
    put_reference_rows(
        conn,
        ReferenceKind.JOB.value,
        {job_id: JobRef(customer_id=customer_id).model_dump()},
        facility_id=facility_id,
    )
    seq = put_reference_rows(
        conn,
        ReferenceKind.MANIFEST.value,
        {manifest_id: ref.model_dump(mode="json")},
        facility_id=facility_id,
    )
    return UploadedManifest(
        manifest_id=manifest_id,
        job_id=job_id,
        customer_id=customer_id,
        facility_id=facility_id,
        line_count=len(ref.lines),
        duplicate_count=len(parsed.duplicates),
        change_seq=seq,
    )
