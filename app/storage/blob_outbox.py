"""Which evidence files still have to reach the server (implements
``app.sync.blob_upload.BlobOutbox``).

The blob store is the outbox: every file in it is evidence some event refers to by hash. A row
in ``blob_uploads`` records that the server confirmed holding a file (or that it cannot be sent);
files without a row are pending. The row is written only after the server's confirming answer,
so a crash between upload and bookkeeping means one harmless re-upload (the server's PUT is
idempotent), never a lost file. Any thread; each call uses its own connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.storage import schema
from app.storage.blob_store import BlobStore

UPLOADED = "uploaded"
CORRUPT = "corrupt"  # the local file no longer matches its hash
REFUSED = "refused"  # the server refused it (too large...): not retried automatically


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class SqliteBlobOutbox:
    def __init__(
        self, engine: Engine, blobs: BlobStore, now_ms: Callable[[], int] = _now_ms
    ) -> None:
        self._engine = engine
        self._blobs = blobs
        self._now_ms = now_ms

    def _settled(self) -> set[str]:
        table = schema.blob_uploads
        with self._engine.connect().execution_options(station_read_only=True) as conn:
            return set(conn.execute(select(table.c.sha256)).scalars())

    def pending_blobs(self, limit: int) -> list[str]:
        """Up to ``limit`` hashes of files not yet confirmed by the server."""
        settled = self._settled()
        out: list[str] = []
        for sha256 in self._blobs.hashes():
            if sha256 not in settled:
                out.append(sha256)
                if len(out) >= limit:
                    break
        return out

    def pending_blob_count(self) -> int:
        settled = self._settled()
        return sum(1 for sha256 in self._blobs.hashes() if sha256 not in settled)

    def problem_blobs(self) -> dict[str, str]:
        """``sha256 → why`` of files that could not be sent (corrupt or refused)."""
        table = schema.blob_uploads
        with self._engine.connect().execution_options(station_read_only=True) as conn:
            rows = conn.execute(
                select(table.c.sha256, table.c.status, table.c.detail).where(
                    table.c.status != UPLOADED
                )
            ).all()
        return {r.sha256: f"{r.status}: {r.detail}" for r in rows}

    def uploaded_count(self) -> int:
        table = schema.blob_uploads
        with self._engine.connect().execution_options(station_read_only=True) as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(table).where(table.c.status == UPLOADED)
                ).scalar_one()
            )

    def read_blob(self, sha256: str) -> bytes:
        return self._blobs.get(sha256)

    def mark(self, sha256: str, size_bytes: int, status: str, detail: str = "") -> None:
        stmt = sqlite_insert(schema.blob_uploads).values(
            sha256=sha256, size_bytes=size_bytes, status=status, at_ms=self._now_ms(), detail=detail
        )
        with self._engine.begin() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["sha256"],
                    set_={
                        "status": stmt.excluded.status,
                        "at_ms": stmt.excluded.at_ms,
                        "detail": stmt.excluded.detail,
                    },
                )
            )
