"""The verifier on in-memory rows sealed by the real Sealer: OK summary, and the first event that
does not fit is named for every kind of tampering, with and without an executor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from app.ledger.canonical import canonical_json
from app.ledger.chain import ChainHead, EventDraft, Sealer
from app.ledger.envelope import Envelope, digest_of
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.ledger.verify import LedgerRow, verify_rows

KEY = StationKey(b"\x01" * 32)
OTHER_KEY = StationKey(b"\x02" * 32)
STATION = "st-verify"


def make_sealer(key: StationKey = KEY, station_id: str = STATION) -> Sealer:
    ms = iter(range(1_800_000_000_000, 1_900_000_000_000, 7))
    return Sealer(
        station_id=station_id,
        facility_id="fac-01",
        key=key,
        hlc=HybridLogicalClock(now_ms=lambda: next(ms)),
        now=lambda: datetime(2026, 11, 21, 4, 34, 32, tzinfo=UTC),
    )


def draft(i: int) -> EventDraft:
    return EventDraft(
        type="asset.received",
        payload={
            "asset_id": f"AS-{i:06d}",
            "job_id": "JOB-1",
            "serial": f"SN{i:08d}",
            "make": "Lenovo",
            "model": "ThinkPad T14 — Gen 2",
            "scan_source": "bench 3",
        },
        operator_id="op-1",
    )


def row_of(e: Envelope) -> LedgerRow:
    return LedgerRow(
        seq=e.seq,
        event_id=e.event_id,
        station_id=e.station_id,
        facility_id=e.facility_id,
        hlc_l=e.hlc_l,
        hlc_c=e.hlc_c,
        device_time=e.device_time,
        operator_id=e.operator_id,
        type=e.type,
        schema_version=e.schema_version,
        payload_json=canonical_json(e.payload).decode("utf-8"),
        refs_json=canonical_json(e.refs).decode("utf-8"),
        prev_hash=e.prev_hash,
        hash=e.hash,
        sig=e.sig,
    )


def build_chain(n: int, sealer: Sealer | None = None) -> list[LedgerRow]:
    """``n`` events sealed in batches of varying size, like real appends."""
    sealer = sealer or make_sealer()
    head = ChainHead()
    rows: list[LedgerRow] = []
    sizes = iter([1, 3, 1, 300, 7] * (n // 312 + 1))
    while len(rows) < n:
        size = min(next(sizes), n - len(rows))
        envelopes = sealer.seal(head, [draft(len(rows) + k) for k in range(size)])
        rows.extend(row_of(e) for e in envelopes)
        head = ChainHead(envelopes[-1].seq, envelopes[-1].hash)
    return rows


def resealed(row: LedgerRow, key: StationKey, **changes: object) -> LedgerRow:
    """``row`` with ``changes``, its hash recomputed and signed by ``key`` (a forger's work)."""
    changed = row._replace(**changes)
    envelope = Envelope(
        event_id=changed.event_id,
        station_id=changed.station_id,
        facility_id=changed.facility_id,
        seq=changed.seq,
        hlc_l=changed.hlc_l,
        hlc_c=changed.hlc_c,
        device_time=changed.device_time,
        operator_id=changed.operator_id,
        type=changed.type,
        schema_version=changed.schema_version,
        payload=json.loads(changed.payload_json),
        refs=json.loads(changed.refs_json),
        prev_hash=changed.prev_hash,
    )
    digest = digest_of(envelope.hashed_body())
    return changed._replace(hash=digest.hex(), sig=key.sign_digest(digest))


@pytest.fixture(scope="module")
def chain() -> list[LedgerRow]:
    return build_chain(40)


@pytest.fixture(scope="module")
def long_chain() -> list[LedgerRow]:
    # Longer than the verifier's 2048-row block, so problems land in different blocks.
    return build_chain(5_000)


@pytest.fixture(params=["inline", "executor"])
def executor(request: pytest.FixtureRequest) -> Iterator[ThreadPoolExecutor | None]:
    if request.param == "inline":
        yield None
        return
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


def verify(rows: list[LedgerRow], executor: ThreadPoolExecutor | None, **kwargs: object):
    return verify_rows(rows, KEY.public_key, executor=executor, **kwargs)


def test_intact_chain_is_ok_with_count_and_head(chain, executor):
    report = verify(chain, executor, station_id=STATION)
    assert report.ok
    assert report.event_count == 40
    assert report.head_hash == chain[-1].hash
    assert report.summary() == f"OK, 40 events, head hash {chain[-1].hash}"


def test_empty_chain_is_ok_at_genesis(executor):
    report = verify([], executor)
    assert report.ok
    assert report.summary() == f"OK, 0 events, head hash {'0' * 64}"


def test_long_chain_is_ok(long_chain, executor):
    report = verify(long_chain, executor, station_id=STATION)
    assert report.summary() == f"OK, 5000 events, head hash {long_chain[-1].hash}"


def test_modified_payload_byte_is_named(chain, executor):
    rows = list(chain)
    original = rows[16].payload_json
    rows[16] = rows[16]._replace(payload_json=original.replace("SN00000016", "SN00000061"))
    assert rows[16].payload_json != original
    report = verify(rows, executor)
    assert not report.ok
    assert report.problem.seq == 17
    assert report.problem.event_id == chain[16].event_id
    assert "modified" in report.problem.reason
    assert report.summary().startswith(f"BROKEN at event #17 ({chain[16].event_id}): ")


def test_payload_that_is_no_longer_json_is_named(chain, executor):
    rows = list(chain)
    rows[5] = rows[5]._replace(payload_json=rows[5].payload_json[:-1])
    report = verify(rows, executor)
    assert report.problem.seq == 6


def test_deleted_middle_row_is_named_at_the_next_event(chain, executor):
    rows = chain[:20] + chain[21:]  # seq 21 deleted
    report = verify(rows, executor)
    assert report.problem.seq == 22
    assert report.problem.reason == "event #21 before it is missing (deleted)"


def test_several_deleted_rows_name_the_range(chain, executor):
    rows = chain[:9] + chain[12:]  # seq 10..12 deleted
    report = verify(rows, executor)
    assert report.problem.seq == 13
    assert "#10-#12" in report.problem.reason


def test_deleted_first_row_is_named(chain, executor):
    report = verify(chain[1:], executor)
    assert report.problem.seq == 2
    assert "#1 before it is missing" in report.problem.reason


def test_swapped_seq_values_are_named_at_the_first(chain, executor):
    rows = list(chain)
    a, b = rows[24], rows[25]  # seq 25 and 26 trade places
    rows[24], rows[25] = b._replace(seq=25), a._replace(seq=26)
    report = verify(rows, executor)
    assert report.problem.seq == 25
    assert report.problem.event_id == b.event_id


def test_rows_given_out_of_order_are_named(chain, executor):
    rows = list(chain)
    rows[10], rows[11] = rows[11], rows[10]  # storage returned them unsorted
    report = verify(rows, executor)
    assert report.problem.seq == 12
    assert report.problem.event_id == chain[11].event_id


def test_inserted_and_renumbered_row_is_named(chain, executor):
    # A forger inserts a well-formed event after #30 (linked, hashed, but signed with another
    # key) and renumbers everything after it.
    forged = resealed(
        chain[30],
        OTHER_KEY,
        seq=31,
        event_id="01a1fc2b-81bb-7c3e-9a51-2f7d0c4e8b16",
        prev_hash=chain[29].hash,
    )
    rows = chain[:30] + [forged] + [r._replace(seq=r.seq + 1) for r in chain[30:]]
    report = verify(rows, executor)
    assert report.problem.seq == 31
    assert report.problem.event_id == forged.event_id
    assert "signature" in report.problem.reason


def test_inserted_row_keeping_old_numbers_is_named(chain, executor):
    forged = resealed(
        chain[30],
        OTHER_KEY,
        seq=31,
        event_id="01a1fc2b-81bb-7c3e-9a51-2f7d0c4e8b17",
        prev_hash=chain[30].hash,
    )
    rows = [*chain[:31], forged, *chain[31:]]
    report = verify(rows, executor)
    assert report.problem.seq == 31
    assert report.problem.event_id == forged.event_id
    assert "out of order" in report.problem.reason


def test_forged_signature_is_named(chain, executor):
    rows = list(chain)
    rows[7] = resealed(rows[7], OTHER_KEY)  # same content, signed with another key
    assert rows[7].hash == chain[7].hash
    report = verify(rows, executor)
    assert report.problem.seq == 8
    assert report.problem.reason == "its signature is not valid for this station"


def test_rewritten_and_resigned_tail_is_named_at_the_first_forgery(chain, executor):
    # The forger edits #12 and re-hashes and re-links everything after it: all links and hashes
    # are consistent, only the signatures (without the station key) give it away.
    rows = list(chain[:11])
    prev = rows[-1].hash
    for row in chain[11:]:
        changes: dict[str, object] = {"prev_hash": prev}
        if row.seq == 12:
            changes["payload_json"] = row.payload_json.replace("ThinkPad", "ThinkPbd")
        forged = resealed(row, OTHER_KEY, **changes)
        rows.append(forged)
        prev = forged.hash
    report = verify(rows, executor)
    assert report.problem.seq == 12
    assert "signature" in report.problem.reason


def test_garbage_signature_is_named(chain, executor):
    rows = list(chain)
    rows[3] = rows[3]._replace(sig="not base64!")
    rows[4] = rows[4]._replace(sig="AAAA")
    report = verify(rows, executor)
    assert report.problem.seq == 4


def test_wrong_station_id_is_named(chain, executor):
    # An event correctly signed with this key and linked into the chain, but claiming another
    # station: only the station check catches it.
    sealer = make_sealer()
    other_station = make_sealer(station_id="st-intruder")
    head = ChainHead()
    rows: list[LedgerRow] = []
    for i in range(10):
        envelopes = (other_station if i == 6 else sealer).seal(head, [draft(i)])
        rows.append(row_of(envelopes[0]))
        head = ChainHead(envelopes[0].seq, envelopes[0].hash)
    report = verify(rows, executor, station_id=STATION)
    assert report.problem.seq == 7
    assert report.problem.reason == f"it names station st-intruder, not {STATION}"
    # Without an expected station the first row's station is the chain's.
    assert verify(rows, executor).problem.seq == 7


def test_whole_chain_of_another_station_is_named_at_the_first_event(chain, executor):
    report = verify(chain, executor, station_id="st-someone-else")
    assert report.problem.seq == 1
    assert "names station" in report.problem.reason


def test_chain_checked_with_the_wrong_public_key_fails_at_the_first_event(chain, executor):
    report = verify_rows(chain, OTHER_KEY.public_key, executor=executor)
    assert report.problem.seq == 1
    assert "signature" in report.problem.reason


def test_first_problem_wins_across_blocks(long_chain, executor):
    # A signature problem in a late block and a modification in an earlier one: the earlier
    # is named; and the other way round.
    rows = list(long_chain)
    rows[4_500] = resealed(rows[4_500], OTHER_KEY)
    rows[2_500] = rows[2_500]._replace(payload_json=rows[2_500].payload_json.replace("JOB", "JOX"))
    assert verify(rows, executor).problem.seq == 2_501

    rows = list(long_chain)
    rows[100] = resealed(rows[100], OTHER_KEY)
    rows[3_000] = rows[3_000]._replace(payload_json=rows[3_000].payload_json.replace("JOB", "JOX"))
    assert verify(rows, executor).problem.seq == 101

    rows = long_chain[:4_000] + long_chain[4_001:]
    rows[3_500] = resealed(rows[3_500], OTHER_KEY)
    rows[2_200] = resealed(rows[2_200], OTHER_KEY)
    report = verify(rows, executor)
    assert report.problem.seq == 2_201
    assert report.event_count == 4_999


def test_executor_and_inline_give_the_same_verdict(long_chain):
    rows = list(long_chain)
    rows[3_333] = resealed(rows[3_333], OTHER_KEY)
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert verify_rows(rows, KEY.public_key, executor=pool) == verify_rows(rows, KEY.public_key)


def test_verifier_consumes_a_generator_once(chain):
    report = verify_rows((row for row in chain), KEY.public_key)
    assert report.ok and report.event_count == 40
