"""Sign-in with Discord (OAuth2 code grant) and with Slack (OpenID Connect), as plain HTTP.

Both flows end in a :class:`SignedIn`: who the person is on the platform, and for Discord the
servers their grant says they manage (only a shortlist: access is decided by the bot's own
data on every request, see bot/web/directory.py). Access tokens are used for the two or three
calls here and then dropped; nothing of them reaches the session, a page or a log.

Endpoints default to the real platforms; DESKBREAK_DISCORD_API_BASE / DESKBREAK_SLACK_API_BASE
(loopback only, for tests) point them at the fakes, the same way the bot itself is pointed.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import Platform

log = logging.getLogger(__name__)

DISCORD_API = "https://discord.com/api/v10"
DISCORD_SCOPES = "identify guilds"
SLACK_API = "https://slack.com/api/"
SLACK_SCOPES = "openid profile"
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
# The shortlist of servers kept in the session cookie (which must stay under 4 KB).
MAX_CANDIDATES = 60
TIMEOUT = aiohttp.ClientTimeout(total=15)


class SignInFailed(Exception):
    """The platform refused or did not answer; ``str`` is safe to show (no token in it)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    platform: Platform
    user_id: str
    name: str
    # Discord: servers the grant lists as managed (owner, Manage Server or Administrator).
    # Slack: the one team the person signed in to.
    workspaces: tuple[str, ...] = field(default_factory=tuple)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class DiscordOAuth:
    client_id: str
    client_secret: SecretStr
    api_base: str = DISCORD_API

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode({
            "response_type": "code", "client_id": self.client_id, "scope": DISCORD_SCOPES,
            "state": state, "redirect_uri": redirect_uri, "prompt": "none",
        })
        return f"{_origin(self.api_base)}/oauth2/authorize?{query}"

    async def sign_in(self, http: aiohttp.ClientSession, code: str,
                      redirect_uri: str) -> SignedIn:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        pair = f"{self.client_id}:{self.client_secret.get_secret_value()}".encode()
        auth = {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        token = await self._json(http.post(f"{self.api_base}/oauth2/token", data=form,
                                           headers=auth, timeout=TIMEOUT), "token exchange")
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise SignInFailed("Discord did not grant access.")
        headers = {"Authorization": f"Bearer {access}"}
        me = await self._json(http.get(f"{self.api_base}/users/@me", headers=headers,
                                       timeout=TIMEOUT), "who you are")
        guilds = await self._json(http.get(f"{self.api_base}/users/@me/guilds",
                                           headers=headers, timeout=TIMEOUT), "your servers")
        managed = [
            str(g["id"]) for g in (guilds if isinstance(guilds, list) else [])
            if isinstance(g, dict) and "id" in g and (
                g.get("owner") or int(str(g.get("permissions") or 0)) & (MANAGE_GUILD
                                                                        | ADMINISTRATOR))
        ]
        user_id = str(me.get("id") or "")
        if not user_id.isdigit():
            raise SignInFailed("Discord did not say who you are.")
        name = str(me.get("global_name") or me.get("username") or user_id)
        return SignedIn(Platform.DISCORD, user_id, name[:100], tuple(managed[:MAX_CANDIDATES]))

    @staticmethod
    async def _json(request: Any, what: str) -> Any:
        try:
            async with request as response:
                if response.status != 200:
                    # The body may echo the code or name the client; log the status only.
                    log.warning("Discord sign-in: %s answered HTTP %s", what, response.status)
                    raise SignInFailed(f"Discord refused the sign-in ({what}).")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            log.warning("Discord sign-in: %s failed: %s", what, type(exc).__name__)
            raise SignInFailed(f"Discord did not answer ({what}); try again.") from None


@dataclass(frozen=True)
class SlackOIDC:
    client_id: str
    client_secret: SecretStr
    api_base: str = SLACK_API

    def authorize_url(self, redirect_uri: str, state: str, nonce: str,
                      team: str | None = None) -> str:
        params = {"response_type": "code", "scope": SLACK_SCOPES, "client_id": self.client_id,
                  "state": state, "nonce": nonce, "redirect_uri": redirect_uri}
        if team:
            params["team"] = team  # straight to the bot's workspace
        return f"{_origin(self.api_base)}/openid/connect/authorize?{urlencode(params)}"

    async def sign_in(self, code: str, redirect_uri: str, nonce: str) -> SignedIn:
        base = self.api_base if self.api_base.endswith("/") else self.api_base + "/"
        try:
            token = await AsyncWebClient(base_url=base).openid_connect_token(
                client_id=self.client_id, client_secret=self.client_secret.get_secret_value(),
                code=code, redirect_uri=redirect_uri)
            access = str(token.get("access_token") or "")
            if _id_token_nonce(token.get("id_token")) != nonce:
                raise SignInFailed("Slack's answer was not for this sign-in; start again.")
            info = await AsyncWebClient(token=access, base_url=base).openid_connect_userInfo()
        except SlackApiError as exc:
            error = (exc.response.data or {}).get("error") if exc.response is not None else None
            log.warning("Slack sign-in refused: %s", error or "unknown_error")
            raise SignInFailed("Slack refused the sign-in.") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Slack sign-in failed: %s", type(exc).__name__)
            raise SignInFailed("Slack did not answer; try again.") from None
        user_id = str(info.get("https://slack.com/user_id") or "")
        team_id = str(info.get("https://slack.com/team_id") or "")
        if not user_id or not team_id:
            raise SignInFailed("Slack did not say who you are.")
        name = str(info.get("name") or info.get("given_name") or user_id)
        return SignedIn(Platform.SLACK, user_id, name[:100], (team_id,))


def _id_token_nonce(id_token: object) -> str | None:
    """The ``nonce`` claim of the ID token Slack's token endpoint returned.

    The token came straight from Slack's token endpoint over TLS, which OpenID Connect Core
    3.1.3.7 accepts in place of checking its signature; the nonce ties it to this sign-in.
    """
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    nonce = claims.get("nonce") if isinstance(claims, dict) else None
    return nonce if isinstance(nonce, str) else None
