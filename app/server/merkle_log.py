"""The server's tamper-evident log: Merkle tree storage, signed checkpoints, proofs, audit.

* :func:`append_leaves` runs inside the ingest transaction, right after the sequencer handed out
  ``server_seq`` numbers (the counter row lock is held until commit), so leaves are appended in
  exactly ``server_seq`` order by one writer at a time, across every server process. It stores
  each new perfect subtree in ``merkle_nodes``, signs a checkpoint of the new size and stores it.
* Roots and proofs are read from ``merkle_nodes``: a committed node never changes, so reading
  outside the sequencer is safe for any size up to a committed checkpoint.
* :func:`audit` recomputes the tree from the ``events`` table alone and compares it with the
  stored checkpoints (the nightly auditor of docs §17.7).

The checkpoint key (docs §10.3) is an Ed25519 note key kept in a file **outside** the database
(:func:`load_signer`): whoever can edit the database can rewrite rows and even rebuild the tree,
but cannot sign a checkpoint that stations accept, so a rewrite is caught by their consistency
checks. The key's verifier text is recorded in the database at first use, and a process given a
different key file refuses to start instead of silently forking the log's identity.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy import Connection, Engine, select, tuple_

from app.ledger.checkpoint import Checkpoint, CheckpointSigner
from app.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryTree,
    NodeKey,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from,
)
from app.server import schema

ENV_CHECKPOINT_KEY = "ITAD_SERVER_CHECKPOINT_KEY"
_VKEY_SECRET = "checkpoint_vkey"  # noqa: S105 - a row name, not a secret


class CheckpointKeyMismatch(RuntimeError):
    """The key file does not belong to this database's log."""


def default_key_path() -> Path:
    return platformdirs.user_data_path("itad-server", appauthor=False) / "checkpoint-signing.key"


def load_signer(path: Path | str | None = None) -> CheckpointSigner:
    """The checkpoint key from ``path``, else ``$ITAD_SERVER_CHECKPOINT_KEY``, else the default
    path in the server user's data directory; created there (0600) on first start."""
    chosen = Path(path or os.environ.get(ENV_CHECKPOINT_KEY, "") or default_key_path())
    return CheckpointSigner.load_or_create(chosen, f"itad-intake/log-{secrets.token_hex(4)}")


def bind_signer(engine: Engine, signer: CheckpointSigner) -> None:
    """Record the key's verifier text on first use; refuse a different key afterwards."""
    table = schema.server_secrets
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7446176)")
        stored = conn.execute(
            select(table.c.value).where(table.c.name == _VKEY_SECRET)
        ).scalar_one_or_none()
        if stored is None:
            conn.execute(table.insert().values(name=_VKEY_SECRET, value=signer.verifier.text))
        elif stored != signer.verifier.text:
            raise CheckpointKeyMismatch(
                f"the checkpoint key file is for log {signer.verifier.text}, but this database "
                f"is log {stored}; start the server with that log's key file"
            )


class StoredNodes:
    """:class:`~app.ledger.merkle.NodeSource` over ``merkle_nodes`` (one query per call)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        t = schema.merkle_nodes
        found = {
            (int(r.level), int(r.idx)): bytes(r.hash)
            for r in self._conn.execute(
                select(t.c.level, t.c.idx, t.c.hash).where(tuple_(t.c.level, t.c.idx).in_(wanted))
            )
        }
        missing = [k for k in wanted if k not in found]
        if missing:
            raise KeyError(f"merkle_nodes lacks {missing[:3]}")
        return found


def append_leaves(
    conn: Connection,
    first_server_seq: int,
    event_hashes: Sequence[str],
    signer: CheckpointSigner,
    now_ms: int,
) -> Checkpoint:
    """Append one leaf per event hash (hex) at ``first_server_seq`` on; sign and store the new
    checkpoint. Call inside the transaction holding the sequencer (see the module docstring)."""
    size = first_server_seq - 1
    keys = Frontier.keys(size)
    stored = StoredNodes(conn).nodes(keys)
    frontier = Frontier(size, [stored[k] for k in keys])
    rows: list[tuple[int, int, bytes]] = []
    for hex_hash in event_hashes:
        rows.extend(frontier.append(leaf_hash(bytes.fromhex(hex_hash))))
    _insert_nodes(conn, rows)
    checkpoint = signer.sign(frontier.size, frontier.root())
    conn.execute(
        schema.checkpoints.insert().values(
            tree_size=checkpoint.size,
            root_hash=checkpoint.root_hex,
            note=checkpoint.note,
            created_at_ms=now_ms,
        )
    )
    return checkpoint


def _insert_nodes(conn: Connection, rows: list[tuple[int, int, bytes]]) -> None:
    if conn.dialect.name != "postgresql":
        conn.execute(
            schema.merkle_nodes.insert(),
            [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in rows],
        )
        return
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy("COPY merkle_nodes (level, idx, hash) FROM STDIN") as cp,
    ):
        for row in rows:
            cp.write_row(row)


def latest_checkpoint(conn: Connection, signer: CheckpointSigner) -> Checkpoint:
    """The newest committed checkpoint (the empty tree's, signed now, before the first event)."""
    t = schema.checkpoints
    row = conn.execute(
        select(t.c.tree_size, t.c.root_hash, t.c.note).order_by(t.c.tree_size.desc()).limit(1)
    ).first()
    if row is None:
        # No checkpoint signed yet: the empty tree, or leaves backfilled by the migration.
        size = int(
            conn.execute(
                select(schema.counters.c.value).where(schema.counters.c.name == schema.EVENT_SEQ)
            ).scalar_one()
        )
        return signer.sign(size, root_from(StoredNodes(conn), size) if size else EMPTY_ROOT)
    return Checkpoint(signer.name, int(row.tree_size), bytes.fromhex(row.root_hash), row.note)


def committed_size(conn: Connection) -> int:
    """How many leaves the committed tree has (the sequencer's committed value)."""
    return int(
        conn.execute(
            select(schema.counters.c.value).where(schema.counters.c.name == schema.EVENT_SEQ)
        ).scalar_one()
    )


def consistency(conn: Connection, size1: int, size2: int) -> list[bytes]:
    """RFC 9162 consistency proof between two sizes (``size2`` at most the committed size)."""
    return consistency_proof(StoredNodes(conn), size1, size2)


def inclusion(conn: Connection, index: int, size: int) -> list[bytes]:
    return inclusion_proof(StoredNodes(conn), index, size)


@dataclass(frozen=True, slots=True)
class AuditReport:
    tree_size: int
    ok: bool
    problems: list[str]


def audit(conn: Connection) -> AuditReport:
    """Recompute the tree from ``events.hash`` in ``server_seq`` order and compare it with every
    stored checkpoint and with the stored leaves (the auditor's from-scratch check)."""
    ev = schema.events
    tree = MemoryTree()
    for (hex_hash,) in conn.execute(select(ev.c.hash).order_by(ev.c.server_seq)):
        tree.append(leaf_hash(bytes.fromhex(hex_hash)))
    problems: list[str] = []
    cps = schema.checkpoints
    for row in conn.execute(select(cps.c.tree_size, cps.c.root_hash).order_by(cps.c.tree_size)):
        size = int(row.tree_size)
        if size > tree.size:
            problems.append(f"checkpoint {size} is beyond the {tree.size} stored events")
        elif tree.root(size).hex() != row.root_hash:
            problems.append(f"checkpoint {size}: root differs from the events' root")
    nodes = schema.merkle_nodes
    stored_leaves = conn.execute(
        select(nodes.c.idx, nodes.c.hash).where(nodes.c.level == 0).order_by(nodes.c.idx)
    ).all()
    if len(stored_leaves) != tree.size:
        problems.append(f"{len(stored_leaves)} leaves stored for {tree.size} events")
    recomputed = tree.nodes((0, i) for i in range(min(tree.size, len(stored_leaves))))
    for idx, value in stored_leaves[: tree.size]:
        if recomputed[(0, int(idx))] != bytes(value):
            problems.append(f"leaf {idx} (server_seq {int(idx) + 1}) differs from its event")
            break
    return AuditReport(tree.size, not problems, problems)
