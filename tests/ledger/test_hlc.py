"""Hybrid logical clock rules, with an injected physical clock."""

from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger.hlc import HlcTimestamp, HybridLogicalClock


class FakeClock:
    """A physical clock the test sets by hand (it may go backwards, like a real one)."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_tick_follows_wall_time_and_counts_within_a_millisecond():
    clock = FakeClock(1_000)
    hlc = HybridLogicalClock(now_ms=clock)
    assert hlc.tick() == HlcTimestamp(1_000, 0)
    assert hlc.tick() == HlcTimestamp(1_000, 1)
    assert hlc.tick() == HlcTimestamp(1_000, 2)
    clock.ms = 1_005
    assert hlc.tick() == HlcTimestamp(1_005, 0)
    assert hlc.last == HlcTimestamp(1_005, 0)


def test_tick_never_goes_backwards_when_the_os_clock_does():
    clock = FakeClock(5_000)
    hlc = HybridLogicalClock(now_ms=clock)
    assert hlc.tick() == HlcTimestamp(5_000, 0)
    clock.ms = 4_000  # NTP stepped the clock back by a second
    assert hlc.tick() == HlcTimestamp(5_000, 1)
    assert hlc.tick() == HlcTimestamp(5_000, 2)
    clock.ms = 5_000  # caught up to the same millisecond: still counting
    assert hlc.tick() == HlcTimestamp(5_000, 3)
    clock.ms = 5_001  # past it: back to wall time
    assert hlc.tick() == HlcTimestamp(5_001, 0)


def test_restart_continues_after_the_last_stored_timestamp():
    hlc = HybridLogicalClock(now_ms=FakeClock(100), last=HlcTimestamp(9_000, 4))
    assert hlc.tick() == HlcTimestamp(9_000, 5)


def test_receive_remote_ahead_takes_its_time_and_counter():
    hlc = HybridLogicalClock(now_ms=FakeClock(1_000))
    hlc.tick()
    assert hlc.receive(HlcTimestamp(2_000, 7)) == HlcTimestamp(2_000, 8)
    # A following local tick stays on the remote's time even though the wall clock is behind.
    assert hlc.tick() == HlcTimestamp(2_000, 9)


def test_receive_same_millisecond_takes_the_larger_counter():
    hlc = HybridLogicalClock(now_ms=FakeClock(1_000))
    hlc.tick()
    hlc.tick()  # (1000, 1)
    assert hlc.receive(HlcTimestamp(1_000, 5)) == HlcTimestamp(1_000, 6)
    assert hlc.receive(HlcTimestamp(1_000, 2)) == HlcTimestamp(1_000, 7)


def test_receive_remote_behind_keeps_local_and_counts():
    hlc = HybridLogicalClock(now_ms=FakeClock(1_000))
    hlc.tick()  # (1000, 0)
    assert hlc.receive(HlcTimestamp(500, 99)) == HlcTimestamp(1_000, 1)


def test_receive_wall_clock_ahead_of_both_resets_the_counter():
    clock = FakeClock(1_000)
    hlc = HybridLogicalClock(now_ms=clock)
    hlc.tick()
    clock.ms = 3_000
    assert hlc.receive(HlcTimestamp(2_000, 4)) == HlcTimestamp(3_000, 0)


def test_timestamps_order_by_time_then_counter_and_serialise_for_the_wire():
    assert HlcTimestamp(1, 9) < HlcTimestamp(2, 0) < HlcTimestamp(2, 1)
    assert HlcTimestamp(5, 3).to_wire() == {"l": 5, "c": 3}


operations = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10_000),  # wall clock at this step (jumps both ways)
        st.none() | st.builds(HlcTimestamp, st.integers(0, 10_000), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_every_timestamp_is_strictly_after_the_previous_and_any_received_one(ops):
    clock = FakeClock(0)
    hlc = HybridLogicalClock(now_ms=clock)
    previous = hlc.last
    for wall_ms, remote in ops:
        clock.ms = wall_ms
        stamp = hlc.tick() if remote is None else hlc.receive(remote)
        assert stamp > previous
        assert stamp.l >= wall_ms  # never behind the wall clock
        if remote is not None:
            assert stamp > remote
        previous = stamp


def test_concurrent_ticks_are_all_distinct():
    hlc = HybridLogicalClock(now_ms=FakeClock(42))
    stamps: list[HlcTimestamp] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [hlc.tick() for _ in range(500)]
        with lock:
            stamps.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(stamps)) == 2_000
    assert max(stamps) == HlcTimestamp(42, 1_999)
