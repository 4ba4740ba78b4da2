"""SchedulingCommands: replies, admin checks, and bad input that changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import Message, MessageKind
from bot.core.ports import Actor, DeliveryResult, DeliveryStatus
from bot.scheduling.commands import SchedulingCommands
from tests.scheduling.scheduling_harness import ADMIN, MEMBER, PLATFORM, Rig, make_rig

T0 = datetime(2027, 3, 12, 12, 0, tzinfo=UTC)  # Friday before the US spring-forward


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0), max_schedules=3)
    r.notifier.refused_channels["secret"] = "I lack Send Messages in #secret"
    yield r
    await r.store.close()


async def _add(rig: Rig, **kw: Any) -> Message:
    args = {"cron": "0 9 * * 1-5", "timezone": "America/New_York"} | kw
    return await rig.commands.schedule_add(ADMIN, "chan1", "break", **args)


def _id(msg: Message) -> int:
    return int(msg.title.split("#")[1].split()[0])


async def test_add_replies_with_id_and_next_three_times_with_offsets(rig: Rig) -> None:
    """The reply names the new id and the next three local times with their UTC offsets."""
    msg = await _add(rig)
    assert msg.title == "Schedule #1 added"
    assert msg.sections[0].lines == (
        "Fri 2027-03-12 09:00 EST (UTC-05:00)",
        "Mon 2027-03-15 09:00 EDT (UTC-04:00)",
        "Tue 2027-03-16 09:00 EDT (UTC-04:00)",
    )


async def test_preview_lists_upcoming_times(rig: Rig) -> None:
    """Preview shows the next times in the schedule's zone."""
    sid = _id(await _add(rig))
    msg = await rig.commands.schedule_preview(ADMIN, sid)
    assert msg.sections[0].lines[0] == "Fri 2027-03-12 09:00 EST (UTC-05:00)"
    assert len(msg.sections[0].lines) == 5


async def test_schedule_test_posts_one_now_through_the_notifier(rig: Rig) -> None:
    """/schedule test posts immediately to the schedule's channel and says so."""
    sid = _id(await _add(rig))
    msg = await rig.commands.schedule_test(ADMIN, sid)
    assert msg.kind == MessageKind.INFO
    [sent] = rig.notifier.sent
    assert (sent.delivery.target.id, sent.delivery.source) == ("chan1", f"test:{sid}")


async def test_schedule_test_reports_a_refusal_without_pausing(rig: Rig) -> None:
    """A failed test post is reported to the admin and leaves the schedule running."""
    sid = _id(await _add(rig))
    rig.notifier.script = lambda d: DeliveryResult(DeliveryStatus.FORBIDDEN, "Missing Access")
    msg = await rig.commands.schedule_test(ADMIN, sid)
    assert msg.kind == MessageKind.ERROR and "Missing Access" in msg.body
    schedule = await rig.store.get_schedule(sid)
    assert schedule is not None and not schedule.paused


async def test_pause_resume_and_remove(rig: Rig) -> None:
    """Pause stops, resume restarts from now, remove deletes."""
    sid = _id(await _add(rig))
    await rig.commands.schedule_pause(ADMIN, sid)
    assert (await rig.store.get_schedule(sid)).paused  # type: ignore[union-attr]
    rig.clock.advance(timedelta(days=5))
    msg = await rig.commands.schedule_resume(ADMIN, sid)
    assert "2027-03-17 09:00" in msg.body
    await rig.commands.schedule_remove(ADMIN, sid)
    assert await rig.store.get_schedule(sid) is None


async def test_list_shows_each_schedule(rig: Rig) -> None:
    """The list names each schedule with its spec and next time."""
    await _add(rig)
    await _add(rig, cron=None, every="30", start="10:00", end="12:00", days="mon")
    text = (await rig.commands.schedule_list(ADMIN)).plain_text()
    assert "#1 break in chan1: cron `0 9 * * 1-5`" in text
    assert "every 30 min, 10:00–12:00, Mon" in text


async def test_schedules_per_workspace_are_limited(rig: Rig) -> None:
    """Beyond the configured limit schedule_add refuses and adds nothing."""
    for _ in range(3):
        assert (await _add(rig)).kind == MessageKind.INFO
    before = await rig.store.snapshot()
    msg = await _add(rig)
    assert msg.kind == MessageKind.ERROR and msg.ephemeral and "3 schedules" in msg.body
    assert await rig.store.snapshot() == before


BAD_SCHEDULE_ADDS: list[tuple[str, dict[str, Any]]] = [
    ("unknown timezone", {"timezone": "Mars/Olympus_Mons"}),
    ("bad cron field", {"cron": "61 9 * * *"}),
    ("cron with too few fields", {"cron": "0 9 * *"}),
    ("end before start", {"cron": None, "every": "30", "start": "17:00", "end": "09:00"}),
    ("every zero", {"cron": None, "every": "0"}),
    ("both cron and every", {"every": "30"}),
    ("neither cron nor every", {"cron": None}),
    ("unknown kind", {"kind": "lunch"}),
    ("channel the bot cannot post in", {"channel": "secret"}),
    ("never fires", {"cron": "0 9 30 2 *"}),
]


@pytest.mark.parametrize(("why", "kw"), BAD_SCHEDULE_ADDS, ids=[b[0] for b in BAD_SCHEDULE_ADDS])
async def test_bad_schedule_input_is_refused_and_changes_nothing(
    rig: Rig, why: str, kw: dict[str, Any]
) -> None:
    """Bad /schedule add input returns an ephemeral error and leaves the database as it was."""
    await _add(rig)
    before = await rig.store.snapshot()
    args: dict[str, Any] = {"channel": "chan1", "kind": "break", "cron": "0 9 * * *"} | kw
    msg = await rig.commands.schedule_add(ADMIN, **args)
    assert msg.kind == MessageKind.ERROR and msg.ephemeral, why
    assert await rig.store.snapshot() == before


BAD_OTHER: list[tuple[str, Callable[[SchedulingCommands], Awaitable[Message]]]] = [
    ("config unknown timezone", lambda c: c.config_timezone(ADMIN, "Nowhere/City")),
    ("config quiet bad time", lambda c: c.config_quiet(ADMIN, "25:00", "07:00")),
    ("config quiet empty window", lambda c: c.config_quiet(ADMIN, "09:00", "09:00")),
    ("config skip bad date", lambda c: c.config_skip(ADMIN, "2027-02-30")),
    ("remind on every zero", lambda c: c.remind_on(MEMBER, every="0")),
    ("remind on end before start", lambda c: c.remind_on(MEMBER, start="17:00", end="09:00")),
    ("remind on bad days", lambda c: c.remind_on(MEMBER, days="funday")),
    ("remind timezone unknown", lambda c: c.remind_timezone(MEMBER, "Atlantis/Capital")),
    ("remind snooze zero", lambda c: c.remind_snooze(MEMBER, "0")),
    ("remind pause garbage", lambda c: c.remind_pause(MEMBER, "soon")),
    ("remind pause in the past", lambda c: c.remind_pause(MEMBER, "2020-01-01")),
    ("snooze button bad minutes", lambda c: c.button(MEMBER, "snooze:abc")),
    ("unknown button", lambda c: c.button(MEMBER, "explode")),
    ("preview missing schedule", lambda c: c.schedule_preview(ADMIN, 999)),
    ("pause a non-numeric id", lambda c: c.schedule_pause(ADMIN, "abc")),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("why", "call"), BAD_OTHER, ids=[b[0] for b in BAD_OTHER])
async def test_bad_input_elsewhere_is_refused_and_changes_nothing(
    rig: Rig, why: str, call: Callable[[SchedulingCommands], Awaitable[Message]]
) -> None:
    """Bad /config and /remind input returns an ephemeral error and changes nothing."""
    await _add(rig)
    await rig.commands.remind_on(MEMBER)
    before = await rig.store.snapshot()
    msg = await call(rig.commands)
    assert msg.kind == MessageKind.ERROR and msg.ephemeral, why
    assert await rig.store.snapshot() == before


ADMIN_CALLS: list[tuple[str, Callable[[SchedulingCommands, Actor], Awaitable[Message]]]] = [
    ("schedule_add", lambda c, a: c.schedule_add(a, "chan1", "tip", cron="0 9 * * *")),
    ("schedule_list", lambda c, a: c.schedule_list(a)),
    ("schedule_preview", lambda c, a: c.schedule_preview(a, 1)),
    ("schedule_pause", lambda c, a: c.schedule_pause(a, 1)),
    ("schedule_resume", lambda c, a: c.schedule_resume(a, 1)),
    ("schedule_remove", lambda c, a: c.schedule_remove(a, 1)),
    ("schedule_test", lambda c, a: c.schedule_test(a, 1)),
    ("config_timezone", lambda c, a: c.config_timezone(a, "Asia/Tokyo")),
    ("config_quiet", lambda c, a: c.config_quiet(a, "22:00", "07:00")),
    ("config_quiet off", lambda c, a: c.config_quiet(a, "off")),
    ("config_skip", lambda c, a: c.config_skip(a, "2027-12-25")),
    ("config_skip remove", lambda c, a: c.config_skip(a, "2027-12-24", remove=True)),
]


@pytest.mark.parametrize(("name", "call"), ADMIN_CALLS, ids=[c[0] for c in ADMIN_CALLS])
async def test_non_admin_is_refused_every_admin_command(
    rig: Rig, name: str, call: Callable[[SchedulingCommands, Actor], Awaitable[Message]]
) -> None:
    """A member gets an ephemeral refusal from every admin command and nothing changes."""
    await _add(rig)
    await rig.commands.config_quiet(ADMIN, "22:00", "07:00")
    await rig.commands.config_skip(ADMIN, "2027-12-24")
    before = await rig.store.snapshot()
    msg = await call(rig.commands, MEMBER)
    assert msg.kind == MessageKind.ERROR and msg.ephemeral and "admin" in msg.body, name
    assert await rig.store.snapshot() == before
    assert rig.notifier.sent == []


async def test_admin_of_another_workspace_cannot_touch_a_schedule(rig: Rig) -> None:
    """An admin elsewhere sees "no such schedule" and changes nothing."""
    sid = _id(await _add(rig))
    before = await rig.store.snapshot()
    stranger = Actor(PLATFORM, "guild2", "boss", is_admin=True)
    for call in (rig.commands.schedule_pause, rig.commands.schedule_remove):
        msg = await call(stranger, sid)
        assert msg.kind == MessageKind.ERROR
    assert await rig.store.snapshot() == before


async def test_timezone_choices_complete_zone_names(rig: Rig) -> None:
    """Typing part of a zone name suggests matching IANA zones."""
    assert "Europe/London" in rig.commands.timezone_choices("lond")
