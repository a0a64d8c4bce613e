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
    func,
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

# Server-owned reference data (customers, manifests, operators, rubrics, station config) as
# pulled by cursor: the server's rows verbatim, replaced by newer changes, removed by tombstones.
reference_rows = Table(
    "reference_rows",
    metadata,
    Column("kind", String(64), nullable=False),
    Column("row_id", String(200), nullable=False),
    Column("change_seq", Integer, nullable=False),
    Column("body", Text, nullable=False),
    PrimaryKeyConstraint("kind", "row_id"),
)

# Evidence files the server confirmed holding ("uploaded"), or that cannot be sent because the
# local copy no longer matches its hash ("corrupt"). Files in the blob store without a row here
# are still to send (migration 0010). Sync bookkeeping, not a projection.
blob_uploads = Table(
    "blob_uploads",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size_bytes", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("at_ms", Integer, nullable=False),
    Column("detail", Text, nullable=False),
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
    Column("epc", String(200), nullable=False, server_default=""),
    Column("weight_g", Integer, nullable=False, server_default="0"),
    Column("customer_ref", String(200), nullable=False, server_default=""),
    PrimaryKeyConstraint("manifest_id", "line_no"),
    Index("ix_manifest_lines_serial", "serial"),
    Index("ix_manifest_lines_asset_tag", "asset_tag"),
    Index("ix_manifest_lines_epc", "epc"),
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
    Column("epc", String(200), nullable=False, server_default=""),
    # received | voided (a receipt undone by a correcting event)
    Column("status", String(16), nullable=False, server_default="received"),
    Column("matched_by", String(16), nullable=False, server_default=""),
    Index("ix_assets_serial", "serial"),
    Index("ix_assets_asset_tag", "asset_tag"),
    Index("ix_assets_epc", "epc"),
    Index("ix_assets_job", "job_id"),
)

# ---- receiving (migration 0004) ----

# One row per job with a manifest: open until a supervisor closes receiving.
receiving_jobs = Table(
    "receiving_jobs",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("inbound_seq", Integer, nullable=True),
    Column("closed_seq", Integer, nullable=True),
    # Running counters (manifest lines, lines received, extras): a scan never counts 100k rows.
    Column("expected", Integer, nullable=False, server_default="0"),
    Column("received", Integer, nullable=False, server_default="0"),
    Column("extra", Integer, nullable=False, server_default="0"),
)

containers = Table(
    "containers",
    metadata,
    Column("container_id", String(200), primary_key=True),
    Column("job_id", String(64), nullable=False),
    Column("seal_number", String(200), nullable=False),
    Column("seal_intact", Boolean, nullable=False),
    Column("custodian", String(200), nullable=False),
    Column("location", String(200), nullable=False),
    Column("last_seq", Integer, nullable=False),
)

discrepancies = Table(
    "discrepancies",
    metadata,
    Column("discrepancy_id", String(64), primary_key=True),
    Column("job_id", String(64), nullable=False),
    Column("code", String(32), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("asset_id", String(64), nullable=False),
    Column("container_id", String(200), nullable=False),
    Column("note", Text, nullable=False),
    Column("raised_seq", Integer, nullable=False),
    Index("ix_discrepancies_job", "job_id"),
)

# Scans that received nothing (already received / another job's item), by job.
scan_flags = Table(
    "scan_flags",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("job_id", String(64), nullable=False),
    Column("value", String(200), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("other_job_id", String(64), nullable=False),
    Index("ix_scan_flags_job", "job_id"),
)

# The column mapping last confirmed for each customer's manifests (JSON: field → header).
customer_column_mappings = Table(
    "customer_column_mappings",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("mapping", Text, nullable=False),
    Column("updated_seq", Integer, nullable=False),
)

# ---- grading (migration 0005) ----

# Rubric versions an admin published (``rubric.published``); bundled rubrics live in resources/.
rubrics = Table(
    "rubrics",
    metadata,
    Column("rubric_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("source_name", String(260), nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("published_seq", Integer, nullable=False),
    PrimaryKeyConstraint("rubric_id", "version"),
)

# Every ``asset.graded`` event, superseded or not: the grade history the Grading page shows.
grade_history = Table(
    "grade_history",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("asset_id", String(64), nullable=False),
    Column("operator_id", String(64), nullable=False),
    Column("device_time", String(40), nullable=False),
    Column("rubric_id", String(64), nullable=False),
    Column("rubric_version", Integer, nullable=False),
    Column("cosmetic_scale", String(64), nullable=False),
    Column("cosmetic_grade", String(32), nullable=False),
    Column("functional_scale", String(64), nullable=False),
    Column("functional_grade", String(32), nullable=False),
    Column("disposition", String(32), nullable=False),
    Column("derived_functional_grade", String(32), nullable=False),
    Column("derived_disposition", String(32), nullable=False),
    Column("override_reason", Text, nullable=False),
    Column("defects", Text, nullable=False),  # JSON list of defect codes
    Column("photo_count", Integer, nullable=False),
    Column("notes", Text, nullable=False),
    # The event id of the re-grade that replaced this grade; "" while it is current.
    Column("superseded_by", String(36), nullable=False),
    # True when this grade did not name the grade current before it (e.g. two stations graded
    # the same asset): flagged for review, never merged.
    Column("needs_review", Boolean, nullable=False),
    Index("ix_grade_history_asset", "asset_id"),
)

# The current grade and disposition per asset (what pallet rules and reports read).
asset_grades = Table(
    "asset_grades",
    metadata,
    Column("asset_id", String(64), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("rubric_id", String(64), nullable=False),
    Column("rubric_version", Integer, nullable=False),
    Column("cosmetic_grade", String(32), nullable=False),
    Column("functional_grade", String(32), nullable=False),
    Column("disposition", String(32), nullable=False),
    Column("overridden", Boolean, nullable=False),
    Column("grade_count", Integer, nullable=False),
    Index("ix_asset_grades_disposition", "disposition"),
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

# Data-bearing media of each asset (drives pulled from hosts, flash, phone storage, tape).
media = Table(
    "media",
    metadata,
    Column("media_id", String(64), primary_key=True),
    Column("asset_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("serial", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("capacity_bytes", Integer, nullable=False),
    Column("interface", String(32), nullable=False),
    Column("wwn", String(64), nullable=False),
    Column("registered_seq", Integer, nullable=False),
    Column("power_on_hours", Integer, nullable=True),
    # Best passing outcome recorded (DESTROY > PURGE > CLEAR); "" = still data-bearing.
    Column("outcome", String(16), nullable=False, server_default=""),
    Column("last_result", String(32), nullable=False, server_default=""),
    Column("route_to_destruction", Boolean, nullable=False, server_default="0"),
    Column("last_seq", Integer, nullable=False, server_default="0"),
    # Why a once-passing outcome stopped counting (a failed QC sample re-opened its batch,
    # migration 0008); cleared by the drive's next record.
    Column("voided_reason", String(400), nullable=False, server_default=""),
    Index("ix_media_serial", "serial"),
    Index("ix_media_asset", "asset_id"),
)

# Serial look-ups compare upper(trim(serial)) (scanned vs reported spelling): an expression
# index keeps each match O(log n) on a large registry (migration 0008).
Index("ix_media_serial_norm", func.upper(func.trim(media.c.serial)))

# One row per sanitization attempt (the ledger's ``sanitization.recorded``), newest last.
sanitization_records = Table(
    "sanitization_records",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("record_id", String(64), nullable=False, unique=True),
    Column("media_id", String(64), nullable=False),
    Column("asset_id", String(64), nullable=False),
    Column("drive_serial", String(200), nullable=False),
    Column("media_kind", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("technique", String(40), nullable=False),
    Column("result", String(32), nullable=False),
    Column("tool", String(200), nullable=False),
    Column("tool_version", String(64), nullable=False),
    Column("tool_method_label", String(200), nullable=False),
    Column("ended", String(40), nullable=False),
    Column("evidence_sha256", String(64), nullable=False),
    Column("evidence_name", String(200), nullable=False),
    Column("operator_id", String(64), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("needs_validation", Boolean, nullable=False),
    Column("route_to_destruction", Boolean, nullable=False),
    Index("ix_sanitization_records_media", "media_id"),
    Index("ix_sanitization_records_evidence", "evidence_sha256"),
)

# Report results that matched no drive (or must not be matched): the review list.
sanitization_reviews = Table(
    "sanitization_reviews",
    metadata,
    Column("review_id", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("evidence_sha256", String(64), nullable=False),
    Column("drive_serial", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("result", String(32), nullable=False),
    Column("reason", String(400), nullable=False),
    # The drive's position in the parsed report (-1: report-level item); migration 0008.
    Column("drive_index", Integer, nullable=False, server_default="-1"),
    Index("ix_sanitization_reviews_evidence", "evidence_sha256"),
)

destruction_batches = Table(
    "destruction_batches",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("equipment_id", String(200), nullable=False),
    Column("din_level", String(8), nullable=False),
    Column("witness_operator_id", String(64), nullable=False),
    Column("pre_count", Integer, nullable=False),
    Column("post_count", Integer, nullable=False),
    Column("output_weight_g", Integer, nullable=False),
)

certificates = Table(
    "certificates",
    metadata,
    Column("certificate_no", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("job_id", String(64), nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("line_items_sha256", String(64), nullable=False),
    Column("pdf_sha256", String(64), nullable=False),
    Column("reprints", Integer, nullable=False),
)

# ---- sanitization follow-ups (migration 0008): R2v3 QC samples, review resolutions ----

qc_samples = Table(
    "qc_samples",
    metadata,
    Column("sample_id", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("job_id", String(64), nullable=False),
    Column("percent", Integer, nullable=False),
    Column("population", Integer, nullable=False),
    Column("selection_method", String(400), nullable=False),
    Column("drawn_by", String(64), nullable=False),
    # pending (a drive not verified yet) | passed | failed (a drive failed: batch re-opened)
    Column("status", String(16), nullable=False),
    Column("last_seq", Integer, nullable=False),
    Index("ix_qc_samples_job", "job_id"),
)

qc_sample_drives = Table(
    "qc_sample_drives",
    metadata,
    Column("sample_id", String(64), nullable=False),
    Column("media_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("drive_serial", String(200), nullable=False),
    Column("asset_id", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("wiped_by", String(64), nullable=False),
    Column("tool", String(200), nullable=False),
    Column("tool_version", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # pending | PASSED | FAILED
    Column("verifier_operator_id", String(64), nullable=False),
    Column("verifier_name", String(200), nullable=False),
    Column("method", String(40), nullable=False),
    Column("recovery_tool", String(200), nullable=False),
    Column("notes", String(400), nullable=False),
    Column("reopened_count", Integer, nullable=False),
    Column("verified_seq", Integer, nullable=True),
    PrimaryKeyConstraint("sample_id", "media_id"),
    Index("ix_qc_sample_drives_media", "media_id"),
)

review_resolutions = Table(
    "review_resolutions",
    metadata,
    Column("review_id", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # assigned | dismissed
    Column("media_id", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("reason", String(400), nullable=False),
    Column("operator_id", String(64), nullable=False),
)

# ---- pallets (migration 0007) ----

pallets = Table(
    "pallets",
    metadata,
    Column("pallet_id", String(64), primary_key=True),
    Column("pallet_type", String(32), nullable=False),
    Column("destination", String(200), nullable=False),
    # open | closed | weighed | sealed | shipped
    Column("status", String(16), nullable=False),
    Column("number", Integer, nullable=False),
    Column("piece_count", Integer, nullable=False),
    Column("weight_g", Integer, nullable=False),
    Column("seal_numbers", Text, nullable=False),  # JSON list
    Column("sealed_by", String(200), nullable=False),
    Column("sealed_at", String(40), nullable=False),
    Column("opened_at", String(40), nullable=False),
    Column("shipped_at", String(40), nullable=False),
    Column("labels_printed", Integer, nullable=False),
    Column("opened_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
)

# What is on each pallet: an asset is on one pallet at a time; a shipped pallet keeps its rows.
pallet_contents = Table(
    "pallet_contents",
    metadata,
    Column("asset_id", String(64), primary_key=True),
    Column("pallet_id", String(64), nullable=False),
    Column("device_type", String(64), nullable=False),
    Column("disposition", String(32), nullable=False),
    Column("added_seq", Integer, nullable=False),
    # The box the asset is in (migration 0009); "" when it lies loose on the pallet.
    Column("box_id", String(80), nullable=False, server_default=""),
    Index("ix_pallet_contents_pallet", "pallet_id"),
)

# Boxes/totes within pallets (migration 0009): optional, opened and closed on an open pallet.
pallet_boxes = Table(
    "pallet_boxes",
    metadata,
    Column("box_id", String(80), primary_key=True),
    Column("pallet_id", String(64), nullable=False),
    Column("number", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open | closed
    Column("piece_count", Integer, nullable=False),
    Column("opened_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Index("ix_pallet_boxes_pallet", "pallet_id"),
)

PROJECTION_TABLES = (
    pallet_boxes,
    pallet_contents,
    pallets,
    event_subjects,
    review_resolutions,
    qc_sample_drives,
    qc_samples,
    certificates,
    destruction_batches,
    sanitization_reviews,
    sanitization_records,
    media,
    asset_grades,
    grade_history,
    rubrics,
    customer_column_mappings,
    scan_flags,
    discrepancies,
    containers,
    receiving_jobs,
    assets,
    manifest_lines,
    manifests,
    customers,
    operators,
)
