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
