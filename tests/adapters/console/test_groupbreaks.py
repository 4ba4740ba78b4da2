"""/groupbreak in the console, wired the way `deskbreak run` wires it (build_app, the console
runner's GroupChannel, build_scheduling's tick hook), on an injected clock and fake timer."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.groups import ConsoleGroupChannel
from bot.app import build_app, build_scheduling
from bot.commands.help import command_names
from bot.commands.table import TABLE
from bot.core.clock import FakeClock
from bot.core.groupguide import GuidedGroup
from bot.core.guided.session import GuidedRuns
from bot.core.guided.timer import FakeTimer
from bot.core.ports import Platform
from bot.settings import DatabaseSettings, Settings
from tests.recorded import Events

START = datetime(2027, 3, 1, 8, 0, 20, tzinfo=UTC)



async def test_the_console_person_joins_and_the_start_is_announced_there(tmp_path: Path) -> None:
    """/groupbreak 1 prints the card with the console person in; the scheduler's tick at the
    time prints the start and the guided routine; /gb done 1 counts one group break."""
    clock = FakeClock(START)
    db = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    app = build_app(Settings(database=DatabaseSettings(url=db)), clock=clock)
    app.events = events = Events()
    await app.store.migrate()
    out = io.StringIO()
    console = ConsoleAdapter(app.content, stdin=io.StringIO(), stdout=out, interactive=False)
    app.group_channels[Platform.CONSOLE] = ConsoleGroupChannel(console.output)
    timer = FakeTimer(clock)
    app.group_guide = GuidedGroup(GuidedRuns(timer, app.events), app.content.library)
    scheduling = build_scheduling(app, {Platform.CONSOLE: console.notifier})
    console.attach(scheduling.commands.with_names(command_names(TABLE, Platform.CONSOLE)))
    try:
        answer = await console.table.dispatch(console.context, "/groupbreak 1")
        assert answer is not None and answer.title == "Group break posted"
        printed = out.getvalue()
        assert "Group break at 08:02 — 3 min desk reset" in printed
        assert "1 in" in printed and "you" in printed and "/gb join 1" in printed
        clock.set(datetime(2027, 3, 1, 8, 2, tzinfo=UTC))
        await scheduling.service.tick()
        assert "Group break: 3 min desk reset — starting now" in out.getvalue()
        await timer.run_until_idle()
        assert scheduling.groups is not None
        await scheduling.groups.running()
        assert "Done — nice work" in out.getvalue() and "/gb done 1" in out.getvalue()
        done = await console.table.dispatch(console.context, "/gb done 1")
        again = await console.table.dispatch(console.context, "/gb done 1")
        assert done is not None and done.title == "Nice one!"
        assert again is not None and again.title == "Already counted"
        assert [(e.user_id, e.source) for e in events.seen] == [(console.context.actor.user_id,
                                                                 "group")]
        clock.advance(timedelta(minutes=1))
        await scheduling.service.tick()
        assert out.getvalue().count("starting now") == 1
    finally:
        await scheduling.service.stop()
        await app.store.close()

