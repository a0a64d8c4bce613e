"""Sanitization follow-ups (issue #5): R2v3 QC samples and their per-drive verification
results, review-list resolutions (and each review item's drive position in its report), why a
medium's once-passing outcome stopped counting (a failed QC sample re-opened its batch), and an
index on the normalised drive serial used for matching.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "media",
        sa.Column("voided_reason", sa.String(400), nullable=False, server_default=""),
    )
    # Matching by serial compares upper(trim(serial)): index that expression.
    op.create_index("ix_media_serial_norm", "media", [sa.text("upper(trim(serial))")])
    op.add_column(
        "sanitization_reviews",
        sa.Column("drive_index", sa.Integer, nullable=False, server_default="-1"),
    )
    op.create_table(
        "qc_samples",
        sa.Column("sample_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
        sa.Column("selection_method", sa.String(400), nullable=False),
        sa.Column("drawn_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_qc_samples_job", "qc_samples", ["job_id"])
    op.create_table(
        "qc_sample_drives",
        sa.Column("sample_id", sa.String(64), nullable=False),
        sa.Column("media_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("drive_serial", sa.String(200), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("wiped_by", sa.String(64), nullable=False),
        sa.Column("tool", sa.String(200), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("verifier_operator_id", sa.String(64), nullable=False),
        sa.Column("verifier_name", sa.String(200), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("recovery_tool", sa.String(200), nullable=False),
        sa.Column("notes", sa.String(400), nullable=False),
        sa.Column("reopened_count", sa.Integer, nullable=False),
        sa.Column("verified_seq", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("sample_id", "media_id"),
    )
    op.create_index("ix_qc_sample_drives_media", "qc_sample_drives", ["media_id"])
    op.create_table(
        "review_resolutions",
        sa.Column("review_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("media_id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("operator_id", sa.String(64), nullable=False),
    )
