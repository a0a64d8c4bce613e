"""Composition root: the ONLY place that picks concrete classes and wires them together.

Everything else receives its collaborators in ``__init__``. PySide6 is imported lazily here so
the core (and the CLI's non-GUI commands) run without Qt installed.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from app import __version__
from app.config import Settings
from app.domain.ids import uuid7
from app.ledger.chain import Sealer
from app.ledger.hlc import HlcTimestamp, HybridLogicalClock
from app.ledger.keys import StationKey
from app.services.custody_log import CustodyLogService
from app.services.demo_data import seed_demo_data
from app.services.operators import OperatorService
from app.services.station_setup import ensure_initialized
from app.storage.database import StationDatabase, open_station_database
from app.storage.event_store import EventStore
from app.storage.projector import Projector
from app.storage.repositories import (
    LedgerReader,
    OperatorRepository,
    StationMetaRepository,
)

KEY_FILE_NAME = "station.key"


@dataclass
class Station:
    """Everything a running station owns. Close it to release the database and the lock."""

    settings: Settings
    database: StationDatabase
    key: StationKey
    station_id: str
    events: EventStore
    operators: OperatorService
    custody_log: CustodyLogService
    demo: bool = False
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2), repr=False)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.database.close()


def open_station(settings: Settings, *, demo: bool = False) -> Station:
    """Open (creating on first run) the station in ``settings.data_dir`` and wire its services.

    Raises the storage errors (locked, corrupt, too new) without touching the files.
    """
    data_dir = settings.data_dir
    database = open_station_database(data_dir)
    try:
        key = StationKey.load_or_create(data_dir / KEY_FILE_NAME)
        meta = StationMetaRepository(database.engine)
        station_id = meta.put_if_absent("station_id", f"st-{uuid7().hex[:16]}")
        facility_id = meta.put_if_absent("facility_id", settings.facility_id)
        ledger = LedgerReader(database.engine)
        hlc = HybridLogicalClock(last=HlcTimestamp(*ledger.last_hlc()))
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ledger-crypto")
        sealer = Sealer(
            station_id=station_id,
            facility_id=facility_id,
            key=key,
            hlc=hlc,
            sign_executor=pool,
        )
        events = EventStore(database.engine, sealer, Projector())
        operators = OperatorService(events, OperatorRepository(database.engine))
        custody_log = CustodyLogService(
            ledger, operators, key.public_key, station_id, verify_executor=pool
        )
        ensure_initialized(
            events,
            station_name=settings.station_name,
            public_key_hex=key.public_key_hex,
            software_version=__version__,
        )
        station = Station(
            settings=settings,
            database=database,
            key=key,
            station_id=station_id,
            events=events,
            operators=operators,
            custody_log=custody_log,
            demo=demo,
            _pool=pool,
        )
    except BaseException:
        database.close()
        raise
    if demo and OperatorRepository(database.engine).count() == 0:
        seed_demo_data(events, operators)
    return station


def demo_settings(base: Settings) -> Settings:
    """Demo mode: a throwaway data directory, so the real station is never touched."""
    return base.with_data_dir(Path(tempfile.mkdtemp(prefix="itad-station-demo-")))
