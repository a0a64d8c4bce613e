"""Two stations receive the same job offline and both record a receipt of one serial: after sync
both facts are on the server (real PostgreSQL), the duplicate is an exception (facility API and
page), and each station's reconciliation of that job shows it. Nothing is rejected or
overwritten."""

from __future__ import annotations

from app.domain.manifests import DiscrepancyCode, ScanOutcome
from tests.sync.harness import ADMIN_TOKEN, FACILITY, sync_until_quiet
from tests.sync.test_reference_apply import MANIFEST, Receiving, upload

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _exceptions(server) -> list[dict]:
    answer = server.test_client.get(f"/v1/admin/facilities/{FACILITY}/exceptions", headers=AUTH)
    assert answer.status_code == 200
    return answer.json()


def test_duplicate_receipt_across_stations_is_flagged_not_overwritten(
    make_station, server, tmp_path
):
    a, b = make_station("a", 1), make_station("b", 2)
    ra, rb = Receiving(a, tmp_path), Receiving(b, tmp_path)
    upload(server, MANIFEST)
    sync_until_quiet(a)
    sync_until_quiet(b)

    # Both offline: each receives SN-0001 (and each one other item) against its own manifest.
    first = ra.service.scan("JOB-7", "SN-0001", "test")
    second = rb.service.scan("JOB-7", "SN-0001", "test")
    assert first.outcome is second.outcome is ScanOutcome.MATCHED
    ra.service.scan("JOB-7", "SN-0002", "test")
    rb.service.scan("JOB-7", "SN-0003", "test")

    sync_until_quiet(a)
    sync_until_quiet(b)
    received = server.sql(
        "SELECT station_id, payload::json->>'asset_id', status FROM events "
        "WHERE type = 'asset.received' ORDER BY server_seq"
    )
    assert len(received) == 4
    assert {r[2] for r in received} == {"accepted"}  # a business exception, not a rejection
    assert (a.station_id, first.asset_id, "accepted") in received
    assert (b.station_id, second.asset_id, "accepted") in received

    found = _exceptions(server)
    assert len(found) == 1  # serial and manifest line point at the same pair: one exception
    (x,) = found
    assert (x["kind"], x["job_id"]) == ("duplicate_receipt", "JOB-7")
    assert (x["first_station_id"], x["second_station_id"]) == (a.station_id, b.station_id)
    assert "SN-0001" in x["identifier"]
    page = server.test_client.get(f"/facilities/{FACILITY}", headers=AUTH).text
    assert "Open exceptions (1)" in page and "duplicate_receipt" in page

    # Both stations pull the exception and show it in that job's reconciliation.
    sync_until_quiet(a)
    for station_receiving, own, other in ((ra, first, second), (rb, second, first)):
        rec = station_receiving.service.reconcile("JOB-7")
        dupes = [d for d in rec.discrepancies if d.code is DiscrepancyCode.DUPLICATE_RECEIPT]
        assert len(dupes) == 1
        assert dupes[0].asset_id == own.asset_id
        assert other.asset_id in dupes[0].description
        # Its own receipt still stands: nothing was overwritten.
        assert rec.counters.received == 2
    # A re-sync changes nothing (idempotent): still one exception.
    sync_until_quiet(b)
    assert len(_exceptions(server)) == 1


def test_a_voided_receipt_no_longer_clashes(make_station, server, tmp_path):
    a, b = make_station("a", 1), make_station("b", 2)
    ra, rb = Receiving(a, tmp_path), Receiving(b, tmp_path)
    upload(server, MANIFEST)
    sync_until_quiet(a)
    sync_until_quiet(b)
    ra.service.scan("JOB-7", "SN-0001", "test")
    ra.service.undo_last_scan("JOB-7", "scanned the wrong box")
    sync_until_quiet(a)
    rb.service.scan("JOB-7", "SN-0001", "test")
    # The same station receiving again after its own void is not a cross-station duplicate.
    ra.service.scan("JOB-7", "SN-0002", "test")
    sync_until_quiet(b)
    sync_until_quiet(a)
    assert _exceptions(server) == []
    assert not [
        d
        for d in ra.service.reconcile("JOB-7").discrepancies
        if d.code is DiscrepancyCode.DUPLICATE_RECEIPT
    ]


def test_other_facilities_do_not_see_the_exception(make_station, server, tmp_path):
    a, b = make_station("a", 1), make_station("b", 2)
    ra, rb = Receiving(a, tmp_path), Receiving(b, tmp_path)
    upload(server, MANIFEST)
    sync_until_quiet(a)
    sync_until_quiet(b)
    ra.service.scan("JOB-7", "SN-0001", "test")
    rb.service.scan("JOB-7", "SN-0001", "test")
    sync_until_quiet(a)
    sync_until_quiet(b)
    rows = server.sql("SELECT facility_id FROM reference_rows WHERE kind = 'receiving_exception'")
    assert rows == [(FACILITY,)]
    other = server.test_client.get("/v1/admin/facilities/fac-99/exceptions", headers=AUTH)
    assert other.json() == []
