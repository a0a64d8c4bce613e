"""Media registry and sanitization: the data-bearing media (drives, flash, phone storage, tape)
of each asset, their sanitization records, the review list of unmatched report results,
destruction batches and certificates.

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
        sa.Column("power_on_hours", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False, server_default=""),
        sa.Column("last_result", sa.String(32), nullable=False, server_default=""),
        sa.Column("route_to_destruction", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_media_serial", "media", ["serial"])
    op.create_index("ix_media_asset", "media", ["asset_id"])
    op.create_table(
        "sanitization_records",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("record_id", sa.String(64), nullable=False, unique=True),
        sa.Column("media_id", sa.String(64), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("drive_serial", sa.String(200), nullable=False),
        sa.Column("media_kind", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("technique", sa.String(40), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("tool", sa.String(200), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("tool_method_label", sa.String(200), nullable=False),
        sa.Column("ended", sa.String(40), nullable=False),
        sa.Column("evidence_sha256", sa.String(64), nullable=False),
        sa.Column("evidence_name", sa.String(200), nullable=False),
        sa.Column("operator_id", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("needs_validation", sa.Boolean, nullable=False),
        sa.Column("route_to_destruction", sa.Boolean, nullable=False),
    )
    op.create_index("ix_sanitization_records_media", "sanitization_records", ["media_id"])
    op.create_index("ix_sanitization_records_evidence", "sanitization_records", ["evidence_sha256"])
    op.create_table(
        "sanitization_reviews",
        sa.Column("review_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("evidence_sha256", sa.String(64), nullable=False),
        sa.Column("drive_serial", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
    )
    op.create_index("ix_sanitization_reviews_evidence", "sanitization_reviews", ["evidence_sha256"])
    op.create_table(
        "destruction_batches",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("equipment_id", sa.String(200), nullable=False),
        sa.Column("din_level", sa.String(8), nullable=False),
        sa.Column("witness_operator_id", sa.String(64), nullable=False),
        sa.Column("pre_count", sa.Integer, nullable=False),
        sa.Column("post_count", sa.Integer, nullable=False),
        sa.Column("output_weight_g", sa.Integer, nullable=False),
    )
    op.create_table(
        "certificates",
        sa.Column("certificate_no", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("line_items_sha256", sa.String(64), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("reprints", sa.Integer, nullable=False),
    )
