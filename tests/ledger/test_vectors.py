"""Pinned wire vectors: if any of these change, every stored ledger and every other
implementation (server, auditor tool) disagrees with this station. Change them never."""

from __future__ import annotations

import base64
import hashlib
import itertools
from datetime import UTC, datetime

import nacl.signing
import rfc8785

from app.ledger import GENESIS_PREV_HASH
from app.ledger.chain import ChainHead, EventDraft, Sealer
from app.ledger.envelope import HASHED_FIELDS, Envelope, digest_of
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey, verify_signature

SEED = b"\x01" * 32
PUBLIC_KEY_HEX = "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
VECTOR_HASH = "cc78527fcbfc123d3a46fa5f825ae2edcd42dad96c4f47780ecf53ea366195d1"
VECTOR_SIG = (
    "5S/rY9T7w4X0jydOCCjDmkfXo4jAiX4hKYZyNRxyvhrWzmD385AgFdMzK6jgkrEZtdPQGsB2NGgV3akxcu0oDA=="
)

PAYLOAD = {
    "kind": "DOCK_RECEIVE",
    "container_ids": ["GAY-0042"],
    "piece_count_observed": 37,
    "note": "Ünïcødé ✓ \U0001f4e6\n",
}
REFS = {"blobs": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]}
PREV = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def vector_envelope() -> Envelope:
    return Envelope(
        event_id="01a1fc2b-81bb-7c3e-9a51-2f7d0c4e8b16",
        station_id="st-0007",
        facility_id="fac-01",
        seq=1042,
        hlc_l=1795232072123,
        hlc_c=0,
        device_time="2026-11-21T04:34:32.123+01:00",
        operator_id="op-112",
        type="custody.transferred",
        schema_version=1,
        payload=PAYLOAD,
        refs=REFS,
        prev_hash=PREV,
    )


def test_seed_gives_the_pinned_public_key():
    assert StationKey(SEED).public_key_hex == PUBLIC_KEY_HEX


def test_envelope_hash_and_signature_are_pinned():
    key = StationKey(SEED)
    digest = digest_of(vector_envelope().hashed_body())
    assert digest.hex() == VECTOR_HASH
    assert key.sign_digest(digest) == VECTOR_SIG


def test_vector_hash_recomputed_independently_with_rfc8785():
    # The wire body written out by hand, not through Envelope: the field names and the nested
    # hlc object are part of the contract.
    body = {
        "event_id": "01a1fc2b-81bb-7c3e-9a51-2f7d0c4e8b16",
        "station_id": "st-0007",
        "facility_id": "fac-01",
        "seq": 1042,
        "hlc": {"l": 1795232072123, "c": 0},
        "device_time": "2026-11-21T04:34:32.123+01:00",
        "operator_id": "op-112",
        "type": "custody.transferred",
        "schema_version": 1,
        "payload": PAYLOAD,
        "refs": REFS,
        "prev_hash": PREV,
    }
    assert set(body) == set(HASHED_FIELDS)
    assert vector_envelope().hashed_body() == body
    assert hashlib.sha256(rfc8785.dumps(body)).hexdigest() == VECTOR_HASH


def test_vector_signature_is_over_raw_digest_bytes_and_verifies_independently():
    verify_key = nacl.signing.VerifyKey(bytes.fromhex(PUBLIC_KEY_HEX))
    sig = base64.b64decode(VECTOR_SIG, validate=True)
    assert len(sig) == 64
    verify_key.verify(bytes.fromhex(VECTOR_HASH), sig)  # raises if not valid
    assert verify_signature(bytes.fromhex(PUBLIC_KEY_HEX), bytes.fromhex(VECTOR_HASH), VECTOR_SIG)
    # Not over the hex text of the hash.
    assert not verify_signature(
        bytes.fromhex(PUBLIC_KEY_HEX), VECTOR_HASH.encode("ascii"), VECTOR_SIG
    )


def test_ed25519_matches_rfc8032_test_vector_1():
    # RFC 8032 §7.1 TEST 1 (empty message): pins the signature primitive itself.
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = StationKey(seed)
    assert key.public_key_hex == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert base64.b64decode(key.sign_digest(b"")).hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )


def test_sealer_starts_at_genesis_and_links_each_hash():
    assert GENESIS_PREV_HASH == "0" * 64
    key = StationKey(SEED)
    sealer = Sealer(
        station_id="st-0007",
        facility_id="fac-01",
        key=key,
        hlc=HybridLogicalClock(now_ms=lambda: 1_795_232_072_123),
        now=lambda: datetime(2026, 11, 21, 3, 34, 32, 123_000, tzinfo=UTC),
    )
    drafts = [EventDraft(type="custody.transferred", payload=PAYLOAD, operator_id="op-112")] * 3
    envelopes = sealer.seal(ChainHead(), drafts)
    assert [e.seq for e in envelopes] == [1, 2, 3]
    assert envelopes[0].prev_hash == GENESIS_PREV_HASH
    for before, after in itertools.pairwise(envelopes):
        assert after.prev_hash == before.hash
    for envelope in envelopes:
        wire = envelope.to_wire()
        body = {k: v for k, v in wire.items() if k not in ("hash", "sig")}
        assert hashlib.sha256(rfc8785.dumps(body)).hexdigest() == envelope.hash
        assert verify_signature(key.public_key, bytes.fromhex(envelope.hash), envelope.sig)
        assert envelope.device_time == "2026-11-21T03:34:32.123+00:00"
    assert [(e.hlc_l, e.hlc_c) for e in envelopes] == [
        (1_795_232_072_123, 0),
        (1_795_232_072_123, 1),
        (1_795_232_072_123, 2),
    ]
