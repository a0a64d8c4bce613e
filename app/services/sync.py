"""Sync as the UI sees it: status in plain words, "Sync now", enrolment (permission-checked).

The sync itself runs on the sync worker's thread; this service only reads its status snapshot
(cheap, safe on the GUI thread) and forwards requests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.domain.errors import InvalidInput, UserFacingError
from app.domain.events import SyncHaltCleared
from app.domain.roles import Permission
from app.domain.sync import Enrolment, SyncState, SyncStatus
from app.services.event_drafts import draft
from app.services.ports import EventAppender, PermissionGate, SyncControl


class NotHalted(UserFacingError):
    code = "sync.not_halted"
    template = "Sync is not stopped; there is nothing to clear."


@dataclass(frozen=True, slots=True)
class SyncView:
    """What the status bar and the Sync page show, already in words."""

    headline: str  # the status bar text, e.g. "Sync: up to date"
    state: SyncState
    details: tuple[tuple[str, str], ...]  # (label, value) rows for the Sync page
    problem: str  # last error or halt reason, "" when none
    enrolled: bool
    server_url: str


def _ago(ms: int | None, now_ms: int) -> str:
    if ms is None:
        return "never"
    return f"{_duration((now_ms - ms) // 1000)} ago"


def _duration(seconds: int) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return "under a minute" if seconds >= 5 else "a few seconds"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} days"


def describe(status: SyncStatus, now_ms: int) -> SyncView:
    """Word a status snapshot for people (pure; tested without Qt)."""
    pending = status.pending_count
    waiting = f"{pending} event{'s' if pending != 1 else ''} waiting to send"
    headline = {
        SyncState.NOT_ENROLLED: "Sync: not connected to a server",
        SyncState.SYNCING: "Sync: sending…",
        SyncState.UP_TO_DATE: "Sync: up to date",
        SyncState.PENDING: f"Sync: {waiting}",
        SyncState.OFFLINE: f"Sync: server not reachable, {pending} waiting",
        SyncState.ERROR: f"Sync: problem, {pending} waiting",
        SyncState.HALTED: "Sync: STOPPED, needs a supervisor",
        SyncState.REVOKED: "Sync: station revoked",
    }[status.state]
    details: list[tuple[str, str]] = [
        ("State", status.state.value),
        ("Server", status.server_url or "none"),
    ]
    if status.facility_id:
        details.append(("Facility", status.facility_id))
    details.append(("Waiting to send", f"{pending} event{'s' if pending != 1 else ''}"))
    details.append(
        (
            "Oldest unsent event",
            "none"
            if status.oldest_pending_age_s is None
            else f"made {_duration(status.oldest_pending_age_s)} ago",
        )
    )
    if status.enrolled or status.pending_blobs:
        files = status.pending_blobs
        details.append(
            ("Files waiting to send", f"{files} evidence file{'s' if files != 1 else ''}")
        )
    details.append(("Last successful sync", _ago(status.last_success_ms, now_ms)))
    if status.next_attempt_ms is not None and status.enrolled:
        wait_s = (status.next_attempt_ms - now_ms) // 1000
        details.append(("Next attempt", "now" if wait_s <= 0 else f"in {_duration(wait_s)}"))
    details.append(("Sent since start", str(status.sent_total)))
    if status.checkpoint_tree_size is not None:
        # The server's signed log, checked by this station (docs §10: stations as witnesses).
        details.append(
            (
                "Server log verified",
                f"{status.checkpoint_tree_size} events, "
                f"{_ago(status.checkpoint_verified_ms, now_ms)}",
            )
        )
    elif status.enrolled:
        details.append(("Server log verified", "not yet"))
    problem = status.halted_reason or status.last_error
    return SyncView(
        headline=headline,
        state=status.state,
        details=tuple(details),
        problem=problem,
        enrolled=status.enrolled,
        server_url=status.server_url,
    )


class SyncService:
    """Any thread may call :meth:`view` and :meth:`sync_now`; :meth:`enrol` blocks on the
    network, so the UI runs it through the task runner."""

    def __init__(
        self, control: SyncControl, gate: PermissionGate, events: EventAppender | None = None
    ) -> None:
        self._control = control
        self._gate = gate
        self._events = events

    def status(self) -> SyncStatus:
        return self._control.status()

    def view(self, now_ms: int | None = None) -> SyncView:
        now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        return describe(self._control.status(), now)

    def sync_now(self) -> None:
        self._control.sync_now()

    def enrol(self, server_url: str, code: str) -> Enrolment:
        self._gate.require(Permission.CHANGE_SETTINGS)
        url = server_url.strip()
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(field="Server address", problem="must start with https://")
        if len(code.strip()) < 4:
            raise InvalidInput(field="Enrolment code", problem="is too short")
        return self._control.enrol(url, code)

    def clear_halt(self, reason: str) -> None:
        """Clear the sync stop (supervisor; DB worker: it appends an event). The decision is
        recorded first, as ``sync.halt_cleared`` with the reason; then sending resumes. If the
        server still rejects the event, sync stops again with the same message."""
        operator = self._gate.require(Permission.CLEAR_SYNC_STOP)
        reason = reason.strip()
        if len(reason) < 5:
            raise InvalidInput(field="Reason", problem="say why in a few words")
        status = self._control.status()
        if status.state is not SyncState.HALTED:
            raise NotHalted()
        if self._events is None:
            raise RuntimeError("SyncService was built without an event appender")
        self._events.append(
            [
                draft(
                    SyncHaltCleared(
                        reason=reason[:200],
                        halted_reason=status.halted_reason[:500],
                        halted_seq=_halted_seq(status.halted_reason),
                    ),
                    operator.operator_id,
                )
            ]
        )
        self._control.clear_halt()


def _halted_seq(words: str) -> int:
    """The event number in a halt message ("event #12: ..."), 0 if none."""
    head = words.partition(":")[0]
    digits = head.rpartition("#")[2]
    return int(digits) if digits.isdigit() else 0
