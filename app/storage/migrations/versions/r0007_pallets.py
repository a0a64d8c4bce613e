"""Pallets: one row per pallet (type, destination, lifecycle status, counts, seals) and what is
on each pallet now.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pallets",
        sa.Column("pallet_id", sa.String(64), primary_key=True),
        sa.Column("pallet_type", sa.String(32), nullable=False),
        sa.Column("destination", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("piece_count", sa.Integer, nullable=False),
        sa.Column("weight_g", sa.Integer, nullable=False),
        sa.Column("seal_numbers", sa.Text, nullable=False),
        sa.Column("sealed_by", sa.String(200), nullable=False),
        sa.Column("sealed_at", sa.String(40), nullable=False),
        sa.Column("opened_at", sa.String(40), nullable=False),
        sa.Column("shipped_at", sa.String(40), nullable=False),
        sa.Column("labels_printed", sa.Integer, nullable=False),
        sa.Column("opened_seq", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "pallet_contents",
        # An asset is on one pallet at a time; a shipped pallet keeps its rows.
        sa.Column("asset_id", sa.String(64), primary_key=True),
        sa.Column("pallet_id", sa.String(64), nullable=False),
        sa.Column("device_type", sa.String(64), nullable=False),
        sa.Column("disposition", sa.String(32), nullable=False),
        sa.Column("added_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_pallet_contents_pallet", "pallet_contents", ["pallet_id"])
    # Projections are rebuildable: an upgraded station has no pallet events yet.


def downgrade() -> None:
    op.drop_index("ix_pallet_contents_pallet", table_name="pallet_contents")
    op.drop_table("pallet_contents")
    op.drop_table("pallets")
