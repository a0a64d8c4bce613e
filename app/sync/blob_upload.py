"""Uploading evidence files (content-addressed blobs) to the server (docs: sync-protocol §13).

Events carry only the SHA-256 of their files, so the server accepts them before the files arrive
("blob pending"); this module sends the files afterwards, each with an idempotent
``PUT /v1/blobs/{sha256}`` that the server verifies against the hash. Rules:

* A file is marked sent only after the server's 200/201 (F4); a lost answer means sending it
  again, which the server answers without storing it twice (F5).
* The local copy is hashed before sending: a file that no longer matches its name is never sent
  and is reported ("corrupt"), so one bad file cannot stall the rest.
* A file the server refuses outright (too large...) is set aside ("refused") and reported; an
  unreachable server raises, and the next cycle simply carries on where this one stopped.
* Bounded work per cycle (count and bytes), like event batches.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app.domain.sync import ServerRefused
from app.sync.client import Unauthorized

log = logging.getLogger(__name__)

MAX_BLOBS_PER_CYCLE = 64
MAX_BYTES_PER_CYCLE = 64 * 1024 * 1024
UPLOADED = "uploaded"
CORRUPT = "corrupt"
REFUSED = "refused"


class BlobOutbox(Protocol):
    """The station's evidence files still to send (``app.storage.blob_outbox``)."""

    def pending_blobs(self, limit: int) -> list[str]: ...

    def pending_blob_count(self) -> int: ...

    def read_blob(self, sha256: str) -> bytes: ...

    def mark(self, sha256: str, size_bytes: int, status: str, detail: str = "") -> None: ...


@dataclass(frozen=True, slots=True)
class BlobRound:
    uploaded: int = 0
    set_aside: int = 0  # corrupt or refused this round


def upload_pending(
    outbox: BlobOutbox,
    put: Callable[[str, bytes], None],
    *,
    max_blobs: int = MAX_BLOBS_PER_CYCLE,
    max_bytes: int = MAX_BYTES_PER_CYCLE,
) -> BlobRound:
    """Send up to ``max_blobs`` pending files (and about ``max_bytes``) with ``put``.
    ``ServerUnreachable`` and other ``SyncFailed`` errors from ``put`` propagate, except a
    refusal of one file, which is recorded and skipped."""
    uploaded = set_aside = 0
    sent_bytes = 0
    for sha256 in outbox.pending_blobs(max_blobs):
        try:
            data = outbox.read_blob(sha256)
        except FileNotFoundError:
            continue  # removed since the listing: nothing to send
        if hashlib.sha256(data).hexdigest() != sha256:
            log.error("evidence file %s does not match its hash; not sent", sha256)
            outbox.mark(sha256, len(data), CORRUPT, "the file no longer matches its SHA-256")
            set_aside += 1
            continue
        try:
            put(sha256, data)
        except Unauthorized:
            raise  # about the station, not the file
        except ServerRefused as exc:
            log.error("server refused evidence file %s: %s", sha256, exc.message)
            outbox.mark(sha256, len(data), REFUSED, exc.message[:500])
            set_aside += 1
            continue
        outbox.mark(sha256, len(data), UPLOADED)
        uploaded += 1
        sent_bytes += len(data)
        if sent_bytes >= max_bytes:
            break
    return BlobRound(uploaded, set_aside)
