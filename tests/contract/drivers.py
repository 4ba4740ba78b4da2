"""One driver per platform, each running the real adapter the way its platform does.

- Console: lines typed into the real REPL's command table, in process.
- Discord: the real discord.py client against the fake Discord (slash interactions, clicks).
- Slack: signed requests to the real Bolt app, its Web API client on the fake Slack.

Every driver answers with a :class:`Seen`: the text a person reads (title, body, sections,
footer) as lines without the platform's decoration, whether only the asker saw it, whether it
replaced the clicked message, and the actions of its buttons. Comparing ``Seen`` across
drivers is how tests/contract proves every platform answers alike.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Protocol

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.table import StopRepl
from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.slack import SlackAdapter
from bot.commands.buttons import typed_form
from bot.commands.spec import Kind, Path
from bot.commands.table import TABLE
from bot.core.messages import Message, MessageKind
from bot.core.ports import Platform
from bot.storage import Store
from tests.adapters.slack.conftest import Slash
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.fakes.slack import FakeSlack

Value = str | int | bool
_BULLET = re.compile(r"^(?:• |\d+\. )")
_ZWSP = "\u200b"
# Discord's option types by kind (everything else is a string).
_DISCORD_TYPES = {Kind.INTEGER: 4, Kind.BOOLEAN: 5, Kind.CHANNEL: 7}


@dataclass(frozen=True)
class Seen:
    lines: tuple[str, ...]
    private: bool
    replaced: bool = False
    buttons: tuple[str, ...] = ()
    error: bool = False
    ended: bool = False  # the console session ended (/quit)
    # The picture that came with it, by file name (Discord's upload, the stretch a Slack
    # image block shows, the file the console saved); None without one.
    picture: str | None = None

    @property
    def title(self) -> str:
        return self.lines[0] if self.lines else ""

    def text(self) -> str:
        return "\n".join(self.lines)


def seen_message(message: Message, *, replaced: bool = False) -> Seen:
    """What a person reads in a neutral Message (the console's own rendering of it)."""
    lines = [message.title]
    if message.body:
        lines += message.body.split("\n")
    for section in message.sections:
        if section.heading:
            lines.append(section.heading)
        lines += section.lines
    if message.footer:
        lines.append(message.footer)
    return Seen(tuple(_clean(line) for line in lines if line.strip()), message.ephemeral,
                replaced, tuple(b.action for b in message.buttons),
                message.kind is MessageKind.ERROR)


def _clean(line: str) -> str:
    return " ".join(_BULLET.sub("", line.replace(_ZWSP, "").strip()).split())


class Driver(Protocol):
    platform: Platform
    here: str  # the id of the channel commands are typed in
    store: Store

    async def run(self, path: Path, args: dict[str, Value], *, admin: bool = False) -> Seen: ...

    async def click(self, action: str) -> Seen: ...


def typed(path: Path, platform: Platform, args: dict[str, Value]) -> tuple[str, str]:
    """The command name and text a person types for ``path`` with ``args`` (Slack, console)."""
    words: list[str] = [] if path.leaf is path.top else [path.leaf.name]
    for option in path.leaf.options:
        if option.name not in args:
            continue
        value = args[option.name]
        if option.kind is Kind.BOOLEAN:
            words += [option.name] if value else []
        else:
            words.append(f'{option.name}="{value}"')
    return path.top.name_on(platform), " ".join(words)


@dataclass
class ConsoleDriver:
    console: ConsoleAdapter
    store: Store
    platform: Platform = Platform.CONSOLE
    here: str = "console"

    async def run(self, path: Path, args: dict[str, Value], *, admin: bool = False) -> Seen:
        name, text = typed(path, self.platform, args)
        return await self.line(f"/{name} {text}")

    async def line(self, line: str) -> Seen:
        try:
            message = await self.console.table.dispatch(self.console.context, line)
        except StopRepl:
            return Seen((), private=False, ended=True)
        assert message is not None
        # Shown as the REPL shows it: that is where a picture is saved and named.
        out = self.console.output.stream
        start = out.tell()
        self.console.output.show(message)
        out.seek(start)
        saved = [x.removeprefix("Picture saved to ") for x in out.read().splitlines()
                 if x.startswith("Picture saved to ")]
        return replace(seen_message(message),
                       picture=PurePath(saved[0]).name if saved else None)

    async def click(self, action: str) -> Seen:
        """The console has no buttons: it types what the button would do."""
        form = typed_form(action)
        assert form is not None, f"no typed form for {action}"
        return await self.line(form)


@dataclass
class DiscordDriver:
    fake: FakeDiscord
    bot: DeskbreakClient
    store: Store
    guild: p.FakeGuild
    channel: p.FakeChannel
    member: p.Invoker
    admin: p.Invoker
    platform: Platform = Platform.DISCORD
    here: str = field(init=False)

    def __post_init__(self) -> None:
        self.here = self.channel.channel_id

    async def run(self, path: Path, args: dict[str, Value], *, admin: bool = False) -> Seen:
        options = [
            p.option(o.name, args[o.name], type_=_DISCORD_TYPES.get(o.kind, 3))
            for o in path.leaf.options if o.name in args
        ]
        if path.leaf is not path.top:
            options = [p.subcommand(path.leaf.name, options)]
        who = self.admin if admin else self.member
        payload = self.fake.slash(who, self.channel, path.top.name_on(self.platform), options)
        seen = await self._answer(payload)
        # `/remind on` learns the person's DM channel in the background; let it land now, so
        # a later snapshot does not catch it arriving (a flake under load).
        prepare = self.bot.services.prepare_dm
        owner = getattr(prepare, "__self__", None)
        if owner is not None and hasattr(owner, "prepared"):
            await owner.prepared()
        return seen

    async def click(self, action: str) -> Seen:
        message = p.message(self.channel.channel_id, self.fake.bot_user,
                            {"content": "a message with a button", "components": p.buttons(action)})
        return await self._answer(self.fake.click(self.member, self.channel, action, message))

    async def _answer(self, payload: dict[str, Any]) -> Seen:
        callback = await self.fake.interact(payload)
        data, private, replaced = callback.data, False, callback.type == 7
        uploads = callback.uploads
        if callback.type == 5:  # deferred: the answer follows as an edit or a follow-up
            private = bool(data.get("flags", 0) & 64)
            data = await self.fake.next_followup(payload["token"])
            if data.get("kind") == "delete_original":  # a follow-up of its own comes next
                data = await self.fake.next_followup(payload["token"])
            uploads = data.get("uploads") or []
            private = bool(data.get("flags", 0) & 64) or (
                private and data.get("kind") == "edit_original")
        else:
            private = bool(data.get("flags", 0) & 64)
        seen = seen_embed(data, private=private, replaced=replaced)
        image = str(((data.get("embeds") or [{}])[0].get("image") or {}).get("url") or "")
        shown = [u.filename for u in uploads if image == f"attachment://{u.filename}"]
        assert len(shown) == len(uploads), "every upload is the picture the embed shows"
        return replace(seen, picture=shown[0] if shown else None)


def seen_embed(data: dict[str, Any], *, private: bool, replaced: bool) -> Seen:
    embed = (data.get("embeds") or [{}])[0]
    lines = [embed.get("title", "")]
    lines += (embed.get("description") or "").split("\n")
    for item in embed.get("fields", []):
        lines += [item["name"], *item["value"].split("\n")]
    lines.append((embed.get("footer") or {}).get("text", ""))
    buttons = tuple(c["custom_id"] for row in data.get("components", [])
                    for c in row.get("components", []))
    return Seen(tuple(_clean(line) for line in lines if _clean(line)), private, replaced,
                buttons, embed.get("title") in _ERROR_TITLES)


@dataclass
class SlackDriver:
    fake: FakeSlack
    adapter: SlackAdapter
    store: Store
    # Picture file names by the content hash in their public URL (/pictures/<key>.png).
    pictures: dict[str, str] = field(default_factory=dict)
    platform: Platform = Platform.SLACK
    here: str = "C0WELL"

    def __post_init__(self) -> None:
        self.slash = Slash(self.adapter, self.fake)
        self._shared = 0  # files shared into DMs before the latest command

    async def run(self, path: Path, args: dict[str, Value], *, admin: bool = False) -> Seen:
        name, text = typed(path, self.platform, args)
        self._shared = len(self.fake.shared_files())
        response = await self.slash(f"/{name}", text, user_id="U0ADMIN" if admin else "U0MEMBER")
        return self._pictured(self._followed(seen_blocks(response)), response)

    async def click(self, action: str) -> Seen:
        self._shared = len(self.fake.shared_files())
        response = await self.slash.click(action)
        return self._pictured(self._followed(seen_blocks(response)), response)

    async def uploaded(self, seen: Seen, filename: str) -> Seen:
        """``seen`` with the private chart Slack received as an upload into the person's DM
        (after the answer: the upload follows it), which must be a PNG."""
        def shared() -> list[Any]:
            return [f for f in self.fake.shared_files() if f.filename == filename]

        await self.fake.wait_for(lambda: bool(shared()))
        upload = shared()[-1]
        assert upload.channel_id.startswith("D") and upload.is_png, upload
        return replace(seen, picture=upload.filename)

    async def latest_upload(self) -> str | None:
        """The picture the latest command uploaded into the person's DM (a private chart has
        no URL: bot/adapters/slack/files.py), waiting for the upload that follows the answer."""
        await self.fake.wait_for(lambda: len(self.fake.shared_files()) > self._shared)
        shared = self.fake.shared_files()[self._shared]
        assert shared.channel_id is not None and shared.channel_id.startswith("D")
        return shared.filename

    def _pictured(self, seen: Seen, response: dict[str, Any]) -> Seen:
        urls = [b["image_url"] for b in response["blocks"] if b["type"] == "image"]
        names = [self.pictures[PurePath(u).stem] for u in urls]
        return replace(seen, picture=names[0] if names else None)

    def _followed(self, seen: Seen) -> Seen:
        """A guided run is shown in the person's DM (bot/adapters/slack/guided.py) and the
        command answered with a private pointer to it: what the person sees is the DM post,
        privately."""
        if not seen.title.startswith(SLACK_GUIDED_POINTER):
            return seen
        post = self.fake.calls_to("chat.postMessage")[-1]
        assert str(post.params["channel"]).startswith("D"), post.params
        shown = seen_blocks({"blocks": post.params["blocks"]})
        return replace(seen, lines=shown.lines, private=True, buttons=shown.buttons,
                       error=shown.error)


def seen_blocks(response: dict[str, Any]) -> Seen:
    lines: list[str] = []
    buttons: list[str] = []
    for block in response["blocks"]:
        if block["type"] in ("header", "section"):
            lines += block["text"]["text"].split("\n")
        elif block["type"] == "context":
            lines += [e["text"] for e in block["elements"]]
        elif block["type"] == "actions":
            buttons += [e["action_id"] for e in block["elements"]]
    cleaned = [_clean(html.unescape(re.sub(r"^\*(.*)\*$", r"\1", line))) for line in lines]
    private = response.get("response_type") == "ephemeral"
    replaced = bool(response.get("replace_original"))
    title = cleaned[0] if cleaned else ""
    return Seen(tuple(line for line in cleaned if line), private, replaced, tuple(buttons),
                title in _ERROR_TITLES)


SLACK_GUIDED_POINTER = "Started in your DM with me"
# A guided frame's countdown is drawn each platform's way (Discord: a relative timestamp),
# and a Stop button carries the run's random id.
_COUNTDOWN = re.compile(r"ends <t:\d+:R>|\d+ s left")
_RUN_ID = re.compile(r"^stop:[0-9a-f]+$")

# Titles every platform gives error messages (bot/core/messages.py, bot/commands/run.py).
_ERROR_TITLES = frozenset({"That didn't work", "Admins only", "Sorry, that failed"})


def canonical(seen: Seen, driver: Driver) -> Seen:
    """``seen`` with what differs by design taken out: the platform's own command names and
    the id of the channel commands were typed in."""
    names = {f"/{c.name_on(driver.platform)}": f"/{c.name}" for c in TABLE.commands}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r"(?![\w-])")

    def fix(line: str) -> str:
        line = _COUNTDOWN.sub("<countdown>", line)
        return pattern.sub(lambda m: names[m.group(0)], line).replace(driver.here, "<here>")

    buttons = tuple(_RUN_ID.sub("stop:<run>", b) for b in seen.buttons)
    return replace(seen, lines=tuple(fix(line) for line in seen.lines), buttons=buttons)
