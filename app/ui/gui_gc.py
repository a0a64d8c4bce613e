"""Garbage collection on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold trips.
If that is a worker thread (the DB worker, a port worker) and the garbage holds Qt wrappers from
closed windows, Qt objects get destroyed off the GUI thread and the process can crash. So the
station turns automatic collection off and collects on the GUI thread from a timer instead.

A collection holds the GIL, so it stalls every thread, not only the GUI. A collection of the
older generations walks every tracked object: while a worker builds a 100,000-line manifest
import that took 120-280 ms (measured by tests/benchmarks/bench_receiving), and a scan's
feedback waited for it. So while any task runner has work pending, only the young generation
is collected; the older ones wait until the workers are idle (at most
``MAX_POSTPONE_S``, so memory stays bounded under constant load).
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

from app.ui.task_runner import TaskRunner

#: The longest the older generations' collection waits for idle workers.
MAX_POSTPONE_S = 10.0


class GuiThreadGarbageCollector(QObject):
    """While alive, cyclic GC runs only here, on the GUI thread, every ``interval_ms``.

    Create it on the GUI thread; call :meth:`stop` (or let it be destroyed) to restore
    automatic collection.
    """

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._postponed_since: float | None = None  # monotonic time an old-gen collection was due
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start(interval_ms)

    def _on_timer_timeout(self) -> None:
        # Collect each generation when its count passes the threshold, as the automatic
        # collector would, so a busy station does not pay for a full collection every tick.
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                if generation > 0 and self._postpone():
                    continue  # the young generation may still be due
                self._postponed_since = None
                gc.collect(generation)
                return

    def _postpone(self) -> bool:
        """Whether a due collection of an older generation should wait: yes while a task
        runner has work pending, for at most ``MAX_POSTPONE_S``."""
        if TaskRunner.pending_everywhere() <= 0:
            return False
        now = time.monotonic()
        if self._postponed_since is None:
            self._postponed_since = now
        return now - self._postponed_since < MAX_POSTPONE_S

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        gc.enable()
