"""The same scenarios against the console, Discord (real discord.py, fake Discord) and Slack
(real Bolt, fake Slack): every command in the table exists and answers with the same text on
every platform, members are refused every admin command, bad input gets the same private
error, and every button does the same thing. A command missing or different on one platform,
or a new command without a scenario here, fails this suite."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from bot.commands.buttons import BUTTONS, typed_form
from bot.commands.help import help_message
from bot.commands.run import ADMIN_ONLY
from bot.commands.spec import Access, Path
from bot.commands.table import TABLE
from bot.core import actions
from bot.core.ports import Platform
from bot.storage.errors import StorageError
from tests.contract.drivers import (
    ConsoleDriver,
    DiscordDriver,
    Driver,
    Seen,
    SlackDriver,
    Value,
    canonical,
    seen_message,
)

Step = tuple[tuple[str, ...], dict[str, Value], bool]  # (command words, arguments, as admin)


@dataclass(frozen=True)
class Scenario:
    words: tuple[str, ...]
    args: dict[str, Value] = field(default_factory=dict)
    admin: bool = False
    before: tuple[Step, ...] = ()
    expect: str = ""
    # A private chart the answer carries (Discord: an ephemeral upload the embed shows;
    # Slack: uploaded into the person's DM; console: a saved file).
    chart: str | None = None

    @property
    def path(self) -> Path:
        return TABLE.path(*self.words)

    @property
    def id(self) -> str:
        given = " ".join(f"{k}={v}" for k, v in self.args.items())
        return " ".join((*self.words, given)).strip()


REMINDERS_ON: tuple[Step, ...] = ((("remind", "on"), {"every": "30"}, False),)
SCHEDULE: tuple[Step, ...] = ((("schedule", "add"), {"kind": "tip", "cron": "0 9 * * 1-5"}, True),)
PAUSED = (*SCHEDULE, (("schedule", "pause"), {"id": 1}, True))
DONE: tuple[Step, ...] = ((("done",), {}, False),)
# /break by the member and the admin (in the server: its team stats count them on Discord
# too): two people, so the team's figures are hidden.
BREAKS_BY_TWO: tuple[Step, ...] = ((("break",), {}, False), (("break",), {}, True))
SKIPPED: tuple[Step, ...] = ((("config", "skip"), {"date": "2027-12-24"}, True),)
GROUPBREAK: tuple[Step, ...] = ((("groupbreak",), {"in_minutes": 5}, False),)

SCENARIOS = [
    Scenario(("stretch",), {"name": "pigeon"}, expect="Pigeon pose"),
    Scenario(("stretch",), {"name": "pidgeon pose"}, expect="Pigeon pose"),
    Scenario(("stretch",), {"name": "twist"}, expect="No stretch called"),
    Scenario(("stretches",), {"area": "hips"}, expect="Stretches (hips)"),
    Scenario(("stretches",), {"page": 2}, expect="Page 2 of"),
    Scenario(("routine",), {"name": "desk reset"}, expect="3-minute desk reset · 1 of 5"),
    Scenario(("routine",), {"name": "eys"}, expect="1 minute for the eyes · 1 of 2"),
    Scenario(("routines",), expect="2 minutes for wrists and forearms"),
    Scenario(("tip",), expect="Desk tip"),
    Scenario(("break",), expect="Time for a short break"),
    Scenario(("redflags",), expect="When to stop and see a professional"),
    Scenario(("about",), expect="About deskbreak"),
    Scenario(("done",), expect="Nice one!"),
    Scenario(("help",), expect="deskbreak commands"),
    Scenario(("mystats",), expect="No stats yet"),
    Scenario(("mystats",), {"period": "month"}, before=DONE, expect="Your stats: last month",
             chart="mystats-month.png"),
    Scenario(("teamstats",), admin=True, expect="No team stats yet"),
    Scenario(("teamstats",), {"period": "week"}, admin=True, before=BREAKS_BY_TWO,
             expect="Team stats: last week", chart="teamstats-week.png"),
    Scenario(("remind", "forget"), before=REMINDERS_ON, expect="Delete your data?"),
    # Counts differ by platform (Discord opens the DM channel ahead of time), so no before.
    Scenario(("remind", "forget"), {"confirm": True}, before=DONE,
             expect="Your data is deleted"),
    Scenario(("remind", "on"), {"every": "30", "start": "09:00", "end": "17:00",
                                "days": "mon-fri"}, expect="Break reminders on"),
    Scenario(("remind", "off"), before=REMINDERS_ON, expect="Break reminders off"),
    Scenario(("remind", "status"), before=REMINDERS_ON, expect="Your break reminders"),
    Scenario(("remind", "timezone"), {"tz": "Europe/Berlin"}, before=REMINDERS_ON,
             expect="Your time zone is set"),
    Scenario(("remind", "snooze"), {"minutes": "30"}, before=REMINDERS_ON, expect="Snoozed"),
    Scenario(("remind", "pause"), {"until": "2027-03-10"}, before=REMINDERS_ON,
             expect="Reminders paused"),
    Scenario(("remind", "calendar"), {"url": "off"}, expect="No calendar was set"),
    Scenario(("schedule", "add"), {"kind": "tip", "cron": "0 9 * * 1-5"}, admin=True,
             expect="Schedule #1 added"),
    Scenario(("schedule", "add"), {"kind": "break", "every": "60", "start": "09:00",
                                   "end": "17:00", "days": "mon-fri",
                                   "timezone": "Europe/Berlin"}, admin=True,
             expect="Schedule #1 added"),
    Scenario(("schedule", "list"), admin=True, before=SCHEDULE, expect="1 schedule"),
    Scenario(("schedule", "preview"), {"id": 1}, admin=True, before=SCHEDULE,
             expect="Schedule #1: next times"),
    Scenario(("schedule", "pause"), {"id": 1}, admin=True, before=SCHEDULE,
             expect="Schedule #1 paused"),
    Scenario(("schedule", "resume"), {"id": 1}, admin=True, before=PAUSED,
             expect="Schedule #1 resumed"),
    Scenario(("schedule", "remove"), {"id": 1}, admin=True, before=SCHEDULE,
             expect="Schedule #1 removed"),
    Scenario(("schedule", "test"), {"id": 1}, admin=True, before=SCHEDULE,
             expect="Posted a test tip from schedule #1"),
    Scenario(("config", "timezone"), {"tz": "Europe/Berlin"}, admin=True,
             expect="Workspace time zone set"),
    Scenario(("config", "quiet"), {"start": "22:00", "end": "07:00"}, admin=True,
             expect="Quiet hours set"),
    Scenario(("config", "quiet"), {"start": "off"}, admin=True, expect="Quiet hours off"),
    Scenario(("config", "skip"), {"date": "2027-12-24"}, admin=True,
             expect="Skip date 2027-12-24 added"),
    Scenario(("config", "skip"), {"date": "2027-12-24", "remove": True}, admin=True,
             before=SKIPPED, expect="Skip date 2027-12-24 removed"),
    # Console only: what a nudge's buttons do, typed.
    Scenario(("snooze",), {"minutes": "10"}, expect="Snoozed"),
    Scenario(("groupbreak",), expect="3 min desk reset at 08:05 (UTC), in 5 minutes"),
    Scenario(("groupbreak",), {"in_minutes": 15, "routine": "wrists"},
             expect="2 min for wrists and forearms at 08:15 (UTC), in 15 minutes"),
    Scenario(("gb", "join"), {"id": 1}, before=GROUPBREAK,
             expect="Group break at 08:05 — 3 min desk reset"),
    Scenario(("gb", "leave"), {"id": 1}, before=GROUPBREAK, expect="Nobody in yet"),
    Scenario(("gb", "done"), {"id": 1}, before=GROUPBREAK, expect="hasn't started"),
    Scenario(("guide",), {"name": "pigeon"}, expect="Get into position: Pigeon pose"),
    Scenario(("quit",)),
]

BAD_INPUT = [
    Scenario(("remind", "snooze"), {"minutes": "abc"}, before=REMINDERS_ON),
    Scenario(("remind", "timezone"), {"tz": "Nowhere/City"}, before=REMINDERS_ON),
    Scenario(("remind", "pause"), {"until": "yesterday"}, before=REMINDERS_ON),
    Scenario(("remind", "on"), {"every": "0"}),
    Scenario(("remind", "on"), {"days": "funday"}),
    # The SSRF guard's refusals (tests/meetings/test_calendar_command.py has the rest).
    Scenario(("remind", "calendar"), {"url": "https://169.254.169.254/latest/meta-data/"}),
    Scenario(("remind", "calendar"), {"url": "ftp://calendar.example.com/me.ics"}),
    Scenario(("remind", "calendar"), {"url": "file:///etc/passwd"}),
    Scenario(("config", "quiet"), {"start": "25:00", "end": "07:00"}, admin=True),
    Scenario(("config", "skip"), {"date": "2027-02-30"}, admin=True),
    Scenario(("schedule", "add"), {"kind": "tip", "cron": "61 * * * *"}, admin=True),
    Scenario(("schedule", "add"), {"kind": "tip", "cron": "0 9 30 2 *"}, admin=True),
    Scenario(("schedule", "preview"), {"id": 999}, admin=True, before=SCHEDULE),
    Scenario(("mystats",), {"period": "fortnight"}),
    Scenario(("groupbreak",), {"routine": "cartwheels"}),
]

CLICKS = [actions.SHOW_STRETCH.build("pigeon"), "show_stretch", actions.DONE.build(),
          actions.SNOOZE.build(10), actions.page(None, None, 1),
          actions.GUIDED.build("chin-tuck"), actions.ROUTINE.build("wrists"),
          actions.STOP.build("0a1b2c"), actions.FORGET.build()]
# A group break's buttons need the break first (test_group_break_buttons_...).
GROUP_CLICKS = [actions.GROUP_JOIN.build(1), actions.GROUP_LEAVE.build(1),
                actions.GROUP_DONE.build(1)]


def on(drivers: list[Driver], path: Path) -> list[Driver]:
    return [d for d in drivers if d.platform in path.top.platforms
            and d.platform in path.leaf.platforms]


async def play(driver: Driver, scenario: Scenario, *, admin: bool | None = None) -> Seen:
    for words, args, as_admin in scenario.before:
        before = await driver.run(TABLE.path(*words), args, admin=as_admin)
        assert not before.error, (driver.platform, words, before.lines)
    who = scenario.admin if admin is None else admin
    return canonical(await driver.run(scenario.path, scenario.args, admin=who), driver)


def test_every_runnable_command_has_a_scenario() -> None:
    """Each command and subcommand in the table, on every platform it exists on, is played
    here: a new command without a scenario fails until it gets one."""
    played = {s.words for s in SCENARIOS}
    for platform in Platform:
        missing = [p.words for p in TABLE.paths(platform) if p.words not in played]
        assert missing == [], f"no contract scenario for {missing} on {platform}"
    assert {b.kind.name for b in BUTTONS} == {actions.parse(c).kind for c in
                                              (*CLICKS, *GROUP_CLICKS)
                                              if actions.parse(c) is not None}


def test_every_platform_registers_every_command_it_has(
    console: ConsoleDriver, discord_driver: DiscordDriver, slack_driver: SlackDriver
) -> None:
    """Discord's tree, Slack's listeners and the console's table hold exactly the table's
    commands for that platform, under that platform's names."""
    tree: set[tuple[str, ...]] = set()
    for command in discord_driver.bot.tree.get_commands():
        subs = getattr(command, "commands", None)
        tree |= {(command.name, s.name) for s in subs} if subs else {(command.name,)}
    assert tree == {p.words for p in TABLE.paths(Platform.DISCORD)}
    assert sorted(slack_driver.adapter.commands) == sorted(
        f"/{c.name_on(Platform.SLACK)}" for c in TABLE.on(Platform.SLACK))
    for path in TABLE.paths(Platform.CONSOLE):
        assert console.console.table.table.find(Platform.CONSOLE, path.top.name) is path.top


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_every_command_answers_alike_on_every_platform(
    drivers: list[Driver], scenario: Scenario
) -> None:
    """The same command gives the same text, buttons and visibility everywhere it exists."""
    seen = {d.platform: await play(d, scenario) for d in on(drivers, scenario.path)}
    if scenario.chart is not None:
        slack = next(d for d in drivers if isinstance(d, SlackDriver))
        seen[Platform.SLACK] = await slack.uploaded(seen[Platform.SLACK], scenario.chart)
    if scenario.words == ("quit",):
        assert list(seen) == [Platform.CONSOLE] and seen[Platform.CONSOLE].ended
        return
    for platform, answer in seen.items():
        assert not answer.error, (platform, answer.lines)
        assert scenario.expect in answer.text(), (platform, answer.lines)
    if scenario.words == ("help",):  # each platform lists its own commands
        driver = {d.platform: d for d in drivers}
        for platform, answer in seen.items():
            expected = canonical(seen_message(help_message(TABLE, platform)), driver[platform])
            assert answer.lines == expected.lines, platform
        return
    first = next(iter(seen.values()))
    for platform, answer in seen.items():
        assert answer.lines == first.lines, platform
        assert answer.buttons == first.buttons, platform
        picture = answer.picture
        slack = next((d for d in drivers if d.platform is platform
                      and isinstance(d, SlackDriver)), None)
        if slack is not None and picture is None and first.picture is not None:
            picture = await slack.latest_upload()  # a private picture: uploaded into the DM
        assert picture == first.picture, (platform, picture, first.picture)
    # A stretch card shows its stretch's picture; /mystats its chart once there is data.
    if scenario.words == ("stretch",):
        assert first.picture == STRETCH_PICTURES[str(scenario.args["name"])]
    elif scenario.words == ("break",):
        shown = next(b for b in first.buttons if b.startswith("show_stretch:"))
        assert first.picture == f"{shown.partition(':')[2]}.png"
    elif scenario.words == ("mystats",) and scenario.before:
        assert first.picture == f"mystats-{scenario.args['period']}.png"
    else:
        assert first.picture == scenario.chart
    chat = [a.private for p, a in seen.items() if p is not Platform.CONSOLE]
    assert len(set(chat)) <= 1, "Discord and Slack answer with different visibility"


# The picture each /stretch scenario's answer carries (suggestions have none).
STRETCH_PICTURES = {"pigeon": "pigeon.png", "pidgeon pose": "pigeon.png", "twist": None}

ADMIN_SCENARIOS = [s for s in SCENARIOS if s.path.access is Access.ADMIN]


@pytest.mark.parametrize("scenario", ADMIN_SCENARIOS, ids=[s.id for s in ADMIN_SCENARIOS])
async def test_members_are_refused_every_admin_command(
    discord_driver: DiscordDriver, slack_driver: SlackDriver, scenario: Scenario
) -> None:
    """On every platform with members (the console's person is its admin), a member gets the
    private "Admins only" refusal and the database is exactly as it was."""
    for driver in (discord_driver, slack_driver):
        for words, args, as_admin in scenario.before:
            await driver.run(TABLE.path(*words), args, admin=as_admin)
        before = await driver.store.snapshot()
        answer = await driver.run(scenario.path, scenario.args, admin=False)
        assert answer.title == "Admins only" and answer.private, (driver.platform, answer)
        assert answer.lines[1].startswith(ADMIN_ONLY), (driver.platform, answer.lines)
        assert await driver.store.snapshot() == before, driver.platform


@pytest.mark.parametrize("scenario", BAD_INPUT, ids=[s.id for s in BAD_INPUT])
async def test_bad_input_gets_the_same_private_error_everywhere(
    drivers: list[Driver], scenario: Scenario
) -> None:
    """A value every platform can carry but no command accepts: the same error text on
    every platform, privately, and nothing in the database changes."""
    seen: dict[Platform, Seen] = {}
    for driver in on(drivers, scenario.path):
        for words, args, as_admin in scenario.before:
            await driver.run(TABLE.path(*words), args, admin=as_admin)
        before = await driver.store.snapshot()
        seen[driver.platform] = canonical(
            await driver.run(scenario.path, scenario.args, admin=scenario.admin), driver)
        assert await driver.store.snapshot() == before, driver.platform
    first = next(iter(seen.values()))
    for platform, answer in seen.items():
        assert answer.error, (platform, answer.lines)
        assert answer.lines == first.lines, platform
        assert answer.private or platform is Platform.CONSOLE, platform


@pytest.mark.parametrize("action", CLICKS)
async def test_every_button_does_the_same_everywhere(drivers: list[Driver], action: str) -> None:
    """A click on Discord or Slack, and the command the console types instead, give the same
    answer; a list page replaces the list on both chat platforms, every other answer goes
    privately to the clicker."""
    # Stop has no typed form: the console's guided run is in the foreground, Ctrl-C stops it.
    typed_here = typed_form(action) is not None
    seen = {d.platform: canonical(await d.click(action), d) for d in drivers
            if d.platform is not Platform.CONSOLE or typed_here}
    spec = next(b for b in BUTTONS if b.kind.name == actions.parse(action).kind)  # type: ignore[union-attr]
    first = seen[Platform.CONSOLE] if typed_here else seen[Platform.DISCORD]
    assert not first.error, first.lines
    for platform, answer in seen.items():
        assert answer.lines == first.lines, platform
        assert answer.picture == first.picture, platform
        if platform is not Platform.CONSOLE:
            assert answer.replaced is spec.replaces, platform
            assert answer.private is not spec.replaces, platform


@pytest.mark.parametrize("action", GROUP_CLICKS)
async def test_group_break_buttons_do_the_same_everywhere(
    drivers: list[Driver], action: str
) -> None:
    """After /groupbreak, Count me in / Leave redraw the card (on the chat platforms they
    replace it) and Done answers privately, alike everywhere but for who is named."""
    seen: dict[Platform, Seen] = {}
    for driver in drivers:
        posted = await driver.run(TABLE.path("groupbreak"), {"in_minutes": 5})
        assert not posted.error, (driver.platform, posted.lines)
        seen[driver.platform] = canonical(await driver.click(action), driver)
    spec = next(b for b in BUTTONS if b.kind.name == actions.parse(action).kind)  # type: ignore[union-attr]
    first = seen[Platform.CONSOLE]
    assert not first.error, first.lines
    for platform, answer in seen.items():
        named = [line for line in answer.lines if line not in first.lines]
        assert len(named) <= 1, (platform, named)  # the line naming who is in
        assert answer.title == first.title and answer.buttons == first.buttons, platform
        if platform is not Platform.CONSOLE:
            assert answer.replaced is spec.replaces, platform
            assert answer.private is not spec.replaces, platform


async def test_a_database_failure_is_the_same_apology_everywhere(
    drivers: list[Driver], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """When the database refuses (storage raises StorageError), every platform answers with
    the same private line and an error id, shows no SQL or parameters, and keeps answering."""

    async def refuse(*args: object, **kwargs: object) -> None:
        raise StorageError("database is locked")

    seen: dict[Platform, Seen] = {}
    for driver in drivers:
        monkeypatch.setattr(driver.store, "get_reminder", refuse)
        answer = canonical(await driver.run(TABLE.path("remind", "status"), {}), driver)
        seen[driver.platform] = answer
        after = await driver.run(TABLE.path("redflags"), {})
        assert not after.error, driver.platform  # still answering
    texts = {p: re.sub(r"`[0-9a-f]{8}`", "`<id>`", s.text()) for p, s in seen.items()}
    assert len(set(texts.values())) == 1, texts
    answer = next(iter(seen.values()))
    assert answer.title == "Sorry, that failed" and "couldn't reach my database" in answer.text()
    assert "locked" not in answer.text()  # the reason is for the operator's log
    assert all(s.private for p, s in seen.items() if p is not Platform.CONSOLE)
    assert "database is locked" in caplog.text  # the operator's log has the reason
