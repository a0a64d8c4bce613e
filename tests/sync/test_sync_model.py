"""Model-based fault-injection test (docs §17.2): 2-4 real stations on temporary SQLite files,
the real server app on PostgreSQL, and a transport that drops requests, drops responses after the
server committed, duplicates, delays, times out and fails; stations crash and restart.

After every step: the server holds a prefix of each station's ledger (S3), receipts agree (S4),
server_seq is gapless (S5, the part without Merkle checkpoints), no local event is ever lost (S7).
At the end, with faults healed: the server holds exactly the union (L1) and every station goes
quiet within K rounds (L3).
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.domain.sync import SyncFailed
from app.server import admin
from tests.pg_cluster import PgCluster
from tests.sync.harness import (
    FACILITY,
    Fault,
    Server,
    Station,
    check_server_matches,
    server_database,
    start_server,
    stop_server,
    sync_until_quiet,
)

QUIET_WITHIN_ROUNDS = 8
FAULTS = st.lists(st.sampled_from(list(Fault)), min_size=0, max_size=4)


class SyncModel(RuleBasedStateMachine):
    cluster: PgCluster  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="itad-sync-model-")
        self.server: Server = start_server(server_database(self.cluster))
        self.stations: list[Station] = []
        self.local_counts: dict[str, int] = {}
        self.ref_rows = 0

    @initialize(count=st.integers(min_value=2, max_value=4))
    def make_stations(self, count: int) -> None:
        for index in range(count):
            station = Station(Path(self.tmp.name), f"m{index}", index + 10, self.server)
            station.enrol()
            self.stations.append(station)
            self.local_counts[station.name] = 0

    def teardown(self) -> None:
        for station in self.stations:
            station.close()
        stop_server(self.server)
        self.tmp.cleanup()

    @rule(which=st.integers(0, 3), count=st.integers(1, 12))
    def record_events(self, which: int, count: int) -> None:
        station = self.stations[which % len(self.stations)]
        station.record(count)
        self.local_counts[station.name] += count

    @rule(which=st.integers(0, 3), faults=FAULTS)
    def sync_with_faults(self, which: int, faults: list[Fault]) -> None:
        station = self.stations[which % len(self.stations)]
        station.transport.faults = list(faults)
        try:
            station.engine.run_once()
        except SyncFailed:
            pass  # the worker would retry later; invariants must hold either way
        finally:
            station.transport.faults = []

    @rule(which=st.integers(0, 3))
    def crash_and_restart_station(self, which: int) -> None:
        station = self.stations[which % len(self.stations)]
        # A delayed request still in flight arrives after the restart.
        station.crash()

    @rule(count=st.integers(1, 5))
    def server_publishes_reference_data(self, count: int) -> None:
        with self.server.engine.begin() as conn:
            admin.put_reference_rows(
                conn,
                "customer",
                {f"c{self.ref_rows + i}": {"n": i} for i in range(count)},
                facility_id=FACILITY,
            )
        self.ref_rows += count

    @precondition(lambda self: self.ref_rows > 0)
    @rule()
    def server_deletes_and_compacts(self) -> None:
        with self.server.engine.begin() as conn:
            admin.delete_reference_row(conn, "customer", "c0", FACILITY)
            last = admin.put_reference_rows(
                conn, "customer", {"c0": {"n": "back"}}, facility_id=FACILITY
            )
            admin.compact_tombstones(conn, last - 1)

    @invariant()
    def server_is_a_prefix_of_each_station(self) -> None:
        rows = self.server.events()
        assert [r.server_seq for r in rows] == list(range(1, len(rows) + 1))
        for station in self.stations:
            local = station.rows()
            assert len(local) == self.local_counts[station.name]  # S7: nothing lost locally
            mine = [(r.seq, r.event_id, r.hash) for r in rows if r.station_id == station.station_id]
            assert mine == [(r.seq, r.event_id, r.hash) for r in local[: len(mine)]]
            by_seq = {r.seq: r.server_seq for r in rows if r.station_id == station.station_id}
            for seq, server_seq in station.store.acknowledged().items():
                assert by_seq.get(seq) == server_seq

    def check_final(self) -> None:
        for station in self.stations:
            station.transport.faults = []
            station.transport.delayed.clear()
            sync_until_quiet(station, QUIET_WITHIN_ROUNDS)
        check_server_matches(self.server, self.stations)
        expected = {("customer", f"c{i}") for i in range(self.ref_rows)}
        for station in self.stations:
            assert set(station.store.reference_rows()) == expected  # L2


def test_sync_survives_faults(pg):
    SyncModel.cluster = pg

    class Checked(SyncModel):
        def teardown(self) -> None:
            try:
                self.check_final()
            finally:
                super().teardown()

    run_state_machine_as_test(
        Checked,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.mark.parametrize("fault", list(Fault))
def test_each_fault_alone_heals(make_station, server, fault):
    station = make_station()
    station.record(15)
    station.transport.faults = [Fault.NONE, Fault.NONE, fault, fault]
    with contextlib.suppress(SyncFailed):
        station.engine.run_once()
    station.transport.faults = []
    station.transport.delayed.clear()
    sync_until_quiet(station, QUIET_WITHIN_ROUNDS)
    check_server_matches(server, [station])
