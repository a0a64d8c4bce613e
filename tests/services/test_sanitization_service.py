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

from app.domain.errors import PermissionDenied, SignInFailed
from app.domain.grading import GradingAsset
from app.domain.sanitization import MediaKind
from app.services.demo_data import DEMO_JOB_ID, seed_demo_data
from app.services.sanitization import (
    BatchInput,
    BatchRefused,
    MediaDataBearingCheck,
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


def test_sample_is_at_least_five_percent(registered, tmp_path):
    import_log(registered, tmp_path)
    sample = registered.propose_sample(DEMO_JOB_ID)
    assert [m.serial for m in sample] == ["DRV-HP-1"]
