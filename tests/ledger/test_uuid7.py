"""UUIDv7 layout (RFC 9562 §5.7): 48-bit ms time, version 7, variant 10, random bits."""

from __future__ import annotations

import time
import uuid

import pytest

from app.domain.ids import new_record_id, uuid7


def test_version_variant_and_timestamp_fields():
    ms = 0x0190_F3C2_ABCD
    value = uuid7(ms)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert value.int >> 80 == ms
    assert (value.int >> 76) & 0xF == 7
    assert (value.int >> 62) & 0b11 == 0b10
    assert str(value)[:13] == "0190f3c2-abcd"
    assert str(value)[14] == "7"


def test_default_timestamp_is_now():
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after


def test_random_bits_differ_within_the_same_millisecond():
    values = {uuid7(1_700_000_000_000) for _ in range(1_000)}
    assert len(values) == 1_000
    # Both random fields vary (rand_a: 12 bits, rand_b: 62 bits).
    assert len({(v.int >> 64) & 0xFFF for v in values}) > 100
    assert len({v.int & ((1 << 62) - 1) for v in values}) == 1_000


def test_ids_are_time_ordered_as_integers_bytes_and_text():
    stamps = [0, 1, 255, 256, 1_700_000_000_000, 1_700_000_000_001, (1 << 48) - 1]
    values = [uuid7(ms) for ms in stamps]
    assert values == sorted(values)
    assert [v.bytes for v in values] == sorted(v.bytes for v in values)
    assert [str(v) for v in values] == sorted(str(v) for v in values)


@pytest.mark.parametrize("ms", [-1, 1 << 48])
def test_timestamp_must_fit_48_bits(ms):
    with pytest.raises(ValueError, match="48 bits"):
        uuid7(ms)


def test_record_ids_carry_prefix_and_a_uuid7():
    record_id = new_record_id("op")
    prefix, hex_part = record_id.split("-", 1)
    assert prefix == "op"
    assert uuid.UUID(hex=hex_part).version == 7
