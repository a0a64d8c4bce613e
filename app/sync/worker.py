"""The sync worker: one thread that runs the sync engine on a timer, forever.

The loop is timer-driven and **always re-arms** (F3): after a success it waits the normal
interval, after a failure a capped exponential back-off with jitter; "Sync now" wakes it early.
It never waits for a new local write to try again. Between cycles it refreshes the pending count
every few seconds (a cheap local query), so the status bar moves as events are recorded.

Thread contract: :meth:`status`, :meth:`sync_now`, :meth:`enrol` and :meth:`stop` may be called
from any thread (the GUI thread included: ``status`` only copies a snapshot). The engine is only
ever used by one thread at a time (the worker, or an ``enrol`` caller holding the lock).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from app.domain.errors import UserFacingError
from app.domain.sync import (
    Enrolment,
    ServerUnreachable,
    StationRevoked,
    SyncState,
    SyncStatus,
)
from app.sync.engine import SyncEngine, SyncStore

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 15.0
DEFAULT_BACKOFF_CAP_S = 300.0
STATUS_REFRESH_S = 2.0


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class SyncWorker:
    """Owns the sync thread and the latest :class:`SyncStatus`."""

    def __init__(
        self,
        engine: SyncEngine,
        store: SyncStore,
        *,
        station_name: str,
        interval_s: float = DEFAULT_INTERVAL_S,
        backoff_base_s: float = 2.0,
        backoff_cap_s: float = DEFAULT_BACKOFF_CAP_S,
        now_ms: Callable[[], int] = _now_ms,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._engine = engine
        self._store = store
        self._station_name = station_name
        self._interval_s = interval_s
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._now_ms = now_ms
        self._jitter = jitter
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._engine_lock = threading.Lock()
        self._status_lock = threading.Lock()
        self._failures = 0
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[SyncStatus], None]] = []
        self._status = SyncStatus(state=SyncState.NOT_ENROLLED)
        self._refresh_local()

    # ---- any thread ----

    def status(self) -> SyncStatus:
        with self._status_lock:
            return self._status

    def add_listener(self, listener: Callable[[SyncStatus], None]) -> None:
        """``listener`` is called on the worker thread after every status change."""
        self._listeners.append(listener)

    def sync_now(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._refresh_local()  # what happened since construction (e.g. demo data)
            self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        with self._engine_lock:
            self._engine.close()

    def enrol(self, server_url: str, code: str) -> Enrolment:
        """Enrol with ``code`` (blocking network call: run it off the GUI thread), then sync."""
        with self._engine_lock:
            enrolment = self._engine.enrol(server_url, code, self._station_name)
        self._failures = 0
        self._refresh_local()
        self.sync_now()
        return enrolment

    def clear_halt(self) -> str:
        """Clear the sync stop (the caller has recorded the supervisor's decision); return the
        reason it had, then sync at once: if the cause persists, it stops again."""
        with self._engine_lock:
            reason = self._engine.clear_halt()
        self._failures = 0
        self._refresh_local()
        self.sync_now()
        return reason

    def run_cycle(self) -> None:
        """One cycle on the calling thread (the CLI and tests use this)."""
        self._cycle()

    # ---- the worker thread ----

    def _run(self) -> None:
        delay_s = 0.0
        while not self._stopping.is_set():
            deadline = time.monotonic() + delay_s
            self._set(next_attempt_ms=self._now_ms() + int(delay_s * 1000))
            while not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._wake.wait(min(remaining, STATUS_REFRESH_S)):
                    break
                self._refresh_local()
            self._wake.clear()
            if self._stopping.is_set():
                return
            ok = self._cycle()
            delay_s = self._interval_s if ok else self._backoff_s()

    def _backoff_s(self) -> float:
        """Capped exponential back-off with full jitter (never below one second)."""
        ceiling = min(self._backoff_cap_s, self._backoff_base_s * 2 ** min(self._failures, 16))
        return max(1.0, ceiling * self._jitter())

    def _cycle(self) -> bool:
        """Run the engine once; True when it completed. Never raises (the loop must go on)."""
        if self._store.enrolment() is None:  # nothing to try: no "sending…" flash
            self._failures = 0
            self._refresh_local()
            return True
        started = self._now_ms()
        self._set(state=SyncState.SYNCING, last_attempt_ms=started)
        try:
            with self._engine_lock:
                result = self._engine.run_once()
        except StationRevoked as exc:
            self._failed(SyncState.REVOKED, exc.message)
            return False
        except ServerUnreachable as exc:
            self._failed(SyncState.OFFLINE, exc.message)
            return False
        except UserFacingError as exc:
            self._failed(SyncState.ERROR, exc.message)
            return False
        except Exception:  # a bug: logged with its traceback; the loop must survive it
            log.exception("sync cycle failed")
            self._failed(SyncState.ERROR, "An unexpected problem stopped this sync attempt.")
            return False
        self._failures = 0
        with self._status_lock:
            self._status = replace(
                self._status,
                last_success_ms=self._now_ms(),
                last_error="",
                sent_total=self._status.sent_total + result.acknowledged,
            )
        self._refresh_local()
        return True

    def _failed(self, state: SyncState, message: str) -> None:
        self._failures += 1
        self._refresh_local(failed_state=state, error=message)

    def _refresh_local(self, *, failed_state: SyncState | None = None, error: str = "") -> None:
        """Recompute the state from local facts (enrolment, halt, pending events)."""
        try:
            summary = self._store.pending_summary()
            enrolment = self._store.enrolment()
            halted = self._engine.halted_reason()
            seen = self._store.last_checkpoint()
            pending_blobs = self._engine.pending_blob_count()
        except Exception:
            log.exception("reading the sync status failed")
            return
        now = self._now_ms()
        age = None
        if summary.oldest_hlc_ms is not None:
            age = max(0, (now - summary.oldest_hlc_ms) // 1000)
        with self._status_lock:
            status = self._status
            if enrolment is None:
                state = SyncState.NOT_ENROLLED
            elif halted:
                state = SyncState.HALTED
            elif failed_state is not None:
                state = failed_state
            elif status.state in (SyncState.OFFLINE, SyncState.ERROR, SyncState.REVOKED) and (
                status.last_error
            ):
                state = status.state  # still failing until a cycle succeeds
            else:
                state = SyncState.PENDING if summary.count else SyncState.UP_TO_DATE
            self._status = replace(
                status,
                state=state,
                server_url=self._engine.server_url(),
                facility_id=enrolment.facility_id if enrolment else "",
                pending_count=summary.count,
                oldest_pending_age_s=age,
                halted_reason=halted,
                checkpoint_tree_size=seen.tree_size if seen else None,
                checkpoint_verified_ms=seen.verified_at_ms if seen else None,
                pending_blobs=pending_blobs,
                last_error=error if failed_state is not None else status.last_error,
            )
            snapshot = self._status
        self._notify(snapshot)

    def _set(self, **changes: object) -> None:
        with self._status_lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            snapshot = self._status
        self._notify(snapshot)

    def _notify(self, snapshot: SyncStatus) -> None:
        for listener in self._listeners:
            try:
                listener(snapshot)
            except Exception:
                log.exception("sync status listener failed")
