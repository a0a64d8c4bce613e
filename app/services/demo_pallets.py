"""Demo pallets: the two demo desktops and the server graded for recycling and on an open
recycle pallet, and an empty resale pallet for the wiped laptops (an un-wiped laptop scanned
onto it is refused: the demo's point).

Grades are appended as ``asset.graded`` events in the rubric's terms, as a grader would have
saved them; the wiped laptops stay ungraded for the grading demo.
"""

from __future__ import annotations

from app.domain.events import AssetGraded
from app.domain.grading import Disposition, find_rubric
from app.domain.pallets import PalletType
from app.services.demo_data import DEMO_OPERATORS
from app.services.event_drafts import draft
from app.services.grading import GradingService
from app.services.operators import OperatorService
from app.services.palletizing import PalletizingService
from app.services.ports import EventAppender

#: Received demo items graded for recycling and put on the recycle pallet.
DEMO_RECYCLE_SERIALS = ("MXL9876XYZ", "8CC1122334", "J8K2LM3")
#: A received laptop with no wipe recorded: refused on a resale pallet.
DEMO_UNWIPED_LAPTOP_SERIAL = "PF3XK9QZ"
DEMO_RESALE_DESTINATION = "Second Life Electronics, Dock 2"
DEMO_RECYCLE_DESTINATION = "GreenCycle Metals (R2v3), Bay 7"


def seed_demo_pallets(
    events: EventAppender,
    operators: OperatorService,
    grading: GradingService,
    palletizing: PalletizingService,
) -> None:
    supervisor = DEMO_OPERATORS[1]
    operator = operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
    try:
        grades = []
        for serial in DEMO_RECYCLE_SERIALS:
            asset = palletizing.candidate(serial)
            rubric = find_rubric(grading.rubrics(), asset.device_type)
            if rubric is None:
                continue
            functional = rubric.functional.grades[-1].code
            grades.append(
                AssetGraded(
                    asset_id=asset.asset_id,
                    rubric_id=rubric.rubric_id,
                    rubric_version=rubric.version,
                    cosmetic_scale=rubric.cosmetic.name,
                    cosmetic_grade=rubric.cosmetic.grades[-1].code,
                    functional_scale=rubric.functional.name,
                    functional_grade=functional,
                    disposition=Disposition.RECYCLE.value,
                    derived_functional_grade=functional,
                    derived_disposition=Disposition.RECYCLE.value,
                    answers=(),
                    notes="demo: end of life",
                )
            )
        events.append([draft(g, operator.operator_id) for g in grades])
        palletizing.open_pallet(PalletType.RESALE, DEMO_RESALE_DESTINATION)
        recycle = palletizing.open_pallet(PalletType.RECYCLE, DEMO_RECYCLE_DESTINATION)
        palletizing.add_many(recycle.pallet_id, list(DEMO_RECYCLE_SERIALS[: len(grades)]))
    finally:
        operators.sign_out(reason="demo set-up")
