"""Print jobs as the UI and services see them (the queue itself is ``app.devices.printer``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RETRYING = "retrying"  # the last attempt failed; the queue tries again
    PRINTED = "printed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PrintJobStatus:
    job_id: str
    description: str
    target: str
    state: JobState
    attempts: int
    error: str  # the last failure in operator words; "" if none


class PrintFormat(enum.StrEnum):
    ZPL = "zpl"  # Zebra thermal printers (TCP 9100 or a serial port)
    PDF = "pdf"  # any printer the operating system knows, through Qt's print support


#: Print-target URL prefix of an operating-system printer: ``os:<printer name>``.
OS_PRINTER_PREFIX = "os:"


@dataclass(frozen=True, slots=True)
class PrintTarget:
    """Somewhere a label can be printed: the configured Zebra printer (``tcp://``,
    ``serial:``) takes ZPL; an OS printer (``os:<name>``) takes PDF."""

    url: str
    title: str
    format: PrintFormat

    @staticmethod
    def os_printer(name: str) -> PrintTarget:
        return PrintTarget(f"{OS_PRINTER_PREFIX}{name}", f"{name} (PDF)", PrintFormat.PDF)

    @staticmethod
    def format_of(url: str) -> PrintFormat:
        return PrintFormat.PDF if url.startswith(OS_PRINTER_PREFIX) else PrintFormat.ZPL


class PrintFailed(Exception):
    """An OS printer refused or could not take a job. The message is in operator words (the
    print queue shows it beside the waiting job and retries)."""
