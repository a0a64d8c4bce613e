"""Evidence files (content-addressed blobs) the server has confirmed, or that could not be sent
because the local file no longer matches its hash (issue #8: station blob upload).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_uploads",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at_ms", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
