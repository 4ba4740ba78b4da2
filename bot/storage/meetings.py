"""Where each person's calendar link lives: the ``meeting_calendars`` table, sealed.

One row per person (platform, workspace, user): the URL sealed by
:class:`bot.meetings.secrets.UrlCipher`, and the feed's health for
:class:`bot.meetings.feeds.CalendarFeeds` (it implements ``FeedHealthStore``, keyed by
:func:`person_key`). Setting a link is one upsert, so two ``/remind calendar`` at once
leave one row with one of the two links, never two rows or a half-written one; setting a new
link starts its health afresh.

A self-contained module beside the Store (it uses the Store's engine and tables only), in
bot/storage because only storage talks to the database (tests/test_layers.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.meetings.feeds import FeedHealth
from bot.meetings.secrets import SealError, UrlCipher
from bot.storage import tables as t
from bot.storage.store import Store

_SEP = "\x1f"  # unit separator: cannot appear in platform, workspace or user ids


def person_key(platform: str, workspace_id: str, user_id: str) -> str:
    """The key CalendarFeeds caches a person's calendar under."""
    return _SEP.join((str(platform), workspace_id, user_id))


def _split(person: str) -> tuple[str, str, str]:
    platform, workspace_id, user_id = person.split(_SEP)
    return platform, workspace_id, user_id


class CalendarStore:
    def __init__(self, store: Store, cipher: UrlCipher) -> None:
        self._store = store
        self._cipher = cipher

    def _where(self, platform: str, workspace_id: str, user_id: str) -> sa.ColumnElement[bool]:
        c = t.meeting_calendars.c
        return sa.and_(c.platform == str(platform), c.workspace_id == workspace_id,
                       c.user_id == user_id)

    async def set_url(self, platform: str, workspace_id: str, user_id: str, url: str) -> None:
        """Store (or replace) the person's link, sealed; a new link starts with fresh health."""
        now = self._store.clock.now()
        table = t.meeting_calendars
        values = {"platform": str(platform), "workspace_id": workspace_id, "user_id": user_id,
                  "url_sealed": self._cipher.seal(url), "good_at": None,
                  "failing_since": None, "notified": False, "created_at": now,
                  "updated_at": now}
        insert = (postgresql.insert(table) if self._store.dialect == "postgresql"
                  else sqlite.insert(table)).values(**values)
        fresh = {k: v for k, v in values.items() if k not in ("platform", "workspace_id",
                                                               "user_id", "created_at")}
        stmt = insert.on_conflict_do_update(
            index_elements=[table.c.platform, table.c.workspace_id, table.c.user_id],
            set_=fresh)
        async with self._store.write() as conn:
            await conn.execute(stmt)

    async def get_url(self, platform: str, workspace_id: str, user_id: str) -> str | None:
        """The person's link, or None. Raises SealError if it was sealed with another key."""
        stmt = sa.select(t.meeting_calendars.c.url_sealed).where(
            self._where(platform, workspace_id, user_id))
        async with self._store.read() as conn:
            sealed = (await conn.execute(stmt)).scalar_one_or_none()
        return None if sealed is None else self._cipher.open(sealed)

    async def has_calendar(self, platform: str, workspace_id: str, user_id: str) -> bool:
        """Whether a link is set (for /remind status: never decrypted, never shown)."""
        stmt = sa.select(sa.literal(1)).where(self._where(platform, workspace_id, user_id))
        async with self._store.read() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def remove(self, platform: str, workspace_id: str, user_id: str) -> bool:
        """Forget the person's link; True if there was one."""
        async with self._store.write() as conn:
            result = await conn.execute(sa.delete(t.meeting_calendars).where(
                self._where(platform, workspace_id, user_id)))
        return result.rowcount > 0

    # -- FeedHealthStore -----------------------------------------------------------------

    async def get_health(self, person: str) -> FeedHealth | None:
        c = t.meeting_calendars.c
        stmt = sa.select(c.good_at, c.failing_since, c.notified).where(
            self._where(*_split(person)))
        async with self._store.read() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None:
            return None
        return FeedHealth(good_at=row.good_at, failing_since=row.failing_since,
                          notified=bool(row.notified))

    async def put_health(self, person: str, health: FeedHealth) -> None:
        """Update the row's health; a person whose row is gone (link removed) is ignored."""
        stmt = sa.update(t.meeting_calendars).where(self._where(*_split(person))).values(
            good_at=health.good_at, failing_since=health.failing_since,
            notified=health.notified)
        async with self._store.write() as conn:
            await conn.execute(stmt)


__all__ = ["CalendarStore", "SealError", "person_key"]
