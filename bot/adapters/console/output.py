"""How a Message reads in a terminal: wrapped, with bold headings, and no dead buttons.

The neutral Message is built for chat platforms (Markdown backticks, buttons to press). A
terminal can neither render Markdown nor press buttons, so this module turns a Message into
text a person reads and acts on there:

- lines wrap to the terminal's width with a hanging indent under "1." and "-";
- the title and headings are bold (rich writes the escape codes) on a terminal; piped
  output is plain and unwrapped, one line per item, so scripts and pagers get clean text;
- `code` spans lose their backticks (bold on a terminal);
- buttons become what to type ("Done? type /done · Snooze: /snooze 10"), and a button whose
  command the text already shows (the card's "Easier option") is not repeated;
- control characters are removed, so nothing typed (ESC, BEL, NUL) is echoed to the terminal.

A :class:`Vocabulary` says what to type where: the REPL's slash commands (each button's typed
form in the command table, ``bot/commands/buttons.py``), or the shell commands of one-shot
runs (``deskbreak stretch glute-bridge``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console
from rich.style import Style
from rich.text import Text

from bot.adapters.console.files import SavedFiles
from bot.commands.buttons import typed_form
from bot.core import actions
from bot.core.messages import Button, Message, MessageKind

# C0 controls (but tab and newline), DEL and C1 controls; with whole escape sequences first,
# so an arrow key piped in leaves nothing behind rather than "[A".
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CODE = re.compile(r"`([^`\n]+)`")
# A command to type must never be split over two lines ("/stretch" here, its name on the
# next): its spaces are swapped for this one-cell private-use character while wrapping.
_GLUE = "\ue000"
_COMMAND_WITH_NAME = re.compile(r"((?:deskbreak |/)stretch) ([\w-]+)")
_BOLD = Style(bold=True)
_ERROR = Style(bold=True, color="red")
_LIST_INDENT = "  "
# "Done? type /done · Snooze: /snooze 10 · Steps: /stretch chin-tuck": the quick answers first.
_ORDER = {kind.name: n for n, kind in enumerate(
    (actions.DONE, actions.SNOOZE, actions.SHOW_STRETCH, actions.PAGE))}


def strip_controls(text: str) -> str:
    """``text`` without escape sequences or control characters (tabs become spaces)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\t", " ")))


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What a person types to do what a button or a slash command in the text offers.

    ``command`` gives the command for a button's action, or None where it cannot be done
    (no /done outside the bot); ``rewrite`` turns slash commands in the message's text into
    the commands of this place.
    """

    command: Callable[[str], str | None] = typed_form
    rewrite: Callable[[str], str] | None = None

    def typed(self, button: Button) -> tuple[str, str] | None:
        """(label, command) for a button, or None when it cannot be typed here."""
        action = actions.parse(button.action)
        command = self.command(button.action) if action is not None else None
        if action is None or command is None:
            return None
        label = _LABELS.get(action.kind) or f"{button.label.strip('◀▶ ') or 'Page'}:"
        return label, command


# The console's typed forms come from the command table (bot/commands/buttons.py).
REPL = Vocabulary()

_LABELS = {actions.DONE.name: "Done? type", actions.SNOOZE.name: "Snooze:",
           actions.SHOW_STRETCH.name: "Steps:"}
_SHELL_COMMANDS = re.compile(r"(?<![\w/.-])/(stretches|stretch|redflags|tip)\b")


def _to_shell(text: str) -> str:
    return _SHELL_COMMANDS.sub(lambda m: f"deskbreak {m.group(1)}", text)


def _shell_command(raw: str) -> str | None:
    """A button as a shell command: a stretch's card or a list page; there is no /done or
    /snooze outside the bot."""
    action = actions.parse(raw)
    if action is None:
        return None
    if action.kind == actions.SHOW_STRETCH.name and "stretch" in action.values:
        return f"deskbreak stretch {action['stretch']}"
    if action.kind == actions.PAGE.name:
        flags = "".join(f"--{name} {action[name]} " for name in ("area", "where")
                        if action[name] != "*")
        return f"deskbreak stretches {flags}--page {int(action['page']) + 1}"
    return None


# One-shot CLI runs (``deskbreak stretch pigeon``).
SHELL = Vocabulary(command=_shell_command, rewrite=_to_shell)


@dataclass(frozen=True, slots=True)
class _Line:
    """One paragraph: its first-line prefix, the prefix of its continuations, and its text."""

    prefix: str
    hang: str
    text: Text


def _inline(text: str, vocabulary: Vocabulary, base: Style | None = None) -> Text:
    """Plain text with `code` spans bold and their backticks gone."""
    clean = strip_controls(text)
    if vocabulary.rewrite is not None:
        clean = vocabulary.rewrite(clean)
    out = Text(style=base or "")
    last = 0
    for match in _CODE.finditer(clean):
        out.append(_glue_commands(clean[last : match.start()]))
        out.append(match.group(1).replace(" ", _GLUE), _BOLD)
        last = match.end()
    out.append(_glue_commands(clean[last:]))
    return out


def _glue_commands(text: str) -> str:
    return _COMMAND_WITH_NAME.sub(lambda m: f"{m.group(1)} {m.group(2)}".replace(" ", _GLUE),
                                  text)


def _paragraphs(message: Message, vocabulary: Vocabulary) -> Iterator[_Line | None]:
    """The message as paragraphs; None is a blank line."""
    title_style = _ERROR if message.kind is MessageKind.ERROR else _BOLD
    yield _Line("", "", _inline(message.title, vocabulary, title_style))
    if message.body:
        yield None
        for line in message.body.splitlines():
            yield _Line("", "", _inline(line, vocabulary))
    for section in message.sections:
        if section.heading or section.start == 1:  # a headless continuation runs on
            yield None
        if section.heading:
            yield _Line("", "", _inline(section.heading, vocabulary, _BOLD))
        for i, line in enumerate(section.lines, start=section.start):
            marker = f"{i}. " if section.numbered else "- "
            prefix = _LIST_INDENT + marker
            yield _Line(prefix, " " * len(prefix), _inline(line, vocabulary))
    if message.footer:
        yield None
        yield _Line("", "", _inline(message.footer, vocabulary))
    shown = _said(message, vocabulary)
    buttons = sorted(message.buttons, key=lambda b: _ORDER.get(b.action.partition(":")[0], 9))
    actions = [typed for b in buttons if (typed := _action(b, vocabulary, shown))]
    if actions:
        yield None
        yield _Line("", "", Text(f"{_GLUE}· ").join(actions))


def _action(button: Button, vocabulary: Vocabulary, shown: str) -> Text | None:
    typed = vocabulary.typed(button)
    if typed is None:
        return None
    label, command = typed
    if command in shown:  # the text already says it (the card's "Easier option" line)
        return None
    out = Text(f"{label} ".replace(" ", _GLUE))
    out.append(command.replace(" ", _GLUE), _BOLD)
    return out


def _said(message: Message, vocabulary: Vocabulary) -> str:
    """Everything the message says in text, as the person will read it."""
    parts = [message.title, message.body, message.footer or ""]
    parts += [line for section in message.sections for line in section.lines]
    text = "\n".join(parts)
    return vocabulary.rewrite(text) if vocabulary.rewrite else text


def render(
    message: Message, *, width: int | None, styled: bool, vocabulary: Vocabulary = REPL
) -> str:
    """``message`` as terminal text: wrapped to ``width`` (None: never wrapped) and, when
    ``styled``, with bold headings."""
    console = Console(
        file=io.StringIO(),
        force_terminal=styled,
        no_color=not styled,
        color_system="standard" if styled else None,
        width=width or 10_000,
        highlight=False,
        markup=False,
        emoji=False,
    )
    out = Text()
    for paragraph in _paragraphs(message, vocabulary):
        if paragraph is None:
            out.append("\n")
            continue
        room = (width - len(paragraph.prefix)) if width else 10_000
        wrapped = paragraph.text.wrap(console, max(room, 20)) if width else [paragraph.text]
        for i, line in enumerate(wrapped):
            out.append(paragraph.prefix if i == 0 else paragraph.hang)
            out.append_text(line)
            out.append("\n")
    console.print(out, end="", soft_wrap=True)
    text = console.file.getvalue().replace(_GLUE, " ")  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def terminal_width(stream: TextIO) -> int | None:
    """The width to wrap to: the terminal's, or None when ``stream`` is not a terminal."""
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size().columns


class ConsoleOutput:
    """Writes answers and nudges as blocks separated by a blank line.

    ``stream`` None means "whatever sys.stdout is at the moment": while the prompt is
    showing, prompt_toolkit swaps in a proxy that prints above the prompt and redraws it, so
    a nudge or a log line never lands in the middle of what the person is typing.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool = False,
        styled: bool | None = None,
        vocabulary: Vocabulary = REPL,
        files: SavedFiles | None = None,
    ) -> None:
        self._stream = stream
        self.interactive = interactive
        self._styled = styled
        self.vocabulary = vocabulary
        # Where pictures are saved (files.py); None: the answer says it has one, unsaved.
        self.files = files

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    def styled(self) -> bool:
        if self._styled is not None:
            return self._styled
        try:
            return self.stream.isatty()
        except (ValueError, AttributeError):
            return False

    def format(self, message: Message) -> str:
        width = terminal_width(self.stream) if self.styled() else None
        return render(message, width=width, styled=self.styled(), vocabulary=self.vocabulary)

    def show(self, message: Message) -> None:
        text = self.format(message)
        if message.attachments:
            text = text.rstrip("\n") + "\n\n" + "\n".join(self._saved(message))
        self.write_block(text)

    def _saved(self, message: Message) -> list[str]:
        if self.files is None:
            return [f"(with a picture, {message.attachments[0].filename}, not saved here)"]
        return [strip_controls(line) for line in self.files.save(message)]

    def write(self, text: str) -> None:
        """A plain block of text (a banner, a notice), wrapped like answers are."""
        clean = strip_controls(text)
        width = terminal_width(self.stream) if self.styled() else None
        if width:
            clean = "\n".join(textwrap.fill(line, width) for line in clean.splitlines())
        self.write_block(clean)

    def write_block(self, text: str) -> None:
        stream = self.stream
        stream.write(text.rstrip("\n") + "\n\n")
        stream.flush()
