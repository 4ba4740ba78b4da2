"""Calendar links in the database: sealed, replaced atomically, removable, and the feed's
health kept for restarts; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.meetings.feeds import FeedHealth
from bot.meetings.secrets import SealError, UrlCipher
from bot.meetings.store import CalendarStore, person_key
from bot.storage import Store

URL = "https://calendar.google.com/calendar/ical/alice%40example.com/private-5ecret7oken/basic.ics"
KEY = "a-web-secret-key-of-some-length"


@pytest.fixture
def calendars(store: Store) -> CalendarStore:
    return CalendarStore(store, UrlCipher(KEY))


async def _raw_rows(store: Store) -> list[str]:
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT * FROM meeting_calendars"))).all()
    return [" ".join(str(v) for v in row) for row in rows]


async def test_a_link_round_trips_and_is_stored_sealed(calendars: CalendarStore,
                                                       store: Store) -> None:
    """What is read back is the link; what the table holds shows no part of it."""
    await calendars.set_url("slack", "T1", "U1", URL)
    assert await calendars.get_url("slack", "T1", "U1") == URL
    [row] = await _raw_rows(store)
    assert "5ecret7oken" not in row and "google" not in row


async def test_setting_again_replaces_the_link_and_its_health(calendars: CalendarStore) -> None:
    """A new link replaces the old one and starts with a clean bill of health."""
    await calendars.set_url("slack", "T1", "U1", URL)
    person = person_key("slack", "T1", "U1")
    await calendars.put_health(person, FeedHealth(failing_since=calendars._store.clock.now(),
                                                  notified=True))
    await calendars.set_url("slack", "T1", "U1", URL + "?v=2")
    assert await calendars.get_url("slack", "T1", "U1") == URL + "?v=2"
    assert await calendars.get_health(person) == FeedHealth()


async def test_status_and_removal(calendars: CalendarStore) -> None:
    """has_calendar answers without decrypting; remove forgets it (once)."""
    assert not await calendars.has_calendar("discord", "@me", "42")
    await calendars.set_url("discord", "@me", "42", URL)
    assert await calendars.has_calendar("discord", "@me", "42")
    assert await calendars.remove("discord", "@me", "42")
    assert not await calendars.remove("discord", "@me", "42")
    assert await calendars.get_url("discord", "@me", "42") is None


async def test_another_key_cannot_open_a_link(calendars: CalendarStore, store: Store) -> None:
    """A rotated key makes the link unreadable with an error that holds no part of it."""
    await calendars.set_url("slack", "T1", "U1", URL)
    other = CalendarStore(store, UrlCipher("a-different-secret-key-entirely"))
    with pytest.raises(SealError) as caught:
        await other.get_url("slack", "T1", "U1")
    assert "5ecret" not in str(caught.value)


async def test_health_is_kept_per_person(calendars: CalendarStore) -> None:
    """put_health/get_health round trip; nobody's row, nobody's health."""
    await calendars.set_url("slack", "T1", "U1", URL)
    person = person_key("slack", "T1", "U1")
    now = calendars._store.clock.now()
    health = FeedHealth(good_at=now - timedelta(hours=3), failing_since=now, notified=True)
    await calendars.put_health(person, health)
    assert await calendars.get_health(person) == health
    assert await calendars.get_health(person_key("slack", "T1", "U2")) is None
    await calendars.put_health(person_key("slack", "T1", "U2"), health)  # no row: ignored
    assert await calendars.get_health(person_key("slack", "T1", "U2")) is None


async def test_concurrent_settings_leave_one_row(calendars: CalendarStore, store: Store) -> None:
    """Ten /remind calendar at once for one person: one row, holding one of the ten links."""
    links = [f"{URL}?n={i}" for i in range(10)]
    await asyncio.gather(*(calendars.set_url("slack", "T1", "U1", u) for u in links))
    assert len(await _raw_rows(store)) == 1
    assert await calendars.get_url("slack", "T1", "U1") in links


def test_the_key_must_be_long_enough_and_never_shows() -> None:
    """A short secret is refused; repr hides the key."""
    with pytest.raises(ValueError, match="at least 16"):
        UrlCipher("short")
    assert KEY not in repr(UrlCipher(KEY))
