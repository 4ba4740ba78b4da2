"""Slack presence against the fake Web API: DND (one person and batches), away, busy
statuses, unknown users, missing scopes, and staying within Slack's rate tiers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.slack.presence import TIERS, SlackPresence, presence_client
from bot.core.clock import FakeClock
from bot.meetings.presence import CachedPresence, Presence, PresenceState
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack.server import Fault

NOW = datetime(2027, 3, 29, 10, 0, tzinfo=UTC)
TEAM = "T0FAKE"


def ts(when: datetime) -> int:
    return int(when.timestamp())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeSlack]:
    server = await FakeSlack(clock=clock).start()
    for i in range(400):
        server.users[f"U{i}"] = {"name": f"person{i}"}
    yield server
    await server.stop()


@pytest.fixture
def source(fake: FakeSlack, clock: FakeClock) -> SlackPresence:
    return SlackPresence(presence_client(BOT_TOKEN, base_url=fake.base_url), clock)


async def one(source: SlackPresence, user: str) -> Presence:
    return (await source.statuses(TEAM, [user]))[user]


async def test_a_free_person_is_available(source: SlackPresence, fake: FakeSlack) -> None:
    """No DND, active, no status: available, after one call to each method."""
    assert await one(source, "U1") == Presence.available()
    assert sorted(c.method for c in fake.calls) == ["dnd.info", "users.getPresence",
                                                    "users.profile.get"]


async def test_dnd_hours_in_progress_hold_until_they_end(source: SlackPresence,
                                                         fake: FakeSlack) -> None:
    """A DND window around now: do not disturb, until its end."""
    end = NOW + timedelta(minutes=40)
    fake.dnd["U1"] = {"dnd_enabled": True, "next_dnd_start_ts": ts(NOW - timedelta(hours=1)),
                      "next_dnd_end_ts": ts(end)}
    got = await one(source, "U1")
    assert (got.state, got.until) == (PresenceState.DO_NOT_DISTURB, end)


async def test_dnd_scheduled_for_later_is_not_now(source: SlackPresence, fake: FakeSlack) -> None:
    """DND hours that start tonight don't hold a morning nudge."""
    fake.dnd["U1"] = {"dnd_enabled": True, "next_dnd_start_ts": ts(NOW + timedelta(hours=8)),
                      "next_dnd_end_ts": ts(NOW + timedelta(hours=20))}
    assert await one(source, "U1") == Presence.available()


async def test_a_snooze_holds(source: SlackPresence, fake: FakeSlack) -> None:
    """Notifications paused for 30 minutes (dnd.info reports the snooze)."""
    fake.dnd["U1"] = {"snooze_enabled": True, "snooze_endtime": ts(NOW + timedelta(minutes=30))}
    got = await one(source, "U1")
    assert (got.state, got.until) == (PresenceState.DO_NOT_DISTURB, NOW + timedelta(minutes=30))


async def test_away_holds(source: SlackPresence, fake: FakeSlack) -> None:
    """users.getPresence says away: away, end unknown."""
    fake.presence["U1"] = "away"
    assert await one(source, "U1") == Presence(PresenceState.AWAY, detail="away")


async def test_a_meeting_status_holds_until_it_expires(source: SlackPresence,
                                                       fake: FakeSlack) -> None:
    """":spiral_calendar_pad: In a meeting" expiring at 10:30: in a meeting until then."""
    fake.statuses["U1"] = {"status_emoji": ":spiral_calendar_pad:",
                           "status_text": "In a meeting",
                           "status_expiration": ts(NOW + timedelta(minutes=30))}
    got = await one(source, "U1")
    assert (got.state, got.until) == (PresenceState.IN_MEETING, NOW + timedelta(minutes=30))


async def test_an_expired_status_is_ignored(source: SlackPresence, fake: FakeSlack) -> None:
    """A vacation status that expired a minute ago no longer holds."""
    fake.statuses["U1"] = {"status_emoji": ":palm_tree:", "status_text": "Vacationing",
                           "status_expiration": ts(NOW - timedelta(minutes=1))}
    assert await one(source, "U1") == Presence.available()


async def test_the_most_telling_signal_wins(source: SlackPresence, fake: FakeSlack) -> None:
    """Away and out of office together: out of office."""
    fake.presence["U1"] = "away"
    fake.statuses["U1"] = {"status_emoji": ":face_with_thermometer:", "status_text": "Out sick"}
    assert (await one(source, "U1")).state is PresenceState.OUT_OF_OFFICE


async def test_many_people_share_dnd_team_info_calls(source: SlackPresence,
                                                     fake: FakeSlack) -> None:
    """120 people: DND in 3 dnd.teamInfo calls (50 + 50 + 20), none through dnd.info."""
    fake.dnd["U7"] = {"dnd_enabled": True, "next_dnd_start_ts": ts(NOW - timedelta(hours=1)),
                      "next_dnd_end_ts": ts(NOW + timedelta(hours=1))}
    got = await source.statuses(TEAM, [f"U{i}" for i in range(120)])
    sizes = [len(c.params["users"].split(",")) for c in fake.calls_to("dnd.teamInfo")]
    assert sizes == [50, 50, 20] and not fake.calls_to("dnd.info")
    assert got["U7"].state is PresenceState.DO_NOT_DISTURB
    assert sum(p.holds for p in got.values()) == 1


async def test_an_unknown_user_is_unknown(source: SlackPresence) -> None:
    """user_not_found everywhere: UNKNOWN, which delivers."""
    assert (await one(source, "U999999")).state is PresenceState.UNKNOWN


async def test_a_missing_scope_is_logged_once_and_the_rest_still_works(
    source: SlackPresence, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """An install without dnd:read: one warning naming the scopes; status still holds."""
    fake.fail("dnd.info", Fault(error="missing_scope", times=None))
    fake.statuses["U1"] = {"status_emoji": ":spiral_calendar_pad:"}
    with caplog.at_level(logging.WARNING):
        first = await one(source, "U1")
        await one(source, "U2")
    assert first.state is PresenceState.IN_MEETING
    warnings = [r for r in caplog.records if "reinstall" in r.getMessage()]
    assert len(warnings) == 1 and "dnd:read" in warnings[0].getMessage()
    assert len(fake.calls_to("dnd.info")) == 1  # left alone after the refusal


async def test_a_429_pauses_that_method_for_its_retry_after(
    source: SlackPresence, fake: FakeSlack, clock: FakeClock
) -> None:
    """Retry-After 30: users.getPresence is not called again for 30 seconds."""
    fake.fail("users.getPresence", Fault(status=429, retry_after=30))
    await one(source, "U1")
    await one(source, "U2")
    assert len(fake.calls_to("users.getPresence")) == 1
    clock.advance(timedelta(seconds=30))
    await one(source, "U3")
    assert len(fake.calls_to("users.getPresence")) == 2


async def test_a_fan_out_stays_within_slacks_rate_tiers(
    fake: FakeSlack, clock: FakeClock, source: SlackPresence
) -> None:
    """Prefetching 300 people through the cache: the fake (enforcing the tiers) never has to
    refuse; what does not fit this minute is UNKNOWN and fits the next."""
    fake.tier_limits = dict(TIERS)
    presence = CachedPresence(source, clock)
    people = [f"U{i}" for i in range(300)]
    await presence.prefetch(TEAM, people)
    assert fake.tier_refusals == 0
    assert len(fake.calls_to("users.getPresence")) == TIERS["users.getPresence"]
    assert len(fake.calls_to("users.profile.get")) == TIERS["users.profile.get"]
    assert len(fake.calls_to("dnd.teamInfo")) == 6
    clock.advance(timedelta(minutes=1))
    await presence.prefetch(TEAM, people)
    assert fake.tier_refusals == 0
    assert len(fake.calls_to("users.getPresence")) == 2 * TIERS["users.getPresence"]


async def test_an_opened_source_keeps_its_connections(fake: FakeSlack, clock: FakeClock) -> None:
    """Opened (as the platform does on start), the checks of 40 people (three methods each)
    share one HTTP session and a few kept-alive connections, at most the source's eight at a
    time, instead of a new session and TCP connection per call; closed, the session is gone.
    Unopened, each call came on a connection of its own."""
    unopened = SlackPresence(presence_client(BOT_TOKEN, base_url=fake.base_url), clock)
    await unopened.statuses(TEAM, [f"U{i}" for i in range(10)])
    assert len(fake.peers) >= 10

    fake.peers.clear()
    client = presence_client(BOT_TOKEN, base_url=fake.base_url)
    source = SlackPresence(client, clock)
    source.open()
    session = client.session
    assert session is not None
    found = await source.statuses(TEAM, [f"U{i}" for i in range(100, 140)])
    assert set(found.values()) == {Presence.available()}
    assert client.session is session
    assert 1 <= len(fake.peers) <= 8
    await source.close()
    assert session.closed and client.session is None
