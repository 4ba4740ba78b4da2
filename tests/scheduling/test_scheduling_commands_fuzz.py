"""Property test: every SchedulingCommands method, fed hostile arguments by admins and members,
answers with a Message (never an exception), and an error changes nothing in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.core.messages import Message, MessageKind
from bot.scheduling.commands import SchedulingCommands
from tests.core.message_strategies import HOSTILE_TEXT
from tests.scheduling.scheduling_harness import ADMIN, MEMBER, make_rig

T0 = datetime(2027, 3, 12, 12, 0, tzinfo=UTC)

# Text that looks nearly right (so parsers get deep), hostile text, and non-text values.
NEAR = st.sampled_from([
    "09:00", "9am", "17:30", "25:00", "0930", "noon", "mon-fri", "weekends", "funday", "60",
    "1h30m", "0", "-5", "99999999999999999999", "2027-03-20", "2027-02-30", "Europe/Berlin",
    "America/New_York", "UTC", "Mars/Base", "../../etc/passwd", "0 9 * * 1-5", "*/0 * * * *",
    "0 9 30 2 *", "@reboot", "off", "#1", "1", "", " ", "\x00", "@everyone",
])
VALUE = st.one_of(
    NEAR, HOSTILE_TEXT, st.none(), st.integers(-(2**70), 2**70), st.booleans(), st.floats(),
    st.text(min_size=201, max_size=5000),
)
ACTOR = st.sampled_from([ADMIN, MEMBER])
# Ids as Discord's integer option and Slack's digits deliver them: any size, any sign.
IDS = st.one_of(st.integers(-(2**70), 2**70), st.integers(0, 10**30).map(str),
                st.sampled_from([2**63 - 1, 2**63, "#1", "# 1", "1e3", "٣"]))
Call = Callable[[SchedulingCommands], Awaitable[Message]]


def call(name: str, *args: Any, **kwargs: Any) -> tuple[str, Call]:
    return name, lambda c: getattr(c, name)(*args, **kwargs)


CALLS = st.one_of(
    st.builds(lambda a, ch, kind, cron, every, start, end, days, tz: call(
        "schedule_add", a, ch, kind, cron=cron, every=every, start=start, end=end, days=days,
        timezone=tz), ACTOR, VALUE, st.one_of(st.sampled_from(["break", "tip"]), VALUE),
        VALUE, VALUE, VALUE, VALUE, VALUE, VALUE),
    *(st.builds(lambda a, i, n=name: call(n, a, i), ACTOR, st.one_of(IDS, VALUE))
      for name in ("schedule_preview", "schedule_pause", "schedule_resume", "schedule_remove",
                   "schedule_test")),
    st.builds(lambda a: call("schedule_list", a), ACTOR),
    st.builds(lambda a, tz: call("config_timezone", a, tz), ACTOR, VALUE),
    st.builds(lambda a, s, e: call("config_quiet", a, s, e), ACTOR, VALUE, VALUE),
    st.builds(lambda a, d, r: call("config_skip", a, d, remove=r), ACTOR, VALUE, st.booleans()),
    st.builds(lambda a, every, start, end, days: call(
        "remind_on", a, every=every, start=start, end=end, days=days),
        ACTOR, VALUE, VALUE, VALUE, VALUE),
    st.builds(lambda a: call("remind_off", a), ACTOR),
    st.builds(lambda a: call("remind_status", a), ACTOR),
    st.builds(lambda a, tz: call("remind_timezone", a, tz), ACTOR, VALUE),
    st.builds(lambda a, m: call("remind_snooze", a, m), ACTOR, VALUE),
    st.builds(lambda a, u: call("remind_pause", a, u), ACTOR, VALUE),
    st.builds(lambda a, act: call("button", a, act), ACTOR,
              st.one_of(VALUE, st.text(max_size=20).map(lambda t: f"snooze:{t}"))),
)


def test_any_arguments_give_a_message_and_errors_change_nothing(tmp_path: Path) -> None:
    """Hostile arguments to every method: a Message back; an error is ephemeral and leaves the
    whole database as it was; a member never changes anything with an admin command."""
    with asyncio.Runner() as runner:
        rig = runner.run(make_rig(tmp_path / "db.sqlite3", FakeClock(T0), max_schedules=5))
        run = runner.run
        # Something for the id-taking commands and the reminder commands to act on.
        run(rig.commands.schedule_add(ADMIN, "chan1", "break", cron="0 9 * * 1-5"))
        run(rig.commands.remind_on(MEMBER))

        @settings(max_examples=150, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(named=CALLS)
        def check(named: tuple[str, Call]) -> None:
            name, invoke = named
            before = run(rig.store.snapshot())
            message = run(invoke(rig.commands))
            assert isinstance(message, Message), name
            assert message.title, name
            if message.kind is MessageKind.ERROR:
                assert message.ephemeral, name
                assert run(rig.store.snapshot()) == before, name

        try:
            check()
        finally:
            run(rig.store.close())


@pytest.mark.parametrize("ident", [2**63, 10**20, "99999999999999999999", "9" * 5000, 0, -1])
async def test_out_of_range_ids_are_an_error_not_a_crash(tmp_path: Path, ident: object) -> None:
    """Ids beyond the database's 64-bit integers (or not positive) are "not a schedule id"."""
    rig = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    try:
        for method in (rig.commands.schedule_preview, rig.commands.schedule_remove):
            message = await method(ADMIN, ident)  # type: ignore[arg-type]
            assert message.kind is MessageKind.ERROR and message.ephemeral
            assert len(message.body) < 200
    finally:
        await rig.store.close()
