"""The write path: seal + append + project in one transaction; projections rebuild to exactly
what incremental application produced."""

from __future__ import annotations

import functools
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.domain.events import AssetReceived, CustodyTransferred, CustomerRegistered
from app.ledger.canonical import NotCanonicalizable, canonical_json
from app.ledger.chain import ChainHead, EventDraft
from app.ledger.keys import StationKey
from app.ledger.verify import verify_rows
from app.services.demo_data import DEMO_JOB_ID, seed_demo_data
from app.services.event_drafts import draft
from app.services.operators import OperatorService
from app.services.pins import hash_pin
from app.storage import schema
from app.storage.database import open_station_database
from app.storage.event_store import iter_ledger_rows
from app.storage.repositories import OperatorRepository

PUBLIC_KEY = StationKey(b"\x01" * 32).public_key
cheap_pin_hash = functools.partial(hash_pin, log2_n=4)


def enrolment(operator_id: str, badge: str) -> EventDraft:
    return EventDraft(
        type="operator.enrolled",
        payload={
            "operator_id": operator_id,
            "display_name": f"Name of {operator_id}",
            "badge": badge,
            "role": "technician",
            "pin_hash": "scrypt$4$8$1$c2FsdA==$aGFzaA==",
        },
        operator_id="system",
    )


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_append_returns_sealed_envelopes_and_stores_canonical_rows(station_db, store):
    first = store.append(
        [EventDraft(type="note.added", payload={"b": 1, "a": "é"}, operator_id="op")]
    )
    more = store.append(
        [EventDraft(type="note.added", payload={"n": i}, operator_id="op") for i in range(3)]
    )
    assert [e.seq for e in first + more] == [1, 2, 3, 4]
    assert store.head() == ChainHead(4, more[-1].hash)
    with station_db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT payload, refs, station_id FROM events WHERE seq = 1")
        ).one()
    assert stored.payload == canonical_json({"a": "é", "b": 1}).decode()
    assert stored.refs == "{}"
    assert stored.station_id == store.station_id
    assert store.append([]) == []
    assert verify_rows(iter_ledger_rows(station_db.engine), PUBLIC_KEY).ok


def test_a_failing_projection_leaves_no_event_and_the_head_unchanged(station_db, store):
    store.append([enrolment("op-a", "BADGE-A")])
    head = store.head()
    with pytest.raises(IntegrityError, match=r"UNIQUE constraint failed: operators\.badge"):
        # The note is fine; the second enrolment reuses a badge and its projection fails.
        store.append(
            [
                EventDraft(type="note.added", payload={"text": "first"}, operator_id="op-a"),
                enrolment("op-b", "BADGE-A"),
            ]
        )
    assert store.head() == head
    assert count(station_db.engine, schema.events) == 1
    assert count(station_db.engine, schema.operators) == 1
    # No subject rows from the rolled-back batch either.
    with station_db.engine.connect() as conn:
        subjects = conn.execute(text("SELECT DISTINCT seq FROM event_subjects")).scalars().all()
    assert subjects == [1]
    # The chain continues contiguously after the failure and still verifies.
    after = store.append([enrolment("op-b", "BADGE-B")])
    assert after[0].seq == 2
    assert after[0].prev_hash == head.hash
    assert verify_rows(
        iter_ledger_rows(station_db.engine), PUBLIC_KEY, station_id=store.station_id
    ).ok


def test_a_payload_outside_the_domain_is_refused_before_anything_is_written(station_db, store):
    with pytest.raises(NotCanonicalizable, match=r"asset\.received\.payload\.weight: floats"):
        store.append(
            [
                EventDraft(type="note.added", payload={}, operator_id="op"),
                EventDraft(type="asset.received", payload={"weight": 1.5}, operator_id="op"),
            ]
        )
    assert store.head() == ChainHead()


def test_concurrent_appends_keep_seq_contiguous(station_db, store):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(25):
                store.append(
                    [EventDraft(type="note.added", payload={"w": n, "i": i}, operator_id="op")]
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_rows(iter_ledger_rows(station_db.engine), PUBLIC_KEY)
    assert report.ok and report.event_count == 100


def test_iter_ledger_rows_pages_through_everything_in_order(station_db, store):
    store.append(
        [EventDraft(type="note.added", payload={"i": i}, operator_id="op") for i in range(25)]
    )
    rows = list(iter_ledger_rows(station_db.engine, batch_size=7))
    assert [r.seq for r in rows] == list(range(1, 26))
    assert rows[-1].hash == store.head().hash


def populate(station_db, store) -> None:
    """The demo seed plus more events of every projected kind (and one unknown type)."""
    operators = OperatorService(store, OperatorRepository(station_db.engine), cheap_pin_hash)
    seed_demo_data(store, operators)
    tech = operators.sign_in_with_badge("BADGE-0003", "3333")
    store.append(
        [
            draft(CustomerRegistered(customer_id="CUST-GLOBEX", name="Globex"), tech.operator_id),
            draft(
                AssetReceived(
                    asset_id="AS-EXTRA-1",
                    job_id=DEMO_JOB_ID,
                    serial="NOT-ON-MANIFEST",
                    device_type="laptop",
                    scan_source="bench 2",
                ),
                tech.operator_id,
            ),
            draft(
                AssetReceived(
                    asset_id="AS-EXTRA-2",
                    job_id=DEMO_JOB_ID,
                    manifest_id="MAN-ACME-0042",
                    line_no=9,
                    serial="WD-WCC4N7XYZ123",
                    scan_source="bench 2",
                ),
                tech.operator_id,
            ),
            draft(
                CustodyTransferred(
                    kind="CAGE_IN",
                    from_party=tech.display_name,
                    to_party="Secure cage",
                    asset_ids=("AS-EXTRA-1", "AS-EXTRA-2"),
                    location="Cage A",
                ),
                tech.operator_id,
            ),
            draft(
                CustodyTransferred(
                    kind="HANDOFF",
                    from_party="Secure cage",
                    to_party="Gale Grader",
                    asset_ids=("AS-EXTRA-2",),
                ),
                tech.operator_id,
            ),
            *receiving_drafts(tech.operator_id),
            *grading_drafts(tech.operator_id),
            *pallet_drafts(tech.operator_id),
            *sanitization_drafts(tech.operator_id),
            EventDraft(
                type="future.thing_happened",
                payload={"asset_id": "AS-EXTRA-1", "pallet_id": "PAL-1"},
                operator_id=tech.operator_id,
                schema_version=3,
            ),
        ]
    )
    operators.sign_out()


def receiving_drafts(operator_id: str) -> list[EventDraft]:
    """One event of every receiving and custody type (issue 4), in a realistic order."""
    line = {"line_no": 1, "serial": "GX-1", "asset_tag": "T-1", "epc": "E1", "weight_g": 1500}

    def ev(type_: str, **payload) -> EventDraft:
        return EventDraft(type=type_, payload=payload, operator_id=operator_id)

    return [
        ev(
            "manifest.imported",
            manifest_id="MAN-GX",
            customer_id="CUST-ACME",
            job_id="JOB-GX",
            source_name="gx.csv",
            source_sha256="1" * 64,
            lines=[line],
            total_lines=3,
            column_mapping={"serial": "Serial"},
        ),
        ev(
            "manifest.lines_added",
            manifest_id="MAN-GX",
            lines=[{"line_no": 2, "serial": "GX-2"}, {"line_no": 3, "serial": "GX-3"}],
        ),
        ev(
            "custody.inbound_received",
            job_id="JOB-GX",
            carrier="Reliable",
            driver_name="Pat",
            driver_id_method="drivers_licence",
            bol_number="BOL-1",
            received_by="Terry Technician",
            location="Dock 2",
            containers=[{"container_id": "GAY-9", "seal_number": "S9", "seal_intact": False}],
        ),
        ev(
            "asset.received",
            asset_id="AS-GX-1",
            job_id="JOB-GX",
            manifest_id="MAN-GX",
            line_no=1,
            serial="GX-1",
            epc="E1",
            matched_by="epc",
            scan_source="reader",
        ),
        ev(
            "asset.received",
            asset_id="AS-GX-2",
            job_id="JOB-GX",
            manifest_id="MAN-GX",
            line_no=2,
            serial="GX-2",
            scan_source="scanner",
        ),
        ev(
            "receiving.scan_voided",
            job_id="JOB-GX",
            asset_id="AS-GX-2",
            voided_event_id="x",
            reason="wrong item",
        ),
        ev(
            "asset.received",
            asset_id="AS-GX-X",
            job_id="JOB-GX",
            serial="EXTRA",
            scan_source="quick capture",
        ),
        ev("asset.described", asset_id="AS-GX-X", serial="EXTRA-1", device_type="monitor"),
        ev(
            "receiving.scan_flagged",
            job_id="JOB-GX",
            value="5CG1234ABC",
            outcome="other_job",
            scan_source="scanner",
            other_job_id=DEMO_JOB_ID,
        ),
        ev(
            "receiving.discrepancy_raised",
            discrepancy_id="dis-1",
            job_id="JOB-GX",
            code="SEAL_BROKEN",
            container_id="GAY-9",
            note="seal S9",
        ),
        ev(
            "custody.transferred",
            kind="MOVE",
            from_party="Dock 2",
            to_party="Cage B",
            container_ids=["GAY-9"],
            location="Cage B",
        ),
        ev("receiving.closed", job_id="JOB-GX", expected=3, received=1, missing=2, extra=1),
    ]


def grading_drafts(operator_id: str) -> list[EventDraft]:
    """Grading (issue 6): two grades of one asset (the second names none, so it is projected
    as a concurrent grade flagged for review) and a published rubric version."""

    def graded(disposition: str, **extra) -> EventDraft:
        payload = {
            "asset_id": "AS-EXTRA-1",
            "rubric_id": "laptop",
            "rubric_version": 1,
            "cosmetic_scale": "MARKET_LETTER@site-1",
            "cosmetic_grade": "B",
            "functional_scale": "R2_REC_FUNCTIONAL@unconfirmed",
            "functional_grade": "F3",
            "disposition": disposition,
            "derived_functional_grade": "F3",
            "derived_disposition": "REUSE_RESALE",
            "answers": [{"code": "power_on", "result": "pass", "value": None}],
            "defects": ["DEEP_SCRATCHES"],
            **extra,
        }
        return EventDraft(type="asset.graded", payload=payload, operator_id=operator_id)

    return [
        graded("PARTS_HARVEST"),
        graded("RECYCLE", override_reason="contract"),
        EventDraft(
            type="rubric.published",
            payload={
                "rubric_id": "laptop",
                "version": 2,
                "title": "Laptop",
                "source_name": "laptop-v2.toml",
                "source_sha256": "1" * 64,
                "body": {"id": "laptop", "version": 2},
            },
            operator_id=operator_id,
        ),
    ]


def test_rebuild_equals_incremental_projections(station_db, store, dump):
    populate(station_db, store)
    incremental = dump(station_db.engine)
    for name in (
        "operators",
        "customers",
        "manifests",
        "manifest_lines",
        "assets",
        "event_subjects",
        "receiving_jobs",
        "containers",
        "discrepancies",
        "scan_flags",
        "customer_column_mappings",
        "grade_history",
        "asset_grades",
        "rubrics",
        "pallets",
        "pallet_contents",
        "pallet_boxes",
        "media",
        "sanitization_records",
        "sanitization_reviews",
        "destruction_batches",
        "certificates",
        "qc_samples",
        "qc_sample_drives",
        "review_resolutions",
    ):
        assert incremental[name], f"{name} is empty: the comparison would prove nothing"
    # Spot-check that the incremental state is what the events say.
    with station_db.engine.connect() as conn:
        extra2 = conn.execute(
            text("SELECT custodian, location FROM assets WHERE asset_id = 'AS-EXTRA-2'")
        ).one()
        line9 = conn.execute(
            text("SELECT received_asset_id FROM manifest_lines WHERE line_no = 9")
        ).scalar_one()
    assert tuple(extra2) == ("Gale Grader", "Cage A")
    assert line9 == "AS-EXTRA-2"
    with station_db.engine.connect() as conn:
        gx = conn.execute(
            text("SELECT status, closed_seq IS NOT NULL FROM receiving_jobs WHERE job_id='JOB-GX'")
        ).one()
        voided = conn.execute(
            text("SELECT status FROM assets WHERE asset_id = 'AS-GX-2'")
        ).scalar_one()
        unlinked = conn.execute(
            text(
                "SELECT received_asset_id FROM manifest_lines WHERE manifest_id='MAN-GX' "
                "AND line_no = 2"
            )
        ).scalar_one()
        container = conn.execute(
            text("SELECT location, seal_intact FROM containers WHERE container_id = 'GAY-9'")
        ).one()
    assert tuple(gx) == ("closed", 1)
    assert voided == "voided" and unlinked is None
    assert tuple(container) == ("Cage B", 0)

    total = count(station_db.engine, schema.events)
    assert store.rebuild_projections() == total
    assert dump(station_db.engine) == incremental


def test_rebuild_repairs_a_damaged_projection(station_db, store, dump):
    populate(station_db, store)
    incremental = dump(station_db.engine)
    with station_db.engine.begin() as conn:
        conn.execute(text("UPDATE assets SET location = 'lost' WHERE asset_id = 'AS-EXTRA-1'"))
        conn.execute(text("DELETE FROM event_subjects WHERE subject_kind = 'pallet'"))
        conn.execute(text("DELETE FROM customers WHERE customer_id = 'CUST-GLOBEX'"))
    assert dump(station_db.engine) != incremental
    store.rebuild_projections()
    assert dump(station_db.engine) == incremental


def dependent_drafts() -> list[EventDraft]:
    """Events whose projections depend on earlier events of the same batch."""

    def ev(type_: str, **payload) -> EventDraft:
        return EventDraft(type=type_, payload=payload, operator_id="op-1")

    line = {"serial": "S1", "asset_tag": "T1", "make": "HP", "model": "X", "device_type": "laptop"}
    return [
        ev("customer.registered", customer_id="C1", name="Acme"),
        ev("customer.registered", customer_id="C2", name="Globex"),
        ev(
            "manifest.imported",
            manifest_id="M1",
            customer_id="C1",
            job_id="J1",
            source_name="m1.csv",
            source_sha256="0" * 64,
            lines=[{"line_no": 1, **line}, {"line_no": 2, "serial": "S2", "quantity": 3}],
        ),
        ev("asset.received", asset_id="A1", job_id="J1", manifest_id="M1", line_no=1),
        ev("asset.received", asset_id="A2", job_id="J1", serial="S9", scan_source="bench"),
        ev(
            "custody.transferred",
            kind="K",
            from_party="Dock",
            to_party="Bench",
            asset_ids=["A1", "A2"],
            location="Bench 3",
        ),
        ev("custody.transferred", kind="K", from_party="Bench", to_party="Cage", asset_ids=["A1"]),
        ev("asset.received", asset_id="A3", job_id="J1", manifest_id="M1", line_no=2),
        ev(
            "custody.transferred",
            kind="K",
            from_party="Cage",
            to_party="Grader",
            asset_ids=["A1", "A3"],
            location="Grading",
        ),
        ev("future.thing", asset_id="A3"),
        ev(
            "custody.transferred",
            kind="K",
            from_party="Grader",
            to_party="Dock",
            asset_ids=["A3"],
            location="",
        ),
    ]


def test_one_batch_projects_exactly_like_one_event_per_transaction(tmp_path, make_store, dump):
    one_by_one = open_station_database(tmp_path / "a")
    batched = open_station_database(tmp_path / "b")
    try:
        store_a, store_b = make_store(one_by_one.engine), make_store(batched.engine)
        for d in dependent_drafts():
            store_a.append([d])
        store_b.append(dependent_drafts())
        expected = dump(one_by_one.engine)
        assert dump(batched.engine) == expected
        assets = {row[0]: (row[9], row[10], row[12]) for row in expected["assets"]}
        assert assets == {
            "A1": ("Grader", "Grading", 9),
            "A2": ("Bench", "Bench 3", 6),
            "A3": ("Dock", "Grading", 11),
        }
        lines = {row[1]: row[8] for row in expected["manifest_lines"]}
        assert lines == {1: "A1", 2: "A3"}
    finally:
        one_by_one.close()
        batched.close()


def pallet_drafts(operator_id: str) -> list[EventDraft]:
    """Pallets (issue 7): two pallets through every lifecycle event, in runs of one type (so
    batched projection must equal one-by-one), an unseal, a ship and label prints."""

    def ev(type_: str, **payload) -> EventDraft:
        return EventDraft(type=type_, payload=payload, operator_id=operator_id)

    sig = "a" * 64
    return [
        ev(
            "pallet.opened",
            pallet_id="PAL-000001",
            pallet_type="recycle",
            destination="D1",
            number=1,
        ),
        ev(
            "pallet.opened",
            pallet_id="106141410000000025",
            pallet_type="resale",
            destination="D2",
            number=2,
        ),
        ev(
            "pallet.asset_added",
            pallet_id="PAL-000001",
            asset_id="AS-EXTRA-1",
            device_type="laptop",
            disposition="RECYCLE",
        ),
        ev(
            "pallet.asset_added",
            pallet_id="PAL-000001",
            asset_id="AS-EXTRA-2",
            device_type="desktop",
            disposition="RECYCLE",
        ),
        ev("pallet.asset_added", pallet_id="106141410000000025", asset_id="AS-GX-1"),
        ev("pallet.asset_removed", pallet_id="PAL-000001", asset_id="AS-EXTRA-2", reason="x"),
        ev("pallet.closed", pallet_id="PAL-000001", piece_count=1),
        ev("pallet.closed", pallet_id="106141410000000025", piece_count=1),
        ev("pallet.reopened", pallet_id="106141410000000025", reason="forgot one"),
        ev("pallet.weighed", pallet_id="PAL-000001", weight_g=12_000),
        ev(
            "pallet.sealed",
            pallet_id="PAL-000001",
            seal_numbers=["S-1"],
            sealed_by="Sam",
            piece_count=1,
            weight_g=12_000,
        ),
        ev(
            "pallet.unsealed",
            pallet_id="PAL-000001",
            unsealed_by="Sam",
            seal_numbers=["S-1"],
            reason="recount",
        ),
        ev("pallet.closed", pallet_id="PAL-000001", piece_count=1),
        ev("pallet.weighed", pallet_id="PAL-000001", weight_g=11_900),
        ev(
            "pallet.sealed",
            pallet_id="PAL-000001",
            seal_numbers=["S-2", "S-3"],
            sealed_by="Sam",
            piece_count=1,
            weight_g=11_900,
        ),
        ev(
            "label.printed",
            subject_id="PAL-000001",
            pallet_id="PAL-000001",
            document="pallet_label",
            format="zpl",
            target="tcp://p:9100",
            content_sha256=sig,
        ),
        ev(
            "label.printed",
            subject_id="PAL-000001",
            pallet_id="PAL-000001",
            document="pallet_label",
            format="pdf",
            target="file:x.pdf",
            reprint=True,
            content_sha256=sig,
        ),
        ev(
            "label.printed",
            subject_id="AS-EXTRA-1",
            asset_id="AS-EXTRA-1",
            document="asset_label",
            format="pdf",
            target="file:a.pdf",
            content_sha256=sig,
        ),
        ev(
            "pallet.shipped",
            pallet_id="PAL-000001",
            kind="SHIP_DOWNSTREAM",
            destination="D1",
            carrier="FastFreight",
            driver_name="Dee",
            driver_id_method="drivers_licence",
            released_by="Sam",
            seal_numbers=["S-2", "S-3"],
            piece_count_declared=1,
            piece_count_observed=1,
            weight_g=11_900,
            driver_signature_sha256=sig,
            shipper_signature_sha256=sig,
        ),
        ev(
            "custody.transferred",
            kind="SHIP_DOWNSTREAM",
            from_party="Sam",
            to_party="FastFreight",
            asset_ids=["AS-EXTRA-1"],
            container_ids=["PAL-000001"],
            location="in transit to D1",
        ),
        # Boxes within the open SSCC pallet (migration 0009), runs of one type included.
        ev("pallet.box_opened", pallet_id=SSCC_PALLET, box_id=f"{SSCC_PALLET}-B01", number=1),
        ev("pallet.box_opened", pallet_id=SSCC_PALLET, box_id=f"{SSCC_PALLET}-B02", number=2),
        ev("pallet.asset_added", pallet_id=SSCC_PALLET, asset_id="AS-EXTRA-2"),
        ev(
            "pallet.asset_boxed",
            pallet_id=SSCC_PALLET,
            box_id=f"{SSCC_PALLET}-B01",
            asset_id="AS-GX-1",
        ),
        ev(
            "pallet.asset_boxed",
            pallet_id=SSCC_PALLET,
            box_id=f"{SSCC_PALLET}-B02",
            asset_id="AS-EXTRA-2",
        ),
        ev(
            "pallet.asset_unboxed",
            pallet_id=SSCC_PALLET,
            box_id=f"{SSCC_PALLET}-B02",
            asset_id="AS-EXTRA-2",
            reason="wrong box",
        ),
        ev(
            "pallet.asset_boxed",
            pallet_id=SSCC_PALLET,
            box_id=f"{SSCC_PALLET}-B01",
            asset_id="AS-EXTRA-2",
        ),
        ev("pallet.box_closed", pallet_id=SSCC_PALLET, box_id=f"{SSCC_PALLET}-B01", piece_count=2),
        ev("pallet.box_closed", pallet_id=SSCC_PALLET, box_id=f"{SSCC_PALLET}-B02", piece_count=0),
    ]


SSCC_PALLET = "106141410000000025"


def test_pallet_projection_reflects_the_events(station_db, store):
    populate(station_db, store)
    with station_db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pallet_id, status, piece_count, weight_g, seal_numbers, labels_printed "
                "FROM pallets ORDER BY number"
            )
        ).all()
        contents = conn.execute(
            text("SELECT pallet_id, asset_id, box_id FROM pallet_contents ORDER BY asset_id")
        ).all()
        boxes = conn.execute(
            text("SELECT box_id, status, piece_count FROM pallet_boxes ORDER BY number")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("PAL-000001", "shipped", 1, 11_900, '["S-2", "S-3"]', 2),
        ("106141410000000025", "open", 2, 0, "[]", 0),
    ]
    assert [tuple(r) for r in contents] == [
        ("PAL-000001", "AS-EXTRA-1", ""),
        ("106141410000000025", "AS-EXTRA-2", "106141410000000025-B01"),
        ("106141410000000025", "AS-GX-1", "106141410000000025-B01"),
    ]
    assert [tuple(r) for r in boxes] == [
        ("106141410000000025-B01", "closed", 2),
        ("106141410000000025-B02", "closed", 0),
    ]


def sanitization_drafts(operator_id: str) -> list[EventDraft]:
    """Sanitization (issue 5): two drives, records in one run (a failed wipe, then a Clear and a
    Destroy: the best passing outcome wins), a review item, a batch and a certificate reprint."""

    def ev(type_: str, **payload) -> EventDraft:
        return EventDraft(type=type_, payload=payload, operator_id=operator_id)

    def record(record_id: str, media_id: str, outcome: str, result: str, **extra) -> EventDraft:
        return ev(
            "sanitization.recorded",
            record_id=record_id,
            media_id=media_id,
            asset_id="AS-EXTRA-1",
            drive_serial=media_id.upper(),
            media_kind="HDD",
            outcome=outcome,
            technique="OVERWRITE",
            result=result,
            tool="nwipe",
            tool_version="0.42",
            evidence_sha256="e" * 64,
            **extra,
        )

    return [
        ev("media.registered", media_id="md-1", asset_id="AS-EXTRA-1", kind="HDD", serial="MD-1"),
        ev(
            "media.registered",
            media_id="md-2",
            asset_id="AS-EXTRA-1",
            kind="SSD",
            serial="MD-2",
            power_on_hours=12,
        ),
        record("sr-1", "md-1", "", "FAILED", route_to_destruction=True),
        record("sr-2", "md-2", "CLEAR", "PASSED"),
        record("sr-3", "md-1", "DESTROY", "PASSED", batch_id="db-1"),
        record("sr-4", "md-1", "CLEAR", "PASSED"),
        ev(
            "sanitization.review_raised",
            review_id="rv-1",
            file_name="run.txt",
            evidence_sha256="e" * 64,
            reason="no registered drive has serial X",
        ),
        ev(
            "destruction.batch_recorded",
            batch_id="db-1",
            equipment_id="SHRED-01",
            din_level="H-4",
            witness_operator_id="op-2",
            witness_name="Sam",
            media_ids=["md-1"],
            serials=["MD-1"],
            pre_count=1,
            post_count=1,
        ),
        ev(
            "certificate.issued",
            certificate_no="CERT-1",
            job_id="JOB-1",
            line_count=2,
            line_items_sha256="c" * 64,
            pdf_sha256="d" * 64,
        ),
        ev(
            "certificate.issued",
            certificate_no="CERT-1",
            job_id="JOB-1",
            line_count=2,
            line_items_sha256="c" * 64,
            pdf_sha256="f" * 64,
            reprint_of="CERT-1",
        ),
        # R2v3 QC (migration 0008): a sample of two drives; MD-3 fails and re-opens its batch
        # (MD-2 and MD-3); MD-2 is re-wiped afterwards, MD-3 stays voided.
        ev("media.registered", media_id="md-3", asset_id="AS-EXTRA-1", kind="HDD", serial="MD-3"),
        record("sr-6", "md-3", "CLEAR", "PASSED"),
        ev(
            "sanitization.sample_drawn",
            sample_id="qs-1",
            job_id="JOB-1",
            percent=5,
            population=2,
            selection_method="uniform random draw",
            drives=[
                {
                    "media_id": media_id,
                    "drive_serial": media_id.upper(),
                    "asset_id": "AS-EXTRA-1",
                    "record_id": record_id,
                    "wiped_by": "op-3",
                    "tool": "nwipe",
                    "tool_version": "0.42",
                }
                for media_id, record_id in (("md-2", "sr-2"), ("md-3", "sr-6"))
            ],
        ),
        ev(
            "sanitization.sample_verified",
            sample_id="qs-1",
            job_id="JOB-1",
            media_id="md-2",
            drive_serial="MD-2",
            verifier_operator_id="op-2",
            verifier_name="Sam",
            method="full_readback",
            result="PASSED",
        ),
        ev(
            "sanitization.sample_verified",
            sample_id="qs-1",
            job_id="JOB-1",
            media_id="md-3",
            drive_serial="MD-3",
            verifier_operator_id="op-2",
            verifier_name="Sam",
            method="sampled_readback",
            recovery_tool="PhotoRec",
            result="FAILED",
            notes="files recovered",
            batch_rule="batch: drives of job JOB-1 wiped with nwipe 0.42",
            reopened_media_ids=["md-2", "md-3"],
            reopened_serials=["MD-2", "MD-3"],
        ),
        record("sr-7", "md-2", "CLEAR", "PASSED"),
        ev(
            "sanitization.review_raised",
            review_id="rv-2",
            file_name="multi.txt",
            evidence_sha256="e" * 64,
            drive_serial="XXXXXXXXXXXXXXX",
            reason="anonymised",
            drive_index=3,
        ),
        ev(
            "sanitization.review_resolved",
            review_id="rv-1",
            action="dismissed",
            evidence_sha256="e" * 64,
            reason="test rig",
        ),
        ev(
            "sanitization.review_resolved",
            review_id="rv-2",
            action="assigned",
            evidence_sha256="e" * 64,
            media_id="md-2",
            drive_serial="MD-2",
            record_id="sr-7",
            matched_by="pick",
        ),
    ]


def test_media_keep_their_best_outcome(station_db, store):
    populate(station_db, store)
    with station_db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT serial, outcome, last_result, route_to_destruction FROM media "
                "WHERE serial LIKE 'MD-%' ORDER BY serial"
            )
        ).all()
        reprints = conn.execute(text("SELECT reprints FROM certificates")).scalar_one()
    assert [tuple(r) for r in rows] == [
        ("MD-1", "DESTROY", "PASSED", 0),
        ("MD-2", "CLEAR", "PASSED", 0),
        ("MD-3", "", "PASSED", 0),
    ]
    assert reprints == 1


def test_a_failed_qc_sample_voids_its_batch_until_a_new_record(station_db, store):
    populate(station_db, store)
    with station_db.engine.connect() as conn:
        voided = {
            serial: reason
            for serial, reason in conn.execute(
                text("SELECT serial, voided_reason FROM media WHERE serial LIKE 'MD-%'")
            )
        }
        sample = conn.execute(text("SELECT status FROM qc_samples")).scalar_one()
        drives = conn.execute(
            text("SELECT media_id, status, reopened_count FROM qc_sample_drives ORDER BY position")
        ).all()
        open_reviews = conn.execute(
            text(
                "SELECT count(*) FROM sanitization_reviews v WHERE NOT EXISTS "
                "(SELECT 1 FROM review_resolutions x WHERE x.review_id = v.review_id)"
            )
        ).scalar_one()
    assert voided["MD-2"] == ""  # re-wiped after the failure
    assert voided["MD-3"] == (
        "QC sample qs-1 failed on drive MD-3 (batch: drives of job JOB-1 wiped with nwipe 0.42)"
    )
    assert sample == "failed"
    assert [tuple(d) for d in drives] == [("md-2", "PASSED", 0), ("md-3", "FAILED", 2)]
    assert open_reviews == 0
