"""Per-EPC de-duplication, RSSI gate and presence events, with time passed in explicitly."""

import pytest

from drivers.gen2 import TagRead
from drivers.rfid_pipeline import PipelineConfig, TagEventKind, TagPresencePipeline

A = "3074257BF7194E4000001A85"
B = "3434257BF400000000BC6038"
CONFIG = PipelineConfig(window_s=2.0, rssi_min_dbm=-65, confirm_reads=3, confirm_window_s=1.0)


def read(epc: str, at: float, rssi: int | None = -50, antenna: int | None = 1, count: int = 1):
    return TagRead(
        epc_hex=epc,
        pc=0x3000,
        antenna=antenna,
        rssi_dbm=rssi,
        received_at=at,
        reader_id="r1",
        read_count=count,
    )


def kinds(events) -> list[tuple[TagEventKind, str]]:
    return [(e.kind, e.epc_hex) for e in events]


def test_first_read_arrives_and_repeats_are_deduplicated() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    assert kinds(pipeline.process(read(A, 0.0))) == [(TagEventKind.ARRIVED, A)]
    assert pipeline.process(read(A, 0.5, rssi=-70)) == []  # gated, not even counted
    assert pipeline.process(read(A, 1.5)) == []
    assert pipeline.present_epcs == {A}


def test_confirmation_needs_enough_reads_inside_the_confirm_window() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    pipeline.process(read(A, 0.0))
    pipeline.process(read(A, 1.2))  # the 0.0 read has left the 1 s window
    assert pipeline.process(read(A, 1.9)) == []
    (event,) = pipeline.process(read(A, 2.1))
    assert (event.kind, event.read_count, event.first_seen) == (TagEventKind.CONFIRMED, 4, 0.0)
    assert pipeline.process(read(A, 2.2)) == []  # at most once per presence


def test_mercury_read_count_counts_towards_confirmation() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    events = pipeline.process(read(A, 0.0, count=3))
    assert kinds(events) == [(TagEventKind.ARRIVED, A), (TagEventKind.CONFIRMED, A)]


def test_departure_after_the_window_and_re_arrival() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    pipeline.process(read(A, 0.0))
    pipeline.process(read(A, 1.0, rssi=-40, antenna=2))
    assert pipeline.expire(2.99) == []
    (gone,) = pipeline.expire(3.0)
    assert gone.kind is TagEventKind.DEPARTED
    assert (gone.at, gone.last_seen, gone.read_count) == (3.0, 1.0, 2)
    assert (gone.max_rssi_dbm, gone.best_antenna, gone.reader_id) == (-40, 2, "r1")
    assert pipeline.present_epcs == frozenset()
    assert kinds(pipeline.process(read(A, 3.5))) == [(TagEventKind.ARRIVED, A)]


def test_a_read_after_a_long_gap_emits_departed_then_arrived() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    pipeline.process(read(A, 0.0))
    pipeline.process(read(B, 0.5))
    events = pipeline.process(read(A, 10.0))
    assert kinds(events) == [
        (TagEventKind.DEPARTED, A),
        (TagEventKind.DEPARTED, B),
        (TagEventKind.ARRIVED, A),
    ]
    assert [e.at for e in events] == [2.0, 2.5, 10.0]


def test_weak_first_read_does_not_arrive_and_missing_rssi_passes_the_gate() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    assert pipeline.process(read(A, 0.0, rssi=-80)) == []
    assert kinds(pipeline.process(read(B, 0.0, rssi=None, antenna=None))) == [
        (TagEventKind.ARRIVED, B)
    ]
    assert TagPresencePipeline(PipelineConfig(rssi_min_dbm=None)).process(read(A, 0.0, rssi=-99))


def test_best_antenna_follows_the_strongest_read() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    pipeline.process(read(A, 0.0, rssi=-60, antenna=1))
    pipeline.process(read(A, 0.1, rssi=-45, antenna=3))
    pipeline.process(read(A, 0.2, rssi=-55, antenna=2))
    (gone,) = pipeline.expire(100.0)
    assert (gone.best_antenna, gone.max_rssi_dbm) == (3, -45)


def test_out_of_order_read_does_not_move_last_seen_backwards() -> None:
    pipeline = TagPresencePipeline(CONFIG)
    pipeline.process(read(A, 1.0))
    pipeline.process(read(A, 0.5))
    (gone,) = pipeline.expire(3.0)
    assert gone.last_seen == 1.0


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="window_s"):
        PipelineConfig(window_s=0)
    with pytest.raises(ValueError, match="confirm_reads"):
        PipelineConfig(confirm_reads=0)
