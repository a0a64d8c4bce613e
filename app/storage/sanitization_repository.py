"""Read side of sanitization: media, their records, the review list, job data for
certificates. Rows never leave this module. Any thread; each call takes its own connection."""

from __future__ import annotations

from sqlalchemy import Engine

from app.domain.sanitization import (
    HostAsset,
    Medium,
    ReviewItem,
    SampleDriveRow,
    SanitizationRow,
)

_MEDIA_COLS = (
    "m.media_id, m.asset_id, m.kind, m.serial, m.model, m.capacity_bytes, m.interface, m.wwn, "
    "m.power_on_hours, m.outcome, m.last_result, m.route_to_destruction, m.voided_reason"
)
_RECORD_COLS = (
    "r.seq, r.record_id, r.media_id, r.asset_id, r.drive_serial, r.media_kind, r.outcome, "
    "r.technique, r.result, r.tool, r.tool_version, r.tool_method_label, r.ended, "
    "r.evidence_sha256, r.evidence_name, coalesce(o.display_name, r.operator_id), r.batch_id, "
    "r.needs_validation, r.route_to_destruction, r.operator_id"
)
_ASSET_COLS = "asset_id, job_id, serial, asset_tag, device_type, make, model"
# Fixed column lists joined to fixed text: no value is ever formatted into SQL.
_MEDIA = "SELECT " + _MEDIA_COLS + " FROM media m "  # noqa: S608
_RECORDS = (
    "SELECT " + _RECORD_COLS + " FROM sanitization_records r "  # noqa: S608
    "LEFT JOIN operators o ON o.operator_id = r.operator_id "
)
_ASSETS = "SELECT " + _ASSET_COLS + " FROM assets WHERE status = 'received' AND "  # noqa: S608
# Open review items: those no review.resolved event has settled.
_REVIEWS = (
    "SELECT v.review_id, v.seq, v.file_name, v.evidence_sha256, v.drive_serial, v.model, "
    "v.result, v.reason, v.drive_index FROM sanitization_reviews v "
    "WHERE NOT EXISTS (SELECT 1 FROM review_resolutions x WHERE x.review_id = v.review_id) "
)
_SAMPLE_DRIVES = (
    "SELECT d.sample_id, s.job_id, d.media_id, d.drive_serial, d.asset_id, d.record_id, "
    "d.wiped_by, trim(d.tool || ' ' || d.tool_version), d.status, d.verifier_name, d.method, "
    "d.recovery_tool, d.notes, d.reopened_count, s.status, "
    "coalesce(o.display_name, d.wiped_by) FROM qc_sample_drives d "
    "JOIN qc_samples s ON s.sample_id = d.sample_id "
    "LEFT JOIN operators o ON o.operator_id = d.wiped_by "
)


class SanitizationRepository:
    """Queries for :class:`app.services.sanitization.SanitizationService`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql, params).all()]

    def media_by_serial(self, serial: str) -> list[Medium]:
        return [
            _medium(r)
            for r in self._all(
                _MEDIA + "WHERE upper(trim(m.serial)) = ?",
                (serial.strip().upper(),),
            )
        ]

    def media_of_asset(self, asset_id: str) -> list[Medium]:
        return [
            _medium(r)
            for r in self._all(
                _MEDIA + "WHERE m.asset_id = ? ORDER BY m.registered_seq",
                (asset_id,),
            )
        ]

    def media_of_job(self, job_id: str) -> list[Medium]:
        return [
            _medium(r)
            for r in self._all(
                _MEDIA + "JOIN assets a ON a.asset_id = m.asset_id "
                "WHERE a.job_id = ? AND a.status = 'received' ORDER BY m.registered_seq",
                (job_id,),
            )
        ]

    def all_media(self, limit: int = 5000) -> list[Medium]:
        return [
            _medium(r)
            for r in self._all(
                _MEDIA + "ORDER BY m.last_seq DESC LIMIT ?",
                (limit,),
            )
        ]

    def records(self, limit: int = 5000) -> list[SanitizationRow]:
        return [
            _record(r)
            for r in self._all(
                _RECORDS + "ORDER BY r.seq DESC LIMIT ?",
                (limit,),
            )
        ]

    def records_of_media(self, media_id: str) -> list[SanitizationRow]:
        return [
            _record(r)
            for r in self._all(
                _RECORDS + "WHERE r.media_id = ? ORDER BY r.seq",
                (media_id,),
            )
        ]

    def reviews(self) -> list[ReviewItem]:
        """Open review items (not yet assigned or dismissed), newest first."""
        return [ReviewItem(*r) for r in self._all(_REVIEWS + "ORDER BY v.seq DESC")]

    def review(self, review_id: str) -> ReviewItem | None:
        """An open review item, or None when there is none (or it was resolved)."""
        rows = self._all(_REVIEWS + "AND v.review_id = ?", (review_id,))
        return ReviewItem(*rows[0]) if rows else None

    def review_resolution(self, review_id: str) -> str | None:
        """How a review item was resolved ("assigned" / "dismissed"), None while open."""
        rows = self._all("SELECT action FROM review_resolutions WHERE review_id = ?", (review_id,))
        return rows[0][0] if rows else None

    def media_by_id(self, media_id: str) -> Medium | None:
        rows = self._all(_MEDIA + "WHERE m.media_id = ?", (media_id,))
        return _medium(rows[0]) if rows else None

    def sample_drives(self, *, job_id: str = "", sample_id: str = "") -> list[SampleDriveRow]:
        """QC sample drives of a job or of one sample (newest sample first)."""
        where, params = (
            ("s.sample_id = ?", (sample_id,)) if sample_id else ("s.job_id = ?", (job_id,))
        )
        return [
            SampleDriveRow(*r)
            for r in self._all(
                _SAMPLE_DRIVES + "WHERE " + where + " ORDER BY s.seq DESC, d.position",
                params,
            )
        ]

    def all_sample_drives(self, limit: int = 2000) -> list[SampleDriveRow]:
        return [
            SampleDriveRow(*r)
            for r in self._all(
                _SAMPLE_DRIVES + "ORDER BY s.seq DESC, d.position LIMIT ?",
                (limit,),
            )
        ]

    def evidence_seen(self, sha256: str) -> bool:
        rows = self._all(
            "SELECT 1 FROM sanitization_records WHERE evidence_sha256 = ? UNION ALL "
            "SELECT 1 FROM sanitization_reviews WHERE evidence_sha256 = ? LIMIT 1",
            (sha256, sha256),
        )
        return bool(rows)

    def find_asset(self, value: str) -> HostAsset | None:
        wanted = value.strip()
        rows = self._all(
            _ASSETS
            + "(asset_id = ? OR upper(serial) = upper(?) OR upper(asset_tag) = upper(?)) LIMIT 2",
            (wanted, wanted, wanted),
        )
        return HostAsset(*rows[0]) if len(rows) == 1 else None

    def assets_with_serial(self, serial: str) -> list[HostAsset]:
        return [
            HostAsset(*r)
            for r in self._all(
                _ASSETS + "upper(serial) = upper(?)",
                (serial.strip(),),
            )
        ]

    def job_customer(self, job_id: str) -> tuple[str, str] | None:
        rows = self._all(
            "SELECT j.customer_id, coalesce(c.name, j.customer_id) FROM receiving_jobs j "
            "LEFT JOIN customers c ON c.customer_id = j.customer_id WHERE j.job_id = ?",
            (job_id,),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def jobs(self) -> list[str]:
        return [r[0] for r in self._all("SELECT job_id FROM receiving_jobs ORDER BY job_id")]

    def certificate_of_job(self, job_id: str) -> str | None:
        rows = self._all(
            "SELECT certificate_no FROM certificates WHERE job_id = ? ORDER BY seq LIMIT 1",
            (job_id,),
        )
        return rows[0][0] if rows else None

    def certificate_count(self) -> int:
        return int(self._all("SELECT count(*) FROM certificates")[0][0])


def _medium(r: tuple) -> Medium:
    return Medium(
        media_id=r[0],
        asset_id=r[1],
        kind=r[2],
        serial=r[3],
        model=r[4],
        capacity_bytes=r[5],
        interface=r[6],
        wwn=r[7],
        power_on_hours=r[8],
        outcome=r[9],
        last_result=r[10],
        route_to_destruction=bool(r[11]),
        voided_reason=r[12],
    )


def _record(r: tuple) -> SanitizationRow:
    return SanitizationRow(
        *r[:17],
        needs_validation=bool(r[17]),
        route_to_destruction=bool(r[18]),
        operator_id=r[19],
    )
