"""Group breaks: a break at a time, who joined it, and who pressed Done.

Revision ID: 0060
Revises: 0055
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0060"
down_revision = "0055"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "group_breaks",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("card_id", sa.String(64)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("routine", sa.String(64)),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_until", TS),
        sa.Column("start_channel_id", sa.String(64)),
        sa.Column("start_message_id", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_group_breaks"),
    )
    op.create_index("ix_group_breaks_status_starts_at", "group_breaks",
                    ["status", "starts_at"])
    op.create_table(
        "group_break_people",
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("joined_at", TS, nullable=False),
        sa.Column("done_at", TS),
        sa.ForeignKeyConstraint(["group_id"], ["group_breaks.id"], ondelete="CASCADE",
                                name="fk_group_break_people_group_id"),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_group_break_people"),
    )


def downgrade() -> None:
    op.drop_table("group_break_people")
    op.drop_index("ix_group_breaks_status_starts_at", table_name="group_breaks")
    op.drop_table("group_breaks")
