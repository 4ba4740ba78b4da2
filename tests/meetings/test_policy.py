"""The hold policy: deliver, hold until the next free gap, or drop with a reason; driven by a
FakeClock through holds and releases, across DST, and checked minute by minute against a
brute-force reading of the rules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FakeClock
from bot.meetings.calendar import Busy
from bot.meetings.policy import (
    Action,
    Decision,
    HoldRules,
    WorkingHours,
    decide,
    duration_words,
)
from bot.meetings.presence import Presence, PresenceState

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = frozenset(range(5))
HOURS = WorkingHours(time(9), time(17), WEEKDAYS, LONDON)
GRACE = timedelta(minutes=10)
MIN = timedelta(minutes=1)


def at(day: int, hh: int, mm: int = 0, month: int = 3) -> datetime:
    """London wall time on 2027-<month>-<day> as UTC."""
    return datetime(2027, month, day, hh, mm, tzinfo=LONDON).astimezone(UTC)


def meeting(day: int, start: tuple[int, int], end: tuple[int, int]) -> Busy:
    return Busy(at(day, *start), at(day, *end))


def run(clock: FakeClock, slot: datetime, *, busy: list[Busy] | None = None,
        presence: Presence | None = None, next_slot: datetime | None = None,
        hours: WorkingHours | None = HOURS, limit: int = 200) -> tuple[Decision, datetime]:
    """Play the scheduler: decide at the slot, and at each hold's time, until it settles."""
    clock.set(slot)
    for _ in range(limit):
        now = clock.now()
        decision = decide(slot=slot, now=now, grace=GRACE, busy=busy or [],
                          presence=presence, hours=hours, next_slot=next_slot)
        if decision.action is not Action.HOLD:
            return decision, now
        assert decision.at is not None and decision.at > now
        clock.set(decision.at)
    raise AssertionError("never settled")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at(29, 9))


def test_free_person_gets_the_nudge_now(clock: FakeClock) -> None:
    """No meetings, no presence: delivered at the slot, with no meetings headline."""
    decision, when = run(clock, at(29, 10), next_slot=at(29, 11))
    assert (decision.action, when, decision.headline()) == (Action.DELIVER, at(29, 10), None)


def test_short_meeting_holds_until_five_minutes_after_it(clock: FakeClock) -> None:
    """In a 10:00-10:30 meeting: released at 10:35."""
    busy = [meeting(29, (10, 0), (10, 30))]
    first = decide(slot=at(29, 10), now=at(29, 10), grace=GRACE, busy=busy, hours=HOURS,
                   next_slot=at(29, 11))
    assert (first.action, first.at, first.reason) == (Action.HOLD, at(29, 10, 35),
                                                      "in a meeting")
    decision, when = run(clock, at(29, 10), busy=busy, next_slot=at(29, 11))
    assert (decision.action, when) == (Action.DELIVER, at(29, 10, 35))


def test_release_after_the_next_slot_drops_with_the_reason(clock: FakeClock) -> None:
    """A 10:00-11:00 meeting: the 10:00 nudge would come after the 11:00 one, so it drops."""
    decision, when = run(clock, at(29, 10), busy=[meeting(29, (10, 0), (11, 0))],
                         next_slot=at(29, 11))
    assert (decision.action, decision.reason, when) == (Action.DROP, "in a meeting", at(29, 10))


def test_after_two_hours_of_meetings_the_nudge_says_so(clock: FakeClock) -> None:
    """Back-to-back 10:00-11:00 and 11:00-12:00: the 12:00 nudge comes at 12:05 and opens
    with the meetings line."""
    busy = [meeting(29, (10, 0), (11, 0)), meeting(29, (11, 0), (12, 0))]
    decision, when = run(clock, at(29, 12), busy=busy, next_slot=at(29, 13))
    assert (decision.action, when) == (Action.DELIVER, at(29, 12, 5))
    assert decision.headline() == "You've been in meetings for 2 h — a 2-minute stretch?"


def test_meetings_a_few_minutes_apart_count_as_one_run(clock: FakeClock) -> None:
    """10:00-10:50 and 10:53-11:40 (a 3-minute gap is no break): one 1 h 40 min run."""
    busy = [meeting(29, (10, 0), (10, 50)), meeting(29, (10, 53), (11, 40))]
    decision, when = run(clock, at(29, 11), busy=busy, next_slot=at(29, 12))
    assert (decision.action, when) == (Action.DELIVER, at(29, 11, 45))
    assert decision.headline() == "You've been in meetings for 1 h 30 min — a 2-minute stretch?"


def test_a_short_meeting_earns_no_headline(clock: FakeClock) -> None:
    """After a 30-minute meeting the nudge is the plain one."""
    decision, _ = run(clock, at(29, 10), busy=[meeting(29, (10, 0), (10, 30))],
                      next_slot=at(29, 11))
    assert decision.headline() is None


@pytest.mark.parametrize(("second_start", "release"), [
    ((10, 33), (11, 5)),   # a 3-minute gap is too short: wait for the next one
    ((10, 35), (10, 30)),  # exactly 5 minutes: used from its start
    ((10, 38), (10, 33)),  # 8 minutes: settle shortened so 5 are left
    ((10, 45), (10, 35)),  # plenty: the full 5-minute settle
])
def test_gaps_between_meetings(second_start: tuple[int, int], release: tuple[int, int],
                               clock: FakeClock) -> None:
    """A gap is used only if 5 minutes of it remain, and no sooner than 5 minutes in."""
    busy = [meeting(29, (10, 0), (10, 30)), meeting(29, second_start, (11, 0))]
    decision, when = run(clock, at(29, 10), busy=busy, next_slot=at(29, 12))
    assert (decision.action, when) == (Action.DELIVER, at(29, *release))


def test_no_nudge_just_before_a_meeting(clock: FakeClock) -> None:
    """Free at 10:00 but a meeting starts at 10:02: held until after it."""
    decision, when = run(clock, at(29, 10), busy=[meeting(29, (10, 2), (10, 30))],
                         next_slot=at(29, 11))
    assert (decision.action, when) == (Action.DELIVER, at(29, 10, 35))


def test_a_meeting_right_before_the_slot_still_gets_its_settle_time(clock: FakeClock) -> None:
    """A meeting ending at 09:59: the 10:00 nudge waits until 10:04."""
    decision, when = run(clock, at(29, 10), busy=[meeting(29, (9, 0), (9, 59))],
                         next_slot=at(29, 11))
    assert (decision.action, when) == (Action.DELIVER, at(29, 10, 4))


def test_no_release_past_working_hours(clock: FakeClock) -> None:
    """16:30 nudge, meeting until 17:30, hours end 17:00: dropped."""
    decision, _ = run(clock, at(29, 16, 30), busy=[meeting(29, (16, 30), (17, 30))],
                      next_slot=at(30, 9))
    assert (decision.action, decision.reason) == (Action.DROP, "in a meeting")


def test_grace_still_applies_at_the_end_of_the_day(clock: FakeClock) -> None:
    """The 17:00 nudge after a meeting ending 16:58 comes at 17:03: within the grace period,
    which any nudge has, even though it is past the end of working hours."""
    decision, when = run(clock, at(29, 17), busy=[meeting(29, (16, 0), (16, 58))],
                         next_slot=at(30, 9))
    assert (decision.action, when) == (Action.DELIVER, at(29, 17, 3))


def test_do_not_disturb_with_an_end_holds_until_it_ends(clock: FakeClock) -> None:
    """Slack DND until 10:20: released at 10:20 sharp (no settle after DND)."""
    dnd = Presence(PresenceState.DO_NOT_DISTURB, until=at(29, 10, 20))
    first = decide(slot=at(29, 10), now=at(29, 10), grace=GRACE, presence=dnd, hours=HOURS,
                   next_slot=at(29, 11))
    assert (first.action, first.at, first.reason) == (Action.HOLD, at(29, 10, 20),
                                                      "do not disturb")


def test_presence_with_no_known_end_is_checked_again_in_a_minute(clock: FakeClock) -> None:
    """Away: hold one minute, then decide again with a fresh presence."""
    away = Presence(PresenceState.AWAY)
    first = decide(slot=at(29, 10), now=at(29, 10), grace=GRACE, presence=away, hours=HOURS,
                   next_slot=at(29, 11))
    assert (first.action, first.at, first.reason) == (Action.HOLD, at(29, 10, 1), "away")
    back = decide(slot=at(29, 10), now=at(29, 10, 1), grace=GRACE,
                  presence=Presence.available(), hours=HOURS, next_slot=at(29, 11))
    assert back.action is Action.DELIVER


def test_away_until_the_deadline_drops_as_away(clock: FakeClock) -> None:
    """Still away when the next check would pass the deadline: dropped, reason "away"."""
    decision = decide(slot=at(29, 10), now=at(29, 10, 59, ), grace=GRACE,
                      presence=Presence(PresenceState.AWAY), hours=HOURS, next_slot=at(29, 11))
    assert (decision.action, decision.reason) == (Action.DROP, "away")


def test_out_of_office_for_days_drops_at_once(clock: FakeClock) -> None:
    """A vacation status expiring next week: no point holding."""
    ooo = Presence(PresenceState.OUT_OF_OFFICE, until=at(5, 9, month=4))
    decision, when = run(clock, at(29, 10), presence=ooo, next_slot=at(29, 11))
    assert (decision.action, decision.reason, when) == (Action.DROP, "out of office",
                                                        at(29, 10))


def test_presence_reason_wins_over_the_calendar(clock: FakeClock) -> None:
    """DND until 10:20 and a meeting 10:15-10:45: released 10:50, reason do not disturb."""
    dnd = Presence(PresenceState.DO_NOT_DISTURB, until=at(29, 10, 20))
    first = decide(slot=at(29, 10), now=at(29, 10), grace=GRACE, presence=dnd,
                   busy=[meeting(29, (10, 15), (10, 45))], hours=HOURS, next_slot=at(29, 11))
    assert (first.action, first.at, first.reason) == (Action.HOLD, at(29, 10, 50),
                                                      "do not disturb")


@pytest.mark.parametrize("state", [PresenceState.AVAILABLE, PresenceState.UNKNOWN])
def test_available_or_unknown_presence_delivers(state: PresenceState, clock: FakeClock) -> None:
    """Unknown is never a reason to hold: the nudge goes out as if the feature were off."""
    decision, _ = run(clock, at(29, 10), presence=Presence(state), next_slot=at(29, 11))
    assert decision.action is Action.DELIVER


def test_a_hold_never_reaches_the_next_slot(clock: FakeClock) -> None:
    """Every 10 minutes with a 10-minute grace: DND until 10:10 drops the 10:00 nudge rather
    than sending it together with the 10:10 one."""
    dnd = Presence(PresenceState.DO_NOT_DISTURB, until=at(29, 10, 10))
    decision, _ = run(clock, at(29, 10), presence=dnd, next_slot=at(29, 10, 10))
    assert decision.action is Action.DROP


def test_without_working_hours_or_next_slot_grace_is_the_limit(clock: FakeClock) -> None:
    """A one-off (snoozed) nudge outside any working window may wait the grace period only."""
    busy = [meeting(29, (19, 0), (19, 8))]
    held, when = run(clock, at(29, 19), busy=busy, hours=None)
    assert (held.action, when) == (Action.DROP, at(29, 19))
    busy = [meeting(29, (19, 0), (19, 4))]
    done, when = run(clock, at(29, 19), busy=busy, hours=None)
    assert (done.action, when) == (Action.DELIVER, at(29, 19, 9))


@pytest.mark.parametrize("day", [26, 29])  # Friday in GMT, Monday in BST
def test_release_follows_local_time_across_the_spring_change(day: int, clock: FakeClock) -> None:
    """The same local meeting (16:00-16:50) releases the 16:30 nudge at 16:55 local, which is
    16:55Z before the change and 15:55Z after; 17:00 local is the limit on both days."""
    busy = [meeting(day, (16, 0), (16, 50))]
    decision, when = run(clock, at(day, 16, 30), busy=busy, next_slot=at(day + 1, 9))
    assert (decision.action, when) == (Action.DELIVER, at(day, 16, 55))
    expected_utc = datetime(2027, 3, day, 16 if day == 26 else 15, 55, tzinfo=UTC)
    assert when == expected_utc
    late = [meeting(day, (16, 0), (17, 0))]
    dropped, _ = run(clock, at(day, 16, 30), busy=late, next_slot=at(day + 1, 9))
    assert dropped.action is Action.DROP


def test_working_hours_end_across_dst_and_midnight() -> None:
    """Window ends in UTC: 17:00 GMT and BST; an overnight window belongs to its start day;
    a skipped end time reads as the hour after; an ambiguous one as its first occurrence."""
    assert HOURS.end_for(at(26, 12)) == datetime(2027, 3, 26, 17, tzinfo=UTC)
    assert HOURS.end_for(at(29, 12)) == datetime(2027, 3, 29, 16, tzinfo=UTC)
    assert HOURS.end_for(at(29, 8, 59)) is None
    assert HOURS.end_for(at(27, 12)) is None  # Saturday
    night = WorkingHours(time(22), time(2), frozenset(range(7)), LONDON)
    assert night.end_for(at(29, 1)) == datetime(2027, 3, 29, 1, tzinfo=UTC)
    skipped = WorkingHours(time(0), time(1, 30), frozenset(range(7)), LONDON)
    assert skipped.end_for(datetime(2027, 3, 28, 0, 45, tzinfo=UTC)) == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC)
    ambiguous = WorkingHours(time(0), time(1, 30), frozenset(range(7)), LONDON)
    assert ambiguous.end_for(datetime(2027, 10, 31, 0, 10, tzinfo=UTC)) == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("minutes", "words"), [
    (45, "45 min"), (60, "1 h"), (74, "1 h"), (75, "1 h 15 min"), (120, "2 h"), (179, "2 h 45 min"),
])
def test_duration_words(minutes: int, words: str) -> None:
    """Meeting runs are worded in quarter hours past the first hour."""
    assert duration_words(timedelta(minutes=minutes)) == words


# -- brute force -------------------------------------------------------------------------

RULES = HoldRules()
LAYOUTS = [
    [],
    [(0, 30, 2, 0)],                                  # across the change itself
    [(9, 0, 10, 0), (10, 0, 11, 0)],                  # back to back
    [(9, 0, 9, 30), (9, 33, 10, 0), (10, 8, 11, 0)],  # a 3- and an 8-minute gap
    [(12, 0, 12, 5), (12, 10, 12, 15), (12, 20, 13, 0)],
    [(15, 0, 17, 30)],                                # past the end of the window
]
DST_DAY = 28  # Sunday 2027-03-28, Europe/London springs forward at 01:00 UTC


def _brute_first_free(now: datetime, busy: list[Busy]) -> datetime:
    """The rules read literally, one minute at a time."""
    t = now
    while True:
        inside = any(b.start <= t < b.end for b in busy)
        ahead = [b.start for b in busy if b.start >= t]
        room = min(ahead) - t if ahead else timedelta(days=1)
        ended = [b.end for b in busy if b.end <= t]
        settled = True
        if ended:
            last = max(ended)
            following = [b.start for b in busy if b.start >= last]
            gap = (min(following) - last) if following else timedelta(days=1)
            settled = t - last >= max(timedelta(0), min(RULES.settle, gap - RULES.min_gap))
        if not inside and room >= RULES.min_gap and settled:
            return t
        t += MIN


@pytest.mark.parametrize("layout", range(len(LAYOUTS)))
def test_every_minute_of_the_dst_day_matches_the_rules_read_literally(layout: int) -> None:
    """For each minute of the change day with working hours 00:00-18:00: the decision agrees
    with a brute-force scan (hold time, delivery, and drop exactly when past the deadline)."""
    hours = WorkingHours(time(0), time(18), frozenset(range(7)), LONDON)
    busy = [Busy(datetime(2027, 3, DST_DAY, a, b, tzinfo=LONDON).astimezone(UTC),
                 datetime(2027, 3, DST_DAY, c, d, tzinfo=LONDON).astimezone(UTC))
            for a, b, c, d in LAYOUTS[layout]]
    start = datetime(2027, 3, DST_DAY, 0, 0, tzinfo=LONDON).astimezone(UTC)
    end_of_day = hours.end_for(start)
    assert end_of_day == datetime(2027, 3, DST_DAY, 17, tzinfo=UTC)  # 18:00 BST
    for step in range(0, 17 * 60, 1):
        slot = start + step * MIN
        next_slot = slot + timedelta(hours=1)
        decision = decide(slot=slot, now=slot, grace=GRACE, busy=busy, hours=hours,
                          next_slot=next_slot)
        free = _brute_first_free(slot, busy)
        deadline = min(max(slot + GRACE, min(next_slot, end_of_day)),
                       next_slot - timedelta(microseconds=1))
        if free == slot:
            assert decision.action is Action.DELIVER, slot
        elif free > deadline:
            assert decision.action is Action.DROP, slot
        else:
            assert (decision.action, decision.at) == (Action.HOLD, free), slot
