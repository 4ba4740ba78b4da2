"""Declarations shaped like the commands this round adds (/teamstats, /groupbreak,
/routine, /remind calendar), for tests that the table's spec can express them everywhere.
They answer with the arguments they got, so a test sees exactly what a facade would."""

from __future__ import annotations

from bot.commands.call import Call
from bot.commands.spec import Access, Command, Kind, Option, Table
from bot.core.lookup import Choice
from bot.core.messages import Message, info

PERIODS = tuple(Choice(p, p) for p in ("week", "month", "year"))


def echo(call: Call) -> Message:
    return info(" ".join(call.path.words), repr(sorted(call.args.items())))


SHAPES = Table((
    Command("teamstats", "The team's breaks", access=Access.ADMIN, answer=echo,
            options=(Option("period", "Which period", choices=PERIODS, default="week"),)),
    Command("groupbreak", "A break together, in a few minutes", public=True, answer=echo,
            options=(Option("in_minutes", "Minutes from now", Kind.INTEGER, min_value=1,
                            max_value=60, default=5),
                     Option("routine", "Which routine", autocomplete=lambda f, t: [])),
            examples=("", "10", "15 neck-reset")),
    Command("routine", "A routine, step by step", answer=echo,
            options=(Option("name", "Which routine", Kind.WORDS, required=True,
                            autocomplete=lambda f, t: []),)),
    Command("remind", "Reminders", answer=None, subcommands=(
        Command("calendar", "Skip reminders while your calendar is busy", answer=echo,
                options=(Option("url", "The calendar's iCal link, or off", Kind.URL,
                                required=True, also=("off",), noun="link"),)),
    )),
))
