"""CustodyLogService over the demo data: every filter agrees with a plain Python walk over the
ledger rows; paging, permissions, descriptions and verification."""

from __future__ import annotations

import json

import pytest

from app.domain.audit import LedgerEntry, LedgerFilter
from app.domain.errors import NotSignedIn
from app.ledger.chain import EventDraft
from app.services.custody_log import describe
from app.services.demo_data import DEMO_OPERATORS, RECEIVED_COUNT, seed_demo_data


@pytest.fixture
def demo(services):
    seed_demo_data(services.events, services.operators)
    tech = DEMO_OPERATORS[2]
    services.operators.sign_in_with_badge(tech.badge, tech.pin)  # may view the custody log
    return services


def rows(services) -> list:
    return list(services.ledger.iter_rows())


def concerns_asset(row, asset_id: str) -> bool:
    payload = json.loads(row.payload_json)
    return payload.get("asset_id") == asset_id or asset_id in payload.get("asset_ids", [])


def seqs(entries: list[LedgerEntry]) -> list[int]:
    return [e.seq for e in entries]


def expected(services, predicate) -> list[int]:
    return sorted((r.seq for r in rows(services) if predicate(r)), reverse=True)


def received_assets(services) -> list[str]:
    return [
        json.loads(r.payload_json)["asset_id"] for r in rows(services) if r.type == "asset.received"
    ]


def test_unfiltered_page_is_the_whole_ledger_newest_first(demo):
    entries = demo.custody_log.page(LedgerFilter())
    assert seqs(entries) == list(range(demo.custody_log.count(), 0, -1))
    assert len(entries) > 20


def test_filter_by_asset(demo):
    assets = received_assets(demo)
    assert len(assets) == RECEIVED_COUNT
    moved, stayed = assets[0], assets[-1]  # the first four went to the bench
    moved_entries = demo.custody_log.page(LedgerFilter(asset_id=moved))
    assert [e.type for e in moved_entries] == ["custody.transferred", "asset.received"]
    assert seqs(moved_entries) == expected(demo, lambda r: concerns_asset(r, moved))
    stayed_entries = demo.custody_log.page(LedgerFilter(asset_id=f"  {stayed} "))
    assert [e.type for e in stayed_entries] == ["asset.received"]
    assert demo.custody_log.page(LedgerFilter(asset_id="AS-NOPE")) == []


def test_filter_by_operator(demo):
    tech = next(o for o in demo.operators.operators() if o.display_name == "Terry Technician")
    entries = demo.custody_log.page(LedgerFilter(operator_id=tech.operator_id))
    assert seqs(entries) == expected(demo, lambda r: r.operator_id == tech.operator_id)
    assert {e.operator_name for e in entries} == {"Terry Technician"}
    assert len(entries) == RECEIVED_COUNT + 5  # 2 sign-ins, 1 sign-out, 2 custody moves + receipts
    system = demo.custody_log.page(LedgerFilter(operator_id="system"))
    assert [e.type for e in system] == ["operator.enrolled", "station.initialized"]
    assert {e.operator_name for e in system} == {"system"}


@pytest.mark.parametrize("prefix", ["custody.", "operator.sign", "asset", "operator.", "m"])
def test_filter_by_type_prefix(demo, prefix):
    entries = demo.custody_log.page(LedgerFilter(type_prefix=prefix))
    assert entries
    assert seqs(entries) == expected(demo, lambda r: r.type.startswith(prefix))


@pytest.mark.parametrize("prefix", ["asset_", "%", "custody%", "_"])
def test_type_prefix_wildcards_are_literal(demo, prefix):
    assert demo.custody_log.page(LedgerFilter(type_prefix=prefix)) == []


def test_filter_by_time_range(demo, hlc_timing):
    start_ms, step_ms = hlc_timing
    all_rows = rows(demo)
    # The stepped clock gives every event its own second.
    assert [r.hlc_l for r in all_rows] == [start_ms + i * step_ms for i in range(len(all_rows))]
    lo, hi = all_rows[5].hlc_l, all_rows[12].hlc_l
    entries = demo.custody_log.page(LedgerFilter(from_ms=lo, to_ms=hi))
    assert seqs(entries) == list(range(13, 5, -1))
    assert seqs(demo.custody_log.page(LedgerFilter(from_ms=hi + 1))) == expected(
        demo, lambda r: r.hlc_l > hi
    )
    assert seqs(demo.custody_log.page(LedgerFilter(to_ms=lo - 1))) == [5, 4, 3, 2, 1]


def test_filters_combine(demo):
    tech = next(o for o in demo.operators.operators() if o.display_name == "Terry Technician")
    moved = received_assets(demo)[1]
    entries = demo.custody_log.page(
        LedgerFilter(asset_id=moved, operator_id=tech.operator_id, type_prefix="custody.")
    )
    assert [e.payload["kind"] for e in entries] == ["BENCH_CHECK_OUT"]
    mid = rows(demo)[10].hlc_l
    assert seqs(demo.custody_log.page(LedgerFilter(type_prefix="asset.", from_ms=mid))) == expected(
        demo, lambda r: r.type.startswith("asset.") and r.hlc_l >= mid
    )


def test_paging_with_before_seq_walks_everything_once(demo):
    collected: list[int] = []
    before = None
    while page := demo.custody_log.page(LedgerFilter(), before_seq=before, limit=4):
        assert len(page) <= 4
        collected.extend(seqs(page))
        before = page[-1].seq
    assert collected == list(range(demo.custody_log.count(), 0, -1))


def test_the_custody_log_needs_someone_signed_in(demo):
    demo.operators.sign_out()
    with pytest.raises(NotSignedIn):
        demo.custody_log.page(LedgerFilter())
    with pytest.raises(NotSignedIn):
        demo.custody_log.verify()


def test_entries_describe_themselves(demo):
    custody = demo.custody_log.page(LedgerFilter(type_prefix="custody."))
    assert [describe(e) for e in custody] == [
        "BENCH_CHECK_OUT: Dock 1 → Terry Technician, 4 item(s)",
        "DOCK_RECEIVE: Carrier: Reliable Freight (BOL 778812) → Dock 1, 2 item(s)",
    ]
    (manifest,) = demo.custody_log.page(LedgerFilter(type_prefix="manifest."))
    assert describe(manifest).endswith("(12 lines)")
    demo.events.append([EventDraft(type="future.event", payload={}, operator_id="op")])
    demo.events.append(
        [EventDraft(type="operator.signed_in", payload={"method": "telepathy"}, operator_id="op")]
    )
    newest = demo.custody_log.page(LedgerFilter(), limit=2)
    assert describe(newest[0]) == "operator.signed_in (payload does not match its schema)"
    assert describe(newest[1]) == "future.event (recorded by a newer version)"


def test_verify_reports_ok_with_count_and_head(demo):
    head = demo.events.head()
    report = demo.custody_log.verify_unattended()
    assert report.summary() == f"OK, {head.seq} events, head hash {head.hash}"
    verdict = demo.custody_log.verify()
    assert verdict.ok
    assert verdict.text == f"Ledger verified: OK, {head.seq} events, head hash {head.hash}."
    assert (verdict.event_count, verdict.first_bad_seq) == (head.seq, None)
