"""What each button does: one entry per action kind of ``bot/core/actions.py``.

Adapters match a click against ``actions.pattern()``, then call :func:`press`; the answer
goes privately to the person who clicked, except where ``replaces`` says the answer takes
the place of the message the button sits on (list pages). ``typed`` is the command that does
the same where buttons cannot be pressed (the console shows it next to the button).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.commands.call import Call, Facades
from bot.commands.spec import Answer, Command, Path
from bot.core import actions
from bot.core.actions import Action
from bot.core.messages import Message, error
from bot.core.pending import Slow
from bot.core.ports import Actor, Target


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    kind: actions.ActionKind
    command: Command
    # The answer replaces the clicked message instead of going privately to the clicker.
    replaces: bool = False
    typed: Callable[[Action], str] | None = None

    @property
    def path(self) -> Path:
        return Path(self.command, self.command)


def _private(message: Message) -> Message:
    return replace(message, ephemeral=True)


async def _privately(pending: Awaitable[Message]) -> Message:
    return _private(await pending)


def _show_stretch(call: Call) -> Message | Awaitable[Message]:
    """The card, privately: at once when its picture is ready, else Slow (drawn first)."""
    stretch = call.text("stretch")
    if stretch:
        answer = call.content.stretch_answer(stretch)
        if isinstance(answer, Message):
            return _private(answer)
        return Slow(_privately(answer))
    return _privately(call.content.break_message(call.place.key))


async def _nudge(call: Call) -> Message:
    return _private(await call.scheduling.button(call.actor, str(call.args["action"]),
                                                call.place))


async def _forget(call: Call) -> Message:
    return _private(await call.stats.forget(call.actor))


def _page(call: Call) -> Message:
    area, where = call.text("area"), call.text("where")
    return call.content.stretches(None if area == "*" else area, None if where == "*" else where,
                                  call.integer("page") or 0)


def _button(kind: actions.ActionKind, answer: Answer, *, personal: bool = False,
            replaces: bool = False, typed: Callable[[Action], str] | None = None) -> ButtonSpec:
    command = Command(kind.name, f"the {kind.name} button", answer=answer, personal=personal)
    return ButtonSpec(kind, command, replaces=replaces, typed=typed)


BUTTONS: tuple[ButtonSpec, ...] = (
    _button(actions.SHOW_STRETCH, _show_stretch,
            typed=lambda a: f"/stretch {a['stretch']}" if "stretch" in a.values else "/break"),
    _button(actions.DONE, _nudge, personal=True, typed=lambda a: "/done"),
    _button(actions.SNOOZE, _nudge, personal=True, typed=lambda a: f"/snooze {a['minutes']}"),
    _button(actions.FORGET, _forget, personal=True, typed=lambda a: "/remind forget confirm"),
    _button(actions.PAGE, _page, replaces=True,
            typed=lambda a: "/stretches " + " ".join(
                p for p in (a["area"].replace("-", " "), a["where"], str(int(a["page"]) + 1))
                if p != "*")),
)
_BY_KIND = {spec.kind.name: spec for spec in BUTTONS}


def button_for(action: str) -> tuple[ButtonSpec, Action] | None:
    """The spec and the parsed action for a click, or None for an unknown action."""
    parsed = actions.parse(action)
    if parsed is None:
        return None
    return _BY_KIND[parsed.kind], parsed


def typed_form(action: str) -> str | None:
    """The command that does what the button does, for places without buttons."""
    found = button_for(action)
    if found is None or found[0].typed is None:
        return None
    spec, parsed = found
    assert spec.typed is not None
    return spec.typed(parsed)


def unknown_button() -> Message:
    return error("That button is no longer supported.")


def button_call(
    spec: ButtonSpec, action: Action, raw: str, actor: Actor, place: Target, facades: Facades
) -> Call:
    """The Call a click makes: the action's fields (a page as a number) and the action."""
    args: dict[str, str | int | bool] = dict(action.values)
    if "page" in args:
        args["page"] = int(action["page"])
    args["action"] = raw
    return Call(spec.path, actor, place, facades, args)
