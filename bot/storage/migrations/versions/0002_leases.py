"""Leases and retry times, so several processes can share one PostgreSQL database.

A row claimed by one process carries its owner and an expiry; another process skips it until
the lease runs out. Deliveries also get ``next_attempt_at`` for retry backoff.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    for table in ("schedules", "reminders", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lease_owner", sa.String(64)))
            batch.add_column(sa.Column("lease_until", TS))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("next_attempt_at", TS))
    # Rows written by 0001 that are still pending become retryable right away.
    op.execute("UPDATE deliveries SET next_attempt_at = created_at WHERE status = 'pending'")
    op.create_index(
        "ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_status_next_attempt_at", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("next_attempt_at")
    for table in ("schedules", "reminders", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_until")
            batch.drop_column("lease_owner")
