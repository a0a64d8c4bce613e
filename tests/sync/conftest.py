"""Sync fixtures: a real PostgreSQL cluster started by the test suite (skipped with a clear
reason only when the server binaries are absent), a fresh server database per test, and real
stations on temporary SQLite files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pg_cluster import PgCluster, find_pg_bin, shared_cluster
from tests.sync.harness import Server, Station, server_database, start_server, stop_server


@pytest.fixture(scope="session")
def pg() -> PgCluster:
    if find_pg_bin() is None:
        pytest.skip(
            "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql; .ci/run does this)"
        )
    return shared_cluster()


@pytest.fixture
def server(pg: PgCluster) -> Iterator[Server]:
    srv = start_server(server_database(pg))
    yield srv
    stop_server(srv)


@pytest.fixture
def make_station(tmp_path: Path, server: Server) -> Iterator[Callable[..., Station]]:
    made: list[Station] = []

    def make(name: str = "a", seed: int = 1, *, enrol: bool = True) -> Station:
        station = Station(tmp_path, name, seed, server)
        made.append(station)
        if enrol:
            station.enrol()
        return station

    yield make
    for station in made:
        station.close()
