"""Table definitions used for queries. Migrations (``migrations/versions``) create them;
a test checks that migrating from empty yields exactly this metadata."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

# The ledger. Append-only: triggers refuse UPDATE and DELETE (see the initial migration).
events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("station_id", String(64), nullable=False),
    Column("facility_id", String(64), nullable=False),
    Column("hlc_l", Integer, nullable=False),
    Column("hlc_c", Integer, nullable=False),
    Column("device_time", String(40), nullable=False),
    Column("operator_id", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("refs", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("sig", String(88), nullable=False),
    Index("ix_events_type", "type"),
    Index("ix_events_operator", "operator_id"),
    Index("ix_events_hlc_l", "hlc_l"),
)

# Mutable per-event sync state, kept apart so event rows never change.
event_sync_state = Table(
    "event_sync_state",
    metadata,
    Column("seq", Integer, ForeignKey("events.seq"), primary_key=True, autoincrement=False),
    Column("acknowledged", Boolean, nullable=False),
    Column("server_seq", Integer, nullable=True),
    Column("receipt", Text, nullable=True),
)

# One pull cursor per reference-data scope (customers, manifests, operators...).
sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("cursor", Text, nullable=False),
    Column("updated_at", String(40), nullable=False),
)

# Signed server checkpoints (Merkle tree heads) this station has seen, for consistency proofs.
checkpoints_seen = Table(
    "checkpoints_seen",
    metadata,
    Column("tree_size", Integer, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("signature", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
)

station_meta = Table(
    "station_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# ---- projections: current state, always rebuildable from the ledger ----

operators = Table(
    "operators",
    metadata,
    Column("operator_id", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("badge", String(200), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("pin_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("enrolled_seq", Integer, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

manifests = Table(
    "manifests",
    metadata,
    Column("manifest_id", String(64), primary_key=True),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("job_id", String(64), nullable=False),
    Column("source_name", String(260), nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("imported_seq", Integer, nullable=False),
    Index("ix_manifests_job", "job_id"),
)

manifest_lines = Table(
    "manifest_lines",
    metadata,
    Column("manifest_id", String(64), ForeignKey("manifests.manifest_id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("serial", String(200), nullable=False),
    Column("asset_tag", String(200), nullable=False),
    Column("make", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("device_type", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("received_asset_id", String(64), nullable=True),
    PrimaryKeyConstraint("manifest_id", "line_no"),
    Index("ix_manifest_lines_serial", "serial"),
)

assets = Table(
    "assets",
    metadata,
    Column("asset_id", String(64), primary_key=True),
    Column("job_id", String(64), nullable=False),
    Column("manifest_id", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("serial", String(200), nullable=False),
    Column("asset_tag", String(200), nullable=False),
    Column("device_type", String(64), nullable=False),
    Column("make", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("custodian", String(200), nullable=False),
    Column("location", String(200), nullable=False),
    Column("received_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Index("ix_assets_serial", "serial"),
)

# Which events concern which subject (asset, container, operator, manifest...): the index the
# Custody log filters by. A projection like the others.
event_subjects = Table(
    "event_subjects",
    metadata,
    Column("subject_kind", String(16), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    PrimaryKeyConstraint("subject_kind", "subject_id", "seq"),
)

PROJECTION_TABLES = (event_subjects, assets, manifest_lines, manifests, customers, operators)
