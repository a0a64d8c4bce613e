"""Media registry: the data-bearing media (drives, flash, phone storage, tape) of each asset.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("media_id", sa.String(64), primary_key=True),
        # Empty for a loose drive whose host is unknown; the host asset otherwise.
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("serial", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("capacity_bytes", sa.Integer, nullable=False),
        sa.Column("interface", sa.String(32), nullable=False),
        sa.Column("wwn", sa.String(64), nullable=False),
        sa.Column("registered_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_media_serial", "media", ["serial"])
    op.create_index("ix_media_asset", "media", ["asset_id"])
