"""Grading use cases over a real station database: grade, override, re-grade with history,
refusals with their reasons, photos kept content-addressed, rubric publishing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from app.domain.errors import NotSignedIn, PermissionDenied
from app.domain.events import CustodyTransferred, ScanVoided
from app.domain.grading import (
    Answer,
    AssetAlreadyShipped,
    AssetNotFound,
    AssetNotReceived,
    CheckResult,
    GradeIncomplete,
    ResaleWhileDataBearing,
    RubricInvalid,
)
from app.resource_files import resource_path
from app.services.demo_data import DEMO_JOB_ID, seed_demo_data
from app.services.event_drafts import draft
from app.services.grading import GradeSheet, GradingService, PhotoFile, RubricCatalog
from app.storage.blob_store import BlobStore
from app.storage.grading_repository import GradingRepository

GRADER = ("BADGE-0004", "4444")
ADMIN = ("BADGE-0001", "1111")
TECH = ("BADGE-0003", "3333")


@pytest.fixture
def grading(services, tmp_path: Path) -> GradingService:
    seed_demo_data(services.events, services.operators)
    reader = GradingRepository(services.database.engine)
    return GradingService(
        services.events,
        reader,
        BlobStore(tmp_path / "data" / "blobs"),
        services.operators,
        RubricCatalog(resource_path("rubrics"), reader),
    )


def demo_asset(services, serial: str) -> str:
    with services.database.engine.connect() as conn:
        return conn.execute(
            text("SELECT asset_id FROM assets WHERE serial = :s"), {"s": serial}
        ).scalar_one()


def custody(services, asset_id: str, kind: str) -> None:
    operator = services.operators.current
    services.events.append(
        [
            draft(
                CustodyTransferred(
                    kind=kind, from_party="Wipe bench", to_party="Grading", asset_ids=(asset_id,)
                ),
                operator.operator_id,
            )
        ]
    )


def sheet_for(context, *, cosmetic="B", **changes) -> GradeSheet:
    rubric = context.rubric
    answers = {c.code: Answer(c.code, CheckResult.PASS) for c in rubric.checks}
    answers.update(changes.pop("answers", {}))
    return GradeSheet(
        asset_id=context.asset.asset_id,
        rubric_id=rubric.rubric_id,
        rubric_version=rubric.version,
        answers=tuple(answers.values()),
        cosmetic=cosmetic,
        **changes,
    )


def rows(services, sql: str) -> list[tuple]:
    with services.database.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def test_lookup_by_serial_shows_the_asset_and_its_rubric(services, grading):
    services.operators.sign_in_with_badge(*GRADER)
    context = grading.lookup("5cg1234abc")  # typed in lower case
    assert context.asset.serial == "5CG1234ABC"
    assert context.rubric.rubric_id == "laptop"
    assert context.history == () and context.refusal == ""
    assert context.data_bearing.bearing
    with pytest.raises(AssetNotFound, match="'NOPE-123' has been received"):
        grading.lookup("NOPE-123")


def test_grading_records_both_axes_and_the_suggestion(services, grading):
    services.operators.sign_in_with_badge(*GRADER)
    asset_id = demo_asset(services, "5CG1234ABC")
    custody(services, asset_id, "SANITIZE_END")
    context = grading.lookup(asset_id)
    assert not context.data_bearing.bearing
    after = grading.grade(
        sheet_for(context, answers={"battery_health": Answer("battery_health", value=91)})
    )
    [record] = after.history
    assert (record.cosmetic_grade, record.functional_grade, record.disposition) == (
        "B",
        "F4",
        "REUSE_RESALE",
    )
    assert record.cosmetic_scale == "MARKET_LETTER@site-1"
    assert record.functional_scale.startswith("R2_REC_FUNCTIONAL")
    assert record.current and not record.overridden
    assert record.operator_name == "Gale Grader"
    [payload] = [
        json.loads(r[0])
        for r in rows(services, "SELECT payload FROM events WHERE type = 'asset.graded'")
    ]
    battery = next(a for a in payload["answers"] if a["code"] == "battery_health")
    assert battery == {"code": "battery_health", "result": "pass", "value": 91}
    assert payload["rubric_id"] == "laptop" and payload["rubric_version"] == 1
    assert rows(services, "SELECT disposition, grade_count FROM asset_grades") == [
        ("REUSE_RESALE", 1)
    ]


def test_resale_of_a_data_bearing_asset_is_refused_with_the_reason(services, grading):
    services.operators.sign_in_with_badge(*GRADER)
    context = grading.lookup("PF3XK9QZ")
    with pytest.raises(ResaleWhileDataBearing) as caught:
        grading.grade(sheet_for(context))
    assert caught.value.message == (
        f"{context.asset.asset_id} cannot be graded: resale needs sanitization first "
        "(a laptop carries data and no sanitization is recorded for it yet)."
    )
    # Parts harvest is allowed while data-bearing (the drive goes its own way).
    after = grading.grade(sheet_for(context, cosmetic="D"))
    assert after.current.disposition == "PARTS_HARVEST"


def test_override_needs_a_reason_and_keeps_the_suggestion_beside_it(services, grading):
    services.operators.sign_in_with_badge(*GRADER)
    context = grading.lookup("PF3XK9QZ")
    failed = {"webcam": Answer("webcam", CheckResult.FAIL)}
    with pytest.raises(GradeIncomplete, match="needs a reason"):
        grading.grade(sheet_for(context, answers=failed, disposition_override="RECYCLE"))
    after = grading.grade(
        sheet_for(
            context,
            answers=failed,
            disposition_override="RECYCLE",
            override_reason="customer contract: no resale",
        )
    )
    record = after.current
    assert record.disposition == "RECYCLE" and record.derived_disposition == "REUSE_RESALE"
    assert record.override_reason == "customer contract: no resale"
    assert record.functional_grade == record.derived_functional == "F3"


def test_regrade_supersedes_by_reference_and_history_stays(services, grading):
    services.operators.sign_in_with_badge(*GRADER)
    context = grading.lookup("PF3XK9QZ")
    first = grading.grade(sheet_for(context, cosmetic="D")).current
    second_context = grading.grade(
        sheet_for(
            context,
            cosmetic="C",
            disposition_override="RECYCLE",
            override_reason="housing cracked further",
        )
    )
    newest, older = second_context.history
    assert older.event_id == first.event_id
    assert older.superseded_by == newest.event_id and not older.current
    assert newest.current and not newest.needs_review
    refs = rows(services, "SELECT refs FROM events WHERE type = 'asset.graded' ORDER BY seq")
    assert json.loads(refs[0][0]) == {}
    assert json.loads(refs[1][0]) == {"supersedes": first.event_id}
    assert rows(services, "SELECT cosmetic_grade, disposition, grade_count FROM asset_grades") == [
        ("C", "RECYCLE", 2)
    ]


def test_refusals_name_the_reason(services, grading, tmp_path):
    services.operators.sign_in_with_badge(*GRADER)
    context = grading.lookup("PF3XK9R0")
    with pytest.raises(AssetNotReceived, match="not been received at this station"):
        grading.grade(
            GradeSheet(
                asset_id="AS-NEVER-SEEN",
                rubric_id="laptop",
                rubric_version=1,
                answers=(),
                cosmetic="A",
            )
        )
    custody(services, context.asset.asset_id, "SHIP_DOWNSTREAM")
    shipped = grading.lookup(context.asset.asset_id)
    assert shipped.refusal == "it has already left the facility (SHIP_DOWNSTREAM)"
    with pytest.raises(AssetAlreadyShipped) as caught:
        grading.grade(sheet_for(shipped, cosmetic="D"))
    assert caught.value.message.endswith(
        "cannot be graded: it has already left the facility (SHIP_DOWNSTREAM)."
    )
    voided = grading.lookup("MXL9876XYZ")
    services.events.append(
        [
            draft(
                ScanVoided(
                    job_id=DEMO_JOB_ID,
                    asset_id=voided.asset.asset_id,
                    voided_event_id="e-1",
                    reason="wrong box",
                ),
                services.operators.current.operator_id,
            )
        ]
    )
    with pytest.raises(AssetNotReceived, match="its receipt was voided; it is not received"):
        grading.grade(sheet_for(voided, cosmetic="A"))
    incomplete = sheet_for(grading.lookup("C02FJ1ZKQ05D"), cosmetic="")
    with pytest.raises(GradeIncomplete, match="no cosmetic grade chosen"):
        grading.grade(incomplete)


def test_only_graders_grade_and_only_admins_publish(services, grading, tmp_path):
    with pytest.raises(NotSignedIn):
        grading.lookup("PF3XK9QZ")
    services.operators.sign_in_with_badge(*TECH)
    with pytest.raises(PermissionDenied, match="may not grade assets; ask a grader"):
        grading.lookup("PF3XK9QZ")
    rubric_file = tmp_path / "laptop-v2.toml"
    rubric_file.write_text(
        (resource_path("rubrics") / "laptop.toml").read_text().replace("version = 1", "version = 2")
    )
    services.operators.sign_in_with_badge(*GRADER)
    with pytest.raises(PermissionDenied, match="change settings"):
        grading.publish_rubric(rubric_file)


def test_a_defect_needing_a_photo_is_refused_without_one_and_photos_are_kept(
    services, grading, tmp_path
):
    services.operators.sign_in_with_badge(*GRADER)
    context = grading.lookup("C02FJ1ZKQ05D")
    with pytest.raises(GradeIncomplete, match="defect 'Cracked LCD' needs a photo"):
        grading.grade(sheet_for(context, cosmetic="C", defects=("CRACKED_LCD",)))
    photo = tmp_path / "lcd.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    after = grading.grade(
        sheet_for(
            context,
            cosmetic="D",
            defects=("CRACKED_LCD",),
            photos=(PhotoFile(photo, "CRACKED_LCD"),),
            notes="  lid cracked at the hinge ",
        )
    )
    assert after.current.photo_count == 1 and after.current.notes == "lid cracked at the hinge"
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    stored = tmp_path / "data" / "blobs" / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == photo.read_bytes()
    [payload] = rows(services, "SELECT payload FROM events WHERE type = 'asset.graded'")
    assert json.loads(payload[0])["photos"] == [
        {"sha256": digest, "defect_code": "CRACKED_LCD", "file_name": "lcd.jpg"}
    ]


def test_admin_publishes_a_new_rubric_version_and_grading_uses_it(services, grading, tmp_path):
    services.operators.sign_in_with_badge(*ADMIN)
    source = (resource_path("rubrics") / "laptop.toml").read_text()
    same = tmp_path / "laptop.toml"
    same.write_text(source)
    with pytest.raises(RubricInvalid, match="version: 1 is not newer than the current version 1"):
        grading.publish_rubric(same)
    broken = tmp_path / "broken.toml"
    broken.write_text(source.replace('code = "webcam"', 'code = "webcam"\ncolour = "red"'))
    with pytest.raises(RubricInvalid, match=r"broken.toml: checks\[12\].colour: unknown field"):
        grading.publish_rubric(broken)
    v2 = tmp_path / "laptop-v2.toml"
    v2.write_text(
        source.replace("version = 1", "version = 2").replace("min_value = 70", "min_value = 80")
    )
    published = grading.publish_rubric(v2)
    assert (published.rubric_id, published.version) == ("laptop", 2)
    assert rows(services, "SELECT rubric_id, version, source_name FROM rubrics") == [
        ("laptop", 2, "laptop-v2.toml")
    ]
    context = grading.lookup("PF3XK9QZ")
    assert context.rubric.version == 2
    # A fresh catalog (a restarted station) finds the published version in the projection.
    reader = GradingRepository(services.database.engine)
    fresh = RubricCatalog(resource_path("rubrics"), reader)
    assert fresh.for_device_type("laptop").check("battery_health").min_value == 80


def test_rebuilt_grading_projections_equal_the_incremental_ones(services, grading, tmp_path):
    services.operators.sign_in_with_badge(*GRADER)
    context = grading.lookup("PF3XK9QZ")
    grading.grade(sheet_for(context, cosmetic="D"))
    grading.grade(
        sheet_for(context, cosmetic="C", disposition_override="RECYCLE", override_reason="x")
    )
    grading.grade(sheet_for(grading.lookup("5CG1234ABD"), cosmetic="D"))
    services.operators.sign_in_with_badge(*ADMIN)
    v2 = tmp_path / "phone-v2.toml"
    v2.write_text(
        (resource_path("rubrics") / "phone.toml").read_text().replace("version = 1", "version = 2")
    )
    grading.publish_rubric(v2)

    def dump() -> dict[str, list[tuple]]:
        return {
            table: sorted(rows(services, f"SELECT * FROM {table}"), key=str)
            for table in ("grade_history", "asset_grades", "rubrics", "event_subjects")
        }

    incremental = dump()
    assert len(incremental["grade_history"]) == 3 and len(incremental["asset_grades"]) == 2
    services.events.rebuild_projections()
    assert dump() == incremental
