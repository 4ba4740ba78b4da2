"""The schema as SQLAlchemy Core tables: the single source the store's queries are built from.

Migrations in ``migrations/versions`` are frozen snapshots and never import this module; a
test compares a migrated database with these tables so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every backend.

    SQLite has no timezone type: values are stored as naive UTC text, which sorts and compares
    correctly as long as everything written is UTC — this type guarantees that. PostgreSQL
    gets a real ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("workspace_id", sa.String(64), primary_key=True),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("quiet_start", sa.String(5)),
    sa.Column("quiet_end", sa.String(5)),
    sa.Column("admin_channel_id", sa.String(64)),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One row per skip date (ISO "YYYY-MM-DD"): an add or a removal touches only its own row, so
# concurrent /config skip changes cannot overwrite each other (migration 0040).
workspace_skip_dates = sa.Table(
    "workspace_skip_dates",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("workspace_id", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("workspace_id", sa.String(64), nullable=False),
    sa.Column("channel_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(80), nullable=False),  # break, tip or routine:<id>
    sa.Column("cron", sa.String(200)),
    sa.Column("every_minutes", sa.Integer),
    sa.Column("start_time", sa.String(5)),
    sa.Column("end_time", sa.String(5)),
    sa.Column("days", sa.String(20)),
    sa.Column("timezone", sa.String(64)),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("paused_reason", sa.String(300)),
    sa.Column("next_due", UTCDateTime, index=True),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_schedules_workspace", "platform", "workspace_id"),
)

reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
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
    sa.Column("snoozed_until", UTCDateTime),
    sa.Column("paused_until", UTCDateTime),
    sa.Column("disabled_reason", sa.String(64)),
    sa.Column("next_due", UTCDateTime, index=True),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("platform", "workspace_id", "user_id"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("slot", UTCDateTime, nullable=False),
    sa.Column("target_key", sa.String(200), nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("workspace_id", sa.String(64), nullable=False),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(80), nullable=False),  # break, tip or routine:<id>
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("nonce", sa.String(32), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("detail", sa.String(300)),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.UniqueConstraint("source", "slot", "target_key"),
    sa.Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
)

rotation = sa.Table(
    "rotation",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

kv = sa.Table(
    "kv",
    metadata,
    sa.Column("namespace", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# A person's calendar feed (issue 16). The URL is a secret (anyone holding it reads the
# calendar): only its encryption is stored (bot/meetings/secrets.py). good_at, failing_since
# and notified let a restart remember the feed's health (bot/meetings/feeds.py).
meeting_calendars = sa.Table(
    "meeting_calendars",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("workspace_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("url_sealed", sa.Text, nullable=False),
    sa.Column("good_at", UTCDateTime),
    sa.Column("failing_since", UTCDateTime),
    sa.Column("notified", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Admin changes (from the dashboard and from slash commands), newest first per workspace.
# Written by bot/storage/audit.py after the scheduling facade made a change (issue 15).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("workspace_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("user_name", sa.String(100), nullable=False, server_default=""),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.String(500), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_audit_log_workspace", "platform", "workspace_id", "id"),
)

# What happened to breaks (bot/core/events.py), the rows stats are built from (issue 13).
# Written by bot/storage/stats.py; one row per nudge delivered, Done, Snooze, hold or drop.
# ``user_id`` is NULL for a channel post. The two wide indexes each cover their query, so
# "one person, one period" and "one workspace, one period" are read from the index alone;
# ``at`` alone serves the daily retention prune.
stats_events = sa.Table(
    "stats_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("workspace_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64)),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("schedule_id", sa.Integer),
    sa.Column("source", sa.String(16), nullable=False, server_default=""),
    sa.Column("reason", sa.String(64), nullable=False, server_default=""),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_stats_events_person", "platform", "workspace_id", "user_id", "at", "kind"),
    sa.Index("ix_stats_events_workspace", "platform", "workspace_id", "at", "kind",
             "schedule_id", "user_id"),
    sa.Index("ix_stats_events_at", "at"),
)

# Team stats' daily rollup (issue 13, migration 0070): what /teamstats reads instead of
# scanning a period's events. One row per workspace, local day (in the zone named by
# stats_rollups) and schedule_key (a schedule id; 0 = a Done tied to no schedule; -1 = the
# whole workspace), kept current as events are recorded: posts, breaks, people who took one
# that day, and people whose latest break is that day (``lasts``).
stats_days = sa.Table(
    "stats_days",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("workspace_id", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("schedule_key", sa.Integer, primary_key=True),
    sa.Column("nudged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("people", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lasts", sa.Integer, nullable=False, server_default="0"),
)

# The last break each person took per schedule_key. A period always ends today, so "people
# taking part in the period" is the number of people whose last break falls inside it: the
# sum of stats_days.lasts (people whose last break is on that day) over the period's days,
# which these rows keep right as last breaks move on.
stats_people = sa.Table(
    "stats_people",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("workspace_id", sa.String(64), primary_key=True),
    sa.Column("schedule_key", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("last_at", UTCDateTime, nullable=False),
)

# Per workspace: the zone its rollup's days are in, and how far a (re)build has got; rows are
# added to only while ``ready`` (a build in progress counts everything itself).
stats_rollups = sa.Table(
    "stats_rollups",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("workspace_id", sa.String(64), primary_key=True),
    sa.Column("zone", sa.String(64), nullable=False),
    sa.Column("build_id", sa.String(32), nullable=False),
    sa.Column("built_until", UTCDateTime, nullable=False),
    sa.Column("ready", sa.Boolean, nullable=False, server_default=sa.false()),
)
