"""Cross-station exceptions (duplicate receipts), the receipt index that finds them, and the
latest heartbeat per station (issue #8).

Revision ID: s0002
Revises: s0001
"""

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_keys",
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("ident_key", sa.String(300), nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("server_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("facility_id", "job_id", "ident_key"),
    )
    op.create_table(
        "sync_exceptions",
        sa.Column(
            "exception_id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(300), nullable=False),
        sa.Column("first_station_id", sa.String(64), nullable=False),
        sa.Column("first_event_id", sa.String(36), nullable=False),
        sa.Column("second_station_id", sa.String(64), nullable=False),
        sa.Column("second_event_id", sa.String(36), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("detected_at_ms", sa.BigInteger, nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=False),
        sa.UniqueConstraint("first_event_id", "second_event_id", name="uq_sync_exceptions_pair"),
    )
    op.create_index("ix_sync_exceptions_facility", "sync_exceptions", ["facility_id", "resolved"])
    op.create_table(
        "station_heartbeats",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("received_at_ms", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("pending_count", sa.BigInteger, nullable=False),
        sa.Column("oldest_pending_age_s", sa.BigInteger, nullable=True),
        sa.Column("last_checkpoint_size", sa.BigInteger, nullable=True),
        sa.Column("pending_blobs", sa.BigInteger, nullable=False),
        sa.Column("app_version", sa.String(40), nullable=False),
    )
