"""Tamper and security cases (docs §17.7): each must be refused and recorded, never merged."""

from __future__ import annotations

import dataclasses
import json

from app.ledger.chain import ChainHead, EventDraft, Sealer
from app.ledger.envelope import digest_of
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.sync.client import event_json
from tests.sync.harness import FACILITY, sync_until_quiet


def _push_raw(station, rows_json: list[str]):
    """Push hand-made wire events with the station's real token."""
    engine = station.engine
    token = engine._authed(engine._client_for("http://itad-server.test"), lambda t: t)
    body = '{"events":[' + ",".join(rows_json) + "]}"
    return station.server.test_client.post(
        f"/v1/stations/{station.station_id}/events",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def test_same_event_id_with_other_content_is_a_recorded_conflict(make_station, server):
    station = make_station()
    station.record(2)
    sync_until_quiet(station)
    row = station.rows()[1]
    tampered = json.loads(event_json(row))
    tampered["payload"]["to_party"] = "somewhere else"
    answer = _push_raw(station, [json.dumps(tampered)]).json()
    receipt = answer["receipts"][0]
    assert receipt["status"] == "rejected"
    # The hash no longer fits the content: caught before the id comparison.
    assert receipt["reason"].startswith("hash_mismatch")
    assert [i.kind for i in server.incidents()] == ["tampered"]
    assert len(server.events()) == 2


def test_resealed_event_under_a_known_id_is_a_conflict(make_station, server):
    """Same id, different content, validly hashed and signed (a rewritten local ledger)."""
    station = make_station()
    station.record(1)
    sync_until_quiet(station)
    original = station.rows()[0]
    sealer = Sealer(
        station_id=station.station_id,
        facility_id=FACILITY,
        key=station.key,
        hlc=HybridLogicalClock(),
    )
    forged = sealer.seal(ChainHead(), [EventDraft("custody.transferred", {"x": 1}, "op")])[0]
    forged = dataclasses.replace(forged, event_id=original.event_id, prev_hash="0" * 64)
    digest = digest_of(forged.hashed_body())
    forged = dataclasses.replace(forged, hash=digest.hex(), sig=station.key.sign_digest(digest))
    answer = _push_raw(station, [json.dumps(forged.to_wire())]).json()
    assert answer["receipts"][0]["status"] == "rejected"
    assert answer["receipts"][0]["reason"].startswith("conflict")
    assert [i.kind for i in server.incidents()] == ["conflict"]


def test_forged_signature_is_rejected_and_stops_the_station(make_station, server):
    station = make_station()
    station.record(1)
    sync_until_quiet(station)
    other_key = StationKey(b"\x77" * 32)
    station.events._sealer._key = other_key  # the next events are signed by a thief's key
    station.record(2)
    result = station.engine.run_once()
    assert result.halted and "not signed with this station's key" in result.halted
    assert [i.kind for i in server.incidents()] == ["forged_signature"]
    assert len(server.events()) == 1
    # Halted: further cycles do not push, the events stay pending, nothing is deleted.
    assert station.engine.run_once().pushed == 0
    assert station.store.pending_summary().count == 2


def test_replay_of_another_stations_event_is_rejected(make_station, server):
    a = make_station("a", 1)
    b = make_station("b", 2)
    a.record(1)
    sync_until_quiet(a)
    stolen = event_json(a.rows()[0])
    answer = _push_raw(b, [stolen]).json()
    assert answer["receipts"][0]["status"] == "rejected"
    assert answer["receipts"][0]["reason"].startswith("wrong_station")
    assert [i.kind for i in server.incidents()] == ["replay"]
    # And pushing to another station's URL is refused outright.
    token = b.engine._authed(b.engine._client_for("http://itad-server.test"), lambda t: t)
    refused = server.test_client.post(
        f"/v1/stations/{a.station_id}/events",
        content='{"events":[]}',
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403


def test_station_restored_from_an_old_backup_is_a_fork(make_station, server, tmp_path):
    station = make_station()
    station.record(2)
    sync_until_quiet(station)
    station.backup_to(tmp_path / "backup")
    station.record(3)
    sync_until_quiet(station)
    station.restore_from(tmp_path / "backup")  # seq 3.. are lost locally
    station.record(2)  # new, different events at seq 3 and 4
    result = station.engine.run_once()
    assert result.halted and "different history" in result.halted
    assert [i.kind for i in server.incidents()] == ["fork"]
    server_rows = server.events(station.station_id)
    assert len(server_rows) == 5  # nothing on the server was replaced
    assert station.store.pending_summary().count == 2  # nothing local was discarded


def test_tampered_local_event_is_refused(make_station, server):
    station = make_station()
    station.record(2)
    with station.database.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER events_refuse_update")
        conn.exec_driver_sql(
            "UPDATE events SET payload = replace(payload, 'dock-1', 'dock-9') WHERE seq = 2"
        )
    result = station.engine.run_once()
    assert result.halted
    assert [i.kind for i in server.incidents()] == ["tampered"]
    assert [r.seq for r in server.events()] == [1]


def test_unauthenticated_push_is_refused(server):
    answer = server.test_client.post("/v1/stations/st-x/events", content='{"events":[]}')
    assert answer.status_code == 401
    bad = server.test_client.post(
        "/v1/stations/st-x/events",
        content='{"events":[]}',
        headers={"Authorization": "Bearer t1.AAAA.BBBB"},
    )
    assert bad.status_code == 401
