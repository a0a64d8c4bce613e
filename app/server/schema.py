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
    SmallInteger,
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

# The RFC 9162 Merkle tree over accepted event hashes in server_seq order (docs §10.2): every
# perfect subtree, as (level, index) → hash; level 0 holds the leaf hashes (index =
# server_seq - 1). Rows are appended under the sequencer lock in the transaction that assigns
# server_seq and never change (a trigger refuses UPDATE and DELETE on PostgreSQL), so any root or
# proof is a handful of lookups.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", SmallInteger, nullable=False),
    Column("idx", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "idx"),
)

# Signed checkpoints (C2SP tlog-checkpoint in a signed note), one per ingest transaction that
# grew the tree. ``note`` is the exact signed text stations verify.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

# ---- migration s0002: cross-station exceptions, receipt index, heartbeats ----

# The first accepted receipt of each identifier per facility and job ("SERIAL:<serial>" or
# "LINE:<manifest>#<line>"). Its primary key is what makes concurrent ingests from two stations
# (even in two server processes) see each other: the second insert waits for the first commit.
receipt_keys = Table(
    "receipt_keys",
    metadata,
    Column("facility_id", String(64), nullable=False),
    Column("job_id", String(64), nullable=False),
    Column("ident_key", String(300), nullable=False),
    Column("station_id", String(64), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("asset_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("server_seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("facility_id", "job_id", "ident_key"),
)

# Business-rule contradictions between stations for a person to resolve (both facts are kept;
# neither event is rejected). Redistributed to the facility's stations as reference rows of
# kind ``receiving_exception``.
sync_exceptions = Table(
    "sync_exceptions",
    metadata,
    Column(
        "exception_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("kind", String(32), nullable=False),  # duplicate_receipt
    Column("facility_id", String(64), nullable=False),
    Column("job_id", String(64), nullable=False),
    Column("identifier", String(300), nullable=False),
    Column("first_station_id", String(64), nullable=False),
    Column("first_event_id", String(36), nullable=False),
    Column("second_station_id", String(64), nullable=False),
    Column("second_event_id", String(36), nullable=False),
    Column("body", Text, nullable=False),  # the ReceivingExceptionRef sent to stations
    Column("detected_at_ms", BigInteger, nullable=False),
    Column("resolved", Boolean, nullable=False),
    UniqueConstraint("first_event_id", "second_event_id", name="uq_sync_exceptions_pair"),
    Index("ix_sync_exceptions_facility", "facility_id", "resolved"),
)

# The latest heartbeat of each station (docs §14): what the station says about itself.
station_heartbeats = Table(
    "station_heartbeats",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("received_at_ms", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("pending_count", BigInteger, nullable=False),
    Column("oldest_pending_age_s", BigInteger, nullable=True),
    Column("last_checkpoint_size", BigInteger, nullable=True),
    Column("pending_blobs", BigInteger, nullable=False),
    Column("app_version", String(40), nullable=False),
)

#: Counter names.
EVENT_SEQ = "server_seq"
CHANGE_SEQ = "change_seq"
#: Tombstones older than this change_seq are gone: a cursor below it must refetch (410).
REF_FLOOR = "ref_floor"
