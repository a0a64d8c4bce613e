"""The task runner: every slow call (database, verification, file work) runs off the GUI thread
and its result comes back to the GUI thread through a queued Qt signal.

Thread contract: ``run`` is called on the GUI thread; ``fn`` runs on the runner's single worker
thread (the station's DB worker, so writes are serialised); callbacks run on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class TaskRunner(QObject):
    """Runs callables on one worker thread and delivers results on the GUI thread."""

    _finished = Signal(object)  # a zero-argument closure to run on the GUI thread
    busy_changed = Signal(bool)

    # Tasks pending in every runner of the process (GUI thread only, like ``run``): the
    # GUI-thread garbage collector postpones its long collections while workers are busy.
    _pending_everywhere = 0

    @classmethod
    def pending_everywhere(cls) -> int:
        """Tasks submitted to any runner whose callbacks have not run yet (GUI thread)."""
        return TaskRunner._pending_everywhere

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-worker")
        self._pending = 0
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> int:
        """Tasks submitted whose callbacks have not run yet."""
        return self._pending

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback,
    ) -> Future[Any]:
        """Run ``fn`` on the worker; then ``on_done(result)`` or ``on_error(exc)`` on the GUI
        thread. Both callbacks are required: a task whose failure nobody handles is a bug."""
        self._pending += 1
        TaskRunner._pending_everywhere += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        future = self._executor.submit(fn)

        def _deliver(done: Future[Any]) -> None:
            exc = done.exception()
            if exc is None:
                result = done.result()
                self._finished.emit(lambda: on_done(result))
            else:
                self._finished.emit(lambda: on_error(exc))

        future.add_done_callback(_deliver)
        return future

    @Slot(object)
    def _on_finished(self, callback: Callable[[], None]) -> None:
        self._pending -= 1
        TaskRunner._pending_everywhere -= 1
        try:
            callback()
        finally:
            if self._pending == 0:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Finish queued work (nothing an operator did may be lost) and stop the worker."""
        self._executor.shutdown(wait=True)
