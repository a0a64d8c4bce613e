"""RFC 8785 (JSON Canonicalization Scheme) encoding of ledger values.

Ledger values are restricted to what every language encodes identically: objects with string
keys, arrays, strings, booleans, null and integers within ±(2**53 - 1). No floats. Within that
domain, compact JSON with sorted keys and raw UTF-8 (orjson with ``OPT_SORT_KEYS``, or
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``) is exactly the
RFC 8785 text, except for object keys outside the Basic Multilingual Plane (RFC 8785 sorts by
UTF-16 code units), which :func:`check_canonical_domain` refuses. That equivalence is tested
against the ``rfc8785`` reference implementation. orjson is used because verification re-encodes
every event: it is about ten times faster than the standard library here.
"""

from __future__ import annotations

from typing import Any

import orjson

MAX_SAFE_INTEGER = 2**53 - 1


class NotCanonicalizable(ValueError):
    """A value outside the ledger's JSON domain (a float, a huge int, a non-string key...)."""


def check_canonical_domain(value: Any, path: str = "$") -> None:
    """Raise :class:`NotCanonicalizable` naming ``path`` if ``value`` is outside the domain."""
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str):
            _check_string(value, path)
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise NotCanonicalizable(f"{path}: integer {value} is outside ±(2**53 - 1)")
        return
    if isinstance(value, float):
        raise NotCanonicalizable(f"{path}: floats are not allowed; use integers or strings")
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_canonical_domain(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        _check_object(value, path)
        return
    raise NotCanonicalizable(f"{path}: {type(value).__name__} is not a JSON value")


def _check_object(value: dict[Any, Any], path: str) -> None:
    for key, item in value.items():
        if not isinstance(key, str):
            raise NotCanonicalizable(f"{path}: object key {key!r} is not a string")
        if not key.isascii():  # the common case skips both scans
            _check_string(key, path)
            if max(key) > "\uffff":
                raise NotCanonicalizable(f"{path}: object key {key!r} is outside the BMP")
        if type(item) is str:  # leaf fast path: no recursion, no path string
            if not item.isascii():
                _check_string(item, f"{path}.{key}")
            continue
        check_canonical_domain(item, f"{path}.{key}")


def _check_string(text: str, path: str) -> None:
    # Lone surrogates cannot be encoded as UTF-8; catch them with a clear path.
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotCanonicalizable(f"{path}: string contains a lone surrogate") from exc


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 bytes of ``value``, which must be inside the ledger domain.

    Callers creating new events call :func:`check_canonical_domain` first; the verifier calls
    this directly on stored values (a stored value outside the domain simply fails its hash).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:  # orjson.JSONEncodeError: a value JSON cannot hold
        raise NotCanonicalizable(str(exc)) from exc


def parse_json(text: str | bytes) -> Any:
    """Parse stored JSON text (the inverse of :func:`canonical_json` for ledger values)."""
    return orjson.loads(text)
