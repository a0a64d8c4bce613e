"""Server tables (PostgreSQL; SQLite for a quick local run). The server's own Alembic migrations
(``app/server/migrations``) create them; a test checks that migrating yields this metadata."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# The inbox: every stored event, in acceptance order. Append-only (a trigger refuses UPDATE and
# DELETE on PostgreSQL). ``server_seq`` is gapless: assigned under the single sequencer below.
events = Table(
    "events",
    metadata,
    Column("server_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False),
    Column("station_id", String(64), nullable=False),
    Column("facility_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("hlc_l", BigInteger, nullable=False),
    Column("hlc_c", Integer, nullable=False),
    Column("device_time", String(40), nullable=False),
    Column("operator_id", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON text, as hashed
    Column("refs", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("sig", String(100), nullable=False),
    Column("status", String(16), nullable=False),  # accepted | quarantined
    Column("reason", Text, nullable=False),
    Column("received_at_ms", BigInteger, nullable=False),
    Column("batch_id", String(36), nullable=False),
    UniqueConstraint("event_id", name="uq_events_event_id"),
    UniqueConstraint("station_id", "seq", name="uq_events_station_seq"),
    Index("ix_events_facility", "facility_id", "server_seq"),
)

# Named counters. A row here *is* the sequencer: ``UPDATE ... SET value = value + n`` takes the
# row lock until commit, so numbers are gapless and their order is the commit order (F12).
counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

stations = Table(
    "stations",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("facility_id", String(64), nullable=False),
    Column("station_name", String(200), nullable=False),
    Column("public_key_hex", String(64), nullable=False),
    Column("enrolled_at_ms", BigInteger, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("revoked_at_ms", BigInteger, nullable=True),
)

station_heads = Table(
    "station_heads",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("last_contact_ms", BigInteger, nullable=False),
)

enrolment_codes = Table(
    "enrolment_codes",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("facility_id", String(64), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("used_by_station", String(64), nullable=True),
)

# Security and integrity incidents for a human: conflicts, forks, forged or replayed events,
# pushes from revoked stations.
incidents = Table(
    "incidents",
    metadata,
    Column(
        "incident_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("kind", String(32), nullable=False),
    Column("station_id", String(64), nullable=False),
    Column("facility_id", String(64), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("seq", BigInteger, nullable=True),
    Column("detail", Text, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("resolved", Boolean, nullable=False),
    Index("ix_incidents_facility", "facility_id", "resolved"),
)

# Server-authoritative reference data. ``facility_id`` "" means every facility. Each change takes
# a new ``change_seq`` from the sequencer, so the pull cursor never skips a late commit.
reference_rows = Table(
    "reference_rows",
    metadata,
    Column("kind", String(64), nullable=False),
    Column("row_id", String(200), nullable=False),
    Column("facility_id", String(64), nullable=False),
    Column("change_seq", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    PrimaryKeyConstraint("kind", "row_id", "facility_id"),
    Index("ix_reference_rows_change", "change_seq"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("received_at_ms", BigInteger, nullable=False),
)

# One random secret shared by every server process (tokens and challenges are HMACs with it).
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)

#: Counter names.
EVENT_SEQ = "server_seq"
CHANGE_SEQ = "change_seq"
#: Tombstones older than this change_seq are gone: a cursor below it must refetch (410).
REF_FLOOR = "ref_floor"
