"""/schedule, /config, /reminders and the nudge buttons through the real Bolt app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.ports import Platform
from bot.scheduling.commands import SchedulingCommands
from bot.scheduling.service import SchedulerService
from bot.storage import LedgerStatus, Store
from tests.adapters.slack.conftest import Slash, command_body, post_signed, sign
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.recorded import recorded

TEAM = "T0FAKE"
ADD_FRIENDLY = (
    "add <#C0WELL|wellness> break every=60 start=09:00 end=17:00 days=mon-fri tz=Europe/Berlin"
)


async def test_member_is_refused_and_nothing_changes(slash: Slash, store: Store) -> None:
    """A non-admin's /schedule add gets a private refusal and the database is untouched."""
    before = await store.snapshot()
    response = await slash("/schedule", ADD_FRIENDLY, user_id="U0MEMBER")
    assert response["response_type"] == "ephemeral"
    assert "Only workspace admins" in response["text"]
    assert await store.snapshot() == before


@pytest.mark.parametrize("user", ["U0ADMIN", "U0OWNER", "U0LISTED", "U0GROUPIE"])
async def test_admins_add_a_friendly_schedule(slash: Slash, store: Store, user: str) -> None:
    """Workspace admins, owners, listed ids and listed group members can add schedules."""
    response = await slash("/schedule", ADD_FRIENDLY, user_id=user)
    assert response["response_type"] == "ephemeral"
    assert response["blocks"][0]["text"]["text"] == "Schedule #1 added"
    [row] = await store.list_schedules(Platform.SLACK, TEAM)
    assert (row.channel_id, row.kind, row.timezone) == ("C0WELL", "break", "Europe/Berlin")
    assert (row.spec.every_minutes, row.spec.start, row.spec.end) == (60, "09:00", "17:00")


async def test_cron_schedule_in_the_current_channel(slash: Slash, store: Store) -> None:
    """A quoted cron is one option, and a missing channel means the one typed in."""
    response = await slash("/schedule", 'add tip cron="0 9-17 * * 1-5"', user_id="U0ADMIN")
    assert response["blocks"][0]["text"]["text"] == "Schedule #1 added"
    [row] = await store.list_schedules(Platform.SLACK, TEAM)
    assert (row.channel_id, row.kind, row.spec.cron) == ("C0WELL", "tip", "0 9-17 * * 1-5")


async def test_channel_without_the_bot_is_refused(
    slash: Slash, fake: FakeSlack, store: Store
) -> None:
    """Adding a schedule for a channel the bot is not in says how to fix it and saves nothing."""
    fake.add_channel("C0AWAY", member=False)
    response = await slash("/schedule", "add <#C0AWAY|away> tip every=30", user_id="U0ADMIN")
    assert "/invite" in response["text"]
    assert await store.list_schedules(Platform.SLACK, TEAM) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("add <#C0WELL|wellness> break evry=30", "I don't know the option `evry=`"),
        ("add <#C0WELL|wellness> lunch every=30", "Say what to post"),
        ('add break cron="0 9 * *', "check your quotes"),
        ("preview abc", "is not a schedule id"),
        ("frobnicate", "Usage: `/schedule add"),
    ],
)
async def test_bad_schedule_input_is_explained(
    slash: Slash, store: Store, text: str, fragment: str
) -> None:
    """Malformed /schedule input answers privately with what was wrong and changes nothing."""
    before = await store.snapshot()
    response = await slash("/schedule", text, user_id="U0ADMIN")
    assert response["response_type"] == "ephemeral"
    assert fragment in response["text"]
    assert await store.snapshot() == before


async def test_schedule_lifecycle(slash: Slash, store: Store) -> None:
    """list, preview, pause, resume and remove each act on the schedule by id."""
    await slash("/schedule", ADD_FRIENDLY, user_id="U0ADMIN")
    listed = await slash("/schedule", "list", user_id="U0ADMIN")
    assert "#1 break in C0WELL" in listed["text"]
    preview = await slash("/schedule", "preview 1", user_id="U0ADMIN")
    assert preview["blocks"][0]["text"]["text"] == "Schedule #1: next times"
    await slash("/schedule", "pause #1", user_id="U0ADMIN")
    assert (await store.get_schedule(1)).paused  # type: ignore[union-attr]
    await slash("/schedule", "resume 1", user_id="U0ADMIN")
    assert not (await store.get_schedule(1)).paused  # type: ignore[union-attr]
    removed = await slash("/schedule", "remove 1", user_id="U0ADMIN")
    assert removed["blocks"][0]["text"]["text"] == "Schedule #1 removed"
    assert await store.get_schedule(1) is None


async def test_schedule_test_posts_through_the_notifier(
    slash: Slash,
    slack: SlackAdapter,
    scheduling: SchedulingCommands,
    store: Store,
    content: ContentCommands,
    clock: FakeClock,
    fake: FakeSlack,
) -> None:
    """/schedule test posts one nudge to the channel with chat.postMessage."""
    scheduling.service = SchedulerService(
        store, {Platform.SLACK: slack.notifier}, content, clock
    )
    await slash("/schedule", ADD_FRIENDLY, user_id="U0ADMIN")
    response = await slash("/schedule", "test 1", user_id="U0ADMIN")
    assert response["blocks"][0]["text"]["text"] == "Posted a test break from schedule #1"
    [post] = fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0WELL"
    assert [e["action_id"] for e in post.params["blocks"][-1]["elements"]][2:] == [
        "done",
        "snooze:10",
    ]


async def test_scheduler_tick_posts_to_channel_and_dm(
    slash: Slash,
    slack: SlackAdapter,
    store: Store,
    content: ContentCommands,
    clock: FakeClock,
    fake: FakeSlack,
) -> None:
    """A due schedule and a due reminder reach the channel and the person's DM via the notifier."""
    service = SchedulerService(store, {Platform.SLACK: slack.notifier}, content, clock)
    await slash("/schedule", "add <#C0WELL|wellness> tip every=30", user_id="U0ADMIN")
    await slash("/reminders", "on every=30", user_id="U0MEMBER")
    clock.advance(timedelta(minutes=31))
    await service.tick()
    channels = sorted(c.params["channel"] for c in fake.calls_to("chat.postMessage"))
    assert channels == ["C0WELL", "D0MEMBER"]
    assert len(fake.calls_to("conversations.open")) == 1


async def test_revoked_token_pauses_nothing_and_disables_nobody(
    slash: Slash,
    slack: SlackAdapter,
    store: Store,
    content: ContentCommands,
    clock: FakeClock,
    fake: FakeSlack,
) -> None:
    """Token revoked mid-run: slots fail after the grace, schedules and reminders stay on."""
    service = SchedulerService(store, {Platform.SLACK: slack.notifier}, content, clock)
    await slash("/schedule", "add <#C0WELL|wellness> tip every=30", user_id="U0ADMIN")
    await slash("/reminders", "on every=30", user_id="U0MEMBER")
    fake.revoked = "token_revoked"
    clock.advance(timedelta(minutes=31))
    for _ in range(12):  # ten minutes of ticks: the grace runs out
        await service.tick()
        clock.advance(timedelta(minutes=1))
    assert len(fake.calls_to("chat.postMessage")) <= 1  # then the notifier stops calling
    assert all(not s.paused for s in await store.list_schedules("slack", TEAM))
    assert all(r.enabled for r in await store.list_reminders("slack", TEAM))
    assert {r.status for r in await store.list_deliveries()} == {LedgerStatus.FAILED}


async def test_config_commands_change_workspace_settings(slash: Slash, store: Store) -> None:
    """/config timezone, quiet and skip update the workspace for an admin."""
    await slash("/config", "timezone Europe/Berlin", user_id="U0ADMIN")
    await slash("/config", "quiet 12:00 13:00", user_id="U0ADMIN")
    await slash("/config", "skip 2026-12-24", user_id="U0ADMIN")
    ws = await store.get_workspace(Platform.SLACK, TEAM)
    assert (ws.timezone, ws.quiet_start, ws.quiet_end) == ("Europe/Berlin", "12:00", "13:00")
    assert [d.isoformat() for d in ws.skip_dates] == ["2026-12-24"]
    await slash("/config", "quiet off", user_id="U0ADMIN")
    await slash("/config", "skip 2026-12-24 remove", user_id="U0ADMIN")
    ws = await store.get_workspace(Platform.SLACK, TEAM)
    assert (ws.quiet_start, ws.skip_dates) == (None, ())


async def test_config_is_admin_only(slash: Slash, store: Store) -> None:
    """A member's /config is refused and changes nothing."""
    before = await store.snapshot()
    response = await slash("/config", "timezone Europe/Berlin", user_id="U0MEMBER")
    assert "Only workspace admins" in response["text"]
    assert await store.snapshot() == before


async def test_reminders_lifecycle(slash: Slash, store: Store) -> None:
    """/reminders on, timezone, snooze, status and off manage the person's own reminder."""
    on = await slash("/reminders", "on every=45 start=09:00 end=17:00", user_id="U0MEMBER")
    assert on["response_type"] == "ephemeral"
    assert on["blocks"][0]["text"]["text"] == "Break reminders on"
    await slash("/reminders", "timezone Europe/Berlin", user_id="U0MEMBER")
    await slash("/reminders", "snooze 30", user_id="U0MEMBER")
    rem = await store.get_reminder(Platform.SLACK, TEAM, "U0MEMBER")
    assert rem is not None and rem.spec.every_minutes == 45 and rem.timezone == "Europe/Berlin"
    assert rem.snoozed_until is not None
    status = await slash("/reminders", "", user_id="U0MEMBER")
    assert status["response_type"] == "ephemeral"
    await slash("/reminders", "off", user_id="U0MEMBER")
    rem = await store.get_reminder(Platform.SLACK, TEAM, "U0MEMBER")
    assert rem is not None and not rem.enabled


async def test_done_and_snooze_buttons(slash: Slash, store: Store) -> None:
    """Done logs the break; Snooze 10 min snoozes the clicker's reminder; both answer privately."""
    await slash("/reminders", "on", user_id="U0MEMBER")
    done = await slash.click("done", user_id="U0MEMBER")
    assert (done["response_type"], done["blocks"][0]["text"]["text"]) == ("ephemeral", "Nice one!")
    snooze = await slash.click("snooze:10", user_id="U0MEMBER")
    assert snooze["response_type"] == "ephemeral"
    assert await recorded(store, Platform.SLACK, TEAM, "U0MEMBER") == ["done", "snoozed"]
    rem = await store.get_reminder(Platform.SLACK, TEAM, "U0MEMBER")
    assert rem is not None and rem.snoozed_until is not None


async def test_reminders_and_buttons_skip_the_admin_lookup(slash: Slash, fake: FakeSlack) -> None:
    """/reminders and the Done button never read admin rights, so they cost no Slack lookup."""
    on = await slash("/reminders", "on", user_id="U0MEMBER")
    assert on["blocks"][0]["text"]["text"] == "Break reminders on"
    done = await slash.click("done", user_id="U0MEMBER")
    assert done["blocks"][0]["text"]["text"] == "Nice one!"
    assert len(fake.calls_to("users.info")) == 0
    assert len(fake.calls_to("usergroups.users.list")) == 0


async def test_ack_does_not_wait_for_slow_slack_lookups(
    slack: SlackAdapter, fake: FakeSlack
) -> None:
    """The HTTP ack returns while users.info is still pending; the answer follows after it."""
    gate = fake.hold("users.info")
    body = command_body("/schedule", "list", fake.response_url("slow"), user_id="U0ADMIN")
    status, ack = await post_signed(slack, body, sign(body))
    assert (status, ack) == (200, "")
    await fake.wait_for(lambda: bool(fake.calls_to("users.info")))
    assert fake.responses == []
    gate.set()
    [answer] = await fake.wait_responses(1)
    assert answer["_url"] == "slow" and answer["text"].startswith("No schedules yet")


async def test_without_scheduling_commands_say_so(
    fake: FakeSlack, content: ContentCommands, clock: FakeClock
) -> None:
    """An adapter started without scheduling answers an admin's /schedule, and anyone's
    /reminders, with a clear private error."""
    fake.users["U0ADMIN"] = {"name": "ada", "is_admin": True}
    config = SlackConfig(
        bot_token=SecretStr(BOT_TOKEN),
        signing_secret=SecretStr(SIGNING_SECRET),
        http_port=0,
        base_url=fake.base_url,
    )
    adapter = SlackAdapter(config, content, clock=clock)
    await adapter.start()
    try:
        slash = Slash(adapter, fake)
        responses = [await slash("/schedule", "list", user_id="U0ADMIN"),
                     await slash("/reminders", "on")]
    finally:
        await adapter.stop()
    for response in responses:
        assert response["response_type"] == "ephemeral"
        assert "not running in this deskbreak process" in response["text"]


async def test_schedule_add_takes_a_routine_kind_typed(slash: Slash,
                                                       scheduling: SchedulingCommands) -> None:
    """`/schedule add routine:eyes every=60` adds a routine schedule; an unknown routine
    gets the facade's private error naming the known ones."""
    scheduling.routines = frozenset({"eyes"})
    added = await slash("/schedule", "add <#C0WELL|wellness> routine:eyes every=60",
                        user_id="U0ADMIN")
    assert added["blocks"][0]["text"]["text"].startswith("Schedule #1 added")
    refused = await slash("/schedule", "add <#C0WELL|wellness> routine:lunch every=60",
                          user_id="U0ADMIN")
    assert refused["response_type"] == "ephemeral"
    assert "No routine called `lunch`" in str(refused["blocks"])
