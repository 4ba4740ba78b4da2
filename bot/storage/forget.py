"""``/remind forget``: remove one person from one workspace, in one transaction.

Deleted: their reminder settings, stats events and break history, the DM channel id kept for
them, their calendar link, rotation state kept for their DMs, and any nudge still pending for
them (a one-off snooze, a nudge held during a meeting). The delivery ledger's settled rows
stay, because exactly-once needs them (a row's ``(source, slot, target_key)`` is what stops
a resend), but everything in them that names the person is replaced: the target becomes
``forgotten:<row id>``. Rows that only
mention the person as the author of an admin change (the audit log, ``created_by``) keep the
change and lose the name.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from bot.storage import tables as t
from bot.storage.rollup import forget_in_rollup
from bot.storage.store import Store

FORGOTTEN = "forgotten"
PERSONAL = "@me"  # where Discord keeps what belongs to a person, not to a server


@dataclass(frozen=True, slots=True)
class Forgotten:
    """How many rows of each kind went (or lost the person's id)."""

    reminders: int = 0
    events: int = 0
    dm_channels: int = 0
    pending: int = 0
    calendars: int = 0
    ledger_rows: int = 0
    other: int = 0


def _names_person(key: str, user_id: str) -> bool:
    """A ``:``-separated key (``dm:U1``, ``slack:T1:dm:U1``) with the person as one part."""
    return user_id in key.split(":")


async def forget_person(store: Store, platform: str, workspace_id: str,
                        user_id: str) -> Forgotten:
    async with store.write() as conn:  # one transaction: all of it goes, or nothing
        return await conn.run_sync(_forget, platform, workspace_id, user_id)


def _forget(conn: sa.Connection, platform: str, workspace_id: str,
            user_id: str) -> Forgotten:
    here = {"platform": platform, "workspace_id": workspace_id}

    def where(table: sa.Table) -> list[sa.ColumnElement[bool]]:
        return [table.c[k] == v for k, v in here.items()]

    r, d = t.reminders, t.deliveries
    reminder_ids = [row.id for row in conn.execute(
        sa.select(r.c.id).where(*where(r), r.c.user_id == user_id))]
    sources = [f"reminder:{i}" for i in reminder_ids] + [f"snooze:{user_id}"[:64]]
    reminders = conn.execute(sa.delete(r).where(*where(r), r.c.user_id == user_id)).rowcount

    e = t.stats_events
    # Out of team stats' daily rollup first: its figures are counted from these events.
    rollup_rows = forget_in_rollup(conn, platform,
                                   None if workspace_id == PERSONAL else workspace_id, user_id)
    events = conn.execute(sa.delete(e).where(*where(e), e.c.user_id == user_id)).rowcount
    if workspace_id == PERSONAL:
        # Discord's "@me" is the person's own space and their id is global: the copies of
        # their Done clicks kept for servers' team stats go too.
        events += conn.execute(sa.delete(e).where(
            e.c.platform == platform, e.c.user_id == user_id)).rowcount

    m = t.meeting_calendars
    calendars = conn.execute(sa.delete(m).where(*where(m), m.c.user_id == user_id)).rowcount

    # The ledger: the person's DM rows and the rows of their reminders and snoozes.
    mine = sa.and_(*where(d), sa.or_(
        sa.and_(d.c.target_kind == "dm", d.c.target_id == user_id), d.c.source.in_(sources)))
    # Not sent yet: a snoozed nudge, or one held while the person was in a meeting.
    pending = conn.execute(sa.delete(d).where(
        mine, d.c.status.in_(("pending", "held")))).rowcount
    ids = [row.id for row in conn.execute(sa.select(d.c.id).where(mine))]
    for ident in ids:
        conn.execute(sa.update(d).where(d.c.id == ident).values(
            source=f"{FORGOTTEN}:{ident}", target_key=f"{FORGOTTEN}:{ident}", target_id="",
            detail=None))

    # Keys that name the person: the DM channel id (``dm:<person>``) and DM rotations.
    dm_channels = other = 0
    kv, rot = t.kv, t.rotation
    for row in conn.execute(sa.select(kv.c.namespace, kv.c.key).where(
            kv.c.key.contains(user_id, autoescape=True))).all():
        if _names_person(row.key, user_id):
            conn.execute(sa.delete(kv).where(kv.c.namespace == row.namespace,
                                             kv.c.key == row.key))
            if row.key.startswith("dm:"):
                dm_channels += 1
            else:
                other += 1
    for row in conn.execute(sa.select(rot.c.key).where(
            rot.c.key.contains(user_id, autoescape=True))).all():
        if _names_person(row.key, user_id) and row.key.startswith(f"{platform}:{workspace_id}:"):
            other += conn.execute(sa.delete(rot).where(rot.c.key == row.key)).rowcount

    # Admin changes they made stay in the log, without their name.
    a, s = t.audit_log, t.schedules
    other += conn.execute(sa.update(a).where(*where(a), a.c.user_id == user_id).values(
        user_id=FORGOTTEN, user_name="")).rowcount
    other += conn.execute(sa.update(s).where(*where(s), s.c.created_by == user_id).values(
        created_by=FORGOTTEN)).rowcount
    return Forgotten(reminders, events, dm_channels, pending, calendars, len(ids),
                     other + rollup_rows)
