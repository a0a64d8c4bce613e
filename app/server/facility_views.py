"""Per-facility read side of the server: station health from heartbeats, open cross-station
exceptions, and the HTML sections the facility page shows for them (docs: sync-protocol §14).

Heartbeats are also checked against the stored chain: a station whose reported head hash differs
from the server's at the same ``seq`` has a chain the server does not hold (a restored backup or
tampering): an incident is recorded for a human.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from app.server import schema
from app.server.ingest import StationRecord, _insert, record_incident
from app.sync import wire

#: A station silent for longer than this is listed as stale on the facility page.
STALE_AFTER_MS = 30 * 60_000
_STALE_STYLE = ' style="background:#fdd"'


def record_heartbeat(
    conn: Connection, station: StationRecord, beat: wire.Heartbeat, now_ms: int
) -> wire.HeartbeatAnswer:
    """Keep the latest heartbeat of ``station`` and compare its head with the stored chain."""
    table = schema.station_heartbeats
    values = {
        "station_id": station.station_id,
        "received_at_ms": now_ms,
        "last_seq": beat.last_seq,
        "head_hash": beat.head_hash,
        "pending_count": beat.pending_count,
        "oldest_pending_age_s": beat.oldest_pending_age_s,
        "last_checkpoint_size": beat.last_checkpoint_size,
        "pending_blobs": beat.pending_blobs,
        "app_version": beat.app_version,
    }
    stmt = _insert(conn, table).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["station_id"],
            set_={k: getattr(stmt.excluded, k) for k in values if k != "station_id"},
        )
    )
    heads = schema.station_heads
    stored = conn.execute(
        select(heads.c.last_seq).where(heads.c.station_id == station.station_id)
    ).scalar_one_or_none()
    stored_seq = int(stored or 0)
    if 0 < beat.last_seq <= stored_seq:
        ev = schema.events
        on_server = conn.execute(
            select(ev.c.hash).where(
                ev.c.station_id == station.station_id, ev.c.seq == beat.last_seq
            )
        ).scalar_one_or_none()
        inc = schema.incidents
        known = conn.execute(
            select(inc.c.incident_id)
            .where(
                inc.c.station_id == station.station_id,
                inc.c.kind.in_(["fork", "head_mismatch"]),
                inc.c.resolved.is_(False),
            )
            .limit(1)
        ).first()
        # One open incident per diverged station: heartbeats come every round.
        if on_server is not None and on_server != beat.head_hash and known is None:
            record_incident(
                conn,
                kind="head_mismatch",
                station_id=station.station_id,
                facility_id=station.facility_id,
                detail=f"heartbeat head at seq {beat.last_seq} is not the stored event",
                now_ms=now_ms,
                seq=beat.last_seq,
            )
    return wire.HeartbeatAnswer(received_at_ms=now_ms, stored_seq=stored_seq)


def station_health(conn: Connection, facility_id: str, now_ms: int) -> list[dict[str, Any]]:
    """One row per station of the facility: last contact (push or heartbeat), what it last
    reported, how far the server is behind it, and whether it is stale."""
    st, heads, beats = schema.stations, schema.station_heads, schema.station_heartbeats
    rows = conn.execute(
        select(
            st.c.station_id,
            st.c.station_name,
            st.c.revoked,
            heads.c.last_seq.label("stored_seq"),
            heads.c.last_contact_ms,
            beats.c.received_at_ms,
            beats.c.last_seq.label("reported_seq"),
            beats.c.pending_count,
            beats.c.oldest_pending_age_s,
            beats.c.last_checkpoint_size,
            beats.c.pending_blobs,
        )
        .outerjoin(heads, heads.c.station_id == st.c.station_id)
        .outerjoin(beats, beats.c.station_id == st.c.station_id)
        .where(st.c.facility_id == facility_id)
        .order_by(st.c.station_name, st.c.station_id)
    ).all()
    out = []
    for r in rows:
        contacts = [ms for ms in (r.last_contact_ms, r.received_at_ms) if ms is not None]
        last = max(contacts) if contacts else None
        out.append(
            {
                "station_id": r.station_id,
                "station_name": r.station_name,
                "revoked": bool(r.revoked),
                "last_contact_ms": last,
                "stale": not r.revoked and (last is None or now_ms - last > STALE_AFTER_MS),
                "stored_seq": int(r.stored_seq or 0),
                "reported_seq": r.reported_seq,
                "pending_count": r.pending_count,
                "oldest_pending_age_s": r.oldest_pending_age_s,
                "last_checkpoint_size": r.last_checkpoint_size,
                "pending_blobs": r.pending_blobs,
            }
        )
    return out


def open_exceptions(conn: Connection, facility_id: str) -> list[dict[str, Any]]:
    exc = schema.sync_exceptions
    rows = conn.execute(
        select(exc)
        .where(exc.c.facility_id == facility_id, exc.c.resolved.is_(False))
        .order_by(exc.c.exception_id)
    ).all()
    return [
        {
            "exception_id": f"X-{r.exception_id}",
            "kind": r.kind,
            "job_id": r.job_id,
            "identifier": r.identifier,
            "first_station_id": r.first_station_id,
            "first_event_id": r.first_event_id,
            "second_station_id": r.second_station_id,
            "second_event_id": r.second_event_id,
            "detected_at_ms": r.detected_at_ms,
        }
        for r in rows
    ]


def _ago(ms: int | None, now: int) -> str:
    if ms is None:
        return "never"
    minutes = max(0, now - ms) // 60_000
    return "just now" if minutes < 1 else f"{minutes} min ago"


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def page_html(engine: Engine, facility_id: str, now_ms: int) -> str:
    """The read-only facility page: stations, pending incidents, quarantined events, station
    health and open exceptions, all read in one connection."""
    st, heads, ev, inc = schema.stations, schema.station_heads, schema.events, schema.incidents
    # Events carry the facility label their station had when it made them; the facility a
    # station belongs to is the one it enrolled in, so the page goes by station.
    members = select(st.c.station_id).where(st.c.facility_id == facility_id)
    with engine.connect() as conn:
        stations = conn.execute(
            select(st, heads.c.last_seq, heads.c.last_contact_ms)
            .outerjoin(heads, heads.c.station_id == st.c.station_id)
            .where(st.c.facility_id == facility_id)
            .order_by(st.c.station_name)
        ).all()
        incidents = conn.execute(
            select(inc)
            .where(inc.c.facility_id == facility_id, inc.c.resolved.is_(False))
            .order_by(inc.c.incident_id.desc())
            .limit(200)
        ).all()
        quarantined = conn.execute(
            select(ev.c.server_seq, ev.c.station_id, ev.c.seq, ev.c.type, ev.c.reason)
            .where(ev.c.station_id.in_(members), ev.c.status == "quarantined")
            .order_by(ev.c.server_seq.desc())
            .limit(200)
        ).all()
        total = conn.execute(
            select(func.count()).select_from(ev).where(ev.c.station_id.in_(members))
        ).scalar_one()
        health = station_health(conn, facility_id, now_ms)
        found = open_exceptions(conn, facility_id)

    esc = _esc
    station_rows = "".join(
        f"<tr><td>{esc(s.station_name)}</td><td>{esc(s.station_id)}</td>"
        f"<td>{esc(s.last_seq or 0)}</td><td>{esc(_ago(s.last_contact_ms, now_ms))}</td>"
        f"<td>{'REVOKED' if s.revoked else 'active'}</td></tr>"
        for s in stations
    )
    incident_rows = "".join(
        f"<tr><td>{esc(i.kind)}</td><td>{esc(i.station_id)}</td><td>{esc(i.seq)}</td>"
        f"<td>{esc(i.detail)}</td><td>{esc(_ago(i.created_at_ms, now_ms))}</td></tr>"
        for i in incidents
    )
    quarantine_rows = "".join(
        f"<tr><td>{esc(q.server_seq)}</td><td>{esc(q.station_id)}</td><td>{esc(q.seq)}</td>"
        f"<td>{esc(q.type)}</td><td>{esc(q.reason)}</td></tr>"
        for q in quarantined
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Facility {esc(facility_id)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>"
        f"<h1>Facility {esc(facility_id)}</h1><p>{esc(total)} events stored.</p>"
        "<h2>Stations</h2><table><tr><th>Name</th><th>ID</th><th>Last seq</th>"
        f"<th>Last contact</th><th>Status</th></tr>{station_rows}</table>"
        f"<h2>Pending incidents ({len(incidents)})</h2><table><tr><th>Kind</th><th>Station</th>"
        f"<th>Seq</th><th>Detail</th><th>When</th></tr>{incident_rows}</table>"
        f"<h2>Quarantined events ({len(quarantined)})</h2><table><tr><th>Server seq</th>"
        "<th>Station</th><th>Seq</th><th>Type</th><th>Reason</th></tr>"
        f"{quarantine_rows}</table>"
        f"{_sections_html(health, found, now_ms)}</body></html>"
    )


def _sections_html(health: list[dict[str, Any]], found: list[dict[str, Any]], now_ms: int) -> str:
    """The station-health and open-exception sections of the facility page."""
    esc = _esc

    stale = sum(1 for h in health if h["stale"])
    health_rows = "".join(
        f"<tr{_STALE_STYLE if h['stale'] else ''}>"
        f"<td>{esc(h['station_name'])}</td><td>{esc(_ago(h['last_contact_ms'], now_ms))}</td>"
        f"<td>{'STALE' if h['stale'] else 'ok'}</td><td>{esc(h['stored_seq'])}</td>"
        f"<td>{esc(h['reported_seq'])}</td><td>{esc(h['pending_count'])}</td>"
        f"<td>{esc(h['oldest_pending_age_s'])}</td><td>{esc(h['pending_blobs'])}</td>"
        f"<td>{esc(h['last_checkpoint_size'])}</td></tr>"
        for h in health
    )
    exception_rows = "".join(
        f"<tr><td>{esc(x['exception_id'])}</td><td>{esc(x['kind'])}</td>"
        f"<td>{esc(x['job_id'])}</td><td>{esc(x['identifier'])}</td>"
        f"<td>{esc(x['first_station_id'])}</td><td>{esc(x['second_station_id'])}</td>"
        f"<td>{esc(_ago(x['detected_at_ms'], now_ms))}</td></tr>"
        for x in found
    )
    return (
        f"<h2>Station health ({stale} stale)</h2><p>Stale: no contact for "
        f"{STALE_AFTER_MS // 60_000} min.</p><table><tr><th>Station</th><th>Last contact</th>"
        "<th>State</th><th>Seq stored</th><th>Seq reported</th><th>Pending events</th>"
        "<th>Oldest pending (s)</th><th>Pending files</th><th>Checkpoint seen</th></tr>"
        f"{health_rows}</table>"
        f"<h2>Open exceptions ({len(found)})</h2><p>Contradictions between stations; both "
        "facts are kept.</p><table><tr><th>ID</th><th>Kind</th><th>Job</th><th>What</th>"
        f"<th>First station</th><th>Second station</th><th>Found</th></tr>{exception_rows}"
        "</table>"
    )
