"""Group breaks (``/groupbreak``): what the card and the start say, and the port they go out by.

A group break is a channel's promise: "at 14:05 we stretch together". The card invites; the
start calls in only the people who chose to join. Those are the only messages deskbreak ever
sends that mention people, so mentioning is confined to one port method,
:meth:`GroupChannel.start`, where each platform spells it its own way (Discord: ``<@id>`` in
the content with ``allowed_mentions`` listing exactly those users; Slack: ``<@U…>``) and
nothing else the bot sends can ping anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core import actions
from bot.core.lookup import Choice
from bot.core.messages import Button, ButtonStyle, Message, MessageKind, Section
from bot.core.ports import Platform
from bot.core.text import plural

# The promise when no routine is named and none is known: one desk stretch, about a minute.
DEFAULT_TITLE = "a desk stretch"
MAX_NAMES_SHOWN = 20  # the card names this many people, then "and N more"


@dataclass(frozen=True, slots=True)
class Posted:
    """A message the bot posted: the channel it is in (on Discord a thread is a channel of
    its own), its id, and ``thread``: the thread it belongs to, if any (Slack: the parent
    message's ts, which replies in that thread name; Discord: the thread's channel id)."""

    channel_id: str
    message_id: str
    thread: str | None = None


class GroupRefused(Exception):  # noqa: N818 - the platform's refusal, said to a person
    """The platform will not take the post (no access to the channel, a DM); ``str()`` is a
    line the person who asked can act on."""


class GroupChannel(Protocol):
    """One platform's way to post a group break's messages into a channel.

    Unlike :class:`~bot.core.ports.Notifier` (fire and forget), these posts are kept track
    of: the card is edited as people join, the start hangs under the card, and the guided
    message is edited as the routine goes on.
    """

    platform: Platform
    # How often a running guided hold is redrawn (None: only at the changes, where the
    # platform's countdown counts by itself).
    refresh: float | None

    def countdown(self, until: datetime, left: int) -> str:
        """How a guided hold counts down here (a ``Countdown``, bot/core/guided/frames.py)."""
        ...

    async def post_card(self, workspace_id: str, channel_id: str, message: Message) -> Posted:
        """Post the card in the channel; raise :class:`GroupRefused` if the bot cannot."""
        ...

    async def start(self, card: Posted, message: Message, mentions: Sequence[str],
                    thread_name: str, nonce: str) -> Posted:
        """Post the start under the card (a thread where the platform has them and lets the
        bot make one, else the channel), mentioning exactly ``mentions`` (user ids) and
        nobody else. ``nonce`` is stable per break, so a platform that de-duplicates resends
        (Discord) posts it once even if a crashed process tries again."""
        ...

    async def post(self, where: Posted, message: Message) -> Posted:
        """Post one more message in the same place (the shared guided message)."""
        ...

    async def edit(self, where: Posted, message: Message) -> None:
        """Replace a posted message's content (the card once the break starts or is missed)."""
        ...

    async def show(self, where: Posted, draw: Callable[[], Message]) -> None:
        """Edit a posted message to ``draw()``, drawn when the platform's pacing lets the
        edit go (a guided frame shows where the routine is at that moment)."""
        ...


@dataclass(frozen=True, slots=True)
class GroupRun:
    """A group break being started: what to guide, and who set it up (who may Stop it)."""

    id: int
    routine: str | None
    title: str
    created_by: str


class GroupGuide(Protocol):
    """Runs a group break's routine guided, in one message everyone follows."""

    async def run(self, group: GroupRun, channel: GroupChannel, where: Posted) -> None:
        """Post the guided message at ``where`` (the start's thread or channel), keep it up
        to date until the routine ends, and return then."""
        ...


@dataclass(frozen=True, slots=True)
class RoutinePick:
    """What a group break promises: a routine's id (None: one desk stretch) and its title
    as the card says it ("3 min desk reset")."""

    id: str | None
    title: str


class RoutineCatalog(Protocol):
    """Where ``/groupbreak`` finds routines by what people type (the content's routines)."""

    def pick(self, text: str | None) -> RoutinePick | None:
        """The routine ``text`` names (None/empty: the default); None if none matches."""
        ...

    def names(self) -> Sequence[str]:
        """Every routine's name, for the "no such routine" answer."""
        ...

    def choices(self, text: str, limit: int = 25) -> Sequence[Choice]:
        """Autocomplete: routines matching what has been typed so far."""
        ...


class OneStretch:
    """The catalog when the content has no routines: every group break is one desk stretch."""

    def pick(self, text: str | None) -> RoutinePick | None:
        return RoutinePick(None, DEFAULT_TITLE) if not (text or "").strip() else None

    def names(self) -> Sequence[str]:
        return ()

    def choices(self, text: str, limit: int = 25) -> Sequence[Choice]:
        return ()


# --------------------------------------------------------------------------- messages


def _people_line(names: Sequence[str]) -> str:
    shown = [n or "someone" for n in names[:MAX_NAMES_SHOWN]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def card(group_id: int, at: str, title: str, names: Sequence[str], *, zone: str) -> Message:
    """The open card: when, what, who is in, and the two buttons."""
    count = len(names)
    who = (Section(f"{count} in", (_people_line(names),)) if count
           else Section("Nobody in yet", ("Be the first.",)))
    return Message(
        kind=MessageKind.INFO,
        title=f"Group break at {at} — {title}",
        body=(f"Join in and we'll do it together at {at} ({zone}). At the start I'll mention "
              "only the people who joined and guide the routine here, step by step."),
        sections=(who,),
        footer="Press Done at the end: it counts as a break taken.",
        buttons=(
            Button(actions.GROUP_JOIN.build(group_id), f"Count me in ({count})",
                   ButtonStyle.SUCCESS),
            Button(actions.GROUP_LEAVE.build(group_id), "Leave", ButtonStyle.SECONDARY),
        ),
        meta={"group": str(group_id)},
    )


def started_card(at: str, title: str, names: Sequence[str]) -> Message:
    """The card once the break has begun: no more joining."""
    return Message(
        kind=MessageKind.INFO,
        title=f"Group break at {at} — {title}: started",
        body=f"{plural(len(names), 'person', 'people')} joined. Follow along in the start "
             "message; /groupbreak sets up the next one.",
        sections=(Section("Joined", (_people_line(names),)),) if names else (),
    )


def missed_card(at: str, title: str) -> Message:
    """The card of a break deskbreak could not start in time (it was not running then)."""
    return Message(
        kind=MessageKind.INFO,
        title=f"Group break at {at} — {title}: missed",
        body=(f"I wasn't running at {at}, so this group break didn't start, and it is too "
              "late to start it now. /groupbreak sets up a new one."),
    )


def start_message(group_id: int, title: str, count: int) -> Message:
    """The start, posted under the card; the adapter puts the mentions in front of it."""
    return Message(
        kind=MessageKind.INFO,
        title=f"Group break: {title} — starting now",
        body=(f"{plural(count, 'person', 'people')} in. Follow the guided steps below "
              "together; when you've finished, press Done: it counts as your break."),
        buttons=(Button(actions.GROUP_DONE.build(group_id), "Done", ButtonStyle.SUCCESS),),
        meta={"group": str(group_id)},
    )


def thread_name(at: str, title: str) -> str:
    """The thread's name (Discord allows 100 characters)."""
    return f"Group break {at} — {title}"[:100]
