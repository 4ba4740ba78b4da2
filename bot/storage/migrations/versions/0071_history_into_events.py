"""The old ``history`` table (Done and Snooze presses) folded into ``stats_events``.

Since 0050 every press was written twice, once to each. Presses from before stats existed
(older than the first stats event) are copied over with source "history"; the table goes.
Downgrading brings the table back with every Done and Snooze event in it.

Revision ID: 0071
Revises: 0070
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0071"
down_revision = "0070"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
COPY = ("INSERT INTO stats_events (platform, workspace_id, user_id, kind, schedule_id, source,"
        " reason, at) SELECT platform, workspace_id, user_id,"
        " CASE event WHEN 'done' THEN 'done' ELSE 'snoozed' END, NULL, 'history', '', at"
        " FROM history WHERE event IN ('done', 'snooze')")
COPY_OLDER = ("INSERT INTO stats_events (platform, workspace_id, user_id, kind, schedule_id,"
              " source, reason, at) SELECT platform, workspace_id, user_id,"
              " CASE event WHEN 'done' THEN 'done' ELSE 'snoozed' END, NULL, 'history', '',"
              " at FROM history WHERE event IN ('done', 'snooze') AND at < :first")


def upgrade() -> None:
    conn = op.get_bind()
    first = conn.execute(sa.text("SELECT min(at) FROM stats_events")).scalar()
    if first is None:
        conn.execute(sa.text(COPY))
    else:  # only what stats never saw: presses from before the first stats event
        conn.execute(sa.text(COPY_OLDER), {"first": first})
    op.drop_index("ix_history_user", table_name="history")
    op.drop_table("history")


def downgrade() -> None:
    op.create_table(
        "history",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(200)),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_history"),
    )
    op.create_index("ix_history_user", "history", ["platform", "workspace_id", "user_id", "at"])
    op.execute(
        "INSERT INTO history (platform, workspace_id, user_id, event, detail, at)"
        " SELECT platform, workspace_id, user_id,"
        " CASE kind WHEN 'done' THEN 'done' ELSE 'snooze' END, NULL, at FROM stats_events"
        " WHERE kind IN ('done', 'snoozed') AND user_id IS NOT NULL ORDER BY at, id")
