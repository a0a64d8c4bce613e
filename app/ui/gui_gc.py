"""Garbage collection on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold trips.
If that is a worker thread (the DB worker, a port worker) and the garbage holds Qt wrappers from
closed windows, Qt objects get destroyed off the GUI thread and the process can crash. So the
station turns automatic collection off and collects on the GUI thread from a timer instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadGarbageCollector(QObject):
    """While alive, cyclic GC runs only here, on the GUI thread, every ``interval_ms``.

    Create it on the GUI thread; call :meth:`stop` (or let it be destroyed) to restore
    automatic collection.
    """

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
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
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        gc.enable()
