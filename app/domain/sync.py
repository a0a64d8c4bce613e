"""What the station knows about its sync with the central server, as plain values.

Shared by the sync engine (which produces them), the storage adapter (which persists receipts and
reference rows) and the UI (which shows the status in plain words). Pure: stdlib only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.domain.errors import UserFacingError


class SyncState(enum.Enum):
    NOT_ENROLLED = "not enrolled"
    SYNCING = "syncing"
    UP_TO_DATE = "up to date"
    PENDING = "waiting to send"
    OFFLINE = "server not reachable"
    ERROR = "sync problem"
    HALTED = "stopped: needs a supervisor"
    REVOKED = "station revoked"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """This station's registration with a server (kept in ``station_meta``)."""

    server_url: str
    station_id: str
    facility_id: str
    enrolled_at_ms: int
    #: The server's checkpoint verifier key, pinned at enrolment ("" for stations enrolled
    #: before checkpoints existed: the key is then pinned on first use).
    checkpoint_key: str = ""


@dataclass(frozen=True, slots=True)
class StoredReceipt:
    """A server receipt for one local event, as the storage adapter keeps it."""

    seq: int
    event_id: str
    status: str
    server_seq: int | None
    acknowledged: bool
    receipt_json: str


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    """One server-owned reference row (customer, manifest, operator, ...) or its tombstone."""

    kind: str
    row_id: str
    change_seq: int
    deleted: bool
    body_json: str


@dataclass(frozen=True, slots=True)
class CheckpointSeen:
    """The last server checkpoint this station verified (signature and consistency with
    the one before); heartbeats report it, the Sync page shows it."""

    tree_size: int
    root_hex: str
    note: str  # the exact signed note
    verified_at_ms: int


@dataclass(frozen=True, slots=True)
class PendingSummary:
    count: int
    oldest_hlc_ms: int | None  # when the oldest unacknowledged event was made (HLC time)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """A snapshot for the status bar and the Sync page (the UI words it; nothing is computed
    there). Times are epoch milliseconds."""

    state: SyncState
    server_url: str = ""
    facility_id: str = ""
    pending_count: int = 0
    oldest_pending_age_s: int | None = None
    last_success_ms: int | None = None
    last_attempt_ms: int | None = None
    next_attempt_ms: int | None = None
    last_error: str = ""
    halted_reason: str = ""
    sent_total: int = 0  # events the server acknowledged since the station started
    checkpoint_tree_size: int | None = None  # last verified server checkpoint
    checkpoint_verified_ms: int | None = None
    pending_blobs: int = 0  # evidence files (photos, reports, signatures) not yet uploaded

    @property
    def enrolled(self) -> bool:
        return self.state is not SyncState.NOT_ENROLLED


class SyncFailed(UserFacingError):
    """A sync attempt failed for a reason a person can act on (or wait out)."""

    code = "sync.failed"
    template = "{reason}"


class ServerUnreachable(SyncFailed):
    code = "sync.unreachable"
    template = "The server at {url} could not be reached ({why}); will retry."


class ServerRefused(SyncFailed):
    code = "sync.refused"
    template = "The server refused the request: {why}."


class StationRevoked(SyncFailed):
    code = "sync.revoked"
    template = (
        "The server has revoked this station; it keeps working offline and keeps every event. "
        "Ask an administrator."
    )


class NotEnrolled(SyncFailed):
    code = "sync.not_enrolled"
    template = "This station is not enrolled with a server yet; enrol it on the Sync page."


class SyncHalted(SyncFailed):
    code = "sync.halted"
    template = "Sending stopped: {reason}. Nothing was changed or deleted; ask a supervisor."
