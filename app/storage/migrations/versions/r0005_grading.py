"""Grading projections: published rubric versions, every grade (history, supersession, review
flag) and the current grade and disposition per asset.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rubrics",
        sa.Column("rubric_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source_name", sa.String(260), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("published_seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("rubric_id", "version"),
    )
    op.create_table(
        "grade_history",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("operator_id", sa.String(64), nullable=False),
        sa.Column("device_time", sa.String(40), nullable=False),
        sa.Column("rubric_id", sa.String(64), nullable=False),
        sa.Column("rubric_version", sa.Integer, nullable=False),
        sa.Column("cosmetic_scale", sa.String(64), nullable=False),
        sa.Column("cosmetic_grade", sa.String(32), nullable=False),
        sa.Column("functional_scale", sa.String(64), nullable=False),
        sa.Column("functional_grade", sa.String(32), nullable=False),
        sa.Column("disposition", sa.String(32), nullable=False),
        sa.Column("derived_functional_grade", sa.String(32), nullable=False),
        sa.Column("derived_disposition", sa.String(32), nullable=False),
        sa.Column("override_reason", sa.Text, nullable=False),
        sa.Column("defects", sa.Text, nullable=False),
        sa.Column("photo_count", sa.Integer, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("superseded_by", sa.String(36), nullable=False),
        sa.Column("needs_review", sa.Boolean, nullable=False),
    )
    op.create_index("ix_grade_history_asset", "grade_history", ["asset_id"])
    op.create_table(
        "asset_grades",
        sa.Column("asset_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("rubric_id", sa.String(64), nullable=False),
        sa.Column("rubric_version", sa.Integer, nullable=False),
        sa.Column("cosmetic_grade", sa.String(32), nullable=False),
        sa.Column("functional_grade", sa.String(32), nullable=False),
        sa.Column("disposition", sa.String(32), nullable=False),
        sa.Column("overridden", sa.Boolean, nullable=False),
        sa.Column("grade_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_asset_grades_disposition", "asset_grades", ["disposition"])
    # Projections are rebuildable: an upgraded station replays its ledger (no grades yet).


def downgrade() -> None:
    op.drop_index("ix_asset_grades_disposition", table_name="asset_grades")
    op.drop_table("asset_grades")
    op.drop_index("ix_grade_history_asset", table_name="grade_history")
    op.drop_table("grade_history")
    op.drop_table("rubrics")
