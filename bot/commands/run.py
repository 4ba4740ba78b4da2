"""Running a command or a button for any platform, with one set of answers for what goes wrong.

The order is fixed: refuse a non-admin an admin command, then call the answer. Whatever goes
wrong becomes a private message that is the same on every platform: a usage or input error
says what to type instead, a missing facade says it is not running, a database failure says
so in one line, and anything else is an apology with an error id that the log carries next to
the traceback. Nothing an answer raises ever reaches a platform library or ends a process.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable

from bot.commands.call import Call, Unavailable
from bot.commands.spec import Access
from bot.core.messages import Message, error
from bot.core.ports import Platform
from bot.scheduling.errors import ScheduleError
from bot.storage.errors import StorageError

log = logging.getLogger(__name__)

ADMIN_ONLY = "Only workspace admins can change schedules and settings."
# Who counts as an admin, in each platform's words: the adapter decides it from the
# platform's own data (bot/core/ports.py, Actor.is_admin).
ADMIN_RULE = {
    Platform.DISCORD: "On Discord that is anyone with the Manage Server permission.",
    Platform.SLACK: "On Slack that is the workspace's admins and owners, and the people the "
    "bot's operator named.",
}


class UsageError(ValueError):
    """What was typed is not a form the command takes; the message says what would be."""


class EndSession(Exception):  # noqa: N818 - a request, not a failure
    """Raised by an answer that ends the session (the console's /quit)."""


def refusal(platform: Platform) -> Message:
    rule = ADMIN_RULE.get(platform)
    return error(f"{ADMIN_ONLY} {rule}" if rule else ADMIN_ONLY, title="Admins only")


def invoke(call: Call) -> Message | Awaitable[Message]:
    """Start answering ``call``: a Message at once when the answer is immediate (a stretch
    card), else an awaitable. Adapters reply at once to the first and may defer for the
    second; neither ever raises (except :class:`EndSession`)."""
    if call.path.access is Access.ADMIN and not call.actor.is_admin:
        return refusal(call.actor.platform)
    answer = call.path.leaf.answer
    assert answer is not None  # a runnable path's leaf always answers
    try:
        result = answer(call)
    except EndSession:
        raise
    except Exception as exc:
        return failed(call, exc)
    if isinstance(result, Message):
        return result
    return _guarded(call, result)


async def run(call: Call) -> Message:
    """Answer ``call`` completely (the console and tests)."""
    result = invoke(call)
    return result if isinstance(result, Message) else await result


async def _guarded(call: Call, pending: Awaitable[Message]) -> Message:
    try:
        return await pending
    except EndSession:
        raise
    except Exception as exc:
        return failed(call, exc)


def failed(call: Call, exc: Exception) -> Message:
    """The private answer to an answer that raised, the same on every platform."""
    if isinstance(exc, UsageError | ScheduleError):
        return error(str(exc))
    if isinstance(exc, Unavailable):
        return error(str(exc))
    what = " ".join(call.path.words)
    error_id = secrets.token_hex(4)
    if isinstance(exc, StorageError):
        # One line: the driver's reason, never SQL or its parameters.
        log.error("/%s failed (error id %s): the database refused (%s)", what, error_id,
                  exc)
        return error(
            f"I couldn't reach my database just now, so nothing was changed. Please try again in "
            f"a minute; if it keeps happening, tell the bot's admin error id `{error_id}`.",
            title="Sorry, that failed",
        )
    log.error("/%s failed (error id %s)", what, error_id, exc_info=exc)
    return apology(error_id)


async def safely(work: Awaitable[Message], what: str) -> Message:
    """``work``'s message; anything it raises besides :class:`EndSession` (a bug in an
    adapter's own plumbing, a platform lookup) is logged with an error id and apologised
    for, so no platform ever answers with silence or stops serving."""
    try:
        return await work
    except EndSession:
        raise
    except Exception as exc:
        error_id = secrets.token_hex(4)
        log.error("%s failed (error id %s)", what, error_id, exc_info=exc)
        return apology(error_id)


def apology(error_id: str) -> Message:
    """What a person sees when something broke on our side: never the error itself."""
    return error(
        f"Something went wrong on my side. If it keeps happening, tell the bot's admin "
        f"error id `{error_id}`.",
        title="Sorry, that failed",
    )

