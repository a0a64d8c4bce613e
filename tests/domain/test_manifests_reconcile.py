"""Reconciliation rules: a hand-checked job, and the fast implementation against the
straightforward one it replaced (the oracle, kept verbatim below) on many random jobs."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Sequence

import pytest

from app.domain.manifests import (
    Discrepancy,
    DiscrepancyCode,
    ExpectedLine,
    LineOutcome,
    LineResult,
    RaisedDiscrepancy,
    ReceivedItem,
    ReceivingCounters,
    Reconciliation,
    make_expected_line,
    normalize_identifier,
    reconcile,
)
from app.domain.records import positional_constructor


def line(no: int, serial: str, tag: str = "", received: str = "", **kw: str) -> ExpectedLine:
    return ExpectedLine(
        manifest_id=kw.get("manifest_id", "MAN-1"),
        line_no=no,
        serial=serial,
        asset_tag=tag,
        epc=kw.get("epc", ""),
        make=kw.get("make", "HP"),
        model=kw.get("model", "EliteBook"),
        device_type=kw.get("device_type", "laptop"),
        quantity=1,
        job_id="JOB-1",
        received_asset_id=received,
    )


def item(asset_id: str, serial: str, tag: str = "", line_no: int = 0) -> ReceivedItem:
    return ReceivedItem(asset_id, serial, tag, "", "Dell", "", "desktop", "MAN-1", line_no)


def test_a_hand_checked_job():
    lines = [
        line(1, "S1", "T1", received="AS-1"),
        line(2, "s2 ", "T2"),  # missing, explained by an extra with tag T2 (serial differs)
        line(3, "DUP", received="AS-3"),
        line(4, " dup", received="AS-4"),
        line(5, "S5", "T5"),  # missing
        line(6, "", "", epc="E6", make="", model="", device_type="tape"),  # missing, EPC only
    ]
    received = [
        item("AS-1", "S1", "T1", line_no=1),
        item("AS-X", "OTHER", "t2"),
        item("AS-Y", "NEW-1"),
    ]
    rec = reconcile(
        "JOB-1",
        lines,
        received,
        wrong_job_scans=[("Z9", "JOB-2"), ("Z9", "JOB-2"), ("Q1", "")],
        raised=[RaisedDiscrepancy(DiscrepancyCode.HAZARD, asset_id="AS-1", note="swollen")],
    )
    assert [r.outcome for r in rec.lines] == [
        LineOutcome.RECEIVED_MATCHED,
        LineOutcome.MISMATCH,
        LineOutcome.DUPLICATE,
        LineOutcome.DUPLICATE,
        LineOutcome.MISSING,
        LineOutcome.MISSING,
    ]
    assert rec.lines[1].asset_id == "AS-X"
    assert [x.asset_id for x in rec.extras] == ["AS-Y"]
    assert [(d.code, d.line_no, d.identifier, d.asset_id) for d in rec.discrepancies] == [
        (DiscrepancyCode.SERIAL_MISMATCH, 2, "s2 ", "AS-X"),
        (DiscrepancyCode.DUPLICATE, 3, "DUP", "AS-3"),
        (DiscrepancyCode.DUPLICATE, 4, " dup", "AS-4"),
        (DiscrepancyCode.MISSING, 5, "S5", ""),
        (DiscrepancyCode.MISSING, 6, "E6", ""),
        (DiscrepancyCode.EXTRA_UNMANIFESTED, 0, "NEW-1", "AS-Y"),
        (DiscrepancyCode.WRONG_JOB, 0, "Z9", ""),
        (DiscrepancyCode.WRONG_JOB, 0, "Q1", ""),
        (DiscrepancyCode.HAZARD, 0, "", "AS-1"),
    ]
    assert rec.discrepancies[3].description == "HP EliteBook laptop"
    assert rec.discrepancies[4].description == "tape"
    assert rec.discrepancies[6].description == "belongs to job JOB-2"
    assert rec.discrepancies[7].description == "belongs to another job"
    assert rec.counters == ReceivingCounters(expected=6, received=3, missing=3, extra=2)
    assert rec.outcome_counts == {
        LineOutcome.RECEIVED_MATCHED: 1,
        LineOutcome.MISMATCH: 1,
        LineOutcome.DUPLICATE: 2,
        LineOutcome.MISSING: 2,
        LineOutcome.UNEXPECTED: 1,
    }


def _random_job(rng: random.Random) -> tuple[list[ExpectedLine], list[ReceivedItem]]:
    pool = [f"S{n}" for n in range(rng.randint(1, 40))]

    def variant(value: str) -> str:
        # Case and surrounding blanks never matter; sometimes the value is empty.
        return rng.choice([value, value.lower(), f" {value}", value + " ", ""])

    lines: list[ExpectedLine] = []
    received: list[ReceivedItem] = []
    for no in range(1, rng.randint(0, 60) + 1):
        received_id = f"AS-{no}" if rng.random() < 0.4 else ""
        lines.append(
            line(
                no,
                variant(rng.choice(pool)),
                variant(f"T{rng.randint(0, 30)}"),
                received=received_id,
                epc=rng.choice(["", f"E{no}"]),
                make=rng.choice(["", "HP", "Dell"]),
                model=rng.choice(["", "X1"]),
                device_type=rng.choice(["", "laptop"]),
            )
        )
        if received_id:
            received.append(item(received_id, lines[-1].serial, lines[-1].asset_tag, no))
    for n in range(rng.randint(0, 15)):
        received.append(
            item(f"AS-X{n}", variant(rng.choice([*pool, "NEW"])), variant(f"T{rng.randint(0, 30)}"))
        )
    rng.shuffle(received)
    return lines, received


def test_the_fast_reconciliation_equals_the_original_on_random_jobs():
    rng = random.Random(20261121)
    for _ in range(400):
        lines, received = _random_job(rng)
        wrong = [
            (f"W{rng.randint(0, 3)}", rng.choice(["", "JOB-2"])) for _ in range(rng.randint(0, 4))
        ]
        raised = [RaisedDiscrepancy(DiscrepancyCode.DAMAGED_ON_ARRIVAL, line_no=1, note="dent")]
        expected = _reference_reconcile(
            "JOB-1", lines, received, wrong_job_scans=wrong, raised=raised
        )
        got = reconcile("JOB-1", lines, received, wrong_job_scans=wrong, raised=raised)
        assert got == expected
        assert [type(d) for d in got.discrepancies] == [Discrepancy] * len(got.discrepancies)


# ---- the oracle: the original implementation, verbatim ----


def _reference_reconcile(
    job_id: str,
    lines: Sequence[ExpectedLine],
    received: Sequence[ReceivedItem],
    *,
    wrong_job_scans: Sequence[tuple[str, str]] = (),
    raised: Sequence[RaisedDiscrepancy] = (),
) -> Reconciliation:
    """The reconciliation as first written (before the 100k-line speed-up): the oracle."""
    # Normalised once per line: reconciling a 100k-line job is dominated by per-line overhead.
    serial_keys = [normalize_identifier(ln.serial) for ln in lines]
    serial_count = Counter(key for key in serial_keys if key)
    extras = [item for item in received if not item.line_no]
    # Off-manifest items by identifier, to explain missing lines (tag matches, serial differs).
    extra_by_tag = {normalize_identifier(x.asset_tag): x for x in extras if x.asset_tag.strip()}
    extra_by_serial = {normalize_identifier(x.serial): x for x in extras if x.serial.strip()}
    explained: set[str] = set()
    results: list[LineResult] = []
    discrepancies: list[Discrepancy] = []
    for line, serial_key in zip(lines, serial_keys, strict=True):
        if line.received_asset_id:
            outcome = LineOutcome.RECEIVED_MATCHED
            if serial_key and serial_count[serial_key] > 1:
                outcome = LineOutcome.DUPLICATE
                discrepancies.append(
                    Discrepancy(
                        DiscrepancyCode.DUPLICATE,
                        line_no=line.line_no,
                        identifier=line.serial,
                        asset_id=line.received_asset_id,
                        description=f"serial {line.serial} appears on more than one line",
                    )
                )
            results.append(LineResult(line, outcome, line.received_asset_id))
            continue
        partner = None
        tag_key = normalize_identifier(line.asset_tag)
        if tag_key and tag_key in extra_by_tag:
            partner = extra_by_tag[tag_key]
        elif serial_key and serial_key in extra_by_serial:
            partner = extra_by_serial[serial_key]
        if partner is not None and partner.asset_id not in explained:
            explained.add(partner.asset_id)
            results.append(LineResult(line, LineOutcome.MISMATCH, partner.asset_id))
            discrepancies.append(
                Discrepancy(
                    DiscrepancyCode.SERIAL_MISMATCH,
                    line_no=line.line_no,
                    identifier=line.serial or line.asset_tag,
                    asset_id=partner.asset_id,
                    description=(
                        f"manifest: tag {line.asset_tag or '—'} serial {line.serial or '—'}; "
                        f"received: tag {partner.asset_tag or '—'} serial {partner.serial or '—'}"
                    ),
                )
            )
            continue
        results.append(LineResult(line, LineOutcome.MISSING))
        discrepancies.append(
            Discrepancy(
                DiscrepancyCode.MISSING,
                line_no=line.line_no,
                identifier=line.serial or line.asset_tag or line.epc,
                description=" ".join(filter(None, (line.make, line.model, line.device_type))),
            )
        )
    unexpected = tuple(x for x in extras if x.asset_id not in explained)
    for item in unexpected:
        discrepancies.append(
            Discrepancy(
                DiscrepancyCode.EXTRA_UNMANIFESTED,
                identifier=item.serial or item.asset_tag or item.epc,
                asset_id=item.asset_id,
                description=" ".join(filter(None, (item.make, item.model, item.device_type))),
            )
        )
    for identifier, other_job in dict.fromkeys(wrong_job_scans):
        discrepancies.append(
            Discrepancy(
                DiscrepancyCode.WRONG_JOB,
                identifier=identifier,
                description=f"belongs to job {other_job}"
                if other_job
                else "belongs to another job",
            )
        )
    for r in raised:
        discrepancies.append(
            Discrepancy(
                r.code,
                line_no=r.line_no,
                asset_id=r.asset_id,
                container_id=r.container_id,
                note=r.note,
                description=r.note,
            )
        )
    outcome_counts = Counter(r.outcome for r in results)
    outcome_counts[LineOutcome.UNEXPECTED] = len(unexpected)
    received_lines = sum(1 for ln in lines if ln.received_asset_id)
    counters = ReceivingCounters(
        expected=len(lines),
        received=received_lines,
        missing=len(lines) - received_lines,
        extra=len(extras),
    )
    return Reconciliation(
        job_id=job_id,
        lines=tuple(results),
        extras=unexpected,
        discrepancies=tuple(discrepancies),
        counters=counters,
        outcome_counts=dict(outcome_counts),
    )


def test_positional_constructor_builds_equal_frozen_records():
    values = ("MAN-1", 7, "S7", "T7", "E7", "HP", "X1", "laptop", 1, "JOB-1", "AS-7")
    fast = make_expected_line(*values)
    assert type(fast) is ExpectedLine
    assert fast == ExpectedLine(*values) and hash(fast) == hash(ExpectedLine(*values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.serial = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        make_expected_line(*values[:-1])  # every field is required, positionally
    with pytest.raises(TypeError):
        positional_constructor(Counter)  # not a slotted dataclass
