"""The guided plan: a stretch or routine worked out into timed beats."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.guided.plan import Phase, Source, plan_routine, plan_stretch

REAL = Path(__file__).resolve().parents[3] / "content"


@pytest.fixture(scope="module")
def real() -> Library:
    return load_library([REAL])


def test_sided_hold_gets_ready_holds_switches_and_holds_again(real: Library) -> None:
    """A sided hold: get ready, hold the first side, switch, hold the other side."""
    plan = plan_stretch(real.stretch("pigeon"))  # type: ignore[arg-type]
    assert [b.phase for b in plan.beats] == [Phase.READY, Phase.HOLD, Phase.SWITCH, Phase.HOLD]
    assert plan.beats[2].text == "Switch to the other side"
    assert plan.beats[1].seconds == plan.beats[3].seconds == 30
    assert plan.source is Source.GUIDED and plan.kind == "stretch"


def test_reps_are_counted_one_beat_each(real: Library) -> None:
    """Reps with a hold in them become one beat per rep, counted "Rep n of N"."""
    plan = plan_stretch(real.stretch("chin-tuck"))  # type: ignore[arg-type]
    reps = [b for b in plan.beats if b.phase is Phase.REP]
    assert [b.text.split(":")[0] for b in reps] == [f"Rep {n} of 10" for n in range(1, 11)]
    assert all(b.hold == 3 and b.seconds == 5 for b in reps)


def test_each_direction_reps_go_both_ways(real: Library) -> None:
    """Circles counted one way, then the same count the other way."""
    plan = plan_stretch(real.stretch("shoulder-rolls"))  # type: ignore[arg-type]
    texts = [b.text for b in plan.beats if b.phase is Phase.REP]
    assert texts[0] == "Roll 1 of 10" and texts[10] == "Roll 1 of 10 the other way"


def test_breath_holds_are_timed_at_five_seconds_a_breath(real: Library) -> None:
    """A hold given in breaths lasts 5 s a breath and says the breaths."""
    plan = plan_stretch(real.stretch("supine-twist"))  # type: ignore[arg-type]
    hold = next(b for b in plan.beats if b.phase is Phase.HOLD)
    assert hold.seconds == 25 and "5 slow breaths" in hold.text


def test_every_beat_lasts_at_least_two_seconds(real: Library) -> None:
    """No beat is shorter than the 2 s platforms allow between edits."""
    for stretch in real.stretches:
        assert min(b.seconds for b in plan_stretch(stretch).beats) >= 2, stretch.id


def test_routines_take_about_their_minutes(real: Library) -> None:
    """Every shipped routine's plan is within tolerance of its promised minutes."""
    by_id = {s.id: s for s in real.stretches}
    assert len(real.routines) >= 6
    for routine in real.routines:
        total = plan_routine(routine, by_id).total_seconds
        assert abs(total - routine.minutes * 60) <= max(30, routine.minutes * 15), routine.id


def test_routine_overrides_and_choice(real: Library) -> None:
    """A routine's hold override is used, and a choice names both stretches."""
    by_id = {s.id: s for s in real.stretches}
    plan = plan_routine(real.routine("after-sitting"), by_id)  # type: ignore[arg-type]
    assert plan.source is Source.ROUTINE
    choice = [b for b in plan.beats if b.position == 2]
    assert "Pigeon pose" in choice[0].text and "Thread the needle" in choice[0].text
    assert choice[0].note and "knees" in choice[0].note
    knee = [b for b in plan.beats if b.position == 3 and b.phase is Phase.HOLD]
    assert {b.seconds for b in knee} == {20}
    assert plan.beats[0].text.startswith("1 of 5. ")


def test_beat_at_walks_the_offsets(real: Library) -> None:
    """beat_at maps elapsed seconds to beats and None after the end."""
    plan = plan_stretch(real.stretch("pigeon"))  # type: ignore[arg-type]
    assert plan.beat_at(0) == 0 and plan.beat_at(7.9) == 0 and plan.beat_at(8) == 1
    assert plan.beat_at(plan.total_seconds) is None
