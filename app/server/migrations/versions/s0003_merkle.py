"""Server: the RFC 9162 Merkle tree over accepted events (``merkle_nodes``) and the signed
checkpoints (``checkpoints``) (issue #8, docs: sync-protocol §10).

Events stored before this revision become the tree's first leaves, in ``server_seq`` order, so
the tree covers the whole log from the start. Both tables are append-only like ``events``.

Revision ID: s0003
Revises: s0002
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def _backfill() -> None:
    """Leaves and perfect nodes for events already stored (one pass, in memory)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT hash FROM events ORDER BY server_seq")).all()
    if not rows:
        return
    nodes = []
    stack: list[bytes] = []
    for index, (hex_hash,) in enumerate(rows):
        node = hashlib.sha256(b"\x00" + bytes.fromhex(hex_hash)).digest()
        nodes.append({"level": 0, "idx": index, "hash": node})
        level, at = 0, index
        while at & 1:
            node = hashlib.sha256(b"\x01" + stack.pop() + node).digest()
            level += 1
            at >>= 1
            nodes.append({"level": level, "idx": at, "hash": node})
        stack.append(node)
    table = sa.table(
        "merkle_nodes",
        sa.column("level", sa.SmallInteger),
        sa.column("idx", sa.BigInteger),
        sa.column("hash", sa.LargeBinary),
    )
    op.bulk_insert(table, nodes)


def upgrade() -> None:
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("idx", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    )
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        # events_append_only() comes from s0001: the tree is evidence too.
        for table in ("merkle_nodes", "checkpoints"):
            op.execute(
                f"CREATE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
            )
    else:
        for table in ("merkle_nodes", "checkpoints"):
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_refuse_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
                )
