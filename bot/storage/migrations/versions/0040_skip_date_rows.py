"""Skip dates as rows: one per (workspace, day), so concurrent /config skip never loses one.

The JSON list in ``workspaces.skip_dates`` was read, changed in Python and written back whole:
ten concurrent adds of different dates stored two (SQLite) or one (PostgreSQL). As rows, an
add is one insert and a removal one delete, and neither can overwrite the other. Existing
lists are copied over, then the column is dropped.

Revision ID: 0040
Revises: 0030
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0030"
branch_labels = None
depends_on = None


def _dates(raw: Any) -> list[str]:
    """A stored list (JSON text on SQLite, a list on PostgreSQL) as valid ISO dates."""
    values = json.loads(raw) if isinstance(raw, str) else (raw or [])
    days: set[str] = set()
    for value in values:
        try:
            days.add(date.fromisoformat(str(value)).isoformat())
        except ValueError:  # a hand-edited row: drop what was never a date
            continue
    return sorted(days)


def upgrade() -> None:
    skip = op.create_table(
        "workspace_skip_dates",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "day",
                                name="pk_workspace_skip_dates"),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT platform, workspace_id, skip_dates FROM workspaces"))
    copied = [{"platform": platform, "workspace_id": workspace_id, "day": day}
              for platform, workspace_id, raw in rows for day in _dates(raw)]
    if copied:
        op.bulk_insert(skip, copied)
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("skip_dates")


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("skip_dates", sa.JSON, nullable=False,
                                   server_default="[]"))
    conn = op.get_bind()
    found: dict[tuple[str, str], list[str]] = {}
    for platform, workspace_id, day in conn.execute(sa.text(
            "SELECT platform, workspace_id, day FROM workspace_skip_dates ORDER BY day")):
        found.setdefault((platform, workspace_id), []).append(day)
    workspaces = sa.table("workspaces", sa.column("platform"), sa.column("workspace_id"),
                          sa.column("skip_dates", sa.JSON))
    for (platform, workspace_id), days in found.items():
        conn.execute(sa.update(workspaces).where(
            workspaces.c.platform == platform, workspaces.c.workspace_id == workspace_id,
        ).values(skip_dates=days))
    op.drop_table("workspace_skip_dates")
