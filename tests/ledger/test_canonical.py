"""The fast canonical encoder must produce exactly the RFC 8785 bytes inside the ledger domain,
and the domain check must refuse (naming the path) everything outside it."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger.canonical import (
    MAX_SAFE_INTEGER,
    NotCanonicalizable,
    canonical_json,
    check_canonical_domain,
)

# Characters that need escaping or are easy to get wrong: C0 controls, DEL, quotes, backslash,
# the JS line separators, the last BMP code points around the surrogate range, non-BMP.
_TRICKY = (
    '\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f"\\/\u2028\u2029'
    "\ud7ff\ue000\ufeff\uffff\U00010000\U0001f600\U0010ffff"
)

# Values: any code point except surrogates (which UTF-8 cannot carry), so controls and non-BMP.
value_text = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(_TRICKY))
# Keys: BMP only (RFC 8785 sorts keys by UTF-16 units; the domain refuses non-BMP keys).
key_text = st.text(
    alphabet=st.characters(max_codepoint=0xFFFF, codec="utf-8")
    | st.sampled_from([c for c in _TRICKY if ord(c) <= 0xFFFF])
)
safe_ints = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
scalars = st.none() | st.booleans() | safe_ints | value_text
ledger_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(key_text, children, max_size=6)
    ),
    max_leaves=25,
)


@settings(max_examples=250, deadline=None)
@given(ledger_values)
def test_canonical_json_equals_rfc8785_reference(value):
    check_canonical_domain(value)  # everything generated is inside the domain
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(key_text, scalars | st.lists(scalars, max_size=4), max_size=12))
def test_canonical_objects_round_trip_and_sort_like_rfc8785(obj):
    encoded = canonical_json(obj)
    assert encoded == rfc8785.dumps(obj)
    assert json.loads(encoded) == obj


def test_boundary_integers_and_escapes_match_reference():
    value = {
        "max": MAX_SAFE_INTEGER,
        "min": -MAX_SAFE_INTEGER,
        "zero": 0,
        "controls": "".join(chr(i) for i in range(0x20)) + "\x7f",
        "tricky": _TRICKY,
        "nested": [[], {}, [{}], {"": ""}],
    }
    assert canonical_json(value) == rfc8785.dumps(value)
    # Controls are escaped in the short forms or as lowercase \u00xx, never raw.
    assert b"\\u001f" in canonical_json(value)
    assert b"\\n" in canonical_json(value)


def test_non_bmp_keys_really_sort_differently_which_is_why_they_are_refused():
    # U+FB01 < U+1F600 by code point, but in UTF-16 the emoji (0xD83D...) sorts first.
    obj = {"\ufb01": 1, "\U0001f600": 2}
    assert canonical_json(obj) != rfc8785.dumps(obj)
    with pytest.raises(NotCanonicalizable, match=r"^\$: object key .* is outside the BMP"):
        check_canonical_domain(obj)


@pytest.mark.parametrize(
    ("value", "path_and_reason"),
    [
        ({"a": [1, 1.5]}, r"^\$\.a\[1\]: floats are not allowed"),
        ({"w": {"grams": float("nan")}}, r"^\$\.w\.grams: floats are not allowed"),
        ({"n": 2**53}, r"^\$\.n: integer 9007199254740992 is outside"),
        ({"n": [-(2**53)]}, r"^\$\.n\[0\]: integer -9007199254740992 is outside"),
        ({"ok": {1: "x"}}, r"^\$\.ok: object key 1 is not a string"),
        ({"ok": [{"\U0001f600": 1}]}, r"^\$\.ok\[0\]: object key .* is outside the BMP"),
        ({"s": "a\ud800b"}, r"^\$\.s: string contains a lone surrogate"),
        ({"\udc00": 1}, r"^\$: string contains a lone surrogate"),
        ({"b": b"bytes"}, r"^\$\.b: bytes is not a JSON value"),
        ({"set": {1, 2}}, r"^\$\.set: set is not a JSON value"),
    ],
)
def test_domain_check_refuses_and_names_the_path(value, path_and_reason):
    with pytest.raises(NotCanonicalizable, match=path_and_reason):
        check_canonical_domain(value)


def test_domain_check_uses_the_given_root_path():
    with pytest.raises(NotCanonicalizable, match=r"^asset\.received\.payload\.weight: floats"):
        check_canonical_domain({"weight": 1.0}, "asset.received.payload")


def test_domain_accepts_the_boundaries():
    check_canonical_domain(
        {"max": MAX_SAFE_INTEGER, "min": -MAX_SAFE_INTEGER, "t": True, "n": None, "tu": (1, "x")}
    )


any_text = st.text(alphabet=st.characters() | st.sampled_from("\ud800\udfff\U0001f600a"))


def _refusal_expected(key: str, value: str) -> bool:
    def has_surrogate(text: str) -> bool:
        return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)

    return has_surrogate(key) or has_surrogate(value) or any(ord(ch) > 0xFFFF for ch in key)


@settings(max_examples=300, deadline=None)
@given(any_text, any_text, st.booleans())
def test_domain_check_refuses_exactly_surrogates_and_non_bmp_keys(key, value, nested):
    obj = {"outer": {key: [value]}} if nested else {key: value}
    if _refusal_expected(key, value):
        with pytest.raises(NotCanonicalizable, match=r"^\$"):
            check_canonical_domain(obj)
    else:
        check_canonical_domain(obj)
        assert canonical_json(obj) == rfc8785.dumps(obj)
