"""A fake authorization server shared by the fake Discord (OAuth2) and the fake Slack (OpenID
Connect): a consent page, single-use codes bound to a client and redirect URI, and bearer
tokens that name one user.

Like the real ones, it refuses an unknown client, a wrong secret, a code used twice or
redeemed for another redirect URI, and a redirect URI that was not registered. The person
"signed in" at the platform's website is whoever the test says (``signed_in``).
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web

PARAMS = ("response_type", "client_id", "scope", "state", "redirect_uri", "nonce", "prompt",
          "team")


@dataclass(frozen=True)
class Grant:
    user_id: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None = None


@dataclass
class FakeAuthorizationServer:
    name: str
    clients: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    signed_in: str | None = None  # the user id logged in at the fake platform's website
    display_names: dict[str, str] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    exchanges: int = 0

    def register_client(self, client_id: str, secret: str, redirect_uris: set[str]) -> None:
        self.clients[client_id] = (secret, set(redirect_uris))

    def _problem(self, query: dict[str, str]) -> str | None:
        client = self.clients.get(query.get("client_id", ""))
        if client is None:
            return "unknown client_id"
        if query.get("redirect_uri") not in client[1]:
            return "redirect_uri is not registered for this application"
        if query.get("response_type") != "code":
            return "response_type must be code"
        return None

    async def authorize_page(self, request: web.Request) -> web.Response:
        query = {k: v for k, v in request.query.items() if k in PARAMS}
        problem = self._problem(query)
        if problem is not None:
            return web.Response(status=400, text=f"{self.name}: {problem}")
        if self.signed_in is None:
            return web.Response(text=f"<h1>Log in to {self.name}</h1>", content_type="text/html")
        who = html.escape(self.display_names.get(self.signed_in, self.signed_in))
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items())
        page = (f"<!doctype html><title>{self.name}: authorize</title>"
                f"<h1>An application wants to sign you in</h1><p>Signed in to {self.name} as "
                f"<b>{who}</b>. It asks for: {html.escape(query.get('scope', ''))}.</p>"
                f'<form method="post">{hidden}<button name="decision" value="allow">Authorize'
                f'</button> <button name="decision" value="deny">Cancel</button></form>')
        return web.Response(text=page, content_type="text/html")

    async def authorize_decision(self, request: web.Request) -> web.Response:
        form = await request.post()
        query = {k: str(v) for k, v in form.items() if k in PARAMS}
        problem = self._problem(query)
        if problem is not None or self.signed_in is None:
            return web.Response(status=400, text=f"{self.name}: {problem or 'not signed in'}")
        back: dict[str, str] = {"state": query.get("state", "")}
        if form.get("decision") == "allow":
            code = secrets.token_urlsafe(16)
            self.codes[code] = Grant(self.signed_in, query["client_id"], query["redirect_uri"],
                                     query.get("scope", ""), query.get("nonce"))
            back["code"] = code
        else:
            back["error"] = "access_denied"
        raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(back)}")

    def exchange(self, client_id: str, secret: str, code: str,
                 redirect_uri: str) -> tuple[str, Grant] | str:
        """A new access token for a valid code, or the OAuth error name."""
        self.exchanges += 1
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client[0], secret):
            return "invalid_client"
        grant = self.codes.pop(code, None)
        if grant is None or code in self.used_codes:
            return "invalid_grant"
        self.used_codes.add(code)
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            return "invalid_grant"
        token = secrets.token_urlsafe(24)
        self.tokens[token] = grant
        return token, grant

    def grant_of(self, authorization: str) -> Grant | None:
        if not authorization.startswith("Bearer "):
            return None
        return self.tokens.get(authorization.removeprefix("Bearer "))
