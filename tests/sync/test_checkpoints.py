"""Merkle checkpoints end to end (docs §10): the server's tree on real PostgreSQL, signed
checkpoints in push answers, proofs, and stations as witnesses that catch a server rewriting,
losing or forking history, or a forged checkpoint."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
from sqlalchemy import select

from app.ledger.checkpoint import CheckpointSigner, verify_checkpoint
from app.ledger.merkle import MemoryTree, leaf_hash, verify_inclusion
from app.server import merkle_log, schema
from app.services.sync import describe
from app.sync import wire
from app.sync.client import SyncClient
from app.sync.worker import SyncWorker
from tests.sync.harness import (
    CHECKPOINT_SIGNER,
    SERVER_URL,
    Server,
    Station,
    sync_until_quiet,
)


def _events_root(server: Server) -> tuple[int, bytes]:
    """The tree recomputed from scratch from the events table alone."""
    rows = server.events()
    return len(rows), MemoryTree.of_data(bytes.fromhex(r.hash) for r in rows).root()


class _Rewriting(httpx.BaseTransport):
    """Between the station and the server: edits the JSON of every successful push answer."""

    def __init__(self, inner: httpx.BaseTransport, edit: Callable[[dict], None]) -> None:
        self.inner, self.edit = inner, edit

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        is_push = request.method == "POST" and request.url.path.endswith("/events")
        if is_push and response.status_code == 200:
            body = json.loads(response.read())
            self.edit(body)
            return httpx.Response(200, json=body, request=request)
        return response


def _engine_with(station: Station, edit: Callable[[dict], None]):
    def client(url: str) -> SyncClient:
        return SyncClient(
            url, transport=_Rewriting(station.transport, edit), attempts=1, sleep=lambda _s: None
        )

    return station.make_engine(client_factory=client)


def _without_triggers(server: Server, statements: list[str]) -> None:
    """What a database administrator can do behind the application's back."""
    tables = ("events", "merkle_nodes", "checkpoints")
    for table in tables:
        server.sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_refuse_change")
    for statement in statements:
        server.sql(statement)
    for table in tables:
        server.sql(f"ALTER TABLE {table} ENABLE TRIGGER {table}_refuse_change")


def _rebuild_tree(server: Server) -> None:
    """A consistent rewrite: the tree rebuilt from the (edited) events table."""
    tree = MemoryTree.of_data(bytes.fromhex(r.hash) for r in server.events())
    keys = [(lv, ix) for lv in range(64) for ix in range(tree.size >> lv)]
    with server.engine.begin() as conn:
        conn.execute(
            schema.merkle_nodes.insert(),
            [{"level": lv, "idx": ix, "hash": h} for (lv, ix), h in tree.nodes(keys).items()],
        )


def test_checkpoints_arrive_with_receipts_and_proofs_verify(make_station, server):
    station = make_station()
    assert station.store.enrolment().checkpoint_key == CHECKPOINT_SIGNER.verifier.text
    station.record(23)
    sync_until_quiet(station)
    seen = station.store.last_checkpoint()
    size, root = _events_root(server)
    assert (seen.tree_size, seen.root_hex) == (size, root.hex()) == (23, root.hex())
    assert verify_checkpoint(seen.note, CHECKPOINT_SIGNER.verifier).size == 23
    with server.engine.connect() as conn:
        assert merkle_log.audit(conn).ok
        stored = conn.execute(select(schema.checkpoints.c.tree_size)).scalars().all()
    assert len(stored) >= 23 // 7  # one per push batch (batch_size 7)
    # Inclusion proofs from the API, for every event, against the station's checkpoint.
    http = server.test_client
    login = SyncClient(SERVER_URL, transport=station.transport)
    token = login.login(station.station_id, station.key.sign_digest).token
    headers = {"Authorization": f"Bearer {token}"}
    for row in server.events():
        answer = http.get(
            wire.PATH_INCLUSION,
            params={"server_seq": row.server_seq, "tree_size": 23},
            headers=headers,
        ).json()
        proof = [base64.b64decode(p) for p in answer["proof"]]
        verify_inclusion(row.server_seq - 1, 23, leaf_hash(bytes.fromhex(row.hash)), proof, root)
    bad = http.get(wire.PATH_CONSISTENCY, params={"size1": 3, "size2": 99}, headers=headers)
    assert bad.status_code == 422
    # The Sync page's words.
    worker = SyncWorker(station.engine, station.store, station_name="a")
    details = dict(describe(worker.status(), seen.verified_at_ms + 120_000).details)
    assert details["Server log verified"] == "23 events, 2 min ago"


def test_server_rewriting_history_halts_the_station(make_station, server):
    station = make_station()
    station.record(5)
    sync_until_quiet(station)
    assert station.store.last_checkpoint().tree_size == 5
    # A DBA edits event 2 and rebuilds the tree so that it matches the edited events.
    _without_triggers(
        server,
        [
            "UPDATE events SET hash = repeat('ab', 32) WHERE server_seq = 2",
            "DELETE FROM merkle_nodes",
            "DELETE FROM checkpoints",
        ],
    )
    _rebuild_tree(server)
    station.record(3)
    result = station.engine.run_once()
    assert "rewritten or lost history" in result.halted
    assert "server log check failed" in station.engine.halted_reason()
    # Nothing from that answer was taken as acknowledgement; the old checkpoint stays.
    assert station.store.pending_summary().count == 3
    assert station.store.last_checkpoint().tree_size == 5
    # Halted stays halted: the next cycle pushes nothing.
    assert station.engine.run_once().pushed == 0
    # The station's stored checkpoint is the evidence: the server's history of 5 changed.
    rows = server.events()
    rewritten = MemoryTree.of_data(bytes.fromhex(r.hash) for r in rows[:5]).root()
    assert rewritten.hex() != station.store.last_checkpoint().root_hex


def test_auditor_finds_an_event_edited_behind_the_trees_back(make_station, server):
    station = make_station()
    station.record(6)
    sync_until_quiet(station)
    _without_triggers(server, ["UPDATE events SET hash = repeat('cd', 32) WHERE server_seq = 4"])
    with server.engine.connect() as conn:
        report = merkle_log.audit(conn)
    assert not report.ok
    assert "leaf 3 (server_seq 4) differs from its event" in report.problems
    assert any(p.startswith("checkpoint 6: root differs") for p in report.problems)


def test_server_restored_and_forked_is_caught_by_an_idle_station(make_station, server):
    a = make_station("a", 1)
    a.record(5)
    sync_until_quiet(a)
    # The server is restored from a backup holding 3 events, then takes other events.
    _without_triggers(
        server,
        [
            "DELETE FROM events WHERE server_seq > 3",
            "DELETE FROM merkle_nodes WHERE (idx + 1) * (1::bigint << level) > 3",
            "DELETE FROM checkpoints WHERE tree_size > 3",
        ],
    )
    server.sql("UPDATE counters SET value = 3 WHERE name = 'server_seq'")
    b = make_station("b", 2)
    b.record(4)
    sync_until_quiet(b)
    assert _events_root(server)[0] == 7
    # Station a has nothing to send, but still witnesses the log: 5 → 7 is not an extension.
    result = a.engine.run_once()
    assert result.pushed == 0
    assert "does not contain the log of 5 events" in result.halted


def test_log_going_backwards_is_refused(make_station, server):
    station = make_station()
    station.record(4)
    sync_until_quiet(station)
    smaller = CHECKPOINT_SIGNER.sign(2, MemoryTree.of_data([b"x", b"y"]).root()).note

    def edit(body: dict) -> None:
        body["checkpoint"], body["consistency"] = smaller, []

    engine = _engine_with(station, edit)
    station.record(1)
    result = engine.run_once()
    assert "went backwards" in result.halted
    assert station.store.pending_summary().count == 1


def test_inconsistent_checkpoint_signed_with_the_real_key_is_refused(make_station, server):
    """A split view: the server (it has the key) shows this station another tree."""
    station = make_station()
    station.record(4)
    sync_until_quiet(station)
    fake = MemoryTree.of_data(bytes([i]) * 32 for i in range(12))

    def edit(body: dict) -> None:
        body["checkpoint"] = CHECKPOINT_SIGNER.sign(12, fake.root()).note

    engine = _engine_with(station, edit)
    station.record(8)
    result = engine.run_once()
    assert "rewritten or lost history" in result.halted
    assert station.store.last_checkpoint().tree_size == 4


def test_forged_checkpoint_signature_is_refused(make_station, server):
    station = make_station()
    station.record(2)
    forger = CheckpointSigner(CHECKPOINT_SIGNER.name, bytes([9]) * 32)

    def edit(body: dict) -> None:
        size, root = _events_root(server)
        body["checkpoint"] = forger.sign(size, root).note  # right tree, wrong key

    result = _engine_with(station, edit).run_once()
    assert "not signed with the server key this station trusts" in result.halted
    assert station.store.last_checkpoint() is None
    assert station.store.pending_summary().count == 2
