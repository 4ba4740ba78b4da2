"""Slack DMs wait while the person is busy: the real Slack notifier and presence source
against the fake Web API (dnd.info, users.getPresence, users.profile.get), the scheduler on a
FakeClock. Channel posts are not held."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.slack.client import build_web_client
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.pacer import ChannelPacer
from bot.adapters.slack.presence import SlackPresence, presence_client
from bot.core.clock import FakeClock
from bot.core.events import EventKind
from bot.core.ports import Actor, Platform
from bot.storage.records import LedgerStatus
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.meetings.rig import MeetingRig, make_meeting_rig

TEAM = "T0FAKE"
NINE = datetime(2027, 3, 29, 9, 0, tzinfo=UTC)  # a Monday
KIM = Actor(Platform.SLACK, TEAM, "U0KIM", display_name="kim")
ADMIN = Actor(Platform.SLACK, TEAM, "U0ADMIN", is_admin=True, display_name="ada")


def ts(when: datetime) -> int:
    return int(when.timestamp())


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    clock = FakeClock(NINE - timedelta(minutes=30))
    server = await FakeSlack(clock=clock).start()
    server.users.update({"U0KIM": {"name": "kim"}, "U0ADMIN": {"name": "ada",
                                                               "is_admin": True}})
    server.add_channel("C0WELL")
    yield server
    await server.stop()


@pytest.fixture
async def rig(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[MeetingRig]:
    clock = fake.clock
    assert isinstance(clock, FakeClock)
    notifier = SlackNotifier(build_web_client(BOT_TOKEN, base_url=fake.base_url,
                                              sleep=_no_sleep),
                             ChannelPacer(clock, _no_sleep))
    presence = SlackPresence(presence_client(BOT_TOKEN, base_url=fake.base_url), clock)
    made = await make_meeting_rig(tmp_path / "db.sqlite3", clock,
                                  {Platform.SLACK: notifier},
                                  presence={Platform.SLACK: presence})
    await made.commands.remind_on(KIM, every="60", start="09:00", end="17:00", days="daily")
    yield made
    await made.close()


def dms_at(fake: FakeSlack, rig: MeetingRig) -> int:
    return len([c for c in fake.calls_to("chat.postMessage")
                if not str(c.params.get("channel", "")).startswith("C0WELL")])


async def sent_at(rig: MeetingRig) -> dict[str, str]:
    return {f"{r.slot:%H:%M}": (f"sent {r.sent_at:%H:%M}" if r.sent_at else
                                f"{r.status} {r.detail}") for r in await rig.ledger()}


async def test_do_not_disturb_holds_the_nudge_until_it_ends(
        fake: FakeSlack, rig: MeetingRig) -> None:
    """DND from 08:30 to 09:20: the 09:00 nudge is held (no post), then sent at 09:20, when
    Slack said DND ends; the hold is recorded with its reason."""
    fake.dnd["U0KIM"] = {"dnd_enabled": True, "next_dnd_start_ts": ts(NINE - timedelta(
        minutes=30)), "next_dnd_end_ts": ts(NINE + timedelta(minutes=20))}
    await rig.walk(NINE + timedelta(minutes=15), step=timedelta(minutes=1))
    assert dms_at(fake, rig) == 0
    assert [r.status for r in await rig.ledger()] == [LedgerStatus.HELD]
    assert fake.calls_to("dnd.info") or fake.calls_to("dnd.teamInfo")
    fake.dnd.pop("U0KIM")
    await rig.walk(NINE + timedelta(minutes=25), step=timedelta(minutes=1))
    assert (await sent_at(rig))["09:00"] == "sent 09:20"
    assert dms_at(fake, rig) == 1
    [held] = rig.events.of(EventKind.HELD)
    assert (held.reason, held.user_id, held.platform) == ("do not disturb", "U0KIM",
                                                          Platform.SLACK)


async def test_an_in_a_meeting_status_holds_until_it_expires(
        fake: FakeSlack, rig: MeetingRig) -> None:
    """":spiral_calendar_pad: In a meeting" until 09:40 holds the 09:00 nudge until then."""
    fake.statuses["U0KIM"] = {"status_emoji": ":spiral_calendar_pad:",
                              "status_text": "In a meeting",
                              "status_expiration": ts(NINE + timedelta(minutes=40))}
    await rig.walk(NINE + timedelta(minutes=39), step=timedelta(minutes=1))
    assert dms_at(fake, rig) == 0
    fake.statuses.pop("U0KIM")
    await rig.walk(NINE + timedelta(minutes=45), step=timedelta(minutes=1))
    assert (await sent_at(rig))["09:00"] == "sent 09:40"
    assert [e.reason for e in rig.events.of(EventKind.HELD)] == ["in a meeting"]


async def test_away_is_checked_again_each_minute_and_released_when_back(
        fake: FakeSlack, rig: MeetingRig) -> None:
    """Away has no known end: the hold is re-checked every minute (presence is cached for a
    minute), and the nudge goes out within two minutes of the person coming back."""
    fake.presence["U0KIM"] = "away"
    await rig.walk(NINE + timedelta(minutes=7), step=timedelta(minutes=1))
    assert dms_at(fake, rig) == 0
    fake.presence["U0KIM"] = "active"
    await rig.walk(NINE + timedelta(minutes=10), step=timedelta(minutes=1))
    sent = (await sent_at(rig))["09:00"]
    assert sent in ("sent 09:08", "sent 09:09"), sent
    assert [e.reason for e in rig.events.of(EventKind.HELD)] == ["away"]
    checks = len(fake.calls_to("users.getPresence"))
    assert 7 <= checks <= 11  # about one a minute, not one a tick per signal


async def test_away_past_the_next_slot_is_dropped_with_the_reason(
        fake: FakeSlack, rig: MeetingRig) -> None:
    """Away for the whole hour: the 09:00 nudge is dropped before 10:00 brings its own, and
    the drop is recorded as "away" (10:00 is held in its turn)."""
    fake.presence["U0KIM"] = "away"
    await rig.walk(NINE + timedelta(minutes=61), step=timedelta(minutes=1))
    seen = await sent_at(rig)
    assert seen["09:00"] == "skipped dropped: away"
    assert seen["10:00"] == "held away"
    assert dms_at(fake, rig) == 0
    assert [e.reason for e in rig.events.of(EventKind.DROPPED)] == ["away"]


async def test_a_channel_post_goes_out_while_its_readers_are_busy(
        fake: FakeSlack, rig: MeetingRig) -> None:
    """DND everyone: the channel schedule posts on time; the presence checks are for DMs."""
    fake.dnd["U0KIM"] = {"dnd_enabled": True, "next_dnd_start_ts": ts(NINE - timedelta(
        minutes=30)), "next_dnd_end_ts": ts(NINE + timedelta(hours=2))}
    added = await rig.commands.schedule_add(ADMIN, "C0WELL", "tip", cron="0 9 * * *")
    assert "added" in added.title, added.body
    await rig.walk(NINE + timedelta(minutes=2), step=timedelta(minutes=1))
    channel_posts = [c for c in fake.calls_to("chat.postMessage")
                     if c.params.get("channel") == "C0WELL"]
    assert len(channel_posts) == 1
    assert dms_at(fake, rig) == 0
