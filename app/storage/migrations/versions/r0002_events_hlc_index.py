"""Index events by HLC time, for the Custody log's time filter.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An index is not an event change: migrations never touch event rows.
    op.create_index("ix_events_hlc_l", "events", ["hlc_l"])
