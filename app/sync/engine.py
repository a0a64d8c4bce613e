"""The station's sync engine: one synchronous ``run_once`` cycle (push, then pull).

Plain Python, no threads of its own (docs §14): the sync worker calls it on its thread, the CLI
calls it directly, the model test calls it with a faulty transport.

Rules it keeps (docs §6, §7, §15):

* Push unacknowledged events in ``seq`` order, in bounded batches, one uploader.
* Only a parsed receipt that matches an event we sent marks that event acknowledged, and the
  receipts are stored in ONE local transaction (F1, F4).
* A 409 ``expected_seq`` means the server's chain ends earlier than we thought: resend from there,
  acknowledged or not (F2: reconcile by asking, never reset).
* A fork (``prev_hash`` or an existing seq does not match) or any other rejection stops pushing
  and is kept as an incident; nothing local is rewritten or deleted (F7).
* Reference pages are applied together with their cursor in one transaction; 410 → snapshot.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from app.domain.sync import (
    CheckpointSeen,
    Enrolment,
    NotEnrolled,
    PendingSummary,
    ReferenceChange,
    ServerRefused,
    StoredReceipt,
    SyncFailed,
    SyncHalted,
)
from app.ledger.canonical import canonical_json
from app.ledger.checkpoint import CheckpointError, VerifierKey, verify_checkpoint
from app.ledger.hlc import HlcTimestamp, HybridLogicalClock
from app.ledger.keys import StationKey
from app.ledger.merkle import ProofError, verify_consistency
from app.ledger.verify import LedgerRow
from app.sync import wire
from app.sync.blob_upload import BlobOutbox, upload_pending
from app.sync.client import SyncClient, Unauthorized, encode_events

_R = TypeVar("_R")
log = logging.getLogger(__name__)
_BLOB_COUNT_TTL_MS = 10_000

DEFAULT_BATCH = 500
DEFAULT_MAX_BATCHES = 200
_MAX_PAGES = 1000
META_HALT = "sync.halt"
#: The server's checkpoint key pinned on first use by stations enrolled before checkpoints.
META_CHECKPOINT_KEY = "sync.checkpoint_key"

#: Plain words for the reasons a server rejects an event.
REJECT_WORDS = {
    wire.RejectReason.FORK: "the server already holds a different history for this station "
    "(was the station restored from an old backup?)",
    wire.RejectReason.CONFLICT: "the server holds a different event under the same id",
    wire.RejectReason.HASH_MISMATCH: "an event's content does not match its hash (tampered?)",
    wire.RejectReason.BAD_SIGNATURE: "an event is not signed with this station's key",
    wire.RejectReason.WRONG_STATION: "an event names another station",
    wire.RejectReason.GAP: "the events do not follow on from each other",
}


class _LogRejected(Exception):
    """The server's checkpoint or consistency proof does not verify (``words`` for people)."""

    def __init__(self, words: str) -> None:
        super().__init__(words)
        self.words = words


class SyncStore(Protocol):
    """What the engine needs from the station database (``app.storage.sync_store``)."""

    def pending_rows(self, *, from_seq: int | None, limit: int) -> list[LedgerRow]:
        """Up to ``limit`` events in ``seq`` order: the unacknowledged ones, or with
        ``from_seq`` every event from that seq on (acknowledged or not)."""
        ...

    def record_receipts(
        self, receipts: Sequence[StoredReceipt], checkpoint: CheckpointSeen | None = None
    ) -> None:
        """Store receipts, acknowledgement flags and the newly verified checkpoint in ONE
        transaction."""
        ...

    def last_checkpoint(self) -> CheckpointSeen | None:
        """The largest server checkpoint verified so far."""
        ...

    def save_checkpoint(self, checkpoint: CheckpointSeen) -> None: ...

    def pending_summary(self) -> PendingSummary: ...

    def chain_head(self) -> tuple[int, str]:
        """(seq, hash) of the newest event in the ledger ((0, genesis) when empty)."""
        ...

    def ref_cursor(self) -> int | None: ...

    def apply_ref_page(self, rows: Sequence[ReferenceChange], cursor: int) -> None:
        """Apply the rows and move the cursor in ONE transaction."""
        ...

    def replace_ref_snapshot(self, rows: Sequence[ReferenceChange], cursor: int) -> None:
        """Replace all reference rows by the snapshot and set the cursor, in ONE transaction."""
        ...

    def enrolment(self) -> Enrolment | None: ...

    def save_enrolment(self, enrolment: Enrolment) -> None: ...

    def meta_get(self, key: str) -> str | None: ...

    def meta_put(self, key: str, value: str | None) -> None: ...


@dataclass(frozen=True, slots=True)
class CycleResult:
    pushed: int = 0  # events sent (including resends)
    acknowledged: int = 0  # events newly acknowledged by receipts
    pulled: int = 0  # reference rows applied
    halted: str = ""
    blobs: int = 0  # evidence files uploaded

    @property
    def quiet(self) -> bool:
        """Nothing moved: a further cycle would do nothing either."""
        return self.pushed == 0 and self.pulled == 0 and self.blobs == 0


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class SyncEngine:
    """One station's sync. Not thread-safe: one caller at a time (the sync worker)."""

    def __init__(
        self,
        store: SyncStore,
        key: StationKey,
        station_id: str,
        *,
        client_factory: Callable[[str], SyncClient],
        hlc: HybridLogicalClock | None = None,
        server_url_override: str = "",
        batch_size: int = DEFAULT_BATCH,
        max_batches: int = DEFAULT_MAX_BATCHES,
        now_ms: Callable[[], int] = _now_ms,
        blobs: BlobOutbox | None = None,
        app_version: str = "",
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._blob_count: tuple[int, int] | None = None  # (when, count)
        self._app_version = app_version[:40]
        self._key = key
        self.station_id = station_id
        self._client_factory = client_factory
        self._hlc = hlc
        self._override = server_url_override.rstrip("/")
        self._batch = batch_size
        self._max_batches = max_batches
        self._now_ms = now_ms
        self._client: SyncClient | None = None
        self._token: wire.Token | None = None

    # ---- enrolment ----

    def server_url(self) -> str:
        enrolment = self._store.enrolment()
        return self._override or (enrolment.server_url if enrolment else "")

    def _client_for(self, url: str) -> SyncClient:
        if self._client is None or self._client.base_url != url.rstrip("/"):
            if self._client is not None:
                self._client.close()
            self._client = self._client_factory(url)
            self._token = None
        return self._client

    def enrol(self, server_url: str, code: str, station_name: str) -> Enrolment:
        """Register this station's key with the server using a one-time ``code``."""
        url = server_url.strip().rstrip("/")
        code = code.strip().upper()
        message = wire.enrolment_message(code, self.station_id, self._key.public_key_hex)
        request = wire.EnrolRequest(
            code=code,
            station_id=self.station_id,
            station_name=station_name,
            public_key_hex=self._key.public_key_hex,
            sig=self._key.sign_digest(message),
        )
        answer = self._client_for(url).enrol(request)
        enrolment = Enrolment(
            server_url=url,
            station_id=answer.station_id,
            facility_id=answer.facility_id,
            enrolled_at_ms=self._now_ms(),
            checkpoint_key=answer.checkpoint_key,
        )
        self._store.save_enrolment(enrolment)
        return enrolment

    # ---- one cycle ----

    def run_once(self) -> CycleResult:
        """Push what is pending, then pull reference changes. Raises a ``SyncFailed`` subclass
        when the server cannot be reached or refuses; whatever was done before stays done."""
        url = self.server_url()
        if not url or self._store.enrolment() is None:
            raise NotEnrolled()
        client = self._client_for(url)
        self._blob_count = None  # recounted after this cycle, whatever happens to it
        halt = self._store.meta_get(META_HALT)
        pushed = acknowledged = 0
        if not halt:
            pushed, acknowledged, halt = self._push(client)
        if not halt and pushed == 0:
            halt = self._witness(client)
        pulled = self._pull(client)
        # Files after events and reference data: a slow or refused file never holds those up.
        blobs = self._upload_blobs(client)
        self._send_heartbeat(client)
        return CycleResult(pushed, acknowledged, pulled, halt or "", blobs)

    def _upload_blobs(self, client: SyncClient) -> int:
        if self._blobs is None:
            return 0

        def put(sha256: str, data: bytes) -> None:
            self._authed(client, lambda t: client.put_blob(t, sha256, data))

        return upload_pending(self._blobs, put).uploaded

    def heartbeat(self) -> wire.Heartbeat:
        """What this station reports about itself (docs §14)."""
        last_seq, head_hash = self._store.chain_head()
        summary = self._store.pending_summary()
        age = None
        if summary.oldest_hlc_ms is not None:
            age = max(0, (self._now_ms() - summary.oldest_hlc_ms) // 1000)
        checkpoint = self._store.last_checkpoint()
        return wire.Heartbeat(
            last_seq=last_seq,
            head_hash=head_hash,
            pending_count=summary.count,
            oldest_pending_age_s=age,
            last_checkpoint_size=None if checkpoint is None else checkpoint.tree_size,
            pending_blobs=self._refresh_blob_count(),
            app_version=self._app_version,
        )

    def _refresh_blob_count(self) -> int:
        self._blob_count = None
        return self.pending_blob_count()

    def pending_blob_count(self) -> int:
        """Evidence files not yet uploaded. Listing the blob store costs a directory walk, so
        the count is cached for a few seconds (the status bar asks every two)."""
        if self._blobs is None:
            return 0
        now = self._now_ms()
        if self._blob_count is None or now - self._blob_count[0] > _BLOB_COUNT_TTL_MS:
            self._blob_count = (now, self._blobs.pending_blob_count())
        return self._blob_count[1]

    def _send_heartbeat(self, client: SyncClient) -> None:
        beat = self.heartbeat()
        try:
            self._authed(client, lambda t: client.heartbeat(t, self.station_id, beat))
        except SyncFailed as exc:
            # Liveness reporting only: the cycle's real work is done and stays done.
            log.warning("heartbeat not delivered: %s", exc.message)

    def clear_halt(self) -> str:
        """Forget the sync stop (a supervisor's decision, recorded by the caller as an event);
        return the reason it had. The next cycle pushes again and stops again if the server
        still rejects the event."""
        reason = self.halted_reason()
        self._store.meta_put(META_HALT, None)
        return reason

    def halted_reason(self) -> str:
        raw = self._store.meta_get(META_HALT)
        if not raw:
            return ""
        return str(json.loads(raw).get("words", raw))

    def _authed(self, client: SyncClient, call: Callable[[str], _R]) -> _R:
        if self._token is None or self._token.expires_at_ms - 30_000 < self._now_ms():
            self._token = client.login(self.station_id, self._key.sign_digest)
        try:
            return call(self._token.token)
        except Unauthorized:
            # Expired or the server's secret changed: log in once more, then give up.
            self._token = client.login(self.station_id, self._key.sign_digest)
            return call(self._token.token)

    def _batch_from(self, from_seq: int | None) -> tuple[list[LedgerRow], str]:
        """The next batch to push (``from_seq`` None: the oldest unacknowledged events) and
        its encoded wire JSON."""
        rows = self._store.pending_rows(from_seq=from_seq, limit=self._batch)
        return rows, encode_events(rows)

    def _push(self, client: SyncClient) -> tuple[int, int, str]:
        # While the server checks and stores one batch, a helper thread reads and encodes the
        # next one (read-only; SQLite WAL readers do not block the writer). It is used only if
        # the answer acknowledged the whole batch; anything else (409, halt, a rejected event)
        # throws it away and reads again, so the look-ahead can never skip an event.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-read-ahead") as reader:
            return self._push_batches(client, reader)

    def _push_batches(self, client: SyncClient, reader: ThreadPoolExecutor) -> tuple[int, int, str]:
        pushed = acknowledged = 0
        resend_from: int | None = None
        last_409: int | None = None
        known = self._store.last_checkpoint()
        ahead: Future[tuple[list[LedgerRow], str]] | None = None
        for _ in range(self._max_batches):
            if ahead is not None:
                rows, encoded = ahead.result()
                ahead = None
            else:
                rows, encoded = self._batch_from(resend_from)
            if not rows:
                break
            if resend_from is None:
                ahead = reader.submit(self._batch_from, rows[-1].seq + 1)
            size = known.tree_size if known else None
            answer = self._authed(
                client,
                lambda t, r=rows, k=size, e=encoded: client.push(t, self.station_id, r, k, e),
            )
            pushed += len(rows)
            if isinstance(answer, wire.ExpectedSeq):
                ahead = None
                if answer.expected_seq == last_409:
                    raise ServerRefused(
                        why=f"it keeps asking for event #{answer.expected_seq}, which this "
                        "station cannot provide"
                    )
                last_409 = resend_from = answer.expected_seq
                continue
            try:
                seen = self._verify_log(client, answer.checkpoint, answer.consistency, known)
            except _LogRejected as exc:
                # Receipts from a server whose log does not verify acknowledge nothing: the
                # events stay pending (a later push is answered "duplicate").
                return pushed, acknowledged, self._halt_log(exc.words)
            receipts, newly, halt = self._receipts(rows, answer)
            self._store.record_receipts(receipts, seen)
            known = seen or known
            acknowledged += newly
            if newly != len(rows):
                ahead = None  # the read-ahead assumed every event of this batch acknowledged
            if self._hlc is not None:
                self._hlc.receive(HlcTimestamp(answer.server_hlc.l, answer.server_hlc.c))
            if halt:
                return pushed, acknowledged, halt
            if resend_from is not None:
                resend_from = rows[-1].seq + 1
        return pushed, acknowledged, ""

    def _receipts(
        self, rows: Sequence[LedgerRow], answer: wire.PushResponse
    ) -> tuple[list[StoredReceipt], int, str]:
        sent = {row.event_id: row for row in rows}
        stored: list[StoredReceipt] = []
        newly = 0
        halt = ""
        for receipt in answer.receipts:
            row = sent.get(receipt.event_id)
            if row is None or row.seq != receipt.seq:
                continue  # F4: never acknowledge from a receipt that is not for what we sent
            ok = receipt.status.stored and receipt.server_seq is not None
            stored.append(
                StoredReceipt(
                    seq=row.seq,
                    event_id=row.event_id,
                    status=receipt.status.value,
                    server_seq=receipt.server_seq,
                    acknowledged=ok,
                    receipt_json=receipt.model_dump_json(),
                )
            )
            newly += ok
            code = receipt.reason.partition(":")[0]
            if not ok and not halt and code != wire.RejectReason.NOT_PROCESSED.value:
                try:
                    words = REJECT_WORDS[wire.RejectReason(code)]
                except (ValueError, KeyError):
                    words = f"the server rejected event #{row.seq} ({receipt.reason})"
                halt = f"event #{row.seq}: {words}"
                self._store.meta_put(
                    META_HALT,
                    json.dumps(
                        {
                            "seq": row.seq,
                            "event_id": row.event_id,
                            "reason": receipt.reason,
                            "words": halt,
                            "at_ms": self._now_ms(),
                        }
                    ),
                )
        return stored, newly, halt

    def _pull(self, client: SyncClient) -> int:
        cursor = self._store.ref_cursor() or 0
        pulled = 0
        for _ in range(_MAX_PAGES):
            page = self._authed(client, lambda t, c=cursor: client.changes(t, c))
            if isinstance(page, wire.Refetch):
                snapshot = self._authed(client, client.snapshot)
                self._store.replace_ref_snapshot(_changes(snapshot.rows), snapshot.cursor)
                pulled += len(snapshot.rows) or 1
                cursor = snapshot.cursor
                continue
            if page.rows or page.next_cursor != cursor:
                self._store.apply_ref_page(_changes(page.rows), page.next_cursor)
                pulled += len(page.rows)
                cursor = page.next_cursor
            if not page.has_more:
                break
        return pulled

    # ---- the server's tamper-evident log (docs §10: stations as witnesses) ----

    def last_checkpoint_seen(self) -> CheckpointSeen | None:
        """The last server checkpoint this station verified (for heartbeats and the UI)."""
        return self._store.last_checkpoint()

    def _pinned_key(self, client: SyncClient) -> VerifierKey:
        enrolment = self._store.enrolment()
        text = (enrolment.checkpoint_key if enrolment else "") or (
            self._store.meta_get(META_CHECKPOINT_KEY) or ""
        )
        if not text:
            # Enrolled before the server signed checkpoints: trust the key on first use.
            text = self._authed(client, client.checkpoint).checkpoint_key
            if not text:
                raise _LogRejected("the server does not publish a checkpoint key")
            self._store.meta_put(META_CHECKPOINT_KEY, text)
        try:
            return VerifierKey.parse(text)
        except CheckpointError as exc:
            raise _LogRejected(str(exc)) from exc

    def _verify_log(
        self,
        client: SyncClient,
        note: str,
        proof_b64: Sequence[str],
        known: CheckpointSeen | None,
    ) -> CheckpointSeen | None:
        """Check ``note``'s signature with the pinned key and its consistency with ``known``;
        return it when it is new, None when it is the one already stored. Raises
        :class:`_LogRejected` in plain words otherwise."""
        if not note:
            raise _LogRejected("the server sent no signed checkpoint of its log")
        try:
            checkpoint = verify_checkpoint(note, self._pinned_key(client))
        except CheckpointError as exc:
            raise _LogRejected(f"the server's log checkpoint was refused: {exc}") from exc
        if known is not None:
            try:
                proof = [base64.b64decode(p, validate=True) for p in proof_b64]
                verify_consistency(
                    known.tree_size,
                    checkpoint.size,
                    proof,
                    bytes.fromhex(known.root_hex),
                    checkpoint.root,
                )
            except (ProofError, ValueError) as exc:
                raise _LogRejected(
                    f"the server's log of {checkpoint.size} events does not contain the log of "
                    f"{known.tree_size} events this station verified before ({exc}); the server "
                    "may have rewritten or lost history"
                ) from exc
            if checkpoint.size == known.tree_size:
                return None
        return CheckpointSeen(
            tree_size=checkpoint.size,
            root_hex=checkpoint.root_hex,
            note=checkpoint.note,
            verified_at_ms=self._now_ms(),
        )

    def _witness(self, client: SyncClient) -> str:
        """A cycle that pushed nothing still checks the server's newest checkpoint."""
        known = self._store.last_checkpoint()
        note = self._authed(client, client.checkpoint).checkpoint
        proof: list[str] = []
        try:
            size = verify_checkpoint(note, self._pinned_key(client)).size if note else 0
            if known is not None and known.tree_size < size:
                proof = self._authed(
                    client, lambda t: client.consistency(t, known.tree_size, size)
                ).proof
            seen = self._verify_log(client, note, proof, known)
        except CheckpointError as exc:
            return self._halt_log(f"the server's log checkpoint was refused: {exc}")
        except _LogRejected as exc:
            return self._halt_log(exc.words)
        if seen is not None:
            self._store.save_checkpoint(seen)
        return ""

    def _halt_log(self, words: str) -> str:
        halt = f"server log check failed: {words}"
        self._store.meta_put(
            META_HALT,
            json.dumps({"reason": "checkpoint", "words": halt, "at_ms": self._now_ms()}),
        )
        return halt

    def raise_if_halted(self) -> None:
        reason = self.halted_reason()
        if reason:
            raise SyncHalted(reason=reason)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _changes(rows: Sequence[wire.RefRow]) -> list[ReferenceChange]:
    return [
        ReferenceChange(
            kind=r.kind,
            row_id=r.row_id,
            change_seq=r.change_seq,
            deleted=r.deleted,
            body_json=canonical_json(r.body).decode(),
        )
        for r in rows
    ]
