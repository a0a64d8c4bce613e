"""The label print queue: one worker thread owns the printer connection and sends jobs in order.
A job that fails (printer off, unplugged, out of reach, refusing the job) stays at the head of
the queue and is retried every ``retry_interval_s`` or at once on :meth:`PrintQueue.retry_now`;
nothing is lost while the printer is offline. ``on_delivered`` of a job runs on the worker
thread after the printer accepted every byte (the palletizing service records ``label.printed``
there).

Targets: ``tcp://host[:9100]`` and ``serial:<port>`` take ZPL (``drivers.zpl``);
``os:<printer name>`` takes PDF and goes to the injected ``os_printer`` (Qt's print support,
wired by ``bootstrap``; this package stays Qt-free).

Thread contract: any thread may call :meth:`submit`, :meth:`jobs`, :meth:`retry_now`,
:meth:`cancel` and :meth:`close`.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from app.domain.printing import OS_PRINTER_PREFIX, JobState, PrintFailed, PrintJobStatus
from drivers import zpl
from drivers.errors import DriverError

log = logging.getLogger(__name__)

Sender = Callable[[str, bytes], None]
#: Prints PDF bytes on the OS printer of that name; raises ``PrintFailed`` in operator words.
OsPrinterSender = Callable[[str, bytes], None]


class OsPrinter(Protocol):
    """The operating system's printers (``app.ui.os_printer.QtOsPrinter`` in the GUI)."""

    def printer_names(self) -> list[str]: ...

    def print_pdf(self, name: str, pdf: bytes, title: str = ...) -> None: ...


def send_to_printer(url: str, data: bytes) -> None:
    """The real sender: ZPL over TCP 9100 or a serial port (``drivers.zpl``)."""
    zpl.send(url, data, timeout_s=5.0)


@dataclass
class _Job:
    status: PrintJobStatus
    data: bytes
    on_delivered: Callable[[], None] | None


class PrintQueue:
    """FIFO print jobs for label printers, surviving an offline printer."""

    def __init__(
        self,
        sender: Sender = send_to_printer,
        *,
        retry_interval_s: float = 10.0,
        on_change: Callable[[PrintJobStatus], None] | None = None,
        keep_done: int = 50,
        os_printer: OsPrinterSender | None = None,
    ) -> None:
        self._sender = sender
        self._os_printer = os_printer
        self._retry_interval_s = retry_interval_s
        self._on_change = on_change
        self._keep_done = keep_done
        self._pending: deque[_Job] = deque()
        self._done: deque[PrintJobStatus] = deque(maxlen=keep_done)
        self._cond = threading.Condition()
        self._wake = False
        self._closed = False
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="label-printer", daemon=True)
        self._thread.start()

    def submit(
        self,
        target: str,
        data: bytes,
        description: str,
        on_delivered: Callable[[], None] | None = None,
    ) -> str:
        """Queue ``data`` for the printer at ``target`` (a ``drivers.zpl`` URL, or
        ``os:<name>`` with PDF ``data``); returns the job id. Raises ``ValueError`` at once
        for a malformed printer URL or an OS printer on a station without OS printing."""
        self.check_target(target)
        with self._cond:
            job_id = f"print-{next(self._ids)}"
            status = PrintJobStatus(job_id, description, target, JobState.QUEUED, 0, "")
            self._pending.append(_Job(status, data, on_delivered))
            self._wake = True
            self._cond.notify_all()
        self._notify(status)
        return job_id

    @property
    def os_printing(self) -> bool:
        """True when ``os:`` targets can be printed (an OS printer sender was injected)."""
        return self._os_printer is not None

    def check_target(self, target: str) -> None:
        """Raise ``ValueError`` naming the problem if ``target`` cannot be printed to."""
        if target.startswith(OS_PRINTER_PREFIX):
            if not target.removeprefix(OS_PRINTER_PREFIX).strip():
                raise ValueError(f"printer URL {target!r} names no OS printer")
            if self._os_printer is None:
                raise ValueError("this station cannot print to OS printers (no print support)")
            return
        zpl.parse_printer_url(target)

    def _send(self, target: str, data: bytes) -> None:
        if target.startswith(OS_PRINTER_PREFIX):
            assert self._os_printer is not None  # check_target refused it otherwise
            self._os_printer(target.removeprefix(OS_PRINTER_PREFIX), data)
        else:
            self._sender(target, data)

    def jobs(self) -> list[PrintJobStatus]:
        """Waiting jobs first (in print order), then the most recent finished ones."""
        with self._cond:
            return [j.status for j in self._pending] + list(reversed(self._done))

    def retry_now(self) -> None:
        with self._cond:
            self._wake = True
            self._cond.notify_all()

    def cancel(self, job_id: str) -> bool:
        """Drop a waiting job (e.g. the printer is gone for good); True if it was waiting."""
        with self._cond:
            for job in list(self._pending):
                if job.status.job_id == job_id:
                    self._pending.remove(job)
                    status = replace(job.status, state=JobState.CANCELLED)
                    self._done.append(status)
                    break
            else:
                return False
        self._notify(status)
        return True

    def wait_idle(self, timeout_s: float) -> bool:
        """For tests and shutdown: True once nothing waits (False at the deadline)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending, timeout=timeout_s)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=10)

    def _notify(self, status: PrintJobStatus) -> None:
        if self._on_change is not None:
            self._on_change(status)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or (self._pending and self._wake))
                if self._closed:
                    return
                job = self._pending[0]
                self._wake = False
            try:
                self._send(job.status.target, job.data)
            except (DriverError, ValueError, PrintFailed) as exc:
                self._failed(job, exc)
                continue
            status = replace(
                job.status, state=JobState.PRINTED, attempts=job.status.attempts + 1, error=""
            )
            with self._cond:
                if self._pending and self._pending[0] is job:
                    self._pending.popleft()
                self._done.append(status)
                self._wake = True  # the next job goes at once
                self._cond.notify_all()
            self._notify(status)
            if job.on_delivered is not None:
                try:
                    job.on_delivered()
                except Exception:
                    # The label is printed; a failure to record it is a bug to see in the log,
                    # and must not stop the queue.
                    log.exception("recording print job %s failed", status.job_id)

    def _failed(self, job: _Job, exc: Exception) -> None:
        message = f"printer {job.status.target} did not take the label ({exc}); retrying"
        status = replace(
            job.status,
            state=JobState.RETRYING,
            attempts=job.status.attempts + 1,
            error=message,
        )
        with self._cond:
            job.status = status
            self._cond.notify_all()
        log.warning("print job %s: %s", status.job_id, message)
        self._notify(status)
        with self._cond:
            # Wait for the retry interval, a new job, retry_now() or close.
            self._cond.wait_for(lambda: self._closed or self._wake, timeout=self._retry_interval_s)
            self._wake = True
