"""Sanitization use cases over a real station database: media registry, report import matched
by serial with evidence kept content-addressed, idempotent re-import, the review list, the
release gate naming the blocking drive, witnessed destruction, and the certificate PDF."""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from app.domain.errors import InvalidInput, PermissionDenied, SignInFailed
from app.domain.grading import GradingAsset
from app.domain.sanitization import MediaKind, Verification
from app.services.demo_data import DEMO_JOB_ID, seed_demo_data
from app.services.sanitization import (
    BatchInput,
    BatchRefused,
    MediaDataBearingCheck,
    QcSamplePending,
    ReviewRefused,
    SampleRefused,
    SanitizationService,
    StillDataBearing,
)
from app.storage.blob_store import BlobStore
from app.storage.repositories import OperatorRepository
from app.storage.sanitization_repository import SanitizationRepository

TECH = ("BADGE-0003", "3333")
SUPERVISOR = ("BADGE-0002", "2222")
DATA = Path(__file__).parents[1] / "data"

LOG = """\
[2026/11/20 10:15:00]  notice: Found /dev/sda,  ATA-SSD, SAMSUNG MZ7LH256HAJD, 256 GB, S/N=DRV-HP-1
[2026/11/20 10:15:00]  notice: Found /dev/sdb,  ATA, ST500LM030, 500 GB, S/N=DRV-LEN-1
[2026/11/20 10:15:00]  notice: Found /dev/sdc,  ATA, ST500LM030, 500 GB, S/N=DRV-NOBODY
[2026/11/20 10:15:00]  notice:   banner   = nwipe 0.42
[2026/11/20 10:15:01]  notice: Invoking method 'DoD 5220.22-M' on /dev/sda

********************************* Drive Status *********************************
!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number
--------------------------------------------------------------------------------
       sda | Erased | 270 MB/s | 00:47:39 | SAMSUNG MZ7LH256H/DRV-HP-1
!      sdb |-FAILED-| 120 MB/s | 01:05:04 | ST500LM030/DRV-LEN-1
       sdc | Erased | 120 MB/s | 01:05:04 | ST500LM030/DRV-NOBODY
       sdd | Erased | 120 MB/s | 01:05:04 | Generic Flash/XXXXXXXXXXXXXXX
--------------------------------------------------------------------------------
[2026/11/20 11:22:11] Total Throughput 689 MB/s, DoD 5220.22-M, 3R+B+VL
********************************************************************************

[2026/11/20 11:22:11]   error: Nwipe exited with errors, check the log & summary table for \
individual drive status.
"""


@pytest.fixture
def sanitization(services, tmp_path: Path) -> SanitizationService:
    seed_demo_data(services.events, services.operators)
    return SanitizationService(
        services.events,
        SanitizationRepository(services.database.engine),
        BlobStore(tmp_path / "data" / "blobs"),
        services.operators,
        OperatorRepository(services.database.engine),
        facility="fac-test",
        rng=random.Random(7),
    )


@pytest.fixture
def registered(services, sanitization):
    services.operators.sign_in_with_badge(*TECH)
    sanitization.register_medium("5CG1234ABC", "DRV-HP-1", kind=MediaKind.SSD, model="SAMSUNG")
    sanitization.register_medium("PF3XK9QZ", "DRV-LEN-1", kind=MediaKind.HDD, model="ST500")
    return sanitization


def import_log(service: SanitizationService, tmp_path: Path, text: str = LOG, name="run.txt"):
    path = tmp_path / name
    path.write_text(text)
    return service.record_import(service.read_files([path]), station_tz="UTC")


def test_import_matches_by_serial_and_keeps_the_file_as_evidence(registered, tmp_path):
    summary = import_log(registered, tmp_path)
    assert (summary.recorded, summary.reviews) == (2, 2)
    records = {r.drive_serial: r for r in registered.records()}
    hp, lenovo = records["DRV-HP-1"], records["DRV-LEN-1"]
    digest = hashlib.sha256(LOG.encode()).hexdigest()
    assert hp.evidence_sha256 == digest
    assert (tmp_path / "data" / "blobs" / digest[:2] / digest[2:4] / digest).read_text() == LOG
    assert (hp.outcome, hp.technique, hp.tool_method_label) == (
        "CLEAR",
        "OVERWRITE",
        "DoD 5220.22-M",
    )
    assert lenovo.outcome == "" and lenovo.route_to_destruction
    reasons = sorted(r.reason for r in registered.reviews())
    assert reasons[0].startswith("drive serial 'XXXXXXXXXXXXXXX' is empty or anonymised")
    assert reasons[1] == "no registered drive has serial DRV-NOBODY"


def test_reimporting_the_same_file_records_nothing(registered, tmp_path, services):
    import_log(registered, tmp_path)
    count = services.ledger.count()
    again = import_log(registered, tmp_path, name="copy-of-run.txt")
    assert again.recorded == 0 and again.already_imported == ["copy-of-run.txt"]
    assert services.ledger.count() == count


def test_unreadable_files_are_named_and_the_others_still_import(registered, tmp_path):
    (tmp_path / "broken.xml").write_text("<root>\n<oops>")
    (tmp_path / "run.txt").write_text(LOG)
    summary = registered.record_import(registered.read_files([tmp_path]))
    assert summary.recorded == 2
    assert summary.errors == ["broken.xml, line 2: the XML is malformed."]


def test_smartctl_json_registers_drive_identity(registered, tmp_path):
    shutil.copy(DATA / "smartctl" / "scrutiny__smart-nvme.json", tmp_path / "nvme.json")
    summary = registered.record_import(registered.read_files([tmp_path / "nvme.json"]))
    assert summary.identities == 1
    medium = next(m for m in registered.media() if m.serial == "BTNH93710FS91P0B")
    assert (medium.kind, medium.power_on_hours, medium.capacity_bytes) == (
        "NVME",
        2401,
        1024209543168,
    )


def test_data_bearing_until_every_drive_passes_and_the_message_names_the_drive(
    registered, tmp_path, services
):
    repo = SanitizationRepository(services.database.engine)
    check = MediaDataBearingCheck(repo)
    lenovo = repo.find_asset("PF3XK9QZ")
    assert lenovo is not None
    import_log(registered, tmp_path)
    with pytest.raises(StillDataBearing) as caught:
        registered.require_sanitized(lenovo.asset_id, action="go on a resale pallet")
    assert caught.value.message == (
        f"Asset {lenovo.asset_id} still carries data: drive DRV-LEN-1 (HDD ST500) failed "
        "sanitization (FAILED) and awaits destruction, so it cannot go on a resale pallet."
    )
    hp = repo.find_asset("5CG1234ABC")
    registered.require_sanitized(hp.asset_id)  # its only drive passed

    class _Rubric:
        data_bearing = True
        title = "Laptop"

    asset = GradingAsset(
        lenovo.asset_id, DEMO_JOB_ID, "PF3XK9QZ", "", "laptop", "", "", "received", "", ""
    )
    verdict = check.verdict(asset, _Rubric())  # type: ignore[arg-type]
    assert verdict.bearing and "DRV-LEN-1" in verdict.reason


def test_witnessed_shred_batch_destroys_the_failed_drive(registered, tmp_path, services):
    import_log(registered, tmp_path)
    batch = BatchInput(
        equipment_id="SHRED-01",
        din_level="H-4",
        serials=["DRV-LEN-1"],
        post_count=1,
        witness_badge=SUPERVISOR[0],
        witness_pin=SUPERVISOR[1],
        output_weight_g=640,
    )
    with pytest.raises(SignInFailed):
        registered.record_destruction(replace(batch, witness_pin="0000"))
    with pytest.raises(BatchRefused, match="second person"):
        registered.record_destruction(replace(batch, witness_badge=TECH[0], witness_pin=TECH[1]))
    with pytest.raises(BatchRefused, match="post-count is 0"):
        registered.record_destruction(replace(batch, post_count=0))
    registered.record_destruction(batch)
    medium = next(m for m in registered.media() if m.serial == "DRV-LEN-1")
    assert medium.outcome == "DESTROY" and not medium.route_to_destruction


def test_certificate_refused_while_a_drive_is_unsanitized_then_issued(
    registered, tmp_path, services
):
    import_log(registered, tmp_path)
    with pytest.raises(PermissionDenied):
        registered.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    services.operators.sign_out()
    services.operators.sign_in_with_badge(*SUPERVISOR)
    with pytest.raises(StillDataBearing, match="drive DRV-LEN-1"):
        registered.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    registered.record_destruction(
        BatchInput("SHRED-01", "H-4", ["DRV-LEN-1"], 1, TECH[0], TECH[1], 640)
    )
    issued = registered.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    assert issued.line_count == 2 and not issued.reprint
    text = subprocess.run(
        ["pdftotext", "-layout", str(issued.pdf_path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert issued.certificate_no in text and DEMO_JOB_ID in text
    assert "NIST SP 800-88 Rev. 2" in text
    assert "DRV-HP-1" in text and "CLEAR" in text and "OVERWRITE" in text
    assert "DRV-LEN-1" in text and "DESTROY" in text and "SHRED" in text
    assert "routed to destruction" in text and "Page 1 of 1" in text
    png = tmp_path / "cert"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(issued.pdf_path), str(png)], check=True
    )
    qr = subprocess.run(
        ["zbarimg", "--raw", "-q", f"{png}.png"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert qr.startswith(f"CERT:{issued.certificate_no};SHA256:")
    reprint = registered.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    assert reprint.reprint and reprint.certificate_no == issued.certificate_no


def test_certificate_folder_that_cannot_be_written_is_named_and_nothing_is_recorded(
    registered, tmp_path, services
):
    import_log(registered, tmp_path)
    services.operators.sign_out()
    services.operators.sign_in_with_badge(*SUPERVISOR)
    registered.record_destruction(
        BatchInput("SHRED-01", "H-4", ["DRV-LEN-1"], 1, TECH[0], TECH[1], 640)
    )
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the certificate folder should be")
    with pytest.raises(InvalidInput, match=r"Certificate folder .*not-a-folder.*could not be"):
        registered.issue_certificate(DEMO_JOB_ID, blocker / "certs")
    # Nothing was recorded: issuing into a usable folder is the first issue, not a reprint.
    issued = registered.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    assert not issued.reprint and issued.pdf_path.is_file()


def test_sample_is_at_least_five_percent(registered, tmp_path):
    import_log(registered, tmp_path)
    sample = registered.draw_sample(DEMO_JOB_ID)
    assert [d.drive_serial for d in sample] == ["DRV-HP-1"]


# ---- R2v3 QC sampling, review resolution, oversize files (issue 5 follow-ups) ----


def wipe_log(version: str, rows: list[tuple[str, str, str]]) -> str:
    """An nwipe log with one Erased row per (device, model, serial), written from the
    documented templates (docs/report-formats.md §2.4-2.5), not a real run."""
    found = "".join(
        f"[2026/11/20 10:15:00]  notice: Found /dev/{dev},  ATA, {model}, 500 GB, S/N={serial}\n"
        for dev, model, serial in rows
    )
    table = "".join(
        f"{dev:>10} | Erased | 120 MB/s | 01:05:04 | {model[:17]}/{serial}\n"
        for dev, model, serial in rows
    )
    return (
        f"{found}[2026/11/20 10:15:00]  notice:   banner   = nwipe {version}\n"
        "\n********************************* Drive Status *********************************\n"
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number\n"
        "--------------------------------------------------------------------------------\n"
        f"{table}"
        "--------------------------------------------------------------------------------\n"
        "[2026/11/20 11:22:11] Total Throughput 240 MB/s, Fill With Zeros, 1R+B+VL\n"
        "********************************************************************************\n\n"
        "[2026/11/20 11:22:11]    info: Nwipe successfully completed. See summary table for "
        "details.\n"
    )


@pytest.fixture
def three_wiped(registered, tmp_path):
    """HP-1 and LEN-1 wiped with nwipe 0.42, DT-1 (the desktop's drive) with nwipe 0.41."""
    registered.register_medium("MXL9876XYZ", "DRV-DT-1", kind=MediaKind.HDD, model="WDC")
    rows = [("sda", "SAMSUNG MZ7LH256", "DRV-HP-1"), ("sdb", "ST500LM030", "DRV-LEN-1")]
    import_log(registered, tmp_path, wipe_log("0.42", rows), name="a.txt")
    import_log(registered, tmp_path, wipe_log("0.41", [("sdc", "WDC", "DRV-DT-1")]), "b.txt")
    assert {m.serial: m.outcome for m in registered.media()} == {
        "DRV-HP-1": "CLEAR",
        "DRV-LEN-1": "CLEAR",
        "DRV-DT-1": "CLEAR",
    }
    return registered


def sign_in_as(services, badge: tuple[str, str]) -> None:
    services.operators.sign_out()
    services.operators.sign_in_with_badge(*badge)


def test_sample_records_verification_and_a_failure_reopens_the_batch(
    three_wiped, services, tmp_path
):
    service = three_wiped
    drawn = service.draw_sample(DEMO_JOB_ID, percent=100)
    assert [d.drive_serial for d in drawn] == ["DRV-DT-1", "DRV-HP-1", "DRV-LEN-1"]
    assert {d.status for d in drawn} == {"pending"} and drawn[0].sample_status == "pending"
    with pytest.raises(SampleRefused, match="still pending: verify drive DRV-DT-1"):
        service.draw_sample(DEMO_JOB_ID)
    sample_id = drawn[0].sample_id
    # The technician recorded the wipes: they may not verify them.
    with pytest.raises(SampleRefused, match="verification must be done by someone else"):
        service.record_sample_result(
            sample_id, "DRV-HP-1", passed=True, method=Verification.FULL_READBACK
        )
    sign_in_as(services, SUPERVISOR)
    with pytest.raises(SampleRefused, match="does not re-check the media"):
        service.record_sample_result(
            sample_id, "DRV-HP-1", passed=True, method=Verification.TOOL_COMPLETION_STATUS
        )
    with pytest.raises(SampleRefused, match="say what was found"):
        service.record_sample_result(
            sample_id, "DRV-HP-1", passed=False, method=Verification.SAMPLED_READBACK
        )
    # Pending sample: the certificate names the drive that waits.
    with pytest.raises(QcSamplePending) as caught:
        service.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    assert "drive DRV-DT-1" in caught.value.message and sample_id in caught.value.message

    service.record_sample_result(
        sample_id, "DRV-DT-1", passed=True, method=Verification.FULL_READBACK, recovery_tool="PR"
    )
    failed = service.record_sample_result(
        sample_id,
        "DRV-HP-1",
        passed=False,
        method=Verification.SAMPLED_READBACK,
        recovery_tool="PhotoRec 7.2",
        notes="recovered 14 JPEG files",
    )
    # The batch: drives of the job wiped with the same tool build (nwipe 0.42), not DT-1.
    assert (failed.status, failed.reopened_count, failed.sample_status) == ("FAILED", 2, "failed")
    media = {m.serial: m for m in service.media()}
    assert (media["DRV-HP-1"].outcome, media["DRV-LEN-1"].outcome) == ("", "")
    assert media["DRV-DT-1"].outcome == "CLEAR"
    assert "QC sample" in media["DRV-LEN-1"].voided_reason
    repo = SanitizationRepository(services.database.engine)
    lenovo = repo.find_asset("PF3XK9QZ")
    with pytest.raises(StillDataBearing) as gate:
        service.require_sanitized(lenovo.asset_id, action="go on a resale pallet")
    assert gate.value.message == (
        f"Asset {lenovo.asset_id} still carries data: drive DRV-LEN-1 (HDD ST500) no longer "
        f"counts as sanitized: QC sample {sample_id} failed on drive DRV-HP-1 (batch: drives of "
        f"job {DEMO_JOB_ID} wiped with nwipe 0.42); re-wipe or destroy it, so it cannot go on a "
        "resale pallet."
    )
    service.record_sample_result(
        sample_id, "DRV-LEN-1", passed=True, method=Verification.FULL_READBACK
    )
    with pytest.raises(StillDataBearing, match=r"drive DRV-HP-1 .* QC sample"):
        service.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    # Re-wipe HP-1, destroy LEN-1: the job can be certified, the QC failure is an exception.
    sign_in_as(services, TECH)
    import_log(service, tmp_path, wipe_log("0.42", [("sda", "SAMSUNG", "DRV-HP-1")]), "c.txt")
    service.record_destruction(
        BatchInput("SHRED-01", "H-4", ["DRV-LEN-1"], 1, SUPERVISOR[0], SUPERVISOR[1], 640)
    )
    assert all(m.outcome for m in service.media())
    sign_in_as(services, SUPERVISOR)
    issued = service.issue_certificate(DEMO_JOB_ID, tmp_path / "certs")
    text = subprocess.run(
        ["pdftotext", "-layout", str(issued.pdf_path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"QC sample {sample_id}: drive DRV-HP-1 failed independent verification" in text


def test_sample_results_survive_a_projection_rebuild(three_wiped, services):
    service = three_wiped
    drawn = service.draw_sample(DEMO_JOB_ID, percent=100)
    sign_in_as(services, SUPERVISOR)
    service.record_sample_result(
        drawn[0].sample_id,
        "DRV-LEN-1",
        passed=False,
        method=Verification.SECONDARY_TOOL,
        notes="readable partition table",
    )
    before = (service.media(), service.sample_drives(DEMO_JOB_ID))
    services.events.rebuild_projections()
    assert (service.media(), service.sample_drives(DEMO_JOB_ID)) == before


def test_review_items_are_assigned_by_scan_or_pick_or_dismissed(registered, services, tmp_path):
    service = registered
    import_log(service, tmp_path)  # two review items: DRV-NOBODY and an anonymised flash drive
    items = {r.drive_serial: r for r in service.reviews()}
    nobody, anonymous = items["DRV-NOBODY"], items["XXXXXXXXXXXXXXX"]
    with pytest.raises(ReviewRefused, match="DRV-NOBODY is not registered"):
        service.assign_review(nobody.review_id, "DRV-NOBODY")
    service.register_medium("MXL9876XYZ", "DRV-NOBODY", kind=MediaKind.HDD, model="ST500")
    record = service.assign_review(nobody.review_id, "drv-nobody", note="label was on the caddy")
    digest = hashlib.sha256(LOG.encode()).hexdigest()
    assert (record.drive_serial, record.outcome, record.evidence_sha256) == (
        "DRV-NOBODY",
        "CLEAR",
        digest,
    )
    assert record.evidence_name == "run.txt" and record.tool_method_label == "DoD 5220.22-M"
    with pytest.raises(ReviewRefused, match="already assigned"):
        service.assign_review(nobody.review_id, "DRV-NOBODY")
    # The anonymised serial: picked from the list of drives by media ID.
    flash = service.register_medium("5CG1234ABD", "USB-FLASH-7", kind=MediaKind.FLASH)
    picked = service.assign_review(anonymous.review_id, flash.media_id, matched_by="pick")
    assert picked.drive_serial == "USB-FLASH-7" and picked.evidence_sha256 == digest
    assert service.reviews() == []
    # Dismissal needs a reason, and nothing is written without one.
    import_log(service, tmp_path, LOG.replace("DRV-NOBODY", "DRV-GHOST"), name="second.txt")
    ghost = next(r for r in service.reviews() if r.drive_serial == "DRV-GHOST")
    count = services.ledger.count()
    with pytest.raises(InvalidInput, match="Reason"):
        service.dismiss_review(ghost.review_id, " ")
    assert services.ledger.count() == count
    service.dismiss_review(ghost.review_id, "test rig drive, not a customer's")
    assert ghost.review_id not in {r.review_id for r in service.reviews()}


def test_an_oversize_file_is_refused_by_size_before_reading(registered, services, tmp_path):
    big = tmp_path / "huge_nwipe.log"
    with big.open("wb") as handle:  # sparse: 200 MB apparent, nothing written
        handle.truncate(200 * 1024 * 1024)
    count = services.ledger.count()
    result = registered.read_files([big])
    assert result.files == ()
    assert result.errors == (
        "huge_nwipe.log: the file is 200 MB; a wipe report or smartctl output is at most "
        "20 MB, so it was not read.",
    )
    summary = registered.record_import(result)
    assert (summary.recorded, summary.reviews) == (0, 0)
    assert services.ledger.count() == count


def test_an_undocumented_wipe_method_goes_to_review_not_to_the_drive(registered, tmp_path):
    # Constructed from the documented log format, with a method nwipe does not document.
    rows = [("sda", "SAMSUNG MZ7LH256", "DRV-HP-1")]
    text = wipe_log("0.43", rows).replace("Fill With Zeros", "Quantum Shred 9000")
    summary = import_log(registered, tmp_path, text, name="new-method.txt")
    assert (summary.recorded, summary.reviews) == (0, 1)
    (item,) = registered.reviews()
    assert item.reason.startswith("wipe method 'Quantum Shred 9000' is not a documented")
    assert next(m for m in registered.media() if m.serial == "DRV-HP-1").outcome == ""
    with pytest.raises(ReviewRefused, match="cannot count for a drive: dismiss it"):
        registered.assign_review(item.review_id, "DRV-HP-1")
