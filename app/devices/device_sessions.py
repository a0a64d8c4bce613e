"""One connected device's protocol loop: handshake, then poll slices that turn frames into
station events. A session lives for one connection; after an unplug the port worker builds a new
one (so no partial frame or half-finished state survives a reconnect).

Thread contract: created, used and closed by the owning port worker thread only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from app.domain.devices import (
    DeviceConfig,
    DeviceEvent,
    DeviceKind,
    DeviceScan,
    DeviceState,
    DeviceTagEvent,
    TagEventKind,
)
from drivers.barcode import BarcodeConfig, BarcodeScanner
from drivers.epc import decode_epc
from drivers.errors import DeviceReportedError, DeviceTimeout, DriverError, ProtocolError
from drivers.gen2 import TagRead
from drivers.rfid_mercury import MercuryReader
from drivers.rfid_pipeline import PipelineConfig, TagEvent, TagPresencePipeline
from drivers.rfid_r2000 import R2000Reader
from drivers.transport import PortLike

log = logging.getLogger(__name__)

Emit = Callable[[DeviceEvent], None]
Clock = Callable[[], float]

#: How long one poll slice may block: bounds how late a stop request is noticed.
POLL_SLICE_S = 0.05
HANDSHAKE_TIMEOUT_S = 1.0
#: An R2000 with no tag in the field answers at once; pace the rounds instead of spinning.
EMPTY_ROUND_PAUSE_S = 0.05


class DeviceSession(Protocol):
    ready_state: DeviceState
    #: Frames that could not be decoded (garbage, bad checksums) since the session began.
    bad_frames: int

    def handshake(self) -> str:
        """Talk to the device until it is ready; return a short description (firmware...)."""
        ...

    def step(self, emit: Emit) -> None:
        """Run one poll slice (at most about ``POLL_SLICE_S``), emitting what arrived."""
        ...

    def close(self) -> None:
        """Best effort goodbye to a still-connected device (stop the inventory)."""
        ...


class BarcodeSession:
    """A line-framed serial scanner: no handshake; every frame becomes a :class:`DeviceScan`."""

    ready_state = DeviceState.CONNECTED

    def __init__(self, port: PortLike, config: DeviceConfig, clock: Clock) -> None:
        self._name = config.name
        self._scanner = BarcodeScanner(
            port,
            BarcodeConfig(suffix=config.terminator.suffix),
            source=config.port,
            clock=clock,
        )
        self.bad_frames = 0

    def handshake(self) -> str:
        return ""

    def step(self, emit: Emit) -> None:
        try:
            scan = self._scanner.read_scan(POLL_SLICE_S)
        except DeviceTimeout:
            return
        except ProtocolError as exc:
            self.bad_frames += 1
            log.warning("%s: frame dropped: %s", self._name, exc)
            return
        emit(
            DeviceScan(
                device=self._name,
                value=scan.value,
                symbology=str(scan.symbology),
                aim_id=scan.aim_id,
                gs1=tuple((e.ai, e.value) for e in scan.gs1),
                received_at=scan.received_at,
            )
        )

    def close(self) -> None:
        """A scanner needs no goodbye."""


def _epc_uri(epc_hex: str) -> str:
    try:
        return decode_epc(epc_hex).pure_identity_uri
    except (ProtocolError, ValueError):
        return ""  # not a GS1 EPC (or a scheme we do not decode): the raw hex is kept


class _TagEvents:
    """Feeds reads into the presence pipeline and converts its events for the station."""

    def __init__(self, config: DeviceConfig, clock: Clock) -> None:
        self._name = config.name
        self._clock = clock
        self._pipeline = TagPresencePipeline(PipelineConfig(rssi_min_dbm=config.rssi_min_dbm))
        self._uris: dict[str, str] = {}

    def process(self, reads: list[TagRead], emit: Emit) -> None:
        for read in reads:
            for event in self._pipeline.process(read):
                emit(self._convert(event))

    def expire(self, emit: Emit) -> None:
        for event in self._pipeline.expire(self._clock()):
            emit(self._convert(event))

    def _convert(self, event: TagEvent) -> DeviceTagEvent:
        uri = self._uris.get(event.epc_hex)
        if uri is None:
            uri = self._uris[event.epc_hex] = _epc_uri(event.epc_hex)
        return DeviceTagEvent(
            device=self._name,
            kind=TagEventKind(event.kind.value),
            epc_hex=event.epc_hex,
            epc_uri=uri,
            rssi_dbm=event.max_rssi_dbm,
            antenna=event.best_antenna,
            read_count=event.read_count,
            at=event.at,
        )


class MercurySession:
    """ThingMagic Mercury: version → boot → region → continuous read."""

    ready_state = DeviceState.READING

    def __init__(self, port: PortLike, config: DeviceConfig, clock: Clock) -> None:
        self._config = config
        self._reader = MercuryReader(port, reader_id=config.name, clock=clock)
        self._tags = _TagEvents(config, clock)
        self.bad_frames = 0
        self._reading = False

    def handshake(self) -> str:
        version = self._reader.get_version(HANDSHAKE_TIMEOUT_S)
        try:
            self._reader.boot_firmware(HANDSHAKE_TIMEOUT_S)
        except DeviceReportedError as exc:
            # A module already running its application firmware refuses a second boot.
            log.info(
                "%s: boot firmware refused (0x%04X); already booted", self._config.name, exc.code
            )
        self._reader.set_region(self._config.region_code, HANDSHAKE_TIMEOUT_S)
        self._reader.start_reading(HANDSHAKE_TIMEOUT_S)
        self._reading = True
        return f"firmware {version[:4].hex(' ').upper()}" if version else ""

    def step(self, emit: Emit) -> None:
        try:
            reads = self._reader.read_tags(POLL_SLICE_S)
        except DeviceTimeout:
            self._tags.expire(emit)
            return
        except ProtocolError as exc:
            self.bad_frames += 1
            log.warning("%s: frame dropped: %s", self._config.name, exc)
            return
        except DeviceReportedError as exc:
            # Throttling, high return loss...: the module keeps going; keep the reason in the log.
            log.warning("%s: %s", self._config.name, exc)
            return
        self._tags.process(reads, emit)

    def close(self) -> None:
        if not self._reading:
            return
        try:
            self._reader.stop_reading(POLL_SLICE_S * 4)
        except DriverError as exc:
            log.info("%s: stop reading not acknowledged: %s", self._config.name, exc)


class R2000Session:
    """Impinj R2000 0xA0 protocol: firmware probe, then back-to-back real-time inventories."""

    ready_state = DeviceState.READING

    def __init__(
        self, port: PortLike, config: DeviceConfig, clock: Clock, stop: threading.Event
    ) -> None:
        self._config = config
        self._reader = R2000Reader(port, reader_id=config.name, clock=clock)
        self._tags = _TagEvents(config, clock)
        self._stop = stop
        self.bad_frames = 0

    def handshake(self) -> str:
        version = self._reader.get_firmware_version(HANDSHAKE_TIMEOUT_S)
        return f"firmware {'.'.join(str(b) for b in version)}" if version else ""

    def step(self, emit: Emit) -> None:
        try:
            reads = self._reader.inventory_round(repeat=1, timeout_s=HANDSHAKE_TIMEOUT_S)
        except DeviceTimeout:
            reads = []
        except ProtocolError as exc:
            self.bad_frames += 1
            log.warning("%s: frame dropped: %s", self._config.name, exc)
            reads = []
        except DeviceReportedError as exc:
            log.warning("%s: %s", self._config.name, exc)
            reads = []
        self._tags.process(reads, emit)
        self._tags.expire(emit)
        if not reads:
            self._stop.wait(EMPTY_ROUND_PAUSE_S)

    def close(self) -> None:
        """Real-time inventory stops by itself at the end of each round."""


def make_session(
    port: PortLike, config: DeviceConfig, clock: Clock, stop: threading.Event
) -> DeviceSession:
    if config.kind is DeviceKind.BARCODE:
        return BarcodeSession(port, config, clock)
    if config.kind is DeviceKind.MERCURY:
        return MercurySession(port, config, clock)
    return R2000Session(port, config, clock, stop)
