"""Content-addressed files (photos, signatures, reports, manifests): stored once under
``data_dir/blobs/ab/cd/<sha256>``, referenced from events by their SHA-256.

Any thread. Writes go to a temporary file in the same folder, are fsynced and then renamed, so a
blob is either complete or absent; writing the same content twice is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def path_of(self, sha256: str) -> Path:
        if not _SHA256_RE.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self._root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 (hex)."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_of(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def put_file(self, path: Path) -> str:
        return self.put(path.read_bytes())

    def get(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    def hashes(self) -> Iterator[str]:
        """The SHA-256 of every complete blob (temporary ``.incoming-`` files are skipped)."""
        if not self._root.is_dir():
            return
        for first in sorted(self._root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for entry in sorted(second.iterdir()):
                    if _SHA256_RE.match(entry.name):
                        yield entry.name
