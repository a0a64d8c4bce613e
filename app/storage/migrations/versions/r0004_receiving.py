"""Receiving and custody projections: manifest line EPC/weight/reference, asset status and
EPC, containers, receiving jobs, discrepancies, scan flags and remembered column mappings.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("manifest_lines") as batch:
        batch.add_column(sa.Column("epc", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("weight_g", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("customer_ref", sa.String(200), nullable=False, server_default="")
        )
    op.create_index("ix_manifest_lines_asset_tag", "manifest_lines", ["asset_tag"])
    op.create_index("ix_manifest_lines_epc", "manifest_lines", ["epc"])
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("epc", sa.String(200), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="received")
        )
        batch.add_column(sa.Column("matched_by", sa.String(16), nullable=False, server_default=""))
    op.create_index("ix_assets_asset_tag", "assets", ["asset_tag"])
    op.create_index("ix_assets_epc", "assets", ["epc"])
    op.create_index("ix_assets_job", "assets", ["job_id"])
    op.create_table(
        "receiving_jobs",
        sa.Column("job_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("inbound_seq", sa.Integer, nullable=True),
        sa.Column("closed_seq", sa.Integer, nullable=True),
        # Running counters, kept by the projector so a scan's feedback never counts 100k rows.
        sa.Column("expected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extra", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "containers",
        sa.Column("container_id", sa.String(200), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("seal_number", sa.String(200), nullable=False),
        sa.Column("seal_intact", sa.Boolean, nullable=False),
        sa.Column("custodian", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "discrepancies",
        sa.Column("discrepancy_id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("container_id", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("raised_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_discrepancies_job", "discrepancies", ["job_id"])
    op.create_table(
        "scan_flags",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("other_job_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_scan_flags_job", "scan_flags", ["job_id"])
    op.create_table(
        "customer_column_mappings",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("updated_seq", sa.Integer, nullable=False),
    )
