"""Wire models shared by the station and the server (docs: sync-protocol §4, §6, §7, §12).

Both sides import this module, so a field renamed here is renamed everywhere at once. The
envelope fields and their encodings are the ledger's (``app.ledger``): ``hash`` is lowercase hex
SHA-256 over the RFC 8785 canonical JSON of every other field except ``sig``; ``sig`` is base64
Ed25519 over the raw 32 digest bytes; ``prev_hash`` of ``seq`` 1 is 64 zeros.

Protocol version 1 lives under ``/v1/``. Paths are listed here so client and server agree.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.ledger.envelope import body_dict, digest_of

PROTOCOL_VERSION = 1

PATH_CHALLENGE = "/v1/auth/challenge"
PATH_TOKEN = "/v1/auth/token"  # noqa: S105 - a URL path, not a secret
PATH_ENROL = "/v1/enrol"
PATH_PUSH = "/v1/stations/{station_id}/events"
PATH_HEAD = "/v1/stations/{station_id}/head"
PATH_CHANGES = "/v1/ref/changes"
PATH_SNAPSHOT = "/v1/ref/snapshot"
PATH_BLOB = "/v1/blobs/{sha256}"
PATH_HEARTBEAT = "/v1/stations/{station_id}/heartbeat"
# The tamper-evident log (docs §10): latest signed checkpoint and RFC 9162 proofs.
PATH_CHECKPOINT = "/v1/log/checkpoint"
PATH_CONSISTENCY = "/v1/log/consistency"
PATH_INCLUSION = "/v1/log/inclusion"

#: Upper bounds a server enforces on one push (docs §6: about 500 events or 1 MB).
MAX_EVENTS_PER_PUSH = 2000
MAX_PUSH_BYTES = 8 * 1024 * 1024

Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Hlc(_Wire):
    l: int = Field(ge=0)  # noqa: E741 - the name the HLC paper and the envelope use
    c: int = Field(ge=0)


class WireEvent(_Wire):
    """One sealed ledger event as it travels (the envelope of docs §4.1)."""

    event_id: Annotated[str, StringConstraints(min_length=36, max_length=36)]
    station_id: Ident
    facility_id: Ident
    seq: int = Field(ge=1)
    hlc: Hlc
    device_time: Annotated[str, StringConstraints(max_length=40)]
    operator_id: Annotated[str, StringConstraints(max_length=64)]
    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    schema_version: int = Field(ge=1)
    payload: dict[str, Any]
    refs: dict[str, Any]
    prev_hash: Hex64
    hash: Annotated[str, StringConstraints(max_length=64)]
    sig: Annotated[str, StringConstraints(max_length=100)]

    def hashed_body(self) -> dict[str, Any]:
        return body_dict(
            event_id=self.event_id,
            station_id=self.station_id,
            facility_id=self.facility_id,
            seq=self.seq,
            hlc_l=self.hlc.l,
            hlc_c=self.hlc.c,
            device_time=self.device_time,
            operator_id=self.operator_id,
            type_=self.type,
            schema_version=self.schema_version,
            payload=self.payload,
            refs=self.refs,
            prev_hash=self.prev_hash,
        )

    def recomputed_digest(self) -> bytes:
        """SHA-256 of the canonical body; raises ``ValueError`` if it cannot be encoded."""
        return digest_of(self.hashed_body())


class ReceiptStatus(enum.StrEnum):
    ACCEPTED = "accepted"  # stored now, with a new server_seq
    DUPLICATE = "duplicate"  # stored before (same id, same hash); the original server_seq
    QUARANTINED = "quarantined"  # stored, flagged for review (business-rule problem)
    REJECTED = "rejected"  # not stored: authentication, signature, chain or format failure

    @property
    def stored(self) -> bool:
        return self is not ReceiptStatus.REJECTED


class RejectReason(enum.StrEnum):
    """Machine-readable reasons for ``rejected`` receipts (the station words them for people)."""

    HASH_MISMATCH = "hash_mismatch"  # content does not match its hash: tampered
    BAD_SIGNATURE = "bad_signature"  # not signed by this station's key: forged
    WRONG_STATION = "wrong_station"  # names another station: a replay
    CONFLICT = "conflict"  # same event id, different content: security incident
    FORK = "fork"  # chain does not continue the server's head: restored backup or tampering
    GAP = "gap"  # seq does not continue the chain inside this batch
    NOT_PROCESSED = "not_processed"  # after an earlier rejected event in the same batch


class Receipt(_Wire):
    event_id: str
    seq: int
    status: ReceiptStatus
    server_seq: int | None = None
    reason: str = ""


class PushRequest(_Wire):
    events: list[WireEvent] = Field(max_length=MAX_EVENTS_PER_PUSH)
    #: Tree size of the last checkpoint the station verified: the answer then carries the
    #: consistency proof from it to the new checkpoint (docs §10.1, stations as witnesses).
    known_tree_size: int | None = Field(default=None, ge=0)


class PushResponse(_Wire):
    receipts: list[Receipt]
    high_water_seq: int  # the station's last contiguous seq on the server
    head_hash: str
    server_hlc: Hlc
    #: The latest signed checkpoint (C2SP signed note) and, when the request named a
    #: ``known_tree_size``, the consistency proof from it (base64 hashes, RFC 9162).
    checkpoint: str = ""
    consistency: list[str] = Field(default_factory=list)


class ExpectedSeq(_Wire):
    """Body of a 409 answer: the batch does not start where the server's chain ends."""

    error: str = "expected_seq"
    expected_seq: int
    head_hash: str


class StationHead(_Wire):
    station_id: str
    high_water_seq: int
    head_hash: str


class ChallengeRequest(_Wire):
    station_id: Ident


class Challenge(_Wire):
    station_id: str
    nonce: str
    expires_at_ms: int


class TokenRequest(_Wire):
    station_id: Ident
    nonce: str
    sig: str  # base64 Ed25519 over the UTF-8 bytes of the nonce


class Token(_Wire):
    token: str
    expires_at_ms: int
    facility_id: str


class EnrolRequest(_Wire):
    code: Annotated[str, StringConstraints(min_length=4, max_length=64)]
    station_id: Ident
    station_name: Annotated[str, StringConstraints(max_length=200)]
    public_key_hex: Hex64
    sig: str  # base64 Ed25519 over enrolment_message(code, station_id, public_key_hex)


class EnrolResponse(_Wire):
    station_id: str
    facility_id: str
    #: The server's checkpoint verifier key (``name+keyid+base64``); the station pins it.
    checkpoint_key: str = ""


def enrolment_message(code: str, station_id: str, public_key_hex: str) -> bytes:
    """What a station signs to prove it holds the key it registers."""
    return f"itad-enrol-v1\n{code}\n{station_id}\n{public_key_hex}".encode()


class RefRow(_Wire):
    """One reference-data row the server owns (customers, manifests, operators, ...)."""

    kind: Ident  # e.g. "customer", "manifest", "operator", "rubric", "station_config"
    row_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    change_seq: int
    deleted: bool = False
    body: dict[str, Any] = Field(default_factory=dict)


class ChangesPage(_Wire):
    rows: list[RefRow]
    next_cursor: int  # give this as ``since`` next time
    has_more: bool


class Snapshot(_Wire):
    """Every live reference row of the station's scope; resume pulling from ``cursor``."""

    rows: list[RefRow]
    cursor: int


class Refetch(_Wire):
    """Body of a 410 answer: the cursor is older than the tombstones the server keeps."""

    error: str = "refetch"
    oldest_cursor: int


class CheckpointAnswer(_Wire):
    checkpoint: str  # C2SP signed note
    checkpoint_key: str = ""  # the verifier key (pinned by stations enrolled earlier)


class ConsistencyAnswer(_Wire):
    size1: int
    size2: int
    proof: list[str]  # base64 SHA-256 hashes, RFC 9162 order


class InclusionAnswer(_Wire):
    leaf_index: int  # server_seq - 1
    tree_size: int
    proof: list[str]


class Heartbeat(_Wire):
    """What a station reports about itself each sync round (docs §14)."""

    last_seq: int = Field(ge=0)  # the newest event in its ledger
    head_hash: Annotated[str, StringConstraints(max_length=64)]  # that event's hash
    pending_count: int = Field(ge=0)  # events not yet acknowledged
    oldest_pending_age_s: int | None = None
    last_checkpoint_size: int | None = None  # the last server checkpoint it verified
    pending_blobs: int = Field(default=0, ge=0)  # evidence files not yet uploaded
    app_version: Annotated[str, StringConstraints(max_length=40)] = ""


class HeartbeatAnswer(_Wire):
    received_at_ms: int
    stored_seq: int  # the station's last contiguous seq on the server


class ErrorBody(_Wire):
    error: str
    detail: str = ""
