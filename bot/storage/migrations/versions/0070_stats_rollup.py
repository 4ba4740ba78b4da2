"""Team stats' daily rollup: per-day counts, each person's last break, the rollup's zone.

Existing events are not copied here: the rollup is (re)built from them by the bot, in the
workspace's zone, in chunks that never hold the write lock for long (bot/storage/rollup.py).

Revision ID: 0070
Revises: 0060
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070"
down_revision = "0060"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stats_days",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("schedule_key", sa.Integer, nullable=False),
        sa.Column("nudged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("people", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lasts", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "day", "schedule_key",
                                name="pk_stats_days"),
    )
    op.create_table(
        "stats_people",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("schedule_key", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("last_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "schedule_key", "user_id",
                                name="pk_stats_people"),
    )
    op.create_table(
        "stats_rollups",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("build_id", sa.String(32), nullable=False),
        sa.Column("built_until", TS, nullable=False),
        sa.Column("ready", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("platform", "workspace_id", name="pk_stats_rollups"),
    )


def downgrade() -> None:
    op.drop_table("stats_rollups")
    op.drop_table("stats_people")
    op.drop_table("stats_days")
