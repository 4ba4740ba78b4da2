"""A fake Slack Web API on 127.0.0.1 that the real slack_sdk/Bolt code talks to.

It implements the handful of methods deskbreak uses with Slack's documented shapes (errors are
HTTP 200 with ``{"ok": false, "error": ...}``; rate limits are HTTP 429 with ``Retry-After``),
records every call so tests can count requests, and injects faults per method. It also serves
``response_url`` endpoints (where slash-command answers go) and the Socket Mode websocket.

Message bodies are held to Slack's documented limits (:mod:`tests.fakes.slack.limits`): what
real Slack would refuse (``invalid_blocks``, ``msg_too_long``, ``no_text``) is refused here too,
stored nowhere, and listed in ``rejected``.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp import web

from bot.core.clock import Clock, SystemClock
from tests.fakes.oauth import FakeAuthorizationServer
from tests.fakes.slack import limits
from tests.fakes.slack.ratelimits import PostLimits
from tests.fakes.slack.socket_mode import FakeSocketMode

BOT_TOKEN = "xoxb-fake-bot-token-4a7f0c2e9d1b"
APP_TOKEN = "xapp-1-fake-app-token-8c3d5e7f9a0b"
SIGNING_SECRET = "fake-signing-secret-3e5f7a9b1c2d"
TEAM_ID = "T0FAKE"
BOT_USER_ID = "U0BOT"
# Only a guard against a hung test: every wait ends as soon as the awaited event happens.
GUARD_SECONDS = 5.0
# Methods that post a message: their image blocks are downloaded before they are accepted.
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
_file_ids = itertools.count(1)


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    at: datetime | None = None  # the fake's clock when the call arrived


@dataclass
class Fault:
    error: str = ""
    status: int = 200
    retry_after: int | str | None = None  # a str is sent as is (malformed headers)
    times: int | None = 1  # None = every call
    html: bool = False  # a 5xx answered with an HTML error page, as a proxy in front would
    disconnect: bool = False  # the connection is dropped without an answer


@dataclass
class SlackFile:
    """A file uploaded the files_upload_v2 way: reserved by files.getUploadURLExternal, its
    bytes POSTed to the upload URL, then shared by files.completeUploadExternal."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None
    title: str | None = None
    channel_id: str | None = None  # where it was shared; None until completed
    initial_comment: str | None = None

    @property
    def is_png(self) -> bool:
        return self.data is not None and self.data.startswith(b"\x89PNG\r\n\x1a\n")


@dataclass
class Rejection:
    """A message the fake refused as Slack would; ``where`` is the method or response_url."""

    where: str
    params: dict[str, Any]
    error: str


@dataclass
class FakeSlack:
    host: str = "127.0.0.1"
    calls: list[Call] = field(default_factory=list)
    # The client ends (host, port) the Web API calls came from: one per TCP connection.
    peers: set[tuple[Any, ...]] = field(default_factory=set)
    responses: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    revoked: str | None = None
    socket: FakeSocketMode = field(default_factory=FakeSocketMode)
    rejected: list[Rejection] = field(default_factory=list)
    # Presence: dnd.info / dnd.teamInfo answers per user (dnd_enabled, next_dnd_start_ts,
    # next_dnd_end_ts, snooze_enabled, snooze_endtime), users.getPresence ("active"/"away"),
    # and each user's profile status (status_text, status_emoji, status_expiration).
    dnd: dict[str, dict[str, Any]] = field(default_factory=dict)
    presence: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Slack's per-method rate tiers (calls per minute per workspace), enforced when set:
    # a call beyond them answers 429 with Retry-After, as Slack does.
    tier_limits: dict[str, int] | None = None
    # chat.postMessage's own limits (per channel and per workspace), enforced when set. One
    # org-wide token may post in several workspaces (Enterprise Grid): ``teams`` says which
    # workspace a channel belongs to (a DM: its person's ``team_id``; else TEAM_ID).
    post_limits: PostLimits | None = None
    teams: dict[str, str] = field(default_factory=dict)
    clock: Clock = field(default_factory=SystemClock)
    # "Sign in with Slack" (OpenID Connect): the authorize page, code exchange, user tokens.
    oauth: FakeAuthorizationServer = field(
        default_factory=lambda: FakeAuthorizationServer("FakeSlack"))
    # Files by id (files.getUploadURLExternal), shared or not yet.
    files: dict[str, SlackFile] = field(default_factory=dict)
    # Every image block URL Slack fetched before posting: (url, HTTP status, content type).
    image_fetches: list[tuple[str, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.port = 0
        self._posted = 0
        # Messages stored per channel: what a benchmark counts as delivered (or duplicated).
        self.posted: dict[str, int] = {}
        self._tier_calls: dict[str, deque[datetime]] = {}
        self.tier_refusals = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        # Uploads reach the fake whole (aiohttp's own limit is 1 MiB; Slack's is far above
        # anything deskbreak sends).
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self.socket.handle)
        app.router.add_get("/openid/connect/authorize", self.oauth.authorize_page)
        app.router.add_post("/openid/connect/authorize", self.oauth.authorize_decision)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://{self.host}:{self.port}/response/{name}"

    # -- test controls ---------------------------------------------------------------------

    def fail(self, method: str, fault: Fault) -> None:
        self._faults.setdefault(method, []).append(fault)

    def hold(self, method: str) -> asyncio.Event:
        """Make ``method`` wait until the returned event is set: a slow Slack, without sleeping."""
        gate = self._holds[method] = asyncio.Event()
        return gate

    def add_channel(self, channel_id: str, *, member: bool = True, archived: bool = False,
                    team: str | None = None) -> None:
        if team is not None:
            self.teams[channel_id] = team
        self.channels[channel_id] = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": True,
            "is_member": member,
            "is_archived": archived,
        }

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every recorded request."""

        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(_wait(), GUARD_SECONDS)

    async def wait_responses(self, count: int = 1) -> list[dict[str, Any]]:
        await self.wait_for(lambda: len(self.responses) >= count)
        return self.responses

    # -- handlers --------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def shared_files(self, channel_id: str | None = None) -> list[SlackFile]:
        """Files completed into a channel (``channel_id``, or any), in upload order."""
        return [f for f in self.files.values() if f.channel_id is not None
                and (channel_id is None or f.channel_id == channel_id)]

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        error = limits.message_error(body) or await self._image_error(body)
        if error is not None:
            # response_url answers like an incoming webhook: HTTP 400 with the error as plain
            # text (https://github.com/sourcegraph/sourcegraph-public-snapshot/issues/49979,
            # https://github.com/slackapi/java-slack-sdk/issues/1017), not the Web API's JSON.
            self.rejected.append(Rejection("response_url", body, error))
            await self._notify()
            return web.Response(status=400, text=error)
        body["_url"] = request.match_info["id"]
        self.responses.append(body)
        await self._notify()
        return web.Response(text="ok")

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            else:
                params.update(dict(parse_qsl(raw)))
        for key in ("blocks",):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        if auth.startswith("Basic "):  # openid.connect.token: the app's own credentials
            token = "basic:" + base64.b64decode(auth[6:]).decode()
        params = await self._params(request)
        self.calls.append(Call(method, params, token, self.clock.now()))
        if request.transport is not None:
            self.peers.add(tuple(request.transport.get_extra_info("peername") or ()))
        queue = self._faults.get(method) or []
        if queue and queue[0].disconnect:
            self._fault(method)  # spends it
            assert request.transport is not None
            request.transport.abort()
            await self._notify()
            return web.Response(status=500)  # never reaches the client: the link is gone
        gate = self._holds.get(method)
        if gate is not None:
            await self._notify()
            await gate.wait()
        try:
            if method in MESSAGE_METHODS and token == BOT_TOKEN:
                error = await self._image_error(params)
                if error is not None:
                    self.rejected.append(Rejection(method, params, error))
                    return web.json_response({"ok": False, "error": error})
            return self._answer(method, params, token)
        finally:
            await self._notify()

    async def _image_error(self, params: dict[str, Any]) -> str | None:
        """Slack downloads every image block's URL before it posts the message, and refuses
        the whole message (``invalid_blocks``) when one is not a reachable image. The fake
        fetches only from this machine (a test's own web server); any other host counts as
        unreachable, so no test ever reaches out."""
        for url in limits.image_urls(params):
            status, kind = 0, ""
            if _loopback(url):
                try:
                    async with aiohttp.ClientSession() as session, session.get(url) as got:
                        status, kind = got.status, got.content_type
                        await got.read()
                except aiohttp.ClientError:
                    status = 0
            self.image_fetches.append((url, status, kind))
            if status != 200 or not kind.startswith("image/"):
                return limits.INVALID_BLOCKS
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal handed out: the file's raw bytes."""
        found = self.files.get(request.match_info["file_id"])
        if found is None or found.data is not None:
            return web.Response(status=404, text="unknown upload")
        found.data = await request.read()
        await self._notify()
        return web.Response(text=f"OK - {len(found.data)}")

    def _fault(self, method: str) -> web.Response | None:
        queue = self._faults.get(method) or []
        if not queue:
            return None
        fault = queue[0]
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.status == 429:
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers=headers
            )
        if fault.status >= 500 and fault.html:
            page = f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>"
            return web.Response(status=fault.status, text=page, content_type="text/html",
                                headers=headers)
        if fault.status >= 500:
            return web.Response(status=fault.status, text="upstream trouble", headers=headers)
        return web.json_response({"ok": False, "error": fault.error}, headers=headers)

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> web.Response:
        if method in ("openid.connect.token", "openid.connect.userInfo"):
            return web.json_response(self._openid(method, params, token))
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.revoked and method != "apps.connections.open":
            return web.json_response({"ok": False, "error": self.revoked})
        fault = self._fault(method)
        if fault is not None:
            return fault
        limited = self._over_tier(method) or self._over_post_limit(method, params)
        if limited is not None:
            return limited
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body: dict[str, Any] = handler(params)
        return web.json_response(body)

    def _over_tier(self, method: str) -> web.Response | None:
        """429 when ``method`` was called its tier's number of times in the last minute."""
        if self.tier_limits is None or method not in self.tier_limits:
            return None
        now = self.clock.now()
        calls = self._tier_calls.setdefault(method, deque())
        while calls and now - calls[0] >= timedelta(minutes=1):
            calls.popleft()
        if len(calls) >= self.tier_limits[method]:
            self.tier_refusals += 1
            wait = 60 - (now - calls[0]).total_seconds()
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(max(1, int(wait)))})
        calls.append(now)
        return None

    def team_of(self, channel: str) -> str:
        if channel in self.teams:
            return self.teams[channel]
        if channel.startswith("D"):
            user = self.users.get("U" + channel[1:], {})
            return str(user.get("team_id", TEAM_ID))
        return TEAM_ID

    def _over_post_limit(self, method: str, params: dict[str, Any]) -> web.Response | None:
        if self.post_limits is None or method != "chat.postMessage":
            return None
        channel = str(params.get("channel", ""))
        now = self.clock.now().timestamp()
        retry = self.post_limits.check(self.team_of(channel), channel, now)
        if retry is None:
            return None
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                 headers={"Retry-After": str(retry)})

    # -- methods ---------------------------------------------------------------------------

    def _m_auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "deskbreak",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0FAKE",
        }

    def _m_apps_connections_open(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://{self.host}:{self.port}/link"}

    def _post(self, params: dict[str, Any], where: str = "chat.postMessage") -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        info = self.channels.get(channel)
        if info is None and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        if info is not None and info["is_archived"]:
            return {"ok": False, "error": "is_archived"}
        if info is not None and not info["is_member"]:
            return {"ok": False, "error": "not_in_channel"}
        refused = self._refused(where, params)
        if refused is not None:
            return refused
        self._posted += 1
        if where == "chat.postMessage":
            self.posted[channel] = self.posted.get(channel, 0) + 1
        return {"ok": True, "channel": channel, "ts": f"1700000000.{self._posted:06d}"}

    def _refused(self, where: str, params: dict[str, Any]) -> dict[str, Any] | None:
        error = limits.message_error(params)
        if error is None:
            return None
        self.rejected.append(Rejection(where, params, error))
        return {"ok": False, "error": error}

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._post(params)

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        if channel not in self.channels and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        refused = self._refused("chat.update", params)
        if refused is not None:
            return refused
        return {"ok": True, "channel": channel, "ts": ts, "text": params.get("text", "")}

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        result = self._post(params, "chat.postEphemeral")
        return {"ok": True, "message_ts": result["ts"]} if result["ok"] else result

    # -- files_upload_v2 (files:write) ------------------------------------------------------

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(params.get("filename") or ""), str(params.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(_file_ids):08d}"
        alt = params.get("alt_txt")
        self.files[file_id] = SlackFile(file_id, filename, int(length),
                                        str(alt) if alt is not None else None)
        return {"ok": True, "file_id": file_id,
                "upload_url": f"http://{self.host}:{self.port}/upload/{file_id}"}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            wanted = json.loads(str(params.get("files") or "[]"))
        except json.JSONDecodeError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(wanted, list) or not wanted:
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(params.get("channel_id") or "")
        if channel:
            info = self.channels.get(channel)
            if info is None and not channel.startswith("D"):
                return {"ok": False, "error": "channel_not_found"}
            if info is not None and not info["is_member"]:
                return {"ok": False, "error": "not_in_channel"}
        chosen = []
        for entry in wanted:
            found = self.files.get(str((entry or {}).get("id")))
            # A reserved file whose bytes never arrived, or whose size differs from the
            # length it was reserved with, cannot be completed.
            if found is None or found.data is None or len(found.data) != found.length:
                return {"ok": False, "error": "file_not_found"}
            chosen.append((found, entry))
        for found, entry in chosen:
            found.title = entry.get("title") or found.filename
            found.channel_id = channel or "private"
            found.initial_comment = params.get("initial_comment")
        return {"ok": True, "files": [{"id": f.file_id, "title": f.title} for f, _ in chosen]}

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + user.removeprefix("U")}}

    def _m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self.channels.get(str(params.get("channel", "")))
        if info is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": info}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": params["user"], "team_id": TEAM_ID, **user}}

    def _m_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        members = self.groups.get(str(params.get("usergroup", "")))
        if members is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": members}

    # -- presence (dnd:read, users:read, users.profile:read) -------------------------------

    def _dnd_of(self, user: str) -> dict[str, Any]:
        base = {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
        return {**base, **self.dnd.get(user, {})}

    def _m_dnd_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, **self._dnd_of(user)}

    def _m_dnd_teamInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "no_users_provided"}
        if len(users) > 50:
            return {"ok": False, "error": "too_many_users"}  # documented max 50; code assumed
        # Snooze state is the caller's own business: teamInfo reports the schedule only.
        answer = {u: {k: v for k, v in self._dnd_of(u).items() if not k.startswith("snooze")}
                  for u in users if u in self.users}
        return {"ok": True, "users": answer}

    def _m_users_getPresence(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "presence": self.presence.get(user, "active")}

    def _m_users_profile_get(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        status = {"status_text": "", "status_emoji": "", "status_expiration": 0,
                  **self.statuses.get(user, {})}
        return {"ok": True, "profile": {"real_name": self.users[user].get("name", user),
                                        **status}}

    def _m_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channels": list(self.channels.values()),
                "response_metadata": {"next_cursor": ""}}

    # -- Sign in with Slack (OpenID Connect) -------------------------------------------------

    def _openid(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "openid.connect.token":
            client_id, _, secret = (token or "").removeprefix("basic:").partition(":")
            result = self.oauth.exchange(client_id, secret, str(params.get("code", "")),
                                         str(params.get("redirect_uri", "")))
            if isinstance(result, str):
                return {"ok": False, "error": result}
            access, grant = result
            claims = {"iss": "https://slack.com", "sub": grant.user_id, "aud": client_id,
                      "nonce": grant.nonce, "https://slack.com/team_id": TEAM_ID,
                      "https://slack.com/user_id": grant.user_id}
            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
            return {"ok": True, "access_token": f"xoxp-{access}", "token_type": "Bearer",
                    "id_token": f"eyJhbGciOiJIUzI1NiJ9.{body}.fake-signature"}
        grant = self.oauth.grant_of(f"Bearer {(token or '').removeprefix('xoxp-')}")
        if grant is None:
            return {"ok": False, "error": "invalid_auth"}
        user = self.users.get(grant.user_id, {})
        return {"ok": True, "sub": grant.user_id, "https://slack.com/user_id": grant.user_id,
                "https://slack.com/team_id": TEAM_ID, "name": user.get("real_name") or
                user.get("name") or grant.user_id}
