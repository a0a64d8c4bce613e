"""PIN hashing: salted scrypt (a slow, memory-hard hash). PINs are never stored or logged.

Format: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>`` so parameters can be raised later
without invalidating existing PINs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_LOG2_N = 14
_R = 8
_P = 1
_DKLEN = 32


def hash_pin(pin: str, *, log2_n: int = _LOG2_N) -> str:
    """Return a salted scrypt hash of ``pin``."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=1 << log2_n, r=_R, p=_P, dklen=_DKLEN)
    return "$".join(
        ("scrypt", str(log2_n), str(_R), str(_P), _b64(salt), _b64(digest)),
    )


def verify_pin(pin: str, stored: str) -> bool:
    """True if ``pin`` matches ``stored``; constant-time comparison; False for bad formats."""
    try:
        scheme, log2_n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            pin.encode(),
            salt=salt,
            n=1 << int(log2_n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
