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


def event_types(services, like: str) -> list[str]:
    with services.database.engine.connect() as conn:
        return [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT type FROM events WHERE type LIKE ? ORDER BY seq", (like,)
            )
        ]


def test_boxes_within_a_pallet(world, tmp_path):
    services, service, reader, catalog = world
    ids = [
        grade(services, catalog, reader, serial, "RECYCLE")
        for serial in ("MXL9876XYZ", "8CC1122334", "J8K2LM3")
    ]
    sign_in(services, 1)
    pallet = service.open_pallet(PalletType.RECYCLE, "GreenCycle")
    loose = service.add(pallet.pallet_id, "J8K2LM3")  # a loose asset beside the boxes
    box = service.open_box(pallet.pallet_id)
    assert box.box_id == f"{pallet.pallet_id}-B01" and box.label == "B01"
    before = len(event_types(services, "pallet.%"))

    # Scanning an asset not yet on the pallet into the box: added, then boxed (two events).
    result = service.box_add(box.box_id, "MXL9876XYZ")
    assert result.pallet.piece_count == 2
    assert event_types(services, "pallet.%")[before:] == [
        "pallet.asset_added",
        "pallet.asset_boxed",
    ]
    # The loose asset goes into the box with one event.
    service.box_add(box.box_id, loose.asset_id)
    with pytest.raises(PalletRefused, match="already in this box"):
        service.box_add(box.box_id, "J8K2LM3")
    second = service.open_box(pallet.pallet_id)
    with pytest.raises(PalletRefused, match=f"it is in box {box.box_id}; take it out there"):
        service.box_add(second.box_id, "J8K2LM3")
    service.box_remove("J8K2LM3", "belongs in box 2")
    service.box_add(second.box_id, "J8K2LM3")
    # A data-bearing asset is refused in a box exactly as on the pallet (the pallet rules).
    with pytest.raises(PalletRefused, match="not graded"):
        service.box_add(second.box_id, UNWIPED)

    detail = service.detail(pallet.pallet_id)
    assert [(b.label, b.status.value, b.piece_count) for b in detail.boxes] == [
        ("B01", "open", 1),
        ("B02", "open", 1),
    ]
    assert {i.asset_id: i.box_id for i in detail.items} == {
        ids[0]: box.box_id,
        ids[2]: second.box_id,
    }
    assert detail.pallet.box_count == 2 and detail.pallet.open_boxes == 2

    service.close_box(box.box_id)
    with pytest.raises(PalletRefused, match="box B01 is closed"):
        service.box_add(box.box_id, "8CC1122334")
    with pytest.raises(PalletRefused, match="in box B01, which is closed"):
        service.remove(pallet.pallet_id, "MXL9876XYZ")
    service.close(pallet.pallet_id)
    with pytest.raises(PalletRefused, match="boxes are opened on an open pallet"):
        service.open_box(pallet.pallet_id)
    service.weigh(pallet.pallet_id, 40_000)
    # Sealing with a box still open is refused, with the reason.
    with pytest.raises(PalletRefused) as refused:
        service.seal(pallet.pallet_id, ["S-9"])
    assert "1 box(es) on it are still open; close every box before sealing" in refused.value.message
    service.close_box(second.box_id)  # a box may be closed after the pallet was closed
    sealed = service.seal(pallet.pallet_id, ["S-9"])
    assert sealed.box_count == 2 and sealed.open_boxes == 0 and sealed.piece_count == 2

    # Box counts on the label and the contents manifest.
    label = service.label_zpl(pallet.pallet_id).decode()
    assert "2 PCS / 2 BOXES" in label
    path = service.save_contents_pdf(pallet.pallet_id, tmp_path / "contents.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Boxes: 2 (B01: 1, B02: 1) · none loose" in text
    rows = {line.split()[1]: line.split() for line in text.splitlines() if "AS-" in line}
    assert "B01" in rows[ids[0]] and "B02" in rows[ids[2]]


def test_removing_a_boxed_asset_unboxes_it_first(world):
    services, service, reader, catalog = world
    grade(services, catalog, reader, "MXL9876XYZ", "RECYCLE")
    sign_in(services, 1)
    pallet = service.open_pallet(PalletType.RECYCLE, "GreenCycle")
    box = service.open_box(pallet.pallet_id)
    service.box_add(box.box_id, "MXL9876XYZ")
    before = len(event_types(services, "pallet.%"))
    after = service.remove(pallet.pallet_id, "MXL9876XYZ", "damaged")
    assert after.pallet.piece_count == 0
    assert event_types(services, "pallet.%")[before:] == [
        "pallet.asset_unboxed",
        "pallet.asset_removed",
    ]
    assert service.boxes(pallet.pallet_id)[0].piece_count == 0
    with pytest.raises(PalletRefused, match="it is in no box"):
        service.box_remove("MXL9876XYZ")


def test_each_station_numbers_its_own_pallets(tmp_path):
    """From the settings file to the pallet ID: stations sharing a GS1 prefix are told apart by
    their configured code; without a prefix by the code derived from their own key."""
    from app.bootstrap import pallet_id_scheme  # noqa: PLC0415
    from app.config import load_settings  # noqa: PLC0415
    from app.domain.ids import is_sscc  # noqa: PLC0415
    from app.domain.pallets import PalletIdInvalid  # noqa: PLC0415
    from app.ledger.keys import StationKey  # noqa: PLC0415

    def settings(name: str, extra: str):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'[station]\nstation_name = "{name}"\n{extra}', encoding="utf-8")
        return load_settings(path)

    key_a, key_b = StationKey(b"\x01" * 32), StationKey(b"\x02" * 32)
    a = pallet_id_scheme(
        settings("a", 'gs1_company_prefix = "0614141"\npallet_station_code = "1"\n'),
        key_a.public_key_hex,
    )
    b = pallet_id_scheme(
        settings("b", 'gs1_company_prefix = "0614141"\npallet_station_code = "02"\n'),
        key_b.public_key_hex,
    )
    assert a.pallet_id(1) == sscc18_of("0614141", 10_000_001)
    assert is_sscc(b.pallet_id(1)) and a.pallet_id(1) != b.pallet_id(1)
    assert {a.pallet_id(n) for n in range(1, 500)}.isdisjoint(b.pallet_id(n) for n in range(1, 500))
    unset = pallet_id_scheme(
        settings("c", 'gs1_company_prefix = "0614141"\n'), key_a.public_key_hex
    )
    with pytest.raises(PalletIdInvalid, match="no pallet station code"):
        unset.pallet_id(1)
    internal_a = pallet_id_scheme(settings("d", ""), key_a.public_key_hex)
    internal_b = pallet_id_scheme(settings("e", ""), key_b.public_key_hex)
    assert internal_a.pallet_id(1) != internal_b.pallet_id(1)
    assert internal_a.pallet_id(1).startswith("PAL-") and internal_a.pallet_id(1).endswith(
        "-000001"
    )
    configured = pallet_id_scheme(settings("f", 'pallet_station_code = "dock2"\n'), "00" * 32)
    assert configured.pallet_id(3) == "PAL-DOCK2-000003"


def sscc18_of(prefix: str, serial_reference: int) -> str:
    from app.domain.ids import sscc18  # noqa: PLC0415

    return sscc18(prefix, serial_reference)


def test_a_destination_too_long_for_the_label_is_refused_before_printing(world, queue, printer):
    from app.documents.pallet_label import LabelFieldTooLong, LabelSize  # noqa: PLC0415

    services, service, _reader, _catalog = world
    sign_in(services, 1)
    destination = "Second Life Electronics Refurbishment Centre, Loading Dock 14, Building C"
    pallet = service.open_pallet(PalletType.DESTRUCTION, destination)
    with pytest.raises(LabelFieldTooLong) as err:
        service.print_label(pallet.pallet_id, LabelSize.PALLET_4X3)
    message = err.value.message
    assert "destination" in message and destination in message  # named in full, not cut
    assert "Nothing was printed" in message
    assert queue.jobs() == [] and printer.received == []
    assert event_types(services, "label.%") == []
    with pytest.raises(LabelFieldTooLong, match="about 48 characters fit, it has 73"):
        service.print_label(pallet.pallet_id, LabelSize.PALLET_4X6)
    assert queue.jobs() == [] and event_types(services, "label.%") == []
