"""Sample data for demo mode: operators, a customer, a manifest, a dock receipt and a few
received assets, written through the same event path as real work (so the Custody log, the
verifier and the projections all see ordinary events)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.domain.events import (
    AssetReceived,
    CustodyTransferred,
    CustomerRegistered,
    ManifestImported,
    ManifestLine,
)
from app.domain.ids import new_asset_id
from app.domain.roles import Role
from app.services.event_drafts import draft
from app.services.operators import OperatorService
from app.services.ports import EventAppender


@dataclass(frozen=True, slots=True)
class DemoOperator:
    display_name: str
    badge: str
    role: Role
    pin: str


DEMO_OPERATORS = (
    DemoOperator("Dana Admin", "BADGE-0001", Role.ADMIN, "1111"),
    DemoOperator("Sam Supervisor", "BADGE-0002", Role.SUPERVISOR, "2222"),
    DemoOperator("Terry Technician", "BADGE-0003", Role.TECHNICIAN, "3333"),
    DemoOperator("Gale Grader", "BADGE-0004", Role.GRADER, "4444"),
)

DEMO_CUSTOMER_ID = "CUST-ACME"
DEMO_JOB_ID = "JOB-2026-0042"
_DEMO_LINES = (
    ("5CG1234ABC", "ACME-L-0001", "HP", "EliteBook 840 G8", "laptop"),
    ("5CG1234ABD", "ACME-L-0002", "HP", "EliteBook 840 G8", "laptop"),
    ("PF3XK9QZ", "ACME-L-0003", "Lenovo", "ThinkPad T14 Gen 2", "laptop"),
    ("PF3XK9R0", "ACME-L-0004", "Lenovo", "ThinkPad T14 Gen 2", "laptop"),
    ("C02FJ1ZKQ05D", "ACME-L-0005", "Apple", "MacBook Pro 13 (2020)", "laptop"),
    ("MXL9876XYZ", "ACME-D-0001", "HP", "EliteDesk 800 G6", "desktop"),
    ("8CC1122334", "ACME-D-0002", "Dell", "OptiPlex 7090", "desktop"),
    ("J8K2LM3", "ACME-S-0001", "Dell", "PowerEdge R740", "server"),
    ("WD-WCC4N7XYZ123", "", "WD", "Red 4TB WD40EFRX", "drive"),
    ("S4EWNX0R123456", "", "Samsung", "860 EVO 500GB", "drive"),
    ("F17ABC123XYZ", "ACME-P-0001", "Apple", "iPhone 12", "phone"),
    ("R52N80ABCDE", "ACME-T-0001", "Samsung", "Galaxy Tab S7", "tablet"),
)
RECEIVED_COUNT = 8
#: The serial numbers on the demo manifest: what the demo's fake scanner scans.
DEMO_MANIFEST_SERIALS: tuple[str, ...] = tuple(line[0] for line in _DEMO_LINES)
#: Serials on the sample manifest ``resources/samples/acme-pickup-JOB-2026-0043.csv``.
DEMO_SAMPLE_SERIALS = ("5CG2201KLM", "PF4ABC12", "CZC1234XYZ", "7XK2LM4", "DNPXK1ABCD")
#: What the demo's fake scanner scans, in a loop: the demo job's four items not yet received
#: (green, then red once received), one item on no manifest (amber), and items of the sample
#: manifest (amber before it is imported; green on its job, "other job" on the demo job).
DEMO_SCAN_VALUES: tuple[str, ...] = (
    DEMO_MANIFEST_SERIALS[8],
    DEMO_SAMPLE_SERIALS[0],
    DEMO_MANIFEST_SERIALS[9],
    "CNU7160XYZ",
    DEMO_SAMPLE_SERIALS[1],
    DEMO_MANIFEST_SERIALS[10],
    DEMO_SAMPLE_SERIALS[2],
    DEMO_MANIFEST_SERIALS[11],
    DEMO_SAMPLE_SERIALS[3],
    DEMO_SAMPLE_SERIALS[4],
    DEMO_MANIFEST_SERIALS[0],
)


def seed_demo_data(events: EventAppender, operators: OperatorService) -> None:
    """Write the demo's sample data into an empty station. Leaves nobody signed in."""
    admin_spec, *others = DEMO_OPERATORS
    operators.enrol(
        display_name=admin_spec.display_name,
        badge=admin_spec.badge,
        role=admin_spec.role,
        pin=admin_spec.pin,
    )
    operators.sign_in_with_badge(admin_spec.badge, admin_spec.pin)
    for spec in others:
        operators.enrol(
            display_name=spec.display_name, badge=spec.badge, role=spec.role, pin=spec.pin
        )
    admin = operators.current
    assert admin is not None
    lines = tuple(
        ManifestLine(
            line_no=i,
            serial=serial,
            asset_tag=tag,
            make=make,
            model=model,
            device_type=kind,
        )
        for i, (serial, tag, make, model, kind) in enumerate(_DEMO_LINES, start=1)
    )
    manifest_text = "\n".join(",".join(line) for line in _DEMO_LINES).encode()
    events.append(
        [
            draft(
                CustomerRegistered(customer_id=DEMO_CUSTOMER_ID, name="Acme Health Systems"),
                admin.operator_id,
            ),
            draft(
                ManifestImported(
                    manifest_id="MAN-ACME-0042",
                    customer_id=DEMO_CUSTOMER_ID,
                    job_id=DEMO_JOB_ID,
                    source_name="acme-pickup-0042.csv",
                    source_sha256=hashlib.sha256(manifest_text).hexdigest(),
                    lines=lines,
                ),
                admin.operator_id,
            ),
        ]
    )
    operators.sign_out(reason="demo set-up")

    tech_spec = DEMO_OPERATORS[2]
    tech = operators.sign_in_with_badge(tech_spec.badge, tech_spec.pin)
    events.append(
        [
            draft(
                CustodyTransferred(
                    kind="DOCK_RECEIVE",
                    from_party="Carrier: Reliable Freight (BOL 778812)",
                    to_party="Dock 1",
                    container_ids=("GAY-0042", "GAY-0043"),
                    location="Dock 1",
                ),
                tech.operator_id,
            )
        ]
    )
    received: list[str] = []
    for line in lines[:RECEIVED_COUNT]:
        asset_id = new_asset_id()
        received.append(asset_id)
        events.append(
            [
                draft(
                    AssetReceived(
                        asset_id=asset_id,
                        job_id=DEMO_JOB_ID,
                        manifest_id="MAN-ACME-0042",
                        line_no=line.line_no,
                        serial=line.serial,
                        asset_tag=line.asset_tag,
                        device_type=line.device_type,
                        make=line.make,
                        model=line.model,
                        scan_source="demo scanner",
                    ),
                    tech.operator_id,
                )
            ]
        )
    events.append(
        [
            draft(
                CustodyTransferred(
                    kind="BENCH_CHECK_OUT",
                    from_party="Dock 1",
                    to_party=tech.display_name,
                    asset_ids=tuple(received[:4]),
                    location="Bench 3",
                ),
                tech.operator_id,
            )
        ]
    )
    operators.sign_out(reason="demo set-up")


#: The demo laptops whose wipe is recorded (the two HP EliteBooks): gradable to resale.
DEMO_WIPED_SERIALS = ("5CG1234ABC", "5CG1234ABD")


def seed_demo_wipes(
    events: EventAppender, operators: OperatorService, asset_ids: list[str]
) -> None:
    """Demo: a ``SANITIZE_END`` custody event for ``asset_ids`` (the wiped HP laptops), so the
    grading demo can show resale. Until the sanitization issue records wipe results, that event
    is what grading's data-bearing check reads (``DataBearingFromCustody``)."""
    tech_spec = DEMO_OPERATORS[2]
    tech = operators.sign_in_with_badge(tech_spec.badge, tech_spec.pin)
    events.append(
        [
            draft(
                CustodyTransferred(
                    kind="SANITIZE_END",
                    from_party="Wipe bench 1",
                    to_party="Grading bench",
                    asset_ids=tuple(asset_ids),
                    location="Grading",
                ),
                tech.operator_id,
            )
        ]
    )
    operators.sign_out(reason="demo set-up")
