"""A fake Discord (REST v10 + gateway) on 127.0.0.1 for end-to-end tests of the real discord.py.

It speaks the documented payloads: the gateway says HELLO, answers IDENTIFY with READY and one
GUILD_CREATE per guild, acknowledges heartbeats and accepts RESUME; REST stores messages,
interaction callbacks, follow-ups and command syncs so tests can assert on exactly what the bot
sent. Faults (403/404/429/5xx) are configured per channel or as one-shot failures, and an
optional rate-limit accounting (global 50/s, 5 per 5 s per channel) counts every 429 it had to
hand out.

Request bodies are held to Discord's documented limits (:mod:`tests.fakes.discord.limits`): a
message, follow-up, edit or callback that real Discord would refuse gets the same ``400 Invalid
Form Body`` (code 50035) here, is stored nowhere, and is listed in ``rejected``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import WSMsgType, web

from bot.core.clock import Clock, SystemClock
from tests.fakes.discord import limits
from tests.fakes.discord import payloads as p
from tests.fakes.discord.ratelimit import RateLimiter
from tests.fakes.discord.uploads import (
    MAX_FILE_BYTES,
    MAX_FILES,
    BadUpload,
    Upload,
    attach,
    dangling_images,
    read_body,
)
from tests.fakes.oauth import FakeAuthorizationServer

JSON = "application/json"
# Upper bound on waiting for the bot to answer; a healthy test never gets near it.
WAIT = 5.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Fault:
    status: int
    code: int = 0
    message: str = ""
    retry_after: float = 0.0
    times: int | None = None  # None = forever


@dataclass
class Callback:
    """One interaction callback as the bot posted it."""

    interaction_id: str
    token: str
    body: dict[str, Any]
    with_response: bool
    # The files uploaded with it (multipart), in order.
    uploads: list[Upload] = field(default_factory=list)
    # time.perf_counter() when the request reached the fake, before the fake parsed or
    # checked it: latency measured to here is the bot's, not the fake's (a bigger answer
    # costs the fake more to parse and validate).
    arrived: float = 0.0

    @property
    def type(self) -> int:
        return int(self.body["type"])

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.body.get("data") or {})


@dataclass
class Rejection:
    """A request body the fake refused as Discord would (400, code 50035)."""

    method: str
    path: str
    body: dict[str, Any]
    errors: dict[str, Any]
    token: str | None = None  # the interaction token, for callbacks, follow-ups and edits


class PayloadRejected(AssertionError):
    """Raised to a test waiting on an interaction whose answer the fake refused: the bot sent
    something real Discord would not accept, which is a product bug, not a slow bot."""

    def __init__(self, rejections: list[Rejection]) -> None:
        super().__init__("Discord would refuse: " + "; ".join(
            f"{r.method} {r.path} errors={json.dumps(r.errors)} body={json.dumps(r.body)[:2000]}"
            for r in rejections))
        self.rejections = rejections


@dataclass
class _Session:
    ws: web.WebSocketResponse
    session_id: str
    seq: int = 0
    shard: tuple[int, int] = (0, 1)  # [shard_id, shard_count] from IDENTIFY
    intents: int = 0  # from IDENTIFY

    @property
    def presences(self) -> bool:
        return bool(self.intents & p.GUILD_PRESENCES_INTENT)

    def owns(self, guild_id: str | None) -> bool:
        """Whether Discord would route this guild's events (DMs: shard 0) to this session."""
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return shard_of(guild_id, count) == shard_id


def shard_of(guild_id: str, shard_count: int) -> int:
    """Discord's sharding formula: which shard receives a guild's events."""
    return (int(guild_id) >> 22) % shard_count


@dataclass
class _Pending:
    callback: asyncio.Future[Callback]
    followups: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


class FakeDiscord:
    """Start with ``await fake.start()``; point discord.py at ``api_base`` and ``gateway_url``."""

    def __init__(self, *, token: str = "fake-bot-token", rate_limits: bool = False,
                 message_delay: float = 0.0, shard_count: int = 1,
                 nonce_window: float | None = None, clock: Clock | None = None,
                 rate_limit_webhooks: bool = False) -> None:
        self.token = token
        # Count interaction webhooks (follow-ups, @original edits; not the callbacks) in the
        # global window too, plus a bucket per interaction token (5 per 2 s, the shape
        # Discord's webhook routes answer with). Discord itself exempts interaction
        # endpoints from the global limit: this is stricter, so a guided-run benchmark with
        # 0 429s here has room to spare.
        self.rate_limit_webhooks = rate_limit_webhooks
        # Seconds an ``enforce_nonce`` nonce is remembered; a repeat older than this creates a
        # NEW message. Real Discord only checks "the past few minutes" (and per author), so a
        # resend long after a crash is NOT de-duplicated there; None (the default) remembers
        # forever, which is kinder than Discord: set a window to test the real behaviour.
        self.nonce_window = nonce_window
        # What time it is for the nonce window; tests pass a FakeClock and advance it.
        self.clock: Clock = clock or SystemClock()
        # What GET /gateway/bot recommends, and how add_guild spreads new guilds.
        self.shard_count = shard_count
        # Shard ids that have IDENTIFYed (sharded clients send [shard_id, shard_count]).
        self.identified_shards: set[int] = set()
        # Message id -> the "via" tag of the API base it was posted through (api_base_for).
        self.sent_via: dict[str, str] = {}
        # Seconds a message create waits AFTER storing the message and before answering:
        # widens the window in which the bot has sent but not yet heard back (crash tests).
        self.message_delay = message_delay
        # Called after every message create (stored, or dropped as a nonce repeat); crash
        # tests kill the bot from here, at an exact count rather than after a timer.
        self.on_message: Callable[[], None] | None = None
        self.message_count = 0  # messages stored
        self.message_posts = 0  # message creates answered, nonce repeats included
        # While set to an unset Event, a NEW message is stored but not answered until it is
        # set: a send that is slow, not lost (a nonce repeat is still answered at once).
        self.hold: asyncio.Event | None = None
        self.application_id = p.snowflake()
        self.bot_user = p.user(p.snowflake(), "deskbreak", bot=True)
        self.guilds: dict[str, p.FakeGuild] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, p.FakeChannel] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        # Every message-create request body as the bot sent it (allowed_mentions, nonce, ...).
        self.create_bodies: list[tuple[str, dict[str, Any]]] = []
        # Every file uploaded with a message, callback, follow-up or edit, as
        # (where: "channel:<id>" or "interaction:<token>", the file).
        self.uploads: list[tuple[str, Upload]] = []
        # Embed images naming an ``attachment://`` file the request did not upload.
        self.dangling_images: list[str] = []
        # Every message edit (channel id, message id, body), in order.
        self.edits: list[tuple[str, str, dict[str, Any]]] = []
        # Threads made from a message: message id -> the thread's channel.
        self.threads: dict[str, p.FakeChannel] = {}
        self.nonces: dict[tuple[str, str], dict[str, Any]] = {}
        self._nonce_seen: dict[tuple[str, str], datetime] = {}
        # Bodies refused for breaking a documented limit (nothing was stored for them).
        self.rejected: list[Rejection] = []
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.command_syncs: list[tuple[str | None, list[dict[str, Any]]]] = []
        self.callbacks: dict[str, Callback] = {}
        # Every @original edit: (token, the fake clock's time on arrival, the body).
        self.webhook_edits: list[tuple[str, datetime, dict[str, Any]]] = []
        self.dm_creates: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.channel_faults: dict[str, Fault] = {}
        self.route_faults: list[tuple[str, re.Pattern[str], Fault]] = []
        self.identifies = 0
        # The privileged intents switched on in the Developer Portal; IDENTIFY asking for one
        # that is not is closed with 4014 "Disallowed intent(s)", as Discord does.
        self.granted_intents = p.PRIVILEGED_INTENTS
        self.disallowed_closes = 0
        # Set once a session has been sent READY and every GUILD_CREATE.
        self.identified = asyncio.Event()
        self.resumes = 0
        self.ratelimiter = RateLimiter() if rate_limits else None
        self.webhook_limiter = RateLimiter(channel_limit=5, channel_period=2.0)
        self._pending: dict[str, _Pending] = {}
        self._sessions: list[_Session] = []
        self._session_shards: dict[str, tuple[int, int]] = {}  # a RESUME keeps its shard
        self._session_intents: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        # "Sign in with Discord": the OAuth2 authorize page, code exchange and user tokens.
        self.oauth = FakeAuthorizationServer("FakeDiscord")

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        # Room for a message's ten files of 10 MiB (aiohttp's own limit is 1 MiB): the fake
        # answers an oversized file itself, as Discord does (uploads.py).
        app = web.Application(middlewares=[self._middleware],
                              client_max_size=MAX_FILES * MAX_FILE_BYTES + 1024 * 1024)
        app.router.add_get("/gateway-ws", self._gateway)
        app.router.add_get("/oauth2/authorize", self.oauth.authorize_page)
        app.router.add_post("/oauth2/authorize", self.oauth.authorize_decision)
        for base in ("/api/v10", "/via/{via}/api/v10"):
            self._add_routes(app.router, base)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # noqa: S101 - a test fake
        self.port = server.sockets[0].getsockname()[1]

    def _add_routes(self, r: web.UrlDispatcher, base: str) -> None:
        """REST routes; the ``/via/{via}`` copy lets several bot processes share one fake and
        still be told apart (see :meth:`api_base_for`)."""
        r.add_get(f"{base}/users/@me", self._get_me)
        r.add_get(f"{base}/users/@me/guilds", self._get_my_guilds)
        r.add_post(f"{base}/oauth2/token", self._oauth_token)
        r.add_get(f"{base}/guilds/{{gid}}/members/{{uid}}", self._get_member)
        r.add_get(f"{base}/guilds/{{gid}}", self._get_guild)
        r.add_get(f"{base}/guilds/{{gid}}/channels", self._get_guild_channels)
        r.add_get(f"{base}/oauth2/applications/@me", self._get_application)
        r.add_get(f"{base}/gateway", self._get_gateway)
        r.add_get(f"{base}/gateway/bot", self._get_gateway)
        r.add_put(f"{base}/applications/{{app}}/commands", self._put_commands)
        r.add_get(f"{base}/applications/{{app}}/commands", self._get_commands)
        r.add_put(f"{base}/applications/{{app}}/guilds/{{guild}}/commands", self._put_commands)
        r.add_get(f"{base}/applications/{{app}}/guilds/{{guild}}/commands", self._get_commands)
        r.add_post(f"{base}/interactions/{{iid}}/{{token}}/callback", self._callback)
        r.add_post(f"{base}/webhooks/{{app}}/{{token}}", self._followup)
        r.add_get(f"{base}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._get_webhook_msg)
        r.add_patch(f"{base}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._edit_webhook_msg)
        r.add_delete(f"{base}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._delete_ok)
        r.add_post(f"{base}/channels/{{cid}}/messages", self._create_message)
        r.add_patch(f"{base}/channels/{{cid}}/messages/{{mid}}", self._edit_message)
        r.add_post(f"{base}/channels/{{cid}}/messages/{{mid}}/threads", self._start_thread)
        r.add_get(f"{base}/channels/{{cid}}", self._get_channel)
        r.add_post(f"{base}/users/@me/channels", self._create_dm)

    async def close(self) -> None:
        for s in list(self._sessions):
            await s.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def api_base_for(self, via: str) -> str:
        """A REST base for one of several bot processes; messages remember it in ``sent_via``."""
        return f"http://127.0.0.1:{self.port}/via/{via}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway-ws"

    # ----------------------------------------------------------------- world building
    def add_guild(self, name: str, *, owner_id: str | None = None,
                  everyone_permissions: int = p.MEMBER_DEFAULT,
                  shard: int | None = None) -> p.FakeGuild:
        """A guild; with ``shard``, its id is one Discord routes to that shard of
        ``shard_count``."""
        guild_id = p.snowflake()
        while shard is not None and shard_of(guild_id, self.shard_count) != shard:
            guild_id = p.snowflake()
        guild = p.FakeGuild(guild_id, name, owner_id or p.snowflake(),
                            everyone_permissions=everyone_permissions)
        guild.members.append(p.FakeMember(self.bot_user["id"], "deskbreak", bot=True))
        self.guilds[guild.guild_id] = guild
        return guild

    def add_channel(self, guild: p.FakeGuild, name: str, *,
                    bot_deny: int = 0) -> p.FakeChannel:
        overwrites = []
        if bot_deny:
            overwrites.append({"id": self.bot_user["id"], "type": 1, "allow": "0",
                               "deny": str(bot_deny)})
        channel = p.FakeChannel(p.snowflake(), name, guild.guild_id, overwrites=overwrites)
        guild.channels.append(channel)
        self.channels[channel.channel_id] = channel
        if guild.system_channel_id is None:
            guild.system_channel_id = channel.channel_id
        return channel

    def add_role(self, guild: p.FakeGuild, name: str, permissions: int) -> str:
        role_id = p.snowflake()
        guild.roles.append(p.role(role_id, name, permissions, position=len(guild.roles) + 1))
        return role_id

    def add_member(self, guild: p.FakeGuild, name: str, *,
                   role_ids: list[str] | None = None) -> p.Invoker:
        member = p.FakeMember(p.snowflake(), name, list(role_ids or []))
        guild.members.append(member)
        self.users[member.user_id] = p.user(member.user_id, name)
        return p.Invoker(member.user_id, name, guild)

    def add_user(self, name: str) -> p.Invoker:
        user_id = p.snowflake()
        self.users[user_id] = p.user(user_id, name)
        return p.Invoker(user_id, name, None)

    def add_channel_dm(self, invoker: p.Invoker) -> p.FakeChannel:
        """The DM channel between the bot and ``invoker`` (created if needed)."""
        channel = self.dm_channel_of(invoker.user_id)
        if channel is None:
            channel = p.FakeChannel(p.snowflake(), "", None, type=p.DM,
                                    recipient=self.users[invoker.user_id])
            self.channels[channel.channel_id] = channel
        return channel

    def dm_channel_of(self, user_id: str) -> p.FakeChannel | None:
        return next((c for c in self.channels.values()
                     if c.type == p.DM and c.recipient and c.recipient["id"] == user_id), None)

    # ----------------------------------------------------------------- faults
    def fail_channel(self, channel_id: str, status: int, code: int = 0,
                     message: str = "") -> None:
        """Every request touching this channel answers ``status`` with Discord error ``code``."""
        self.channel_faults[channel_id] = Fault(status, code, message or _default_message(code))

    def fail_route(self, method: str, path_regex: str, status: int, *, code: int = 0,
                   retry_after: float = 0.0, times: int | None = 1) -> None:
        """The next ``times`` requests matching method+path answer ``status``."""
        self.route_faults.append(
            (method, re.compile(path_regex), Fault(status, code, _default_message(code),
                                                   retry_after, times))
        )

    # ----------------------------------------------------------------- interactions
    def slash(self, invoker: p.Invoker, channel: p.FakeChannel, name: str,
              options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self._command_id(name, invoker), "name": name, "type": 1,
                                "options": options or []}
        resolved = self._resolve_channels(invoker, options or [])
        if resolved:
            data["resolved"] = {"channels": resolved}
        return self._interaction(p.APPLICATION_COMMAND, data, invoker, channel)

    def _resolve_channels(self, invoker: p.Invoker, options: list[dict[str, Any]]
                          ) -> dict[str, Any]:
        """``resolved.channels`` for channel options (type 7), found in sub-commands too."""
        out: dict[str, Any] = {}
        for opt in options:
            if opt.get("type") in (1, 2):
                out.update(self._resolve_channels(invoker, opt.get("options", [])))
            elif opt.get("type") == 7 and opt["value"] in self.channels:
                ch = self.channels[opt["value"]]
                perms = (invoker.guild.channel_permissions_of(invoker.user_id, ch)
                         if invoker.guild else 0)
                out[ch.channel_id] = {**ch.payload(), "permissions": str(perms)}
        return out

    def autocomplete(self, invoker: p.Invoker, channel: p.FakeChannel, name: str,
                     options: list[dict[str, Any]]) -> dict[str, Any]:
        data = {"id": self._command_id(name, invoker), "name": name, "type": 1,
                "options": options}
        return self._interaction(p.APPLICATION_COMMAND_AUTOCOMPLETE, data, invoker, channel)

    def click(self, invoker: p.Invoker, channel: p.FakeChannel, custom_id: str,
              message: dict[str, Any]) -> dict[str, Any]:
        present = [c.get("custom_id") for row in message.get("components", [])
                   for c in row.get("components", [])]
        if custom_id not in present:
            raise ValueError(f"no button {custom_id!r} on that message (it has {present})")
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(p.MESSAGE_COMPONENT, data, invoker, channel, message)

    def _interaction(self, kind: int, data: dict[str, Any], invoker: p.Invoker,
                     channel: p.FakeChannel,
                     message: dict[str, Any] | None = None) -> dict[str, Any]:
        app_perms = (invoker.guild.channel_permissions_of(self.bot_user["id"], channel)
                     if invoker.guild else p.MEMBER_DEFAULT)
        return p.interaction(application_id=self.application_id, kind=kind, data=data,
                             invoker=invoker, channel=channel, app_permissions=app_perms,
                             message_payload=message)

    def _command_id(self, name: str, invoker: p.Invoker) -> str:
        pools = [self.global_commands]
        if invoker.guild is not None:
            pools.insert(0, self.guild_commands.get(invoker.guild.guild_id, []))
        for pool in pools:
            for cmd in pool:
                if cmd["name"] == name:
                    return str(cmd["id"])
        return p.snowflake()

    async def interact(self, payload: dict[str, Any]) -> Callback:
        """Dispatch INTERACTION_CREATE and wait (at most ``WAIT``) for the bot's callback."""
        pending = _Pending(asyncio.get_running_loop().create_future())
        self._pending[payload["token"]] = pending
        await self.dispatch("INTERACTION_CREATE", payload)
        return await asyncio.wait_for(pending.callback, WAIT)

    async def next_followup(self, token: str, within: float = WAIT) -> dict[str, Any]:
        """Wait for the next follow-up or @original edit the bot sends for ``token``; if the
        wait runs out and the fake refused one for ``token``, say so instead of timing out."""
        try:
            return await asyncio.wait_for(self._pending[token].followups.get(), within)
        except TimeoutError:
            refused = [r for r in self.rejected if r.token == token]
            if refused:
                raise PayloadRejected(refused) from None
            raise

    # ----------------------------------------------------------------- gateway
    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        if not self._sessions:
            raise RuntimeError("no gateway session is connected")
        guild_id = data.get("guild_id")
        for session in list(self._sessions):
            if session.owns(None if guild_id is None else str(guild_id)):
                await self._send_dispatch(session, event, data)

    async def set_presence(self, guild: p.FakeGuild, user_id: str, status: str, *,
                           custom_status: str | None = None) -> None:
        """A member changes status: PRESENCE_UPDATE to the sessions with the presences intent
        that receive this guild's events."""
        member = next(m for m in guild.members if m.user_id == user_id)
        member.status, member.custom_status = status, custom_status
        payload = member.presence(guild.guild_id)
        for session in list(self._sessions):
            if session.presences and session.owns(guild.guild_id):
                await self._send_dispatch(session, "PRESENCE_UPDATE", payload)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every gateway socket with a resumable code (the client should RESUME)."""
        for s in list(self._sessions):
            await s.ws.close(code=code)

    async def request_reconnect(self) -> None:
        """Send op 7 Reconnect, as Discord does before moving a session: the client must
        reconnect and RESUME."""
        for s in list(self._sessions):
            await s.ws.send_str(json.dumps({"op": 7, "d": None, "s": None, "t": None}))

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send op 9 Invalid Session: with ``resumable=False`` the client must IDENTIFY anew."""
        for s in list(self._sessions):
            self._sessions.remove(s)
            await s.ws.send_str(json.dumps({"op": 9, "d": resumable, "s": None, "t": None}))

    async def _send_dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}))

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None,
                                      "t": None}))
        session: _Session | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:
                    if frame["d"].get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    intents = int(frame["d"].get("intents") or 0)
                    if intents & p.PRIVILEGED_INTENTS & ~self.granted_intents:
                        self.disallowed_closes += 1
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        break
                    self.identifies += 1
                    shard_id, count = frame["d"].get("shard") or (0, 1)
                    session = _Session(ws, p.snowflake(), shard=(int(shard_id), int(count)),
                                       intents=intents)
                    self._sessions.append(session)
                    self._session_shards[session.session_id] = session.shard
                    self._session_intents[session.session_id] = intents
                    await self._send_dispatch(session, "READY", self._ready(session))
                    for guild in self.guilds.values():
                        if session.owns(guild.guild_id):
                            await self._send_dispatch(
                                session, "GUILD_CREATE",
                                guild.create_payload(presences=session.presences))
                    self.identified_shards.add(int(shard_id))
                    self.identified.set()
                elif op == 6:
                    self.resumes += 1
                    sid = frame["d"]["session_id"]
                    session = _Session(ws, sid, int(frame["d"]["seq"]),
                                       shard=self._session_shards.get(sid, (0, 1)),
                                       intents=self._session_intents.get(sid, 0))
                    self._sessions.append(session)
                    await self._send_dispatch(session, "RESUMED", {})
        finally:
            if session is not None and session in self._sessions:
                self._sessions.remove(session)
        return ws

    def _ready(self, session: _Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": g, "unavailable": True} for g in self.guilds if session.owns(g)],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    # ----------------------------------------------------------------- REST plumbing
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gateway-ws" or request.path.startswith("/oauth2/"):
            return await handler(request)
        path = _without_via(request.path)
        self.requests.append((request.method, path))
        auth = request.headers.get("Authorization", "")
        is_webhook = path.startswith(("/api/v10/webhooks/", "/api/v10/interactions/"))
        # OAuth2: the token exchange authenticates the application itself, and a user's bearer
        # token reaches only the user's own endpoints (checked in their handlers).
        is_user = path in ("/api/v10/oauth2/token", "/api/v10/users/@me/guilds") or (
            path == "/api/v10/users/@me" and auth.startswith("Bearer "))
        if not is_webhook and not is_user and auth != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for method, regex, fault in list(self.route_faults):
            if method == request.method and regex.search(path):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.route_faults.remove((method, regex, fault))
                if fault.status == 429:
                    return _too_many(fault.retry_after, is_global=False)
                return _error(fault.status, fault.code, fault.message)
        channel_id = request.match_info.get("cid")
        if channel_id is not None and channel_id in self.channel_faults:
            fault = self.channel_faults[channel_id]
            return _error(fault.status, fault.code, fault.message)
        is_hook = path.startswith("/api/v10/webhooks/")  # follow-ups and @original edits
        if self.ratelimiter is not None and is_hook and self.rate_limit_webhooks:
            token = request.match_info.get("token")
            verdict = self.ratelimiter.check(None)  # the global window
            if verdict.allowed and token and request.method != "POST":
                verdict = self.webhook_limiter.check(f"hook:{token}")
            if not verdict.allowed:
                return _too_many(verdict.retry_after, is_global=verdict.is_global,
                                 extra=verdict.headers)
            return await handler(request)
        if self.ratelimiter is not None and not is_webhook:
            bucket = f"msg:{channel_id}" if channel_id and request.method == "POST" else None
            verdict = self.ratelimiter.check(bucket)
            if not verdict.allowed:
                return _too_many(verdict.retry_after, is_global=verdict.is_global,
                                 extra=verdict.headers)
            response = await handler(request)
            response.headers.update(verdict.headers)
            return response
        return await handler(request)

    async def _get_me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "").startswith("Bearer "):
            grant = self.oauth.grant_of(request.headers["Authorization"])
            if grant is None or "identify" not in grant.scope.split():
                return _error(401, 0, "401: Unauthorized")
            return _json(self.users[grant.user_id])
        return _json(self.bot_user)

    async def _get_my_guilds(self, request: web.Request) -> web.Response:
        """The signed-in user's guilds with their permissions there, as OAuth2 ``guilds``
        returns them (partial guild objects; ``permissions`` a string)."""
        grant = self.oauth.grant_of(request.headers.get("Authorization", ""))
        if grant is None or "guilds" not in grant.scope.split():
            return _error(401, 0, "401: Unauthorized")
        out = []
        for guild in self.guilds.values():
            if grant.user_id == guild.owner_id or any(
                    m.user_id == grant.user_id for m in guild.members):
                out.append({"id": guild.guild_id, "name": guild.name, "icon": None,
                            "banner": None, "owner": grant.user_id == guild.owner_id,
                            "permissions": str(guild.permissions_of(grant.user_id)),
                            "features": []})
        return _json(out)

    async def _oauth_token(self, request: web.Request) -> web.Response:
        """``POST /oauth2/token``: client credentials as HTTP Basic (or in the form)."""
        form = await request.post()
        client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if form.get("grant_type") != "authorization_code":
            return _json({"error": "unsupported_grant_type"}, 400)
        result = self.oauth.exchange(client_id, secret, str(form.get("code", "")),
                                     str(form.get("redirect_uri", "")))
        if isinstance(result, str):
            return _json({"error": result}, 401 if result == "invalid_client" else 400)
        token, grant = result
        return _json({"access_token": token, "token_type": "Bearer", "expires_in": 604800,
                      "refresh_token": f"refresh-{token}", "scope": grant.scope})

    def _bots_guild(self, request: web.Request) -> p.FakeGuild | web.Response:
        """The guild in the path if the bot is in it; else Discord's answer (404 / 403)."""
        guild = self.guilds.get(request.match_info["gid"])
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        if not any(m.user_id == self.bot_user["id"] for m in guild.members):
            return _error(403, 50001, "Missing Access")
        return guild

    async def _get_guild(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}``: the guild object (roles included) for a guild the bot is in."""
        guild = self._bots_guild(request)
        if isinstance(guild, web.Response):
            return guild
        payload = guild.create_payload()
        for gateway_only in ("members", "channels", "threads", "presences", "voice_states",
                             "joined_at", "large", "member_count"):
            payload.pop(gateway_only, None)
        return _json(payload)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._bots_guild(request)
        if isinstance(guild, web.Response):
            return guild
        return _json([c.payload() for c in guild.channels])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self.guilds.get(request.match_info["gid"])
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        uid = request.match_info["uid"]
        member = next((m for m in guild.members if m.user_id == uid), None)
        if member is None:
            return _error(404, 10007, "Unknown Member")
        return _json(member.payload())

    async def _get_application(self, request: web.Request) -> web.Response:
        owner = p.user(p.snowflake(), "owner")
        return _json({
            "id": self.application_id, "name": "deskbreak", "icon": None,
            "description": "", "rpc_origins": [], "bot_public": True,
            "bot_require_code_grant": False, "owner": owner, "team": None,
            "verify_key": "0" * 64, "flags": 0, "summary": "",
            "interactions_endpoint_url": None, "bot": self.bot_user,
        })

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url, "shards": self.shard_count,
                      "session_start_limit": {"total": 1000, "remaining": 999,
                                              "reset_after": 0, "max_concurrency": 1}})

    async def _put_commands(self, request: web.Request) -> web.Response:
        body = await request.json()
        guild_id = request.match_info.get("guild")
        stored = []
        for cmd in body:
            stored.append({**cmd, "id": p.snowflake(), "application_id": self.application_id,
                           "version": p.snowflake(), "guild_id": guild_id,
                           # Discord answers permission bit sets as strings.
                           "default_member_permissions": _opt_str(
                               cmd.get("default_member_permissions")),
                           "type": cmd.get("type", 1), "description": cmd.get("description", ""),
                           "dm_permission": cmd.get("dm_permission", True),
                           "nsfw": cmd.get("nsfw", False)})
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self.command_syncs.append((guild_id, body))
        return _json(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        guild_id = request.match_info.get("guild")
        return _json(self.guild_commands.get(guild_id, []) if guild_id else self.global_commands)

    async def _read(self, request: web.Request
                    ) -> tuple[dict[str, Any], list[Upload]] | web.Response:
        """The body and files of a message request; Discord's refusal of a bad upload."""
        try:
            return await read_body(request)
        except BadUpload as exc:
            return exc.response

    def _keep(self, where: str, body: dict[str, Any], uploads: list[Upload]) -> None:
        """Remember the files of an accepted request (a refused one stores nothing)."""
        self.uploads += [(where, u) for u in uploads]
        self.dangling_images += dangling_images(body, uploads)

    async def _callback(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        token = request.match_info["token"]
        read = await self._read(request)
        if isinstance(read, web.Response):
            return read
        body, uploads = read
        iid = request.match_info["iid"]
        if token in self.callbacks:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        with_response = request.query.get("with_response") in ("1", "true", "True")
        errors = limits.callback_errors(body)
        if errors:
            rejection = self._reject(request, body, errors, token)
            pending = self._pending.get(token)
            if pending is not None and not pending.callback.done():
                pending.callback.set_exception(PayloadRejected([rejection]))
            return _invalid_form_body(errors)
        self._keep(f"interaction:{token}", body, uploads)
        callback = Callback(iid, token, body, with_response, uploads, arrived)
        self.callbacks[token] = callback
        pending = self._pending.get(token)
        if pending is not None and not pending.callback.done():
            pending.callback.set_result(callback)
        kind = callback.type
        data = callback.data
        resource: dict[str, Any] = {"type": kind}
        flags = int(data.get("flags") or 0)
        message_id: str | None = None
        if kind in limits.MESSAGE_CALLBACKS:
            # The callback resource carries a message only for types 4 and 7 (interaction
            # callback resource object: "Only present if type is either
            # CHANNEL_MESSAGE_WITH_SOURCE or UPDATE_MESSAGE",
            # https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-callback-interaction-callback-resource-object).
            msg = attach(p.message("0", self.bot_user, data), uploads, "0")
            resource["message"] = msg
            message_id = str(msg["id"])
        elif kind == 5:
            # A deferred reply creates a loading message: its id, but no resource.message.
            message_id = p.snowflake()
        if not with_response:
            return web.Response(status=204)
        interaction = {"id": iid, "type": 2, "response_message_id": message_id,
                       "response_message_loading": kind == 5,
                       "response_message_ephemeral": bool(flags & 64)}
        return _json({"interaction": interaction, "resource": resource})

    async def _followup(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        read = await self._read(request)
        if isinstance(read, web.Response):
            return read
        body, uploads = read
        errors = limits.message_errors(body)
        if errors:
            self._reject(request, body, errors, token)
            return _invalid_form_body(errors)
        self._keep(f"interaction:{token}", body, uploads)
        msg = attach(p.message("0", self.bot_user, body), uploads, "0")
        if token in self._pending:
            await self._pending[token].followups.put(
                {"kind": "followup", **body, "uploads": uploads})
        return _json(msg)

    async def _get_webhook_msg(self, request: web.Request) -> web.Response:
        return _json(p.message("0", self.bot_user, {}))

    async def _edit_webhook_msg(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        read = await self._read(request)
        if isinstance(read, web.Response):
            return read
        body, uploads = read
        errors = limits.message_errors(body)
        if errors:
            self._reject(request, body, errors, token)
            return _invalid_form_body(errors)
        self._keep(f"interaction:{token}", body, uploads)
        self.webhook_edits.append((token, self.clock.now(), body))
        if token in self._pending:
            await self._pending[token].followups.put(
                {"kind": "edit_original", **body, "uploads": uploads})
        return _json(attach(p.message("0", self.bot_user, body), uploads, "0"))

    async def _delete_ok(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token in self._pending and request.match_info["mid"] == "@original":
            await self._pending[token].followups.put({"kind": "delete_original"})
        return web.Response(status=204)

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["cid"]
        channel = self.channels.get(channel_id)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            perms = guild.channel_permissions_of(self.bot_user["id"], channel)
            if not perms & p.VIEW_CHANNEL:
                return _error(403, 50001, "Missing Access")
            needed = (p.SEND_MESSAGES_IN_THREADS if channel.type == p.PUBLIC_THREAD
                      else p.SEND_MESSAGES)
            if not perms & needed:
                return _error(403, 50013, "Missing Permissions")
        read = await self._read(request)
        if isinstance(read, web.Response):
            return read
        body, uploads = read
        self.create_bodies.append((channel_id, body))
        errors = limits.message_errors(body)
        if errors:
            self._reject(request, body, errors)
            return _invalid_form_body(errors)
        nonce = body.get("nonce")
        enforced = nonce is not None and bool(body.get("enforce_nonce"))
        key = (channel_id, str(nonce))
        if enforced and self._remembers(key):
            self._posted()
            return _json(self.nonces[key])  # Discord returns the original message, creates nothing
        self._keep(f"channel:{channel_id}", body, uploads)
        msg = attach(p.message(channel_id, self.bot_user, body, guild_id=channel.guild_id),
                     uploads, channel_id)
        self.messages.setdefault(channel_id, []).append(msg)
        self.sent_via[str(msg["id"])] = request.match_info.get("via", "")
        if enforced:
            self.nonces[key] = msg
            self._nonce_seen[key] = self.clock.now()
        self.message_count += 1
        self._posted()
        if self.message_delay:
            await asyncio.sleep(self.message_delay)
        if self.hold is not None:  # stored, but the sender hears back only when released
            await self.hold.wait()
        return _json(msg)

    async def _edit_message(self, request: web.Request) -> web.Response:
        """PATCH a message the bot posted: its fields are replaced by those given."""
        channel_id, message_id = request.match_info["cid"], request.match_info["mid"]
        stored = next((m for m in self.messages.get(channel_id, [])
                       if str(m["id"]) == message_id), None)
        if stored is None:
            return _error(404, 10008, "Unknown Message")
        body = await request.json()
        errors = limits.message_errors(body)
        if errors:
            self._reject(request, body, errors)
            return _invalid_form_body(errors)
        self.edits.append((channel_id, message_id, body))
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                stored[key] = body[key]
        stored["edited_timestamp"] = p.iso_now()
        return _json(stored)

    async def _start_thread(self, request: web.Request) -> web.Response:
        """A public thread from a message: needs Create Public Threads in the channel; the
        thread's id is the message's id, and a second thread from it is refused (160004)."""
        channel_id, message_id = request.match_info["cid"], request.match_info["mid"]
        channel = self.channels.get(channel_id)
        if channel is None or channel.guild_id is None:
            return _error(404, 10003, "Unknown Channel")
        perms = self.guilds[channel.guild_id].channel_permissions_of(self.bot_user["id"], channel)
        if not perms & p.CREATE_PUBLIC_THREADS:
            return _error(403, 50013, "Missing Permissions")
        if not any(str(m["id"]) == message_id for m in self.messages.get(channel_id, [])):
            return _error(404, 10008, "Unknown Message")
        if message_id in self.threads:
            return _error(400, 160004, "A thread has already been created for this message")
        body = await request.json()
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return _invalid_form_body({"name": {"_errors": [{
                "code": "BASE_TYPE_BAD_LENGTH",
                "message": "Must be between 1 and 100 in length."}]}})
        thread = p.FakeChannel(message_id, name, channel.guild_id, type=p.PUBLIC_THREAD,
                               overwrites=list(channel.overwrites), parent_id=channel_id,
                               owner_id=self.bot_user["id"])
        self.channels[message_id] = thread
        self.threads[message_id] = thread
        return _json(thread.payload())

    def _remembers(self, key: tuple[str, str]) -> bool:
        """Whether a nonce is still within the de-duplication window (see ``nonce_window``)."""
        if key not in self.nonces:
            return False
        if self.nonce_window is None:
            return True
        age = (self.clock.now() - self._nonce_seen[key]).total_seconds()
        return age <= self.nonce_window

    def _reject(self, request: web.Request, body: dict[str, Any], errors: dict[str, Any],
                token: str | None = None) -> Rejection:
        rejection = Rejection(request.method, _without_via(request.path), body, errors, token)
        self.rejected.append(rejection)
        return rejection

    def _posted(self) -> None:
        self.message_posts += 1
        if self.on_message is not None:
            self.on_message()

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["cid"])
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        return _json(channel.payload())

    async def _create_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        user_id = str(body["recipient_id"])
        if user_id not in self.users:
            return _error(400, 50033, "Invalid Recipients")
        self.dm_creates.append(user_id)
        return _json(self.add_channel_dm(p.Invoker(user_id, "", None)).payload())


_VIA = re.compile(r"^/via/[^/]+(?=/api/)")


def _without_via(path: str) -> str:
    """``/via/a/api/v10/x`` -> ``/api/v10/x``: faults and checks see one path per route."""
    return _VIA.sub("", path)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _default_message(code: int) -> str:
    return {
        50001: "Missing Access",
        50007: "Cannot send messages to this user",
        50013: "Missing Permissions",
        10003: "Unknown Channel",
    }.get(code, "error")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json" (no charset): discord.py parses JSON only on an exact match.
    response = web.Response(status=status, body=json.dumps(data).encode(), headers=headers)
    response.headers["Content-Type"] = JSON
    return response


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


def _invalid_form_body(errors: dict[str, Any]) -> web.Response:
    """Discord's answer to a body that breaks a documented limit."""
    return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)


def _too_many(retry_after: float, *, is_global: bool,
              extra: dict[str, str] | None = None) -> web.Response:
    headers = {"Retry-After": f"{max(retry_after, 0.0):.3f}", "Via": "1.1 google",
               **(extra or {})}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return _json({"message": "You are being rate limited.", "retry_after": retry_after,
                  "global": is_global, "code": 0}, 429, headers)
