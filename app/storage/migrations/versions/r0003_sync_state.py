"""Station-side sync bookkeeping: pull cursors per reference scope, the last server
checkpoints seen, and the server-owned reference rows pulled by cursor (docs: sync-protocol §3.1,
§7).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_cursors",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("cursor", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "checkpoints_seen",
        sa.Column("tree_size", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "reference_rows",
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(200), nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("kind", "row_id"),
    )
