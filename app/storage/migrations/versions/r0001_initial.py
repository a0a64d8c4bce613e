"""Initial station schema: the ledger, sync state, station identity and the first projections.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("hlc_l", sa.Integer, nullable=False),
        sa.Column("hlc_c", sa.Integer, nullable=False),
        sa.Column("device_time", sa.String(40), nullable=False),
        sa.Column("operator_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("refs", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("sig", sa.String(88), nullable=False),
    )
    op.create_index("ix_events_type", "events", ["type"])
    op.create_index("ix_events_operator", "events", ["operator_id"])
    # The ledger is append-only. Evidence is corrected by new events, never edited.
    op.execute(
        "CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END"
    )
    op.execute(
        "CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END"
    )
    op.create_table(
        "event_sync_state",
        sa.Column(
            "seq", sa.Integer, sa.ForeignKey("events.seq"), primary_key=True, autoincrement=False
        ),
        sa.Column("acknowledged", sa.Boolean, nullable=False),
        sa.Column("server_seq", sa.Integer, nullable=True),
        sa.Column("receipt", sa.Text, nullable=True),
    )
    op.create_table(
        "station_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "operators",
        sa.Column("operator_id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("badge", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("pin_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("enrolled_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "manifests",
        sa.Column("manifest_id", sa.String(64), primary_key=True),
        sa.Column(
            "customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False
        ),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("source_name", sa.String(260), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("imported_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_manifests_job", "manifests", ["job_id"])
    op.create_table(
        "manifest_lines",
        sa.Column(
            "manifest_id", sa.String(64), sa.ForeignKey("manifests.manifest_id"), nullable=False
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("serial", sa.String(200), nullable=False),
        sa.Column("asset_tag", sa.String(200), nullable=False),
        sa.Column("make", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("device_type", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("received_asset_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("manifest_id", "line_no"),
    )
    op.create_index("ix_manifest_lines_serial", "manifest_lines", ["serial"])
    op.create_table(
        "assets",
        sa.Column("asset_id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("manifest_id", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("serial", sa.String(200), nullable=False),
        sa.Column("asset_tag", sa.String(200), nullable=False),
        sa.Column("device_type", sa.String(64), nullable=False),
        sa.Column("make", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("custodian", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("received_seq", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_assets_serial", "assets", ["serial"])
    op.create_table(
        "event_subjects",
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id", "seq"),
    )
