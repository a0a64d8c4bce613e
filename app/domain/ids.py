"""Identifiers: UUIDv7 event ids (RFC 9562) and prefixed record ids.

The time part of a UUIDv7 comes from the device clock: it gives identity and index locality,
never the order of truth (that is the ledger's ``seq``).
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """Return a new RFC 9562 version 7 UUID.

    Layout: 48-bit big-endian Unix milliseconds, 4-bit version (7), 12 random bits,
    2-bit variant (10), 62 random bits. Python 3.14 has ``uuid.uuid7``; 3.11 does not.
    """
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    if not 0 <= ms < 1 << 48:
        raise ValueError(f"timestamp {ms} ms does not fit in 48 bits")
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


def new_record_id(prefix: str) -> str:
    """Return a client-generated record id such as ``op-0190f3c2...``: stable across retries."""
    return f"{prefix}-{uuid7().hex}"


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_asset_id() -> str:
    """A short, scannable asset ID: ``AS-`` and 12 Crockford base32 characters (60 random
    bits: no ambiguous letters, collisions negligible across facilities)."""
    value = int.from_bytes(os.urandom(8), "big") >> 4
    chars = []
    for _ in range(12):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "AS-" + "".join(reversed(chars))
