"""Server schema: events inbox, sequencer counters, stations and their heads, enrolment codes,
incidents, reference data, blobs, shared secrets.

Revision ID: s0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("server_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hlc_l", sa.BigInteger, nullable=False),
        sa.Column("hlc_c", sa.Integer, nullable=False),
        sa.Column("device_time", sa.String(40), nullable=False),
        sa.Column("operator_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("refs", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("sig", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("received_at_ms", sa.BigInteger, nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint("station_id", "seq", name="uq_events_station_seq"),
    )
    op.create_index("ix_events_facility", "events", ["facility_id", "server_seq"])
    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(
        sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger)),
        [
            {"name": "server_seq", "value": 0},
            {"name": "change_seq", "value": 0},
            {"name": "ref_floor", "value": 0},
        ],
    )
    op.create_table(
        "stations",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("station_name", sa.String(200), nullable=False),
        sa.Column("public_key_hex", sa.String(64), nullable=False),
        sa.Column("enrolled_at_ms", sa.BigInteger, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("revoked_at_ms", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "station_heads",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("last_contact_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "enrolment_codes",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("used_by_station", sa.String(64), nullable=True),
    )
    op.create_table(
        "incidents",
        sa.Column(
            "incident_id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=False),
    )
    op.create_index("ix_incidents_facility", "incidents", ["facility_id", "resolved"])
    op.create_table(
        "reference_rows",
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(200), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("change_seq", sa.BigInteger, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("kind", "row_id", "facility_id"),
    )
    op.create_index("ix_reference_rows_change", "reference_rows", ["change_seq"])
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("received_at_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Evidence is append-only on the server too (docs §3.2). Grant the application role no
        # UPDATE/DELETE in production; this trigger backs that up.
        op.execute(
            "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'events are append-only: % refused', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER events_refuse_change BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END"
        )
        op.execute(
            "CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END"
        )
