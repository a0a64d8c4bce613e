"""Pallets (issue #7): boxes/totes within a pallet (one row per box: number, open/closed, piece
count) and, per asset on a pallet, the box it is in ("" when loose).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pallet_boxes",
        sa.Column("box_id", sa.String(80), primary_key=True),
        sa.Column("pallet_id", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("piece_count", sa.Integer, nullable=False),
        sa.Column("opened_seq", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_pallet_boxes_pallet", "pallet_boxes", ["pallet_id"])
    # Existing pallets hold loose assets only; no box events exist before this version.
    op.add_column(
        "pallet_contents",
        sa.Column("box_id", sa.String(80), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("pallet_contents", "box_id")
    op.drop_index("ix_pallet_boxes_pallet", table_name="pallet_boxes")
    op.drop_table("pallet_boxes")
