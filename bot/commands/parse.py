"""The one parser for typed commands: Slack's slash-command text and the console's lines.

Both platforms send a command as one line of text, so both read it here, with the same
aliases, the same errors and the same usage lines. The most forgiving form anyone has found
useful is accepted everywhere:

- ``key=value`` options, quoted or not (``cron="0 9 * * 1-5"``, ``cron=0 9 * * 1-5``), curly
  phone quotes included;
- the same words without ``=`` (``every 30 minutes from 09:00 to 17:00 on mon-fri``), under an
  option's name or alias;
- values by position, in the declared order (``/remind on 30 09:00 17:00 mon-fri``), each
  taking as many words as its kind reads (``1 hour``, ``5 pm``, ``mon to fri``);
- ranges (``quiet 12:00-13:00``), flag words (``skip 2026-12-24 remove``), a bare group
  running its default (``/reminders`` is ``/reminders status``).

Anything else is a :class:`~bot.commands.run.UsageError` that says what was wrong and shows
the command's example closest to what was typed. Values keep their text: the facades parse
times, days and crons (and say what is wrong with them); this module only decides which words
belong to which option, and checks numbers, channels and choices.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.commands.call import Value
from bot.commands.help import usage
from bot.commands.run import UsageError
from bot.commands.spec import Command, Kind, Option, Path, Table
from bot.core.lookup import Choice
from bot.core.ports import Platform
from bot.core.text import echo, echo_start

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-"})
_KEY = re.compile(r"[A-Za-z_]+")
ECHO_LIMIT = 40
MAX_ID_DIGITS = 19  # ids are 64-bit database integers

_UNITS = r"(?:m|min|mins|minute|minutes|h|hr|hrs|hour|hours)"
_UNIT = re.compile(_UNITS)
_DURATION = re.compile(rf"(?:[0-9]{{1,6}}{_UNITS}?)+")
_NUMBER_WITH_UNIT = re.compile(rf"(?:[0-9]{{1,6}}{_UNITS})+")
_AMPM = r"(?:am|pm|a\.m\.|p\.m\.)"
_TIME = re.compile(rf"[0-9]{{1,2}}(?:[:.h][0-9]{{2}})?{_AMPM}?|[0-9]{{4}}|noon|midday|midnight")
_DAY = (
    r"(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?|weekdays?|weekends?"
    r"|workdays|daily|everyday|all|\*"
)
_DAYS = re.compile(rf"(?:{_DAY})(?:[-,/&+](?:{_DAY}))*,?")
_DAY_LINKS = frozenset({"to", "through", "thru", "and", "&", ",", "-"})
_CRON_FIELD = re.compile(r"[0-9*?/,LW#-]+|[A-Za-z]{3}(?:[-,][A-Za-z0-9]{1,3})*")
_CHANNEL_MENTION = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")
_BARE_CHANNEL = re.compile(r"[CG][A-Z0-9]{6,}|[0-9]{15,20}")
# Any scheme: which ones may be fetched is the SSRF guard's call (bot/meetings/ssrf.py), so
# `webcal://` works and `file:`/`ftp:` get its clear refusal on every platform alike.
_URL = re.compile(r"<?([A-Za-z][A-Za-z0-9+.\-]*://[^\s|>]+)(?:\|[^>]*)?>?")
# Kinds whose values only the facades can judge (they know cron and day names): a word that
# fits no option's shape goes to the first of these left, and the facade answers.
_JUDGED_BY_FACADE = frozenset({Kind.TIME, Kind.DURATION, Kind.DAYS, Kind.CRON})
# How a value of each kind looks, for "`x` is not a ...: ..." messages.
_SHAPES = {
    Kind.INTEGER: "use a whole number",
    Kind.TIME: "use a time of day like 09:00 or 5pm",
    Kind.DURATION: "use minutes like 30, or 1h 30m",
    Kind.DAYS: "use days like mon-fri, weekends or daily",
    Kind.CHANNEL: "pick the channel from the #-autocomplete",
    Kind.URL: "use a link starting with https://",
}
_TRUE = frozenset({"yes", "y", "true", "on", "1"})
_FALSE = frozenset({"no", "n", "false", "off", "0"})


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    key: str | None = None  # "cron" for cron=...
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Parsed:
    """A typed line read: which command, and its arguments by option name.

    ``help`` is set for ``/schedule help``: the person asked how the command is used.
    """

    path: Path
    args: dict[str, Value] = field(default_factory=dict)
    help: bool = False


def tokenize(text: str) -> list[Token]:
    """Words, ``key=value`` pairs and quoted phrases. A quote opens a phrase only at the
    start of a word or right after ``=``, so ``child's pose`` is two plain words."""
    text = text.translate(_QUOTES)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] in "\"'":
            value, i = _quoted(text, i)
            tokens.append(Token(value, quoted=True))
            continue
        j = i
        while j < n and not text[j].isspace():
            if text[j] == "=" and _KEY.fullmatch(text[i:j]) and j + 1 < n and text[j + 1] in "\"'":
                break
            j += 1
        if j < n and text[j] == "=":
            key = text[i:j].lower()
            value, i = _quoted(text, j + 1)
            tokens.append(Token(value, key=key, quoted=True))
            continue
        word = text[i:j]
        key, sep, value = word.partition("=")
        if sep and _KEY.fullmatch(key):
            tokens.append(Token(value, key=key.lower()))
        else:
            tokens.append(Token(word))
        i = j
    return tokens


def _quoted(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    end = text.find(quote, start + 1)
    if end < 0:
        raise UsageError("I couldn't read that: a quote is never closed (check your quotes).")
    return text[start + 1 : end], end + 1


def parse(table: Table, platform: Platform, name: str, text: str) -> Parsed:
    """Read ``/name text`` as typed on ``platform``."""
    command = table.find(platform, name)
    if command is None:
        raise UsageError(f"I don't know the command /{_shown(name)}.")
    text = text.strip()
    if not command.subcommands:
        path = Path(command, command)
        return Parsed(path, bind(path, platform, text))
    first, _, rest = text.partition(" ")
    if not first:
        if command.default is None:
            raise UsageError(f"What should `/{command.name_on(platform)}` do? "
                             + usage_of(command, platform))
        path = Path(command, _sub(command, command.default))
        return Parsed(path, bind(path, platform, ""))
    if first.lower() in ("help", "?"):
        return Parsed(Path(command, command), help=True)
    leaf = command.subcommand(first)
    if leaf is None or platform not in leaf.platforms:
        raise UsageError(_unknown_subcommand(command, platform, first))
    path = Path(command, leaf)
    return Parsed(path, bind(path, platform, rest))


def usage_of(command: Command, platform: Platform) -> str:
    """``Usage: `/x a` or `/x b` `` for a command and every subcommand it has."""
    paths = ([Path(command, s) for s in command.subcommands if platform in s.platforms]
             if command.subcommands else [Path(command, command)])
    return "Usage: " + "; ".join(f"`{usage(p, platform)}`" for p in paths)


def _sub(command: Command, name: str) -> Command:
    found = command.subcommand(name)
    assert found is not None
    return found


def _unknown_subcommand(command: Command, platform: Platform, word: str) -> str:
    names = [c.name for c in command.subcommands if platform in c.platforms]
    typed = f"/{command.name_on(platform)} {_shown(word)}"
    close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.5)
    hint = f" Did you mean `/{command.name_on(platform)} {close[0]}`?" if close else ""
    return f"`{typed}` is not something I can do.{hint} {usage_of(command, platform)}"


# --------------------------------------------------------------------------- binding


def bind(path: Path, platform: Platform, text: str) -> dict[str, Value]:
    """The arguments of ``path`` in ``text``, by option name, typed and with defaults."""
    leaf = path.leaf
    options = leaf.options
    if len(options) == 1 and options[0].kind is Kind.WORDS:
        # Free text as typed (a stretch name may hold quotes and apostrophes), after an
        # optional "name=" or "name " in front.
        given: dict[str, Value] = {options[0].name: _strip_key(options[0], text)} if text else {}
        return _finish(path, platform, given, text)
    binder = _Binder(path, platform, text)
    return _finish(path, platform, binder.run(), text)


def _strip_key(option: Option, text: str) -> str:
    """Free text without a ``name=`` (or ``name``) in front or quotes around it."""
    for key in option.keys:
        for sep in ("=", " "):
            if text.lower().startswith(key + sep) and text[len(key) + 1 :].strip():
                text = text[len(key) + 1 :].strip()
                break
    straight = text.translate(_QUOTES)
    if len(straight) >= 2 and straight[0] in "\"'" and straight[-1] == straight[0]:
        return text[1:-1].strip() or text
    return text


class _Binder:
    """Assign tokens to options: keyed ones first, then the rest by position."""

    def __init__(self, path: Path, platform: Platform, text: str) -> None:
        self.path = path
        self.platform = platform
        self.text = text
        self.tokens = tokenize(text)
        self.options = path.leaf.options
        self.given: dict[str, Value] = {}

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{message} {example(self.path, self.platform, self.text)}")

    def option_for(self, key: str) -> Option | None:
        key = key.lower()
        return next((o for o in self.options if key in o.keys), None)

    def take(self, option: Option, value: Value) -> None:
        if option.name in self.given:
            raise self.fail(f"`{option.name}` is given twice.")
        self.given[option.name] = value

    def run(self) -> dict[str, Value]:
        bare: list[Token] = []
        tokens, i = self.tokens, 0
        while i < len(tokens):
            token = tokens[i]
            if token.key is not None:
                option = self.option_for(token.key)
                if option is None:
                    raise self.fail(self._unknown_key(token.key))
                words, i = _extend(option, [token.text], tokens, i + 1)
                self.take(option, _keyed_value(option, " ".join(words), self))
                continue
            option = None if token.quoted else self.option_for(token.text)
            if option is not None and option.name not in self.given:
                if option.kind is Kind.BOOLEAN:
                    self.take(option, True)
                    i += 1
                    continue
                following = tokens[i + 1] if i + 1 < len(tokens) else None
                if following is not None and following.key is None and (
                    _fits(option, following.text, tokens[i + 2 : i + 3])
                    # "every often": the facade says what is wrong with "often", unless the
                    # words mean something else ("every day" is a set of days). Only under the
                    # option's own name: "to", "on" and "from" also join words in values.
                    or (option.kind in _JUDGED_BY_FACADE and token.text.lower() == option.name
                        and not self._fits_a_slot(token, tokens[i + 1 : i + 2]))
                ):
                    words, i = _extend(option, [following.text], tokens, i + 2)
                    self.take(option, " ".join(words))
                    continue
            bare.append(token)
            i += 1
        self._by_position(bare)
        return self.given

    def _fits_a_slot(self, token: Token, after: Sequence[Token]) -> bool:
        return any(o.positional and o.name not in self.given and o.kind is not Kind.WORDS
                   and _fits(o, token.text, after) for o in self.options)

    def _unknown_key(self, key: str) -> str:
        known = ", ".join(f"`{o.name}=`" for o in self.options)
        use = f" Use: {known}." if known else " It takes no options."
        return f"I don't know the option `{_shown(key)}=`.{use}"

    def _by_position(self, bare: list[Token]) -> None:
        slots = [o for o in self.options if o.positional and o.kind is not Kind.BOOLEAN
                 and o.name not in self.given]
        j = 0
        while j < len(bare):
            token = bare[j]
            for k, option in enumerate(slots):
                if option.kind is Kind.WORDS:
                    end = _tail_start(bare, j, slots[k + 1 :])
                    if end > j:
                        self.take(option, " ".join(t.text for t in bare[j:end]))
                        j, slots = end, slots[k + 1 :]
                        break
                    continue
                if _fits(option, token.text, bare[j + 1 : j + 2]):
                    if option.then and (pair := _range(token.text)) is not None:
                        self.take(option, pair[0])
                        self.take(self.path.leaf.option(option.then), pair[1])
                        j += 1
                        slots = [s for s in slots[k + 1 :] if s.name != option.then]
                    else:
                        words, j = _extend(option, [token.text], bare, j + 1)
                        self.take(option, " ".join(words))
                        slots = slots[k + 1 :]
                    break
            else:
                # No option's shape fits: a time, duration, days or cron slot takes it anyway,
                # so the facade says what is wrong with the value, in the same words as on
                # Discord (where the value arrives in its own field).
                lenient = slots[0] if slots and slots[0].kind in _JUDGED_BY_FACADE else None
                if lenient is None:
                    raise self.fail(self._unplaced(token, slots))
                self.take(lenient, token.text)
                j += 1
                slots = slots[1:]

    def _unplaced(self, token: Token, waiting: list[Option]) -> str:
        shown = _value(token.text)
        typed = self.path.typed(self.platform)
        choice_options = [o for o in self.options if o.choices and not callable(o.choices)
                          and o.name not in self.given and o.kind is not Kind.WORDS]
        if choice_options:
            return f"{ask(choice_options[0])} ({shown} is not one of them.)"
        if not waiting:
            return f"I don't know what to do with {shown} in `{typed}`."
        shape = _SHAPES.get(waiting[0].kind)
        if shape:
            return f"{_value(token.text, start=True)} is not a {waiting[0].called}: {shape}."
        return f"I don't know what {shown} means in `{typed}`."


def _tail_start(bare: list[Token], start: int, later: Sequence[Option]) -> int:
    """Where a free-text option's words end: before the trailing words that later
    positional options (a page number) take, one word each, matched from the end."""
    end = len(bare)
    for option in reversed(later):
        if end - 1 >= start and _fits(option, bare[end - 1].text, []):
            end -= 1
    return end


def _fits(option: Option, text: str, after: Sequence[Token]) -> bool:
    """Whether ``text`` can start a value of ``option`` (``after``: the next token)."""
    word = text.lower().translate(_DASHES)
    if word in option.also:
        return True
    kind = option.kind
    if option.choices and not callable(option.choices) and kind is Kind.TEXT:
        return _choice(option.choices, text) is not None
    if kind in (Kind.TEXT, Kind.WORDS, Kind.CRON):
        return True
    if kind is Kind.INTEGER:
        return bool(re.fullmatch(r"#?[0-9]+", word))
    if kind is Kind.CHANNEL:
        return bool(_CHANNEL_MENTION.fullmatch(text) or _BARE_CHANNEL.fullmatch(text)
                    or text.startswith("#"))
    if kind is Kind.DURATION:
        return bool(_DURATION.fullmatch(word))
    if kind is Kind.TIME:
        return bool(_TIME.fullmatch(word)) or (option.then is not None and _range(text) is not None)
    if kind is Kind.DAYS:
        if word == "every":
            return bool(after) and after[0].text.lower() == "day"
        return bool(_DAYS.fullmatch(word))
    if kind is Kind.URL:
        return bool(_URL.fullmatch(text))
    return False  # BOOLEAN: only as a flag word


def _range(text: str) -> tuple[str, str] | None:
    """``09:00-17:00`` as its two times, or None."""
    first, sep, second = text.translate(_DASHES).partition("-")
    if sep and _TIME.fullmatch(first.lower()) and _TIME.fullmatch(second.lower()):
        return first, second
    return None


def _extend(option: Option, words: list[str], tokens: Sequence[Token], i: int
            ) -> tuple[list[str], int]:
    """Take the following words that continue ``option``'s value (``1 hour``, ``5 pm``,
    ``mon to fri``, the rest of an unquoted cron); returns the words and the next index."""
    while i < len(tokens) and tokens[i].key is None and not tokens[i].quoted:
        word = tokens[i].text.lower()
        following = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
        if not _continues(option.kind, words, word, following):
            break
        words.append(tokens[i].text)
        i += 1
    return words, i


def _continues(kind: Kind, words: list[str], word: str, following: str) -> bool:
    last = words[-1].lower()
    if kind is Kind.DURATION:
        last_has_unit = bool(_UNIT.search(last)) or last == "and"
        if _UNIT.fullmatch(word):
            return last.isdigit()
        if word == "and" or word.isdigit():
            return last_has_unit and bool(following) and bool(
                _UNIT.fullmatch(following) or _NUMBER_WITH_UNIT.fullmatch(following)
                or (word == "and" and _DURATION.fullmatch(following)))
        return last_has_unit and bool(_NUMBER_WITH_UNIT.fullmatch(word))
    if kind is Kind.TIME:
        return bool(re.fullmatch(_AMPM, word)) and not re.search(_AMPM, last)
    if kind is Kind.DAYS:
        if last == "every":
            return word == "day"
        if word in _DAY_LINKS:
            return bool(_DAYS.fullmatch(following))
        return last in _DAY_LINKS or last.endswith(",") or bool(
            _DAYS.fullmatch(word) and last.endswith(("-", ",", "&")))
    if kind is Kind.CRON:
        fields = " ".join(words).split()
        return len(fields) < 5 and not fields[0].startswith("@") and bool(
            _CRON_FIELD.fullmatch(word))
    return False


def _keyed_value(option: Option, text: str, binder: _Binder) -> Value:
    if option.kind is Kind.BOOLEAN:
        word = text.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise binder.fail(f"`{option.name}=` takes yes or no, not {_value(text)}.")
    return text


# --------------------------------------------------------------------------- values


def _finish(path: Path, platform: Platform, given: dict[str, Value], text: str
            ) -> dict[str, Value]:
    """Typed values, defaults, and the required options that are still missing."""
    out: dict[str, Value] = {}
    for option in path.leaf.options:
        if option.name in given:
            out[option.name] = convert(option, given[option.name], path, platform, text)
        elif option.default is not None:
            out[option.name] = option.default
        elif option.required:
            raise UsageError(f"{ask(option)} {example(path, platform, text)}")
    return out


def convert(option: Option, value: Value, path: Path, platform: Platform, text: str) -> Value:
    """Check and type one value: numbers in range, channel ids, choices."""

    def fail(message: str) -> UsageError:
        return UsageError(f"{message} {example(path, platform, text)}")

    if not isinstance(value, str) or value.lower() in option.also:
        return value.lower() if isinstance(value, str) else value
    if option.kind is Kind.INTEGER:
        digits = value.strip().removeprefix("#")
        low, high = option.min_value, option.max_value
        if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_ID_DIGITS:
            raise fail(f"{_value(value, start=True)} is not a {option.called}: use a whole number.")
        number = int(digits)
        if (low is not None and number < low) or (high is not None and number > high):
            span = f"from {low} to {high}" if low is not None and high is not None else (
                f"at least {low}" if low is not None else f"at most {high}")
            raise fail(f"The {option.called} must be {span}, not {number}.")
        return number
    if option.kind is Kind.CHANNEL:
        found = channel_id(value)
        if found is None:
            raise fail(f"I couldn't read the channel {_value(value)}: pick it from the "
                       "#-autocomplete so it arrives as a link.")
        return found
    if option.kind is Kind.URL:
        match = _URL.fullmatch(value.strip())
        if match is None:
            raise fail(f"{_value(value, start=True)} is not a link.")
        return match.group(1)
    if option.choices and not callable(option.choices) and option.kind is Kind.TEXT:
        choice = _choice(option.choices, value)
        if choice is None:
            raise fail(f"{ask(option)} ({_value(value)} is not one of them.)")
        return choice.value
    return value


def ask(option: Option) -> str:
    """The question for a missing value: ``Say what to post: `break` or `tip`.``"""
    if option.ask:
        return option.ask
    if option.choices and not callable(option.choices):
        values = " or ".join(f"`{c.value}`" for c in option.choices)
        return f"Which {option.called}: {values}?"
    return f"Which {option.called}?"


def channel_id(text: str) -> str | None:
    """The channel id in ``<#C123|name>``, ``<#123>`` or a bare id; None otherwise."""
    match = _CHANNEL_MENTION.fullmatch(text.strip())
    if match:
        return match.group(1)
    if _BARE_CHANNEL.fullmatch(text.strip()):
        return text.strip()
    return None


def _choice(choices: Sequence[Choice], text: str) -> Choice | None:
    word = text.strip().lower()
    return next((c for c in choices if word in (c.value.lower(), c.label.lower())), None)


def example(path: Path, platform: Platform, typed: str = "") -> str:
    """``For example: `...` `` with the command's example closest to what was typed (its
    usage line when it has no examples)."""
    if not path.leaf.examples:
        return f"Usage: `{usage(path, platform)}`"
    examples = path.leaf.examples
    best = max(examples, key=lambda e: difflib.SequenceMatcher(None, typed, e).ratio())
    return f"For example: `{path.typed(platform, best)}`"


def _value(text: str, *, start: bool = False) -> str:
    """A refused value, quoted back whole when short and described by its length when long:
    cut short, it would show something that was not typed (bot.core.text.echo)."""
    flat = " ".join(text.split()).replace("`", "'")
    return echo_start(flat) if start else echo(flat)


def _shown(text: str) -> str:
    """What was typed, echoed back: one line, cut short, inert in Markdown code."""
    flat = " ".join(text.split()).replace("`", "'")
    return flat if len(flat) <= ECHO_LIMIT else flat[: ECHO_LIMIT - 1] + "…"
