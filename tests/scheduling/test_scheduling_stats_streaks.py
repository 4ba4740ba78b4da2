"""Streaks end to end with an injected clock, on SQLite and PostgreSQL: breaks pressed late
in the evening across Europe/Berlin's DST change land on the person's own days, weekends
and skip dates keep the streak, and the person's own reminder days decide what a working
day is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.ports import Actor
from bot.storage import create_store
from tests.scheduling.scheduling_harness import ADMIN, PLATFORM, Rig, make_rig

BERLIN = ZoneInfo("Europe/Berlin")
PERSON = Actor(PLATFORM, "guild1", "person1", display_name="Cy")
START = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday; DST starts Sunday the 28th


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "db.sqlite3"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def rig(url: str | Path) -> AsyncIterator[Rig]:
    if isinstance(url, str):  # PostgreSQL: start from an empty schema
        wipe = create_store(url)
        async with wipe.engine.begin() as conn:
            await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
        await wipe.close()
    r = await make_rig(url, FakeClock(START))
    await r.commands.remind_on(PERSON, every="60", start="09:00", end="17:00", days="mon-fri")
    await r.commands.remind_timezone(PERSON, "Europe/Berlin")
    yield r
    await r.store.close()


async def press_done_at(rig: Rig, day: date, hh: int, mm: int) -> None:
    assert isinstance(rig.clock, FakeClock)
    rig.clock.set(datetime(day.year, day.month, day.day, hh, mm, tzinfo=BERLIN))
    await rig.commands.button(PERSON, actions.DONE.build())


async def streak_line(rig: Rig, at: datetime) -> str:
    assert isinstance(rig.clock, FakeClock) and rig.commands.stats is not None
    rig.clock.set(at)
    text = (await rig.commands.stats.mystats(PERSON, "month")).plain_text()
    return next(line.strip(" -") for line in text.splitlines() if "Streak" in line)


async def test_late_breaks_across_dst_and_a_weekend_keep_the_streak(rig: Rig) -> None:
    """Breaks at 00:30 Berlin time every weekday across the spring change (the previous day
    in UTC: 23:30 before it, 22:30 after) count on their own Berlin day, so no weekday is
    missed; the weekend between costs nothing: ten working days in a row."""
    first = date(2027, 3, 22)
    for offset in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11):
        await press_done_at(rig, first + timedelta(days=offset), 0, 30)
    line = await streak_line(rig, datetime(2027, 4, 2, 23, 45, tzinfo=BERLIN))
    assert line == "Streak: 10 days (best: 10 days)"


async def test_a_missed_weekday_breaks_it_and_a_skip_date_does_not(rig: Rig) -> None:
    """Tuesday without a break restarts the run; Thursday is a skip date, so Wednesday and
    Friday join up."""
    await rig.commands.config_skip(ADMIN, "2027-03-25")
    for offset in (0, 2, 4):
        await press_done_at(rig, date(2027, 3, 22) + timedelta(days=offset), 12, 0)
    line = await streak_line(rig, datetime(2027, 3, 29, 8, 0, tzinfo=BERLIN))
    assert line == "Streak: 2 days (best: 2 days)"


async def test_the_persons_own_days_decide_what_a_working_day_is(rig: Rig) -> None:
    """With reminders on Monday, Wednesday and Friday only, Tuesday and Thursday are days off."""
    await rig.commands.remind_on(PERSON, days="mon,wed,fri")
    for offset in (0, 2, 4):
        await press_done_at(rig, date(2027, 3, 22) + timedelta(days=offset), 12, 0)
    line = await streak_line(rig, datetime(2027, 3, 29, 8, 0, tzinfo=BERLIN))
    assert line == "Streak: 3 days (best: 3 days)"
