"""Hybrid logical clock (Kulkarni, Demirbas et al., 2014): a cross-station ordering hint.

It stays close to wall time and never goes backwards when the OS clock does. It is not a
conflict-resolution tool; within a station ``seq`` is the order of truth.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class HlcTimestamp:
    """(``l`` physical milliseconds, ``c`` counter); ties across stations break on station id."""

    l: int  # noqa: E741 - the name the paper and the wire format use
    c: int

    def to_wire(self) -> dict[str, int]:
        return {"l": self.l, "c": self.c}


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridLogicalClock:
    """One station's HLC. Thread-safe; the clock source is injected for tests."""

    def __init__(
        self, now_ms: Callable[[], int] = wall_clock_ms, last: HlcTimestamp | None = None
    ) -> None:
        self._now_ms = now_ms
        self._last = last or HlcTimestamp(0, 0)
        self._lock = threading.Lock()

    @property
    def last(self) -> HlcTimestamp:
        return self._last

    def tick(self) -> HlcTimestamp:
        """Timestamp a local event."""
        with self._lock:
            prev = self._last
            physical = max(prev.l, self._now_ms())
            counter = prev.c + 1 if physical == prev.l else 0
            self._last = HlcTimestamp(physical, counter)
            return self._last

    def receive(self, remote: HlcTimestamp) -> HlcTimestamp:
        """Take in a remote timestamp (e.g. the server's in a sync response)."""
        with self._lock:
            prev = self._last
            physical = max(prev.l, remote.l, self._now_ms())
            if physical == prev.l == remote.l:
                counter = max(prev.c, remote.c) + 1
            elif physical == prev.l:
                counter = prev.c + 1
            elif physical == remote.l:
                counter = remote.c + 1
            else:
                counter = 0
            self._last = HlcTimestamp(physical, counter)
            return self._last
