"""One station process per data directory, enforced with an OS file lock.

SQLite itself would let two processes write the same file; two station windows on one ledger
would interleave operators and confuse the bench, so the second one is refused up front.
The OS drops the lock when the process dies, even by SIGKILL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


class ProcessLockHeld(Exception):
    """Another live process holds the lock."""


class ProcessLock:
    """Holds an exclusive lock on ``path`` until :meth:`release` (or process exit)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held for the process lifetime
        try:
            _lock(handle)
        except OSError as exc:
            handle.close()
            raise ProcessLockHeld(str(self.path)) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None


if os.name == "nt":  # pragma: no cover - exercised on Windows stations only
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
