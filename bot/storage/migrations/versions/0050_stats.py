"""Stats events: what happened to each break, for /mystats and /teamstats (issue 13).

Revision ID: 0050
Revises: 0030
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_events",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("schedule_id", sa.Integer),
        sa.Column("source", sa.String(16), nullable=False, server_default=""),
        sa.Column("reason", sa.String(64), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stats_events"),
    )
    op.create_index("ix_stats_events_person", "stats_events",
                    ["platform", "workspace_id", "user_id", "at", "kind"])
    op.create_index("ix_stats_events_workspace", "stats_events",
                    ["platform", "workspace_id", "at", "kind", "schedule_id", "user_id"])
    op.create_index("ix_stats_events_at", "stats_events", ["at"])


def downgrade() -> None:
    op.drop_table("stats_events")
