"""Palletizing over a real station database: lifecycle with explicit events, refusals with the
reason, supervisor-only seal/unseal/ship, the outbound custody chain, labels printed to a real
local TCP "printer" (down → queued → retried), and a 5,000-asset pallet."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.devices.printer import PrintQueue
from app.domain.errors import PermissionDenied
from app.domain.events import AssetGraded, AssetReceived
from app.domain.grading import find_rubric
from app.domain.pallets import PalletRefused, PalletStatus, PalletType
from app.domain.printing import JobState
from app.services.demo_data import DEMO_OPERATORS, seed_demo_data, seed_demo_wipes
from app.services.event_drafts import draft
from app.services.grading import DataBearingFromCustody, RubricCatalog
from app.services.palletizing import OutboundHandoff, PalletizingService
from app.storage.blob_store import BlobStore
from app.storage.grading_repository import GradingRepository
from app.storage.pallet_repository import PalletRepository
from drivers.simulators.zpl_printer import ZplPrinterSimulator

RUBRICS = Path(__file__).resolve().parents[2] / "resources" / "rubrics"
WIPED = "5CG1234ABC"
UNWIPED = "PF3XK9QZ"


@pytest.fixture
def printer():
    sim = ZplPrinterSimulator()
    yield sim
    sim.close()


@pytest.fixture
def queue():
    q = PrintQueue(retry_interval_s=30)
    yield q
    q.close()


@pytest.fixture
def world(services, tmp_path, printer, queue):
    seed_demo_data(services.events, services.operators)
    grading_reader = GradingRepository(services.database.engine)
    wiped = grading_reader.find_asset(WIPED)
    seed_demo_wipes(services.events, services.operators, [wiped.asset_id])
    catalog = RubricCatalog(RUBRICS, grading_reader)
    service = PalletizingService(
        services.events,
        PalletRepository(services.database.engine),
        grading_reader,
        services.operators,
        BlobStore(tmp_path / "blobs"),
        data_bearing=DataBearingFromCustody(),
        rubrics=catalog.latest,
        printer=queue,
        printer_target=printer.url,
        facility="Test facility",
    )
    return services, service, grading_reader, catalog


def sign_in(services, index):
    spec = DEMO_OPERATORS[index]
    return services.operators.sign_in_with_badge(spec.badge, spec.pin)


def grade(services, catalog, reader, serial, disposition):
    asset = reader.find_asset(serial)
    rubric = find_rubric(catalog.latest(), asset.device_type)
    f = rubric.functional.grades[0].code
    payload = AssetGraded(
        asset_id=asset.asset_id,
        rubric_id=rubric.rubric_id,
        rubric_version=rubric.version,
        cosmetic_scale=rubric.cosmetic.name,
        cosmetic_grade="A",
        functional_scale=rubric.functional.name,
        functional_grade=f,
        disposition=disposition,
        derived_functional_grade=f,
        derived_disposition=disposition,
        answers=(),
    )
    services.events.append([draft(payload, "op-test")])
    return asset.asset_id


def signatures():
    return {"driver_signature_png": b"\x89PNG driver", "shipper_signature_png": b"\x89PNG ship"}


def test_full_lifecycle_with_refusal_unseal_and_ship(world):
    services, service, reader, catalog = world
    wiped_id = grade(services, catalog, reader, WIPED, "REUSE_RESALE")
    grade(services, catalog, reader, UNWIPED, "REUSE_RESALE")
    sign_in(services, 2)  # technician builds
    pallet = service.open_pallet(PalletType.RESALE, "Second Life Electronics")
    assert pallet.pallet_id == "PAL-000001" and pallet.status is PalletStatus.OPEN

    with pytest.raises(PalletRefused) as refused:
        service.add(pallet.pallet_id, UNWIPED)
    assert "data-bearing assets may not go on a resale pallet" in refused.value.message
    assert "PF3XK9QZ" in refused.value.message

    assert service.add(pallet.pallet_id, WIPED).pallet.piece_count == 1
    with pytest.raises(PalletRefused, match="already on this pallet"):
        service.add(pallet.pallet_id, wiped_id)
    service.remove(pallet.pallet_id, WIPED, "wrong pallet")
    service.add(pallet.pallet_id, WIPED)
    service.close(pallet.pallet_id)
    service.weigh(pallet.pallet_id, 23_400)
    with pytest.raises(PermissionDenied):
        service.seal(pallet.pallet_id, ["S-1"])
    services.operators.sign_out(reason="test")

    sign_in(services, 1)  # supervisor
    sealed = service.seal(pallet.pallet_id, ["S-1", "S-2"])
    assert sealed.status is PalletStatus.SEALED and sealed.seal_numbers == ("S-1", "S-2")
    assert sealed.lithium_count == 1
    with pytest.raises(PalletRefused, match="unseal it first"):
        service.add(pallet.pallet_id, UNWIPED)
    reopened = service.unseal(pallet.pallet_id, "customer asked to pull an item")
    assert reopened.status is PalletStatus.OPEN and reopened.weight_g == 0
    service.close(pallet.pallet_id)
    service.weigh(pallet.pallet_id, 23_100)
    service.seal(pallet.pallet_id, ["S-3"])

    with pytest.raises(Exception, match="driver counted 2"):
        service.ship(
            pallet.pallet_id,
            OutboundHandoff(
                "FastFreight", "Dee Driver", "drivers_licence", "TRK-9", 2, **signatures()
            ),
        )
    shipped = service.ship(
        pallet.pallet_id,
        OutboundHandoff(
            "FastFreight",
            "Dee Driver",
            "drivers_licence",
            "TRK-9",
            1,
            bol_number="BOL-1",
            **signatures(),
        ),
    )
    assert shipped.status is PalletStatus.SHIPPED
    after = reader.find_asset(WIPED)
    assert after.last_custody_kind == "SHIP_DOWNSTREAM"
    assert after.custodian == "FastFreight"
    with services.database.engine.connect() as conn:
        types = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT type FROM events WHERE type LIKE 'pallet.%' OR "
                "(type = 'custody.transferred' AND payload LIKE '%SHIP_DOWNSTREAM%') ORDER BY seq"
            )
        ]
        ship_payload = json.loads(
            conn.exec_driver_sql("SELECT payload FROM events WHERE type='pallet.shipped'").scalar()
        )
    assert types == [
        "pallet.opened",
        "pallet.asset_added",
        "pallet.asset_removed",
        "pallet.asset_added",
        "pallet.closed",
        "pallet.weighed",
        "pallet.sealed",
        "pallet.unsealed",
        "pallet.closed",
        "pallet.weighed",
        "pallet.sealed",
        "pallet.shipped",
        "custody.transferred",
    ]
    assert ship_payload["seal_numbers"] == ["S-3"]
    assert ship_payload["piece_count_observed"] == 1
    assert ship_payload["weight_g"] == 23_100
    assert len(ship_payload["driver_signature_sha256"]) == 64
    # Shipped assets go on no other pallet.
    other = service.open_pallet(PalletType.RESALE, "Elsewhere")
    with pytest.raises(PalletRefused, match="already left the facility"):
        service.add(other.pallet_id, WIPED)


def test_disposition_must_fit_the_pallet_type(world):
    services, service, reader, catalog = world
    grade(services, catalog, reader, "MXL9876XYZ", "RECYCLE")
    sign_in(services, 1)
    parts = service.open_pallet(PalletType.PARTS, "Parts room")
    with pytest.raises(
        PalletRefused, match="its disposition is Recycle; a parts pallet takes Parts harvest"
    ):
        service.add(parts.pallet_id, "MXL9876XYZ")
    recycle = service.open_pallet(PalletType.RECYCLE, "GreenCycle")
    service.add(recycle.pallet_id, "MXL9876XYZ")


def test_label_print_to_tcp_printer_survives_printer_down(world, printer, queue):
    services, service, reader, catalog = world
    grade(services, catalog, reader, "MXL9876XYZ", "RECYCLE")
    sign_in(services, 1)
    pallet = service.open_pallet(PalletType.RECYCLE, "GreenCycle")
    service.add(pallet.pallet_id, "MXL9876XYZ")

    printer.set_online(False)
    job = service.print_label(pallet.pallet_id)
    with services.database.engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM events WHERE type='label.printed'").scalar()
            == 0
        )
    # The failed attempt is reported and the job stays queued.
    deadline_ok = False
    for _ in range(500):
        jobs = {j.job_id: j for j in queue.jobs()}
        if jobs[job].state is JobState.RETRYING:
            deadline_ok = True
            break
        queue.wait_idle(0.01)
    assert deadline_ok
    assert "did not take the label" in jobs[job].error
    assert printer.received == []

    printer.set_online(True)
    queue.retry_now()
    assert queue.wait_idle(10)
    received = printer.wait_for_jobs(1, timeout_s=10)
    assert len(received) == 1
    assert received[0].startswith(b"^XA") and b"^FDPAL-000001^FS" in received[0]
    assert {j.job_id: j for j in queue.jobs()}[job].state is JobState.PRINTED

    # Reprint: a second event flagged as reprint.
    service.print_label(pallet.pallet_id)
    assert queue.wait_idle(10)
    for _ in range(500):
        with services.database.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT payload FROM events WHERE type='label.printed' ORDER BY seq"
            ).fetchall()
        if len(rows) == 2:
            break
        queue.wait_idle(0.01)
    flags = [json.loads(r[0])["reprint"] for r in rows]
    assert flags == [False, True]
    assert service.detail(pallet.pallet_id).pallet.labels_printed == 2


def test_pallet_with_5000_assets(world, tmp_path):
    services, service, _reader, _catalog = world
    sign_in(services, 1)
    services.events.append(
        [
            draft(
                AssetReceived(
                    asset_id=f"AS-BULK{i:05d}",
                    job_id="JOB-BULK",
                    serial=f"BULK{i:05d}",
                    device_type="desktop",
                    make="Dell",
                    model="OptiPlex",
                    scan_source="test",
                ),
                "op-test",
            )
            for i in range(5000)
        ]
    )
    pallet = service.open_pallet(PalletType.DESTRUCTION, "Shred line")
    results = service.add_many(pallet.pallet_id, [f"AS-BULK{i:05d}" for i in range(5000)])
    assert results[-1].pallet.piece_count == 5000
    service.close(pallet.pallet_id)
    service.weigh(pallet.pallet_id, 1_200_000)
    assert service.seal(pallet.pallet_id, ["S-BIG"]).piece_count == 5000
    path = service.save_contents_pdf(pallet.pallet_id, tmp_path / "contents.pdf")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 5000 // 50
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "AS-BULK04999" in last and f"Page {pages} of {pages}" in last
