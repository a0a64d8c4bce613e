"""The server backup/restore drill of packaging/server/README.md, run for real: pg_dump of the
server database, pg_restore into a new database, a server over the copy. Stations are the other
copy of the evidence: after restoring an older dump they re-send what the server lacks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.pg_cluster import PgCluster
from tests.sync.harness import (
    FaultyTransport,
    Server,
    Station,
    check_server_matches,
    start_server,
    stop_server,
    sync_until_quiet,
)


def _pg(cluster: PgCluster, tool: str, *args: str, stdin: bytes = b"") -> bytes:
    """Run a PostgreSQL client tool as the cluster's user; the dump travels through pipes
    (the postgres user cannot enter pytest's private temporary folders)."""
    command = [str(cluster.bin_dir / tool), "-h", str(cluster.socket_dir), "-p", str(cluster.port)]
    command += ["-U", "postgres", *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, input=stdin, check=True, capture_output=True, timeout=120)
    return done.stdout


def _dump(cluster: PgCluster, server: Server, target: Path) -> None:
    dbname = server.engine.url.database
    assert dbname
    target.write_bytes(_pg(cluster, "pg_dump", "--format=custom", dbname))


def _restore(cluster: PgCluster, dump: Path) -> Server:
    name = cluster.create_database()
    _pg(cluster, "pg_restore", "--no-owner", f"--dbname={name}", stdin=dump.read_bytes())
    return start_server(cluster.url(name))


def _point_at(station: Station, server: Server) -> None:
    station.engine.close()
    station.server = server
    station.transport = FaultyTransport(server.test_client)
    station.engine = station.make_engine()


def test_restored_server_holds_the_evidence_and_stations_refill_what_it_lacks(
    pg: PgCluster, server: Server, make_station, tmp_path: Path
):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    station = make_station("drill", seed=7)
    station.record(5)
    sync_until_quiet(station)
    old_dump = dumps / "old.dump"
    _dump(pg, server, old_dump)
    station.record(6)
    sync_until_quiet(station)
    new_dump = dumps / "new.dump"
    _dump(pg, server, new_dump)

    restored = _restore(pg, new_dump)
    try:
        check_server_matches(restored, [station])
    finally:
        stop_server(restored)

    # The older dump lacks the last six events; the station has them and sends them again.
    older = _restore(pg, old_dump)
    try:
        assert len(older.events(station.station_id)) < len(station.rows())
        _point_at(station, older)
        station.record(2)
        sync_until_quiet(station)
        check_server_matches(older, [station])
        assert older.incidents() == []
    finally:
        stop_server(older)
