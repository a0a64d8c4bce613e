"""The I/O pool: file work (manifest parsing, previews) off both the GUI thread and the DB
worker, so a large import never delays a scan's feedback.

Thread contract as :class:`TaskRunner`: ``run`` on the GUI thread, ``fn`` on a pool thread,
callbacks on the GUI thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject

from app.ui.task_runner import TaskRunner


class IoTaskRunner(TaskRunner):
    """A :class:`TaskRunner` over a small pool of I/O threads instead of the DB worker."""

    def __init__(
        self, parent: QObject | None = None, workers: int = 2, name: str = "io-pool"
    ) -> None:
        super().__init__(parent)
        self._executor.shutdown(wait=False)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
