"""Calendar feeds for meeting-aware nudges: one encrypted URL per person, and its health.

Revision ID: 0030
Revises: 0020
Create Date: 2027-03-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0020"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meeting_calendars",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("url_sealed", sa.Text, nullable=False),
        sa.Column("good_at", TS),
        sa.Column("failing_since", TS),
        sa.Column("notified", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "user_id",
                                name="pk_meeting_calendars"),
    )


def downgrade() -> None:
    op.drop_table("meeting_calendars")
