"""Service fixtures: services wired to a real station database, like ``bootstrap`` does, but
with a cheap PIN hasher (scrypt at full cost is ~50 ms a call) and a stepped HLC clock."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.ledger.chain import Sealer
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey
from app.services.custody_log import CustodyLogService
from app.services.operators import OperatorService
from app.services.pins import hash_pin
from app.services.station_setup import ensure_initialized
from app.storage.database import StationDatabase, open_station_database
from app.storage.event_store import EventStore
from app.storage.projector import Projector
from app.storage.repositories import LedgerReader, OperatorRepository

STATION_ID = "st-services"
HLC_START_MS = 1_800_000_000_000
HLC_STEP_MS = 1_000


class SteppedClock:
    """Each reading is one second after the previous: every event gets its own HLC second."""

    def __init__(self, start_ms: int, step_ms: int) -> None:
        self.next_ms = start_ms
        self.step_ms = step_ms

    def __call__(self) -> int:
        now = self.next_ms
        self.next_ms += self.step_ms
        return now


@dataclass
class Services:
    database: StationDatabase
    key: StationKey
    events: EventStore
    ledger: LedgerReader
    operators: OperatorService
    custody_log: CustodyLogService


def cheap_pin_hash(pin: str) -> str:
    return hash_pin(pin, log2_n=4)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    database = open_station_database(tmp_path / "data")
    key = StationKey(b"\x03" * 32)
    sealer = Sealer(
        station_id=STATION_ID,
        facility_id="fac-test",
        key=key,
        hlc=HybridLogicalClock(now_ms=SteppedClock(HLC_START_MS, HLC_STEP_MS)),
    )
    events = EventStore(database.engine, sealer, Projector())
    ledger = LedgerReader(database.engine)
    operators = OperatorService(events, OperatorRepository(database.engine), cheap_pin_hash)
    custody_log = CustodyLogService(ledger, operators, key.public_key, STATION_ID)
    ensure_initialized(
        events, station_name="bench", public_key_hex=key.public_key_hex, software_version="test"
    )
    yield Services(database, key, events, ledger, operators, custody_log)
    database.close()


@pytest.fixture
def make_operator_service(services: Services) -> functools.partial[OperatorService]:
    """Another OperatorService over the same station (e.g. with the real PIN hasher)."""
    return functools.partial(
        OperatorService, services.events, OperatorRepository(services.database.engine)
    )


@pytest.fixture
def hlc_timing() -> tuple[int, int]:
    """(first HLC ms, step ms) of the services fixture's clock."""
    return HLC_START_MS, HLC_STEP_MS
