"""De-duplication and filtering of raw RFID reads into presence events.

A tag in the field is reported many times per second; raw reads must never become custody
records. :class:`TagPresencePipeline` turns normalised :class:`~drivers.gen2.TagRead` values into
a few :class:`TagEvent` values per tag:

* ``ARRIVED``: first read (above the RSSI gate) of a tag not currently present;
* ``CONFIRMED``: the tag reached ``confirm_reads`` reads within ``confirm_window_s`` (the rule a
  service may use to commit an intake without an operator click); at most once per presence;
* ``DEPARTED``: the tag has not been read for ``window_s``.

Pure: time comes from each read's ``received_at`` and from the ``now`` passed to
:meth:`TagPresencePipeline.expire`; nothing reads a clock. Not thread-safe; one owner thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

from drivers.gen2 import TagRead


class TagEventKind(Enum):
    ARRIVED = "arrived"
    CONFIRMED = "confirmed"
    DEPARTED = "departed"


@dataclass(frozen=True, slots=True)
class TagEvent:
    """A change in a tag's presence, with the statistics gathered so far.

    ``at`` is the time the event happened: the read time for ARRIVED/CONFIRMED and
    ``last_seen + window_s`` for DEPARTED. ``best_antenna`` is the antenna with the strongest
    RSSI seen during this presence (None if no read had both).
    """

    kind: TagEventKind
    epc_hex: str
    at: float
    first_seen: float
    last_seen: float
    read_count: int
    max_rssi_dbm: int | None
    best_antenna: int | None
    reader_id: str


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Tuning of the pipeline (per site).

    ``rssi_min_dbm``: reads weaker than this are ignored (keeps the next bench's tags out);
    reads without RSSI pass. ``window_s``: unseen this long means departed.
    """

    window_s: float = 2.5
    rssi_min_dbm: int | None = -65
    confirm_reads: int = 3
    confirm_window_s: float = 1.0

    def __post_init__(self) -> None:
        if self.window_s <= 0 or self.confirm_window_s <= 0:
            raise ValueError("window_s and confirm_window_s must be positive")
        if self.confirm_reads < 1:
            raise ValueError("confirm_reads must be at least 1")


@dataclass
class _Presence:
    first_seen: float
    last_seen: float
    reader_id: str
    read_count: int = 0
    max_rssi_dbm: int | None = None
    best_antenna: int | None = None
    confirmed: bool = False
    recent: deque[tuple[float, int]] = field(default_factory=deque)


class TagPresencePipeline:
    """Per-EPC time-window de-duplication with an RSSI gate; see the module docstring."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self._config = config or PipelineConfig()
        self._present: dict[str, _Presence] = {}

    @property
    def present_epcs(self) -> frozenset[str]:
        """EPCs currently considered in the field."""
        return frozenset(self._present)

    def process(self, read: TagRead) -> list[TagEvent]:
        """Account for one read at ``read.received_at``; return the events it causes.

        Departures that fell due before this read are emitted first, so a tag that left and came
        back yields DEPARTED then ARRIVED.
        """
        now = read.received_at
        events = self.expire(now)
        cfg = self._config
        gate = cfg.rssi_min_dbm
        if gate is not None and read.rssi_dbm is not None and read.rssi_dbm < gate:
            return events
        presence = self._present.get(read.epc_hex)
        if presence is None:
            presence = _Presence(first_seen=now, last_seen=now, reader_id=read.reader_id)
            self._present[read.epc_hex] = presence
            self._update(presence, read, now)
            events.append(self._event(TagEventKind.ARRIVED, read.epc_hex, presence, now))
        else:
            self._update(presence, read, now)
        if not presence.confirmed and self._recent_reads(presence, now) >= cfg.confirm_reads:
            presence.confirmed = True
            events.append(self._event(TagEventKind.CONFIRMED, read.epc_hex, presence, now))
        return events

    def expire(self, now: float) -> list[TagEvent]:
        """Emit DEPARTED for every tag unseen for ``window_s`` at ``now``; call periodically."""
        events: list[TagEvent] = []
        for epc, presence in list(self._present.items()):
            gone_at = presence.last_seen + self._config.window_s
            if now >= gone_at:
                del self._present[epc]
                events.append(self._event(TagEventKind.DEPARTED, epc, presence, gone_at))
        events.sort(key=lambda e: e.at)
        return events

    def _update(self, presence: _Presence, read: TagRead, now: float) -> None:
        # Readers can deliver slightly out of order; time only moves forward.
        presence.last_seen = max(presence.last_seen, now)
        presence.read_count += read.read_count
        presence.recent.append((now, read.read_count))
        if read.rssi_dbm is not None and (
            presence.max_rssi_dbm is None or read.rssi_dbm > presence.max_rssi_dbm
        ):
            presence.max_rssi_dbm = read.rssi_dbm
            if read.antenna is not None:
                presence.best_antenna = read.antenna
        elif presence.best_antenna is None and read.antenna is not None:
            presence.best_antenna = read.antenna

    def _recent_reads(self, presence: _Presence, now: float) -> int:
        horizon = now - self._config.confirm_window_s
        while presence.recent and presence.recent[0][0] < horizon:
            presence.recent.popleft()
        return sum(count for _, count in presence.recent)

    @staticmethod
    def _event(kind: TagEventKind, epc: str, presence: _Presence, at: float) -> TagEvent:
        return TagEvent(
            kind=kind,
            epc_hex=epc,
            at=at,
            first_seen=presence.first_seen,
            last_seen=presence.last_seen,
            read_count=presence.read_count,
            max_rssi_dbm=presence.max_rssi_dbm,
            best_antenna=presence.best_antenna,
            reader_id=presence.reader_id,
        )
