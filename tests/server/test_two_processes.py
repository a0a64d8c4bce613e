"""Two real server processes (uvicorn) on one PostgreSQL ingest concurrently: server_seq stays
gapless and in commit order, nothing is lost or stored twice, even when the same batch reaches
both processes at the same moment."""

from __future__ import annotations

import threading

import pytest
from pymerkle import InmemoryTree
from sqlalchemy import select

from app.ledger.merkle import MemoryTree
from app.server import merkle_log, schema
from app.sync.client import SyncClient
from tests.server.server_process import free_port, spawn_uvicorn, stop, wait_healthy
from tests.sync.harness import CHECKPOINT_SIGNER, Station, check_server_matches


@pytest.fixture
def two_servers(pg, server, tmp_path):
    """The ``server`` fixture's database (in-process app for enrolment and checks) served by two
    more processes."""
    url = str(server.engine.url.render_as_string(hide_password=False))
    ports = [free_port(), free_port()]
    key_file = tmp_path / "checkpoint.key"  # the in-process server's key: one log
    key_file.write_text(CHECKPOINT_SIGNER.private_text + "\n")
    procs = [spawn_uvicorn(url, port, key_file) for port in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_healthy(port, proc)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            stop(proc)


def _real_engine(station: Station, url: str):
    return station.make_engine(
        client_factory=lambda _u: SyncClient(url, attempts=3, sleep=lambda _s: None),
        server_url_override=url,
        batch_size=40,
    )


def test_two_processes_ingest_concurrently_gapless(server, two_servers, make_station):
    stations = [make_station(f"p{i}", 40 + i) for i in range(6)]
    for station in stations:
        station.record(240)
    errors: list[BaseException] = []

    def push(station: Station, url: str) -> None:
        try:
            engine = _real_engine(station, url)
            for _ in range(30):
                if engine.run_once().quiet:
                    break
            engine.close()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    # Stations 0 and 1 push the same backlog to BOTH servers at once (duplicate deliveries);
    # the others spread over the two processes.
    jobs = [(stations[0], two_servers[0]), (stations[0], two_servers[1])]
    jobs += [(stations[1], two_servers[1]), (stations[1], two_servers[0])]
    jobs += [(s, two_servers[i % 2]) for i, s in enumerate(stations[2:])]
    threads = [threading.Thread(target=push, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    rows = server.events()
    assert len(rows) == 6 * 240  # every event once, nothing more
    check_server_matches(server, stations)
    # Commit order == server_seq order: per station, server_seq grows with seq.
    for station in stations:
        mine = [r.server_seq for r in rows if r.station_id == station.station_id]
        assert mine == sorted(mine)
    assert server.incidents() == []
    # The Merkle tree the two processes built leaf by leaf under the sequencer equals a
    # from-scratch computation over the events in server_seq order (ours, and pymerkle's).
    hashes = [bytes.fromhex(r.hash) for r in rows]
    independent = InmemoryTree(algorithm="sha256")
    for value in hashes:
        independent.append_entry(value)
    with server.engine.connect() as conn:
        latest = merkle_log.latest_checkpoint(conn, CHECKPOINT_SIGNER)
        report = merkle_log.audit(conn)
        sizes = conn.execute(select(schema.checkpoints.c.tree_size)).scalars().all()
    assert latest.size == len(rows)
    assert latest.root == MemoryTree.of_data(hashes).root() == independent.get_state()
    assert report.ok, report.problems  # every stored checkpoint and leaf matches the events
    assert len(sizes) > 6
    # Every station verified each checkpoint it was given against the one before.
    for station in stations:
        seen = station.store.last_checkpoint()
        assert seen is not None
        assert seen.root_hex == MemoryTree.of_data(hashes[: seen.tree_size]).root().hex()
