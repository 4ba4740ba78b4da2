"""Personal nudges wait for meetings in the person's calendar, end to end: the feed served by
the local ICS server, the scheduler ticking on a FakeClock, the ledger and the events.

Alice (Europe/London) has reminders every 30 minutes, 09:00-17:00, Mon-Fri; her calendar
(tests/meetings/feeds.py) has a daily stand-up with a cancelled Friday and a moved Monday, a
two-hour Monday planning, a declined pitch, a tentative review, and the clocks go forward
on Sunday 2027-03-28.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.core.events import EventKind
from bot.core.messages import MessageKind
from bot.core.ports import Platform
from bot.meetings.fetch import FeedFetcher
from bot.storage import create_store
from bot.storage.records import LedgerStatus
from tests.meetings.conftest import IcsServer
from tests.meetings.feeds import ALICE
from tests.meetings.rig import MeetingRig, make_meeting_rig, person
from tests.scheduling.scheduling_harness import ADMIN, RecordingNotifier

LONDON = ZoneInfo("Europe/London")
THU_0800 = datetime(2027, 3, 25, 8, 0, tzinfo=UTC)
ALICE_ACTOR = person(Platform.DISCORD, "guild1", "alice")


def local(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(LONDON):%a %H:%M}"


@pytest.fixture
async def rig(tmp_path: Path, fetcher: FeedFetcher) -> AsyncIterator[MeetingRig]:
    clock = FakeClock(THU_0800)
    made = await make_meeting_rig(tmp_path / "db.sqlite3", clock,
                                  {Platform.DISCORD: RecordingNotifier(clock)}, fetcher=fetcher)
    yield made
    await made.close()


async def alice_with_calendar(rig: MeetingRig, ics_server: IcsServer) -> str:
    await rig.commands.remind_on(ALICE_ACTOR, every="30", start="09:00", end="17:00",
                                 days="mon-fri")
    await rig.commands.remind_timezone(ALICE_ACTOR, "Europe/London")
    url = ics_server.serve("/alice-secret-7f3a.ics", ALICE)
    answer = await rig.commands.remind_calendar(ALICE_ACTOR, url)
    assert answer.kind is MessageKind.INFO and answer.title == "Calendar set", answer.body
    return url


def notifier(rig: MeetingRig) -> RecordingNotifier:
    found = rig.notifiers[Platform.DISCORD]
    assert isinstance(found, RecordingNotifier)
    return found


async def outcomes(rig: MeetingRig) -> dict[str, str]:
    """Each reminder slot (local) -> when it was sent (local), or why it was not."""
    out = {}
    for row in await rig.ledger():
        if row.status is LedgerStatus.SENT:
            out[local(row.slot)] = f"sent {local(row.sent_at)}"
        else:
            out[local(row.slot)] = f"{row.status} {row.detail}"
    return out


async def test_meetings_hold_and_drop_nudges_across_a_dst_change(
        rig: MeetingRig, ics_server: IcsServer) -> None:
    """Held through a meeting and sent 5 minutes after it, dropped when the next slot comes
    first, on time around cancelled, moved and declined meetings, on both sides of the
    clock change; after two hours of meetings the nudge says so."""
    await alice_with_calendar(rig, ics_server)
    await rig.walk(datetime(2027, 3, 29, 16, 5, tzinfo=UTC))
    seen = await outcomes(rig)
    # Thursday (GMT): stand-up 09:30-09:45, tentative review 15:00-16:00.
    assert seen["Thu 09:00"] == "sent Thu 09:00"
    assert seen["Thu 09:30"] == "sent Thu 09:50"
    assert seen["Thu 10:00"] == "sent Thu 10:00"
    assert seen["Thu 14:30"] == "sent Thu 14:30"
    assert seen["Thu 15:00"] == seen["Thu 15:30"] == "skipped dropped: in a meeting"
    assert seen["Thu 16:00"] == "sent Thu 16:05"
    # Friday: that day's stand-up was cancelled (EXDATE).
    assert seen["Fri 09:30"] == "sent Fri 09:30"
    # Monday (BST, after the change): the stand-up moved to 11:00-11:30, planning
    # 13:00-15:00, and the 16:00 pitch was declined.
    assert seen["Mon 09:30"] == "sent Mon 09:30"
    assert seen["Mon 11:00"] == "skipped dropped: in a meeting"
    assert seen["Mon 11:30"] == "sent Mon 11:35"
    assert seen["Mon 12:30"] == "sent Mon 12:30"
    for slot in ("Mon 13:00", "Mon 13:30", "Mon 14:00", "Mon 14:30"):
        assert seen[slot] == "skipped dropped: in a meeting", slot
    assert seen["Mon 15:00"] == "sent Mon 15:05"
    assert seen["Mon 16:00"] == "sent Mon 16:00"
    assert not [s for s in seen.values() if s.startswith("held")]
    # Each slot is one ledger row, sent at most once.
    sends = [s.delivery.ledger_id for s in notifier(rig).sent]
    assert len(sends) == len(set(sends))
    titles = {local(s.at): s.message.title for s in notifier(rig).sent}
    assert titles["Mon 15:05"] == "You've been in meetings for 2 h — a 2-minute stretch?"
    assert titles["Thu 16:05"] == "You've been in meetings for 1 h — a 2-minute stretch?"
    assert "meetings" not in titles["Mon 11:35"]  # a 30-minute stand-up is not a long run
    held = rig.events.of(EventKind.HELD)
    assert [local(e.at) for e in held] == ["Thu 09:30", "Thu 16:00", "Mon 11:30", "Mon 15:00"]
    assert {e.reason for e in held} == {"in a meeting"}
    assert {(e.platform, e.user_id, e.source) for e in held} == {
        (Platform.DISCORD, "alice", "reminder")}
    dropped = rig.events.of(EventKind.DROPPED)
    assert len(dropped) == 7 and {e.reason for e in dropped} == {"in a meeting"}


async def test_status_shows_the_held_nudge_and_that_a_calendar_is_set(
        rig: MeetingRig, ics_server: IcsServer, caplog: pytest.LogCaptureFixture) -> None:
    """While held, /remind status names when it comes and why, and says a calendar is set
    without ever showing its link (nor does the log)."""
    caplog.set_level(logging.DEBUG)
    url = await alice_with_calendar(rig, ics_server)
    await rig.walk(datetime(2027, 3, 25, 9, 35, tzinfo=UTC))
    status = await rig.commands.remind_status(ALICE_ACTOR)
    text = status.plain_text()
    assert "Next: Thu 2027-03-25 09:50 GMT (UTC+00:00), held: in a meeting" in text
    assert "Then: Thu 2027-03-25 10:00 GMT" in text
    assert "Calendar: set" in text
    assert url not in text and "alice-secret" not in text
    assert "alice-secret" not in caplog.text
    await rig.walk(datetime(2027, 3, 25, 9, 55, tzinfo=UTC))
    text = (await rig.commands.remind_status(ALICE_ACTOR)).plain_text()
    assert "held" not in text and "Next: Thu 2027-03-25 10:00 GMT" in text


async def test_calendar_off_lets_nudges_follow_the_plain_schedule(
        rig: MeetingRig, ics_server: IcsServer) -> None:
    """After `/remind calendar off` the stand-up no longer holds anything, and status says
    no calendar is set."""
    await alice_with_calendar(rig, ics_server)
    answer = await rig.commands.remind_calendar(ALICE_ACTOR, "off")
    assert answer.title == "Calendar removed"
    await rig.walk(datetime(2027, 3, 25, 9, 35, tzinfo=UTC))
    assert (await outcomes(rig))["Thu 09:30"] == "sent Thu 09:30"
    assert "Calendar: none" in (await rig.commands.remind_status(ALICE_ACTOR)).plain_text()


async def test_a_failing_feed_keeps_its_last_copy_for_a_day_then_tells_once(
        rig: MeetingRig, ics_server: IcsServer) -> None:
    """The feed starts failing after it was read: the last good copy still holds nudges for
    a day; then the person gets ONE DM saying their calendar can't be read, and nudges
    follow the plain schedule (the Friday 09:30 stand-up no longer holds)."""
    await alice_with_calendar(rig, ics_server)
    await rig.walk(datetime(2027, 3, 25, 9, 0, tzinfo=UTC))
    ics_server.serve("/alice-secret-7f3a.ics", "gone", status=404)
    await rig.walk(datetime(2027, 3, 25, 10, 0, tzinfo=UTC))
    assert (await outcomes(rig))["Thu 09:30"] == "sent Thu 09:50"  # the last good copy
    await rig.walk(datetime(2027, 3, 26, 12, 0, tzinfo=UTC))
    sent = notifier(rig).sent
    notices = [s for s in sent if s.delivery.source == "calendar-notice"]
    assert len(notices) == 1
    assert notices[0].message.title == "I can't read your calendar"
    assert "the link no longer works" in notices[0].message.body
    assert "/remind calendar" in notices[0].message.body
    assert notices[0].delivery.target.id == "alice"
    # The last good read was Thursday 09:00: the first check more than a day later tells.
    assert local(notices[0].at) == "Fri 09:30"
    seen = await outcomes(rig)
    # Thursday's 15:00 meeting is still read from the last copy; Friday follows the plain
    # schedule (nothing is known any more).
    assert seen["Thu 15:00"] == "skipped dropped: in a meeting"
    assert seen["Fri 09:30"] == "sent Fri 09:30"
    await rig.walk(datetime(2027, 3, 29, 12, 0, tzinfo=UTC))
    assert len([s for s in notifier(rig).sent if s.delivery.source == "calendar-notice"]) == 1
    # Monday's 11:00 stand-up would have held it; unreadable, the plain schedule wins.
    assert (await outcomes(rig))["Mon 11:00"] == "sent Mon 11:00"


async def test_channel_posts_are_never_held(rig: MeetingRig, ics_server: IcsServer) -> None:
    """A schedule posting in a channel during Alice's meeting posts on time: only personal
    DMs wait."""
    await alice_with_calendar(rig, ics_server)
    added = await rig.commands.schedule_add(ADMIN, "C1", "tip", cron="30 9 * * *")
    assert added.kind is MessageKind.INFO, added.body
    await rig.walk(datetime(2027, 3, 25, 9, 35, tzinfo=UTC))
    posts = [s for s in notifier(rig).sent if s.delivery.source.startswith("schedule:")]
    assert [local(s.at) for s in posts] == ["Thu 09:30"]


async def test_a_restart_neither_loses_nor_repeats_a_held_nudge(
        rig: MeetingRig, ics_server: IcsServer) -> None:
    """The process stops while a nudge is held; the next life on the same database sends it
    at its release time, once."""
    await alice_with_calendar(rig, ics_server)
    await rig.walk(datetime(2027, 3, 25, 9, 35, tzinfo=UTC))
    [held] = [r for r in await rig.ledger() if r.status is LedgerStatus.HELD]
    await rig.service.stop()
    later = rig.restarted()
    await later.recover()
    while rig.clock.now() < datetime(2027, 3, 25, 10, 5, tzinfo=UTC):
        rig.clock.advance(timedelta(minutes=5))
        await later.tick()
    await later.stop()
    row = await rig.store.get_delivery(held.id)
    assert row is not None and row.status is LedgerStatus.SENT
    assert local(row.sent_at) == "Thu 09:50"
    assert [s.delivery.ledger_id for s in notifier(rig).sent].count(held.id) == 1


async def test_a_crash_mid_release_sends_it_once_after_the_lease(
        rig: MeetingRig, ics_server: IcsServer) -> None:
    """A process claims a held nudge at its release time and dies before settling it: the
    row stays held (no grace expiry takes it), and the next process sends it once."""
    await alice_with_calendar(rig, ics_server)
    await rig.walk(datetime(2027, 3, 25, 9, 45, tzinfo=UTC))
    rig.clock.set(datetime(2027, 3, 25, 9, 50, tzinfo=UTC))
    claimed = await rig.service.holds.claim_due(rig.clock.now(), "dead-process",
                                                timedelta(minutes=2), 10)
    assert len(claimed) == 1  # ...and the process dies here
    later = rig.restarted()
    await later.tick()  # the lease still holds: nothing to do yet
    assert claimed[0].id not in [s.delivery.ledger_id for s in notifier(rig).sent]
    rig.clock.advance(timedelta(minutes=3))
    await later.tick()
    await later.stop()
    row = await rig.store.get_delivery(claimed[0].id)
    assert row is not None and row.status is LedgerStatus.SENT
    assert [s.delivery.ledger_id for s in notifier(rig).sent].count(claimed[0].id) == 1


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"


async def test_two_processes_release_a_held_nudge_once(
        backend_url: str, fetcher: FeedFetcher, ics_server: IcsServer) -> None:
    """Two scheduler processes tick at the release time together: one sends the held
    nudge, the other finds nothing (SQLite and PostgreSQL)."""
    clock = FakeClock(THU_0800)
    if backend_url.startswith("postgresql"):
        fresh = create_store(backend_url)
        async with fresh.engine.begin() as conn:  # an empty schema for this test
            await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
        await fresh.close()
    sent = RecordingNotifier(clock)
    rig = await make_meeting_rig(backend_url, clock, {Platform.DISCORD: sent}, fetcher=fetcher)
    try:
        await alice_with_calendar(rig, ics_server)
        await rig.walk(datetime(2027, 3, 25, 9, 45, tzinfo=UTC))
        other = rig.restarted("other-process")
        rig.clock.set(datetime(2027, 3, 25, 9, 50, tzinfo=UTC))
        await asyncio.gather(rig.service.tick(), other.tick(), rig.service.tick(), other.tick())
        await other.stop()
        rows = [r for r in await rig.ledger() if local(r.slot) == "Thu 09:30"]
        assert [r.status for r in rows] == [LedgerStatus.SENT]
        assert [s.delivery.ledger_id for s in sent.sent].count(rows[0].id) == 1
    finally:
        await rig.close()
