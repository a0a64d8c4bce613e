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


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of ``digits`` (a key without its check digit): weights 3, 1,
    3, ... from the right; ``(10 - sum mod 10) mod 10``. The same rule as ``drivers.gs1``
    (domain code may not import drivers; a test checks both agree)."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"a GS1 key is digits only, got {digits!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


SSCC_LENGTH = 18


def sscc18(company_prefix: str, serial_reference: int, extension_digit: int = 0) -> str:
    """An SSCC-18: extension digit, GS1 company prefix (7-10 digits), serial reference padded
    to fill 16 digits, and the mod-10 check digit. Raises ``ValueError`` when the serial
    reference does not fit beside the prefix (the prefix's SSCC range is used up)."""
    if not company_prefix.isascii() or not company_prefix.isdigit():
        raise ValueError(f"GS1 company prefix must be digits, got {company_prefix!r}")
    if not 7 <= len(company_prefix) <= 10:
        raise ValueError(f"GS1 company prefix must have 7-10 digits, got {len(company_prefix)}")
    if not 0 <= extension_digit <= 9:
        raise ValueError(f"SSCC extension digit must be 0-9, got {extension_digit}")
    width = SSCC_LENGTH - 2 - len(company_prefix)
    if not 0 <= serial_reference < 10**width:
        raise ValueError(
            f"serial reference {serial_reference} does not fit in {width} digits after "
            f"prefix {company_prefix}"
        )
    body = f"{extension_digit}{company_prefix}{serial_reference:0{width}d}"
    return body + str(gs1_check_digit(body))


def is_sscc(value: str) -> bool:
    """True for 18 ASCII digits whose last digit is the GS1 check digit of the first 17."""
    return (
        len(value) == SSCC_LENGTH
        and value.isascii()
        and value.isdigit()
        and gs1_check_digit(value[:-1]) == int(value[-1])
    )
