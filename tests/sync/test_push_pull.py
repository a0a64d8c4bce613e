"""End to end through the real server app on PostgreSQL: push with receipts, duplicates,
expected-seq reconciliation, reference data by cursor, refetch, blobs, enrolment."""

from __future__ import annotations

import hashlib
import json

import pytest

from app.domain.sync import NotEnrolled, StationRevoked
from app.ledger.chain import EventDraft
from app.server import admin
from app.sync import wire
from tests.sync.harness import (
    ADMIN_TOKEN,
    FACILITY,
    Fault,
    check_server_matches,
    sync_until_quiet,
)


def test_events_arrive_once_with_receipts(make_station, server):
    station = make_station()
    station.record(20)
    result = station.engine.run_once()
    assert result.acknowledged == 20
    check_server_matches(server, [station])
    receipt = json.loads(
        server.sql("SELECT 1")  # the server is alive
        and station.store.meta_get("sync.acked_through")
    )
    assert receipt == 20
    # Nothing pending: the next cycle moves nothing.
    assert station.engine.run_once().quiet


def test_lost_response_is_answered_as_duplicate_with_the_original_server_seq(make_station, server):
    station = make_station()
    station.record(3)
    station.transport.faults = [Fault.NONE, Fault.NONE, Fault.DROP_RESPONSE]  # login, push
    with pytest.raises(Exception, match="could not be reached"):
        station.engine.run_once()
    assert len(server.events()) == 3  # committed on the server
    assert station.store.pending_summary().count == 3  # but not acknowledged here
    station.engine.run_once()
    check_server_matches(server, [station])
    with station.database.engine.connect() as conn:
        receipts = [
            json.loads(r[0])
            for r in conn.exec_driver_sql("SELECT receipt FROM event_sync_state ORDER BY seq").all()
        ]
    assert {r["status"] for r in receipts} == {"duplicate"}
    assert [r["server_seq"] for r in receipts] == [1, 2, 3]


def test_server_losing_events_asks_for_them_again(make_station, server):
    """F2: the server restored from a backup: 409 expected_seq, the station resends."""
    station = make_station()
    station.record(5)
    sync_until_quiet(station)
    _restore_server_to(server, 3)  # a restore that lost seq 4 and 5
    station.record(2)
    result = station.engine.run_once()
    assert result.acknowledged >= 4
    check_server_matches(server, [station])
    # The resent events rebuilt the same history: the station's checkpoint of 5 is a prefix.
    assert not result.halted
    assert station.store.last_checkpoint().tree_size == 7


def _restore_server_to(server, last_seq: int) -> None:
    """Simulate a server restored from a backup taken when it held one station's first
    ``last_seq`` events (bypassing the append-only triggers, as a restore would)."""
    server.sql("ALTER TABLE events DISABLE TRIGGER events_refuse_change")
    server.sql(f"DELETE FROM events WHERE seq > {last_seq}")
    server.sql("ALTER TABLE events ENABLE TRIGGER events_refuse_change")
    head = server.events()[-1]
    server.sql(f"UPDATE station_heads SET last_seq = {last_seq}, head_hash = '{head.hash}'")
    server.sql(f"UPDATE counters SET value = {last_seq} WHERE name = 'server_seq'")
    # A restore rolls the Merkle tree and the checkpoints back with the events.
    for table in ("merkle_nodes", "checkpoints"):
        server.sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_refuse_change")
    server.sql(f"DELETE FROM merkle_nodes WHERE (idx + 1) * (1::bigint << level) > {last_seq}")
    server.sql(f"DELETE FROM checkpoints WHERE tree_size > {last_seq}")
    for table in ("merkle_nodes", "checkpoints"):
        server.sql(f"ALTER TABLE {table} ENABLE TRIGGER {table}_refuse_change")


def test_a_409_in_a_multi_batch_push_discards_the_read_ahead(make_station, server):
    """The engine reads and encodes the next batch while the server works on the current one;
    when the server answers 409 (it lost events), that read-ahead must be thrown away and the
    push must restart from what the server asks for, across several batches of 7."""
    station = make_station()
    station.record(10)
    sync_until_quiet(station)
    _restore_server_to(server, 3)
    station.record(30)  # the backlog spans several batches; the first answer is a 409
    result = station.engine.run_once()
    assert not result.halted
    check_server_matches(server, [station])
    assert [e.seq for e in server.events()] == list(range(1, 41))
    assert station.store.pending_summary().count == 0


def test_a_lost_answer_mid_backlog_loses_and_duplicates_nothing(make_station, server):
    """A dropped response on the third of six batches (server committed it) while the fourth
    is already read ahead: the next cycle resends from the first unacknowledged event."""
    station = make_station()
    station.record(40)
    # challenge, login, push 1, push 2, push 3 (answer lost)
    station.transport.faults = [Fault.NONE] * 4 + [Fault.DROP_RESPONSE]
    with pytest.raises(Exception, match="could not be reached"):
        station.engine.run_once()
    assert len(server.events()) == 21  # three batches of 7 committed
    assert station.store.pending_summary().count == 26  # only two acknowledged here
    sync_until_quiet(station)
    check_server_matches(server, [station])
    assert [e.seq for e in server.events()] == list(range(1, 41))


def test_not_enrolled_station_does_not_sync(make_station):
    station = make_station(enrol=False)
    station.record(1)
    with pytest.raises(NotEnrolled):
        station.engine.run_once()


def test_enrolment_code_is_one_time(make_station, server):
    first = make_station("a", 1, enrol=False)
    code = server.code()
    first.engine.enrol("http://itad-server.test", code, "A")
    # Retrying the same enrolment (lost answer) is fine...
    first.engine.enrol("http://itad-server.test", code, "A")
    second = make_station("b", 2, enrol=False)
    with pytest.raises(Exception, match="used already"):
        second.engine.enrol("http://itad-server.test", code, "B")


def test_revoked_station_is_refused_and_recorded(make_station, server):
    station = make_station()
    station.record(2)
    sync_until_quiet(station)
    with server.engine.begin() as conn:
        admin.revoke_station(conn, station.station_id, 1)
    station.record(1)
    with pytest.raises(StationRevoked):
        station.engine.run_once()
    assert station.store.pending_summary().count == 1  # kept locally, never discarded
    assert [i.kind for i in server.incidents()] == ["revoked_station"]


def test_reference_data_reaches_the_facility_and_only_it(make_station, server):
    station = make_station()
    with server.engine.begin() as conn:
        admin.put_reference_rows(conn, "customer", {"c1": {"name": "Acme"}})
        admin.put_reference_rows(conn, "manifest", {"m1": {"lines": 3}}, facility_id=FACILITY)
        admin.put_reference_rows(conn, "manifest", {"m9": {"lines": 1}}, facility_id="fac-99")
    sync_until_quiet(station)
    rows = station.store.reference_rows()
    assert set(rows) == {("customer", "c1"), ("manifest", "m1")}
    with server.engine.begin() as conn:
        admin.put_reference_rows(conn, "customer", {"c1": {"name": "Acme Ltd"}})
        admin.delete_reference_row(conn, "manifest", "m1", FACILITY)
    sync_until_quiet(station)
    assert station.store.reference_rows() == {("customer", "c1"): '{"name":"Acme Ltd"}'}


def test_stale_cursor_refetches_a_snapshot(make_station, server):
    station = make_station()
    with server.engine.begin() as conn:
        admin.put_reference_rows(conn, "customer", {"c1": {"n": 1}, "c2": {"n": 2}})
    sync_until_quiet(station)
    with server.engine.begin() as conn:
        admin.delete_reference_row(conn, "customer", "c1")
        last = admin.put_reference_rows(conn, "customer", {"c3": {"n": 3}})
        admin.compact_tombstones(conn, last)
    sync_until_quiet(station)
    assert set(station.store.reference_rows()) == {("customer", "c2"), ("customer", "c3")}
    assert station.store.ref_cursor() == last


def test_reference_pages_are_bounded(make_station, server):
    station = make_station()
    with server.engine.begin() as conn:
        admin.put_reference_rows(conn, "sku", {f"s{i}": {"i": i} for i in range(2500)})
    sync_until_quiet(station)
    assert len(station.store.reference_rows("sku")) == 2500


def test_blob_put_is_verified_and_idempotent(make_station, server):
    station = make_station()
    client = server.test_client
    token = station.engine._authed(  # a real token through the real login
        station.engine._client_for("http://itad-server.test"), lambda t: t
    )
    data = b"wipe report"
    sha = hashlib.sha256(data).hexdigest()
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.put(wire.PATH_BLOB.format(sha256=sha), content=data, headers=headers).status_code
        == 201
    )
    assert (
        client.put(wire.PATH_BLOB.format(sha256=sha), content=data, headers=headers).status_code
        == 200
    )
    bad = client.put(wire.PATH_BLOB.format(sha256="0" * 64), content=data, headers=headers)
    assert bad.status_code == 422
    assert client.get(wire.PATH_BLOB.format(sha256=sha), headers=headers).content == data


def test_admin_api_and_facility_page(make_station, server):
    client = server.test_client
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.post("/v1/admin/enrolment-codes", json={"facility_id": "f"}).status_code == 403
    code = client.post("/v1/admin/enrolment-codes", json={"facility_id": FACILITY}, headers=auth)
    assert code.status_code == 200
    station = make_station(enrol=False)
    station.engine.enrol("http://itad-server.test", code.json()["code"], "Bench 1")
    station.record(1, kind="weird")
    sync_until_quiet(station)
    page = client.get(f"/facilities/{FACILITY}?token={ADMIN_TOKEN}")
    assert page.status_code == 200
    assert "Bench 1" in page.text
    assert client.get("/openapi.json").json()["paths"][wire.PATH_PUSH]


def test_unknown_event_type_is_quarantined_not_rejected(make_station, server):
    station = make_station()
    station.events.append([EventDraft(type="future.thing", payload={"x": 1}, operator_id="op")])
    sync_until_quiet(station)
    rows = server.events(station.station_id)
    assert rows[-1].status == "quarantined"
    assert "unknown event type" in rows[-1].reason
    assert station.store.pending_summary().count == 0  # stored: acknowledged
