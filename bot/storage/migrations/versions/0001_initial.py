"""Initial schema: workspaces, schedules, reminders, the delivery ledger, rotation, kv, history.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("quiet_start", sa.String(5)),
        sa.Column("quiet_end", sa.String(5)),
        sa.Column("skip_dates", sa.JSON, nullable=False),
        sa.Column("admin_channel_id", sa.String(64)),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", name="pk_workspaces"),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("cron", sa.String(200)),
        sa.Column("every_minutes", sa.Integer),
        sa.Column("start_time", sa.String(5)),
        sa.Column("end_time", sa.String(5)),
        sa.Column("days", sa.String(20)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("paused_reason", sa.String(300)),
        sa.Column("next_due", TS),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_schedules"),
    )
    op.create_index("ix_schedules_next_due", "schedules", ["next_due"])
    op.create_index("ix_schedules_workspace", "schedules", ["platform", "workspace_id"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("dm_channel_id", sa.String(64)),
        sa.Column("every_minutes", sa.Integer, nullable=False),
        sa.Column("start_time", sa.String(5)),
        sa.Column("end_time", sa.String(5)),
        sa.Column("days", sa.String(20)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("snoozed_until", TS),
        sa.Column("paused_until", TS),
        sa.Column("disabled_reason", sa.String(64)),
        sa.Column("next_due", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint(
            "platform", "workspace_id", "user_id", name="uq_reminders_platform_workspace_id_user_id"
        ),
    )
    op.create_index("ix_reminders_next_due", "reminders", ["next_due"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("slot", TS, nullable=False),
        sa.Column("target_key", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("detail", sa.String(300)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint(
            "source", "slot", "target_key", name="uq_deliveries_source_slot_target_key"
        ),
    )
    op.create_table(
        "rotation",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rotation"),
    )
    op.create_table(
        "kv",
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("namespace", "key", name="pk_kv"),
    )
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


def downgrade() -> None:
    for table in (
        "history",
        "kv",
        "rotation",
        "deliveries",
        "reminders",
        "schedules",
        "workspaces",
    ):
        op.drop_table(table)
