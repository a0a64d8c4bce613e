"""Receiving through the real event store: manifest import, every scan outcome, undo as a
correcting event, inbound handoff, permissions, reconciliation and closing with a report."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from app.domain.custody import IdentityCheck
from app.domain.errors import NotSignedIn, PermissionDenied, UserCancelled
from app.domain.manifests import DiscrepancyCode, LineOutcome, Resolution, ScanOutcome
from app.importers.manifest_csv import ManifestRowError
from app.services.custody import CustodyService
from app.services.demo_data import DEMO_JOB_ID, seed_demo_data
from app.services.receiving import (
    ContainerCheck,
    InboundInput,
    JobClosed,
    NothingToUndo,
    ReceivingService,
)
from app.storage.blob_store import BlobStore
from app.storage.receiving_repository import ReceivingRepository
from app.storage.repositories import OperatorRepository

MANIFEST = (
    "Asset Tag,Serial Number,Manufacturer,Model,Type,Qty,Weight (kg)\n"
    "GX-001,SN-0001,HP,ProBook 450,laptop,1,2.1\n"
    "GX-002,SN-0002,Dell,Latitude 5420,laptop,1,1.6\n"
    "GX-003,SN-0003,Dell,OptiPlex 3080,desktop,1,5.5\n"
    "GX-004,SN-0004,Lenovo,ThinkCentre M720,desktop,1,4.9\n"
)
PNG = b"\x89PNG\r\n\x1a\nfake-signature"


@pytest.fixture
def receiving(services, tmp_path):
    seed_demo_data(services.events, services.operators)
    reader = ReceivingRepository(services.database.engine)
    service = ReceivingService(
        services.events, reader, BlobStore(tmp_path / "blobs"), services.operators
    )
    custody = CustodyService(
        services.events, reader, services.operators, OperatorRepository(services.database.engine)
    )
    return service, custody, services


def sign_in(services, badge: str, pin: str):
    return services.operators.sign_in_with_badge(badge, pin)


@pytest.fixture
def globex_job(receiving, tmp_path):
    service, _, services = receiving
    path = tmp_path / "globex.csv"
    path.write_text(MANIFEST, encoding="utf-8")
    sign_in(services, "BADGE-0002", "2222")  # supervisor imports
    recorded = service.import_manifest(
        path, customer_id="CUST-GLOBEX", customer_name="Globex", job_id="job-globex-1"
    )
    sign_in(services, "BADGE-0003", "3333")  # technician receives
    return recorded


def test_import_records_the_manifest_and_remembers_the_mapping(receiving, globex_job):
    service, _, _ = receiving
    assert globex_job.job_id == "JOB-GLOBEX-1"
    assert globex_job.line_count == 4
    jobs = {j.job_id: j for j in service.jobs()}
    assert jobs["JOB-GLOBEX-1"].customer_name == "Globex"
    assert jobs["JOB-GLOBEX-1"].line_count == 4
    assert service.counters("JOB-GLOBEX-1").expected == 4
    remembered = service._reader.remembered_mapping("CUST-GLOBEX")
    assert remembered["serial"] == "Serial Number"
    assert remembered["weight"] == "Weight (kg)"


def test_a_technician_may_not_import_and_nobody_signed_in_may_not_scan(receiving, tmp_path):
    service, _, services = receiving
    path = tmp_path / "m.csv"
    path.write_text(MANIFEST)
    with pytest.raises(NotSignedIn):
        service.scan(DEMO_JOB_ID, "5CG1234ABC", "test")
    sign_in(services, "BADGE-0003", "3333")
    with pytest.raises(PermissionDenied, match="ask a supervisor"):
        service.import_manifest(path, customer_id="C", job_id="J1")
    assert "J1" not in {j.job_id for j in service.jobs()}


def test_every_scan_outcome(receiving, globex_job):
    service, _, _ = receiving
    job = globex_job.job_id
    matched = service.scan(job, "sn-0001 ", "scanner")  # case and blanks do not matter
    assert matched.outcome is ScanOutcome.MATCHED
    assert matched.line.line_no == 1 and matched.matched_by == "serial"
    assert matched.counters.received == 1 and matched.counters.missing == 3
    by_tag = service.scan(job, "GX-002", "wedge")
    assert by_tag.outcome is ScanOutcome.MATCHED and by_tag.matched_by == "asset_tag"
    again = service.scan(job, "SN-0001", "scanner")
    assert again.outcome is ScanOutcome.ALREADY_RECEIVED
    assert again.asset_id == matched.asset_id
    other = service.scan(job, "5CG1234ABC", "scanner")  # on the demo job's manifest
    assert other.outcome is ScanOutcome.OTHER_JOB and other.other_job_id == DEMO_JOB_ID
    unknown = service.scan(job, "NOPE-123", "scanner")
    assert unknown.outcome is ScanOutcome.NOT_ON_MANIFEST
    assert unknown.counters.extra == 0  # nothing received until captured
    extra = service.receive_extra(job, serial="NOPE-123", device_type="monitor", make="LG")
    assert extra.counters.extra == 1
    assert service.scan(job, "NOPE-123", "scanner").outcome is ScanOutcome.ALREADY_RECEIVED
    # The projected running counters agree with a recount from the lines and assets.
    assert service.counters(job) == service.reconcile(job).counters


def test_undo_voids_the_last_receipt_with_a_correcting_event(receiving, globex_job):
    service, _, services = receiving
    job = globex_job.job_id
    first = service.scan(job, "SN-0001", "scanner")
    service.scan(job, "SN-0002", "scanner")
    events_before = services.custody_log.count()
    undone = service.undo_last_scan(job)
    assert undone.counters.received == 1
    assert services.custody_log.count() == events_before + 1  # added, nothing deleted
    # The undone serial can be received again; the first receipt is untouched.
    assert service.scan(job, "SN-0002", "scanner").outcome is ScanOutcome.MATCHED
    service.undo_last_scan(job)
    service.undo_last_scan(job)
    assert service.scan(job, "SN-0001", "scanner").asset_id != first.asset_id
    service.undo_last_scan(job)
    service.receive_extra(job, serial="X-1", device_type="monitor")
    service.undo_last_scan(job)
    assert service.counters(job) == service.reconcile(job).counters
    assert service.counters(job).received == 0 and service.counters(job).extra == 0
    with pytest.raises(NothingToUndo):
        service.undo_last_scan(job)


def test_rfid_tag_arrival_matches_by_epc(receiving, tmp_path):
    service, _, services = receiving
    epc = "3034257BF7194E4000001A85"
    path = tmp_path / "rfid.csv"
    path.write_text(f"Serial;EPC;Model\nR-1;{epc};Tag test\n", encoding="cp1252")
    sign_in(services, "BADGE-0002", "2222")
    service.import_manifest(path, customer_id="CUST-ACME", job_id="JOB-RFID")
    result = service.scan_tag("JOB-RFID", epc.lower(), "urn:epc:id:giai:x", "reader")
    assert result.outcome is ScanOutcome.MATCHED and result.matched_by == "epc"


def test_inbound_handoff_stores_blobs_and_raises_seal_discrepancies(
    receiving, globex_job, tmp_path
):
    service, _, _services = receiving
    photo = tmp_path / "seal.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    recorded = service.record_inbound(
        InboundInput(
            job_id=globex_job.job_id,
            carrier="Reliable Freight",
            driver_name="Pat Driver",
            driver_id_method=IdentityCheck.DRIVERS_LICENCE,
            driver_id_ref="DL 123",
            bol_number="BOL-1",
            driver_signature_png=PNG,
            receiver_signature_png=PNG + b"2",
            containers=(
                ContainerCheck("GAY-1", "S-100", "S-100", seal_intact=True),
                ContainerCheck("GAY-2", "S-200", "S-201", seal_intact=False),
            ),
            pieces_declared=4,
            pieces_observed=3,
            weight_declared_g=14_000,
            weight_observed_g=14_100,
            photos=(photo,),
        )
    )
    assert recorded.exceptions == (
        DiscrepancyCode.SEAL_BROKEN,
        DiscrepancyCode.SEAL_MISMATCH,
        DiscrepancyCode.QTY_SHORT,
    )
    blobs = BlobStore(tmp_path / "blobs")
    assert blobs.get(recorded.photo_hashes[0]) == b"\xff\xd8photo"
    rec = service.reconcile(globex_job.job_id)
    codes = [d.code for d in rec.discrepancies]
    assert DiscrepancyCode.SEAL_BROKEN in codes and DiscrepancyCode.MISSING in codes
    assert any(d.code.is_custody_exception for d in rec.discrepancies)


def test_close_needs_a_supervisor_and_produces_pdf_and_csv(receiving, globex_job):
    service, _, services = receiving
    job = globex_job.job_id
    service.scan(job, "SN-0001", "scanner")
    service.scan(job, "5CG1234ABC", "scanner")  # wrong job
    service.receive_extra(job, serial="EXTRA-9", device_type="monitor")
    service.raise_discrepancy(job, DiscrepancyCode.DAMAGED_ON_ARRIVAL, note="cracked lid")
    with pytest.raises(PermissionDenied):
        service.close_receiving(job)
    sign_in(services, "BADGE-0002", "2222")
    rec = service.reconcile(job)
    missing = [d for d in rec.discrepancies if d.code is DiscrepancyCode.MISSING]
    result = service.close_receiving(
        job, {missing[0].key: (Resolution.CUSTOMER_CONFIRMED_NOT_SHIPPED, "per phone call")}
    )
    counts = result.reconciliation.outcome_counts
    assert counts[LineOutcome.RECEIVED_MATCHED] == 1
    assert counts[LineOutcome.MISSING] == 3
    assert counts[LineOutcome.UNEXPECTED] == 1
    codes = {d.code for d in result.reconciliation.discrepancies}
    assert {
        DiscrepancyCode.MISSING,
        DiscrepancyCode.EXTRA_UNMANIFESTED,
        DiscrepancyCode.WRONG_JOB,
        DiscrepancyCode.DAMAGED_ON_ARRIVAL,
    } <= codes
    text = subprocess.run(
        ["pdftotext", str(result.pdf_path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    text = " ".join(text.split())
    assert "Receiving discrepancy report" in text
    assert "JOB-GLOBEX-1" in text and "Globex" in text
    assert "EXTRA_UNMANIFESTED" in text and "WRONG_JOB" in text
    assert "customer confirmed not shipped" in text
    csv_text = result.csv_path.read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("job_id,code,")
    assert csv_text.count("MISSING") == 3
    with pytest.raises(JobClosed):
        service.scan(job, "SN-0002", "scanner")


def test_cancelled_import_writes_nothing(receiving, tmp_path):
    service, _, services = receiving
    path = tmp_path / "big.csv"
    path.write_text("Serial\n" + "".join(f"S{i}\n" for i in range(10_000)))
    sign_in(services, "BADGE-0002", "2222")
    cancel = threading.Event()
    cancel.set()
    before = services.custody_log.count()
    with pytest.raises(UserCancelled):
        service.import_manifest(path, customer_id="CUST-ACME", job_id="JOB-BIG", cancel=cancel)
    assert services.custody_log.count() == before


def test_a_bad_row_imports_nothing(receiving, tmp_path):
    service, _, services = receiving
    path = tmp_path / "bad.csv"
    path.write_text("Serial,Model\nA1,X\n,Y\n")
    sign_in(services, "BADGE-0002", "2222")
    before = services.custody_log.count()
    with pytest.raises(ManifestRowError, match=r"bad\.csv, row 3, column 'Serial'"):
        service.import_manifest(path, customer_id="CUST-ACME", job_id="JOB-BAD")
    assert services.custody_log.count() == before


def test_custody_moves_handoff_and_history(receiving, globex_job):
    service, custody, _services = receiving
    job = globex_job.job_id
    asset_id = service.scan(job, "SN-0003", "scanner").asset_id
    custody.move(["SN-0003"], "Cage A")
    custody.check_out([asset_id], "Bench 3")
    with pytest.raises(Exception, match="not recognised"):
        custody.handoff([asset_id], "BADGE-0004", "0000")
    custody.handoff([asset_id], "BADGE-0004", "4444")
    history = custody.history("sn-0003")
    assert history.asset.asset_id == asset_id
    assert [s.kind for s in history.spans] == [
        "INTAKE_SCAN",
        "MOVE_TO_SECURE_CAGE",
        "ISSUE_TO_TECH",
        "HANDOFF",
    ]
    assert [s.holder for s in history.spans] == [
        "Terry Technician",
        "Cage A",
        "Terry Technician",
        "Gale Grader",
    ]
    assert history.spans[1].location == "Cage A" and history.spans[2].location == "Bench 3"
    assert all(s.end for s in history.spans[:-1]) and history.spans[-1].end == ""
    assert history.spans[0].end == history.spans[1].start


def test_blob_store_is_content_addressed(tmp_path: Path):
    blobs = BlobStore(tmp_path)
    digest = blobs.put(b"abc")
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert blobs.put(b"abc") == digest
    assert blobs.path_of(digest).read_bytes() == b"abc"
