"""A schedule may post a routine: ``kind`` holds ``routine:<id>``, so it is widened.

Revision ID: 0055
Revises: 0030
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0055"
down_revision = "0030"
branch_labels = None
depends_on = None

# "routine:" and a content id of up to 64 characters (bot/core/content/models.py Id).
KIND = sa.String(80)


def upgrade() -> None:
    for table in ("schedules", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", type_=KIND, existing_type=sa.String(8),
                               existing_nullable=False)


def downgrade() -> None:
    for table in ("schedules", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", type_=sa.String(8), existing_type=KIND,
                               existing_nullable=False)
