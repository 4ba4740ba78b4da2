"""The command table: every command deskbreak answers, on every platform, declared once.

Discord's command tree, Slack's listeners (and the manifest check), the console, the text
parser and /help are generated from ``TABLE``. To add a command: add a :class:`Command` here
whose ``answer`` calls a facade method, and a test; ``tests/contract`` then runs it on every
platform. See ARCHITECTURE.md, "Adding a command".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.call import Call, Facades
from bot.commands.help import help_message
from bot.commands.run import EndSession
from bot.commands.spec import Access, Command, Kind, Option, Table
from bot.core import kinds
from bot.core.commands import NUDGE_KINDS
from bot.core.lookup import Choice
from bot.core.messages import Message
from bot.core.ports import Platform
from bot.scheduling.stats import PERIOD_CHOICES

AUTOCOMPLETE_LIMIT = 25
_KIND_LABELS = {"break": "break reminder", "tip": "ergonomics tip"}
NUDGE_CHOICES = tuple(Choice(_KIND_LABELS.get(kind, kind), kind) for kind in NUDGE_KINDS)


# --------------------------------------------------------------------------- sources


def stretch_names(facades: Facades, text: str) -> Sequence[Choice]:
    return facades.content.autocomplete(text, limit=AUTOCOMPLETE_LIMIT)


def routine_names(facades: Facades, text: str) -> Sequence[Choice]:
    if facades.guided is None:
        return []
    return facades.guided.routine_choices(text, AUTOCOMPLETE_LIMIT)


def routine_kinds(facades: Facades) -> Sequence[Choice]:
    """A schedule may post a routine: ``routine:<id>`` for each one in the content."""
    return [Choice(f"routine: {r.name}", f"{kinds.ROUTINE_PREFIX}{r.id}")
            for r in facades.content.library.routines]


def time_zones(facades: Facades, text: str) -> Sequence[Choice]:
    if facades.scheduling is None:
        return []
    return [Choice(z, z) for z in facades.scheduling.timezone_choices(text, AUTOCOMPLETE_LIMIT)]


def group_routines(facades: Facades, text: str) -> Sequence[Choice]:
    groups = facades.scheduling.groups if facades.scheduling is not None else None
    return [] if groups is None else groups.routines.choices(text, AUTOCOMPLETE_LIMIT)


def body_areas(facades: Facades) -> Sequence[Choice]:
    return [Choice(a.replace("-", " "), a) for a in facades.content.areas()]


def places(facades: Facades) -> Sequence[Choice]:
    return [Choice(w, w) for w in facades.content.wheres()]


# --------------------------------------------------------------------------- options


def _every(*, positional: bool = True) -> Option:
    return Option("every", "Minutes between nudges, e.g. 60", Kind.DURATION,
                  positional=positional, noun="number of minutes", example="60")


START = Option("start", "From HH:MM", Kind.TIME, aliases=("from",), noun="time of day",
               example="09:00")
END = Option("end", "Until HH:MM", Kind.TIME, aliases=("to", "until"), noun="time of day",
             example="17:00")
DAYS = Option("days", "Days, e.g. mon-fri", Kind.DAYS, aliases=("on",), noun="set of days",
              example="mon-fri")
ZONE = Option("tz", "IANA zone, e.g. Europe/Berlin", required=True,
              aliases=("timezone", "zone"), autocomplete=time_zones, noun="time zone")
SCHEDULE_ID = Option("id", "Schedule number (see /schedule list)", Kind.INTEGER, required=True,
                     min_value=1, noun="schedule id", ask="Which schedule? Its number is in "
                     "`/schedule list`.")


def periods(facades: Facades, text: str) -> Sequence[Choice]:
    return [Choice(p, p) for p in PERIOD_CHOICES if p.startswith(text.strip().lower())]


# Suggested, not forced (no ``choices``): anything else reaches the facade, whose one error
# lists the periods alike on every platform.
PERIOD = Option("period", "week, month or year (default: week)", default="week",
                autocomplete=periods, noun="period", example="month")


def _by_id(name: str, description: str) -> Command:
    async def answer(call: Call) -> Message:
        method = getattr(call.scheduling, f"schedule_{name}")
        message: Message = await method(call.actor, call.integer("id"))
        return message

    return Command(name, description, answer=answer, options=(SCHEDULE_ID,), examples=("3",))


# --------------------------------------------------------------------------- answers


def _stretches(call: Call) -> Message:
    page = call.integer("page") or 1
    return call.content.stretches(call.text("area"), call.text("where"), page - 1)


async def _break(call: Call) -> Message:
    """A /break card counts as a break taken in the asker's stats (when stats run here)."""
    message = await call.content.break_message(call.place.key)
    if call.facades.scheduling is not None:
        await call.facades.scheduling.took_break(call.actor, "break", call.place)
    return message


async def _forget(call: Call) -> Message:
    if call.flag("confirm"):
        return await call.stats.forget(call.actor)
    return call.stats.forget_ask(call.actor)


async def _help(call: Call) -> Message:
    return help_message(TABLE, call.actor.platform)


def _quit(call: Call) -> Message:
    raise EndSession


def _group_button(method: str) -> Command:
    """The console's typed form of a group break's button (it has no buttons to press)."""
    labels = {"join": "Count me in to a group break", "leave": "Leave a group break",
              "done": "Done after a group break: counts as your break"}

    async def answer(call: Call) -> Message:
        message: Message = await getattr(call.scheduling, f"group_{method}")(
            call.actor, call.integer("id") or 0)
        return message

    return Command(method, labels[method], answer=answer, examples=("1",),
                   options=(Option("id", "The group break's number (on its card)",
                                   Kind.INTEGER, required=True, min_value=1,
                                   noun="group break number"),))


# --------------------------------------------------------------------------- the table

TABLE = Table((
    Command(
        "stretch", "Step-by-step instructions for a stretch", public=True,
        options=(Option("name", "Which stretch (start typing for suggestions)", Kind.WORDS,
                        required=True, default="", autocomplete=stretch_names,
                        noun="stretch"),),
        answer=lambda call: call.content.stretch_answer(call.text("name") or ""),
        pure=True,
        examples=("pigeon", "thread the needle"),
    ),
    Command(
        "stretches", "Browse stretches by body area and place",
        options=(
            Option("area", "Body area", Kind.WORDS, choices=body_areas, example="hips"),
            Option("where", "Where you can do it", Kind.WORDS, choices=places,
                   positional=False, example="desk"),
            Option("page", "Page number", Kind.INTEGER, min_value=1, max_value=9999),
        ),
        answer=_stretches,
        examples=("", "hips", "neck desk", "lower back standing 2"),
    ),
    Command(
        "routine", "Run a routine of stretches, guided with a timer",
        options=(Option("name", "Which routine (start typing for suggestions)", Kind.WORDS,
                        required=True, default="", autocomplete=routine_names,
                        noun="routine"),),
        answer=lambda call: call.guided.start_routine(call.actor, call.text("name") or ""),
        examples=("desk reset", "eyes"),
    ),
    Command("routines", "The guided routines: a few stretches in a row, with a timer",
            answer=lambda call: call.guided.routines()),
    Command("tip", "A desk-ergonomics tip", public=True,
            answer=lambda call: call.content.tip(call.place.key)),
    # Personal: the break counts in the person's own stats (Discord's "@me"), and in the
    # server's team stats through ``place``.
    Command("break", "Take a short break now, with a desk stretch", public=True,
            personal=True, answer=_break),
    Command("redflags", "Signs to stop and see a professional",
            answer=lambda call: call.content.redflags()),
    Command("about", "What this bot does and where its advice ends",
            answer=lambda call: call.content.about()),
    Command("done", "Log that you took a break", personal=True,
            answer=lambda call: call.scheduling.done(call.actor, source="done")),
    Command(
        "mystats", "Your own break stats, with a chart", personal=True,
        options=(PERIOD,), examples=("", "month", "year"),
        answer=lambda call: call.stats.mystats(call.actor, call.text("period")),
    ),
    Command(
        "teamstats", "This workspace's break stats (nobody named)", access=Access.ADMIN,
        options=(PERIOD,), examples=("", "month"),
        answer=lambda call: call.stats.teamstats(call.actor, call.text("period")),
    ),
    Command(
        "remind", "Your own break reminders, by DM", personal=True, default="status",
        # Slack's built-in /remind takes precedence over an app's command.
        names={Platform.SLACK: "reminders"},
        subcommands=(
            Command(
                "on", "Turn on break reminders", opens_dm=True,
                options=(_every(), START, END, DAYS),
                answer=lambda call: call.scheduling.remind_on(
                    call.actor, every=call.text("every"), start=call.text("start"),
                    end=call.text("end"), days=call.text("days")),
                examples=("", "every=50 start=09:00 end=17:00 days=mon-fri",
                          "30 09:00 17:00 mon-fri",
                          "every 30 minutes from 09:00 to 17:00 on mon-fri"),
            ),
            Command("off", "Turn off your reminders",
                    answer=lambda call: call.scheduling.remind_off(call.actor)),
            Command("status", "Your reminder settings and next reminder",
                    answer=lambda call: call.scheduling.remind_status(call.actor)),
            Command("timezone", "Your timezone for reminders", aliases=("tz", "zone"),
                    options=(ZONE,), examples=("Europe/Berlin",),
                    answer=lambda call: call.scheduling.remind_timezone(
                        call.actor, call.text("tz") or "")),
            Command("snooze", "Skip reminders for a while",
                    options=(Option("minutes", "How long, e.g. 30", Kind.DURATION,
                                    required=True, noun="number of minutes"),),
                    examples=("30", "1 hour"),
                    answer=lambda call: call.scheduling.remind_snooze(
                        call.actor, call.text("minutes") or "")),
            Command("pause", "Pause reminders until a date or time",
                    options=(Option("until", "YYYY-MM-DD or HH:MM", Kind.WORDS, required=True,
                                    noun="date or time"),),
                    examples=("2027-12-01", "14:00"),
                    answer=lambda call: call.scheduling.remind_pause(
                        call.actor, call.text("until") or "")),
            Command("calendar", "Hold reminders during your meetings (private iCal link)",
                    options=(Option("url", "Your calendar's secret iCal/ICS address, or off",
                                    Kind.URL, required=True, also=("off",), noun="link"),),
                    examples=("https://calendar.example.com/private-1a2b/basic.ics", "off"),
                    answer=lambda call: call.scheduling.remind_calendar(
                        call.actor, call.text("url") or "")),
            Command(
                "forget", "Delete everything I keep about you here",
                options=(Option("confirm", "Delete without asking first", Kind.BOOLEAN,
                                default=False, aliases=("yes",)),),
                examples=("", "confirm"),
                answer=_forget,
            ),
        ),
    ),
    Command(
        "schedule", "Post break nudges or tips in a channel", access=Access.ADMIN,
        subcommands=(
            Command(
                "add", "Add a schedule (cron, or every N minutes in hours)",
                options=(
                    Option("channel", "Where to post (default: here)", Kind.CHANNEL),
                    Option("kind", "What to post", required=True, choices=NUDGE_CHOICES,
                           more=routine_kinds, more_pattern=kinds.ROUTINE_PATTERN,
                           ask=kinds.ASK, noun="kind"),
                    Option("cron", "Crontab, e.g. '0 10,15 * * 1-5' (local time)", Kind.CRON,
                           positional=False, example='"0 9 * * 1-5"'),
                    _every(), START, END, DAYS,
                    Option("timezone", "IANA zone, e.g. Europe/Berlin (default: server's)",
                           aliases=("tz", "zone"), positional=False, autocomplete=time_zones,
                           example="Europe/Berlin"),
                ),
                answer=lambda call: call.scheduling.schedule_add(
                    call.actor, call.text("channel") or call.place.id, call.text("kind") or "",
                    cron=call.text("cron"), every=call.text("every"), start=call.text("start"),
                    end=call.text("end"), days=call.text("days"),
                    timezone=call.text("timezone")),
                examples=("break every=60 start=09:00 end=17:00 days=mon-fri",
                          'tip cron="0 9 * * 1-5" tz=Europe/London',
                          "break every 30 minutes from 09:00 to 17:00 on mon-fri",
                          "break cron=0 9 * * *",
                          "routine:desk-reset every=120 start=10:00 end=16:00"),
            ),
            Command("list", "List this workspace's schedules",
                    answer=lambda call: call.scheduling.schedule_list(call.actor)),
            _by_id("preview", "Show a schedule's next times"),
            _by_id("pause", "Pause a schedule"),
            _by_id("resume", "Resume a paused schedule"),
            _by_id("remove", "Delete a schedule"),
            _by_id("test", "Post one message from a schedule now"),
        ),
    ),
    Command(
        "config", "Workspace settings for nudges", access=Access.ADMIN,
        subcommands=(
            Command("timezone", "The workspace's default timezone", aliases=("tz", "zone"),
                    options=(ZONE,), examples=("Europe/Berlin",),
                    answer=lambda call: call.scheduling.config_timezone(
                        call.actor, call.text("tz") or "")),
            Command(
                "quiet", "Quiet hours with no nudges ('off' clears)",
                options=(
                    Option("start", "HH:MM or 'off'", Kind.TIME, required=True, also=("off",),
                           aliases=("from",), then="end", example="22:00"),
                    Option("end", "HH:MM", Kind.TIME, aliases=("to", "until"), example="07:00"),
                ),
                examples=("22:00 07:00", "12:00-13:00", "off"),
                answer=lambda call: call.scheduling.config_quiet(
                    call.actor, call.text("start") or "", call.text("end")),
            ),
            Command(
                "skip", "Skip a date (holiday), or un-skip it",
                options=(
                    Option("date", "YYYY-MM-DD", required=True, noun="date"),
                    Option("remove", "Un-skip the date instead", Kind.BOOLEAN, default=False,
                           aliases=("undo",)),
                ),
                examples=("2027-12-24", "2027-12-24 remove"),
                answer=lambda call: call.scheduling.config_skip(
                    call.actor, call.text("date") or "", remove=call.flag("remove")),
            ),
        ),
    ),
    Command(
        "groupbreak", "Invite the channel to a short break together, in a few minutes",
        options=(
            Option("in_minutes", "Starts in N minutes (1-60, default 5)", Kind.INTEGER,
                   aliases=("in", "minutes"), min_value=1, max_value=60,
                   noun="number of minutes", example="10"),
            Option("routine", "Which routine to do together (default: desk reset)",
                   Kind.WORDS, autocomplete=group_routines, example="wrists"),
        ),
        answer=lambda call: call.scheduling.groupbreak(
            call.actor, call.place, call.integer("in_minutes"), call.text("routine")),
        examples=("", "10", "15 wrists", "in 10 routine=eyes"),
    ),
    Command("help", "Every command and how to use it", answer=_help,
            # A bare /help would collide with other apps' on Slack: there it is /deskbreak.
            names={Platform.SLACK: "deskbreak"}),
    # The console cannot press buttons: a nudge's Snooze is typed there, and so is leaving.
    Command("snooze", "Snooze: one break nudge in N minutes (default 10)",
            platforms=frozenset({Platform.CONSOLE}), personal=True,
            options=(Option("minutes", "How long, e.g. 10", Kind.DURATION, default="10"),),
            answer=lambda call: call.scheduling.snooze(call.actor, call.text("minutes") or "10")),
    Command("gb", "A group break's buttons, typed: join, leave, done (with its number)",
            platforms=frozenset({Platform.CONSOLE}),
            subcommands=tuple(_group_button(m) for m in ("join", "leave", "done"))),
    # The console's Start button: a stretch step by step with a live countdown line.
    Command("guide", "A stretch step by step, with a live timer (none: any desk stretch)",
            platforms=frozenset({Platform.CONSOLE}),
            options=(Option("name", "Which stretch", Kind.WORDS, default="",
                            autocomplete=stretch_names, noun="stretch"),),
            examples=("pigeon", ""),
            answer=lambda call: call.guided.start_stretch_named(call.actor,
                                                                 call.text("name") or "")),
    Command("quit", "Leave (Ctrl-D works too)", platforms=frozenset({Platform.CONSOLE}),
            answer=_quit),
))

