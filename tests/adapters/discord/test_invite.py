"""`deskbreak invite`: the OAuth2 link with exactly the permissions the bot needs."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import discord
import pytest

from bot.adapters.discord.invite import PERMISSIONS, client_id_from_token, invite_url
from bot.cli import main


def test_permissions_are_view_send_embed_and_threads_only() -> None:
    """The permission integer is View Channel + Send Messages + Embed Links, and the two
    thread rights group breaks use, and nothing else."""
    expected = discord.Permissions(view_channel=True, send_messages=True, embed_links=True,
                                   create_public_threads=True, send_messages_in_threads=True)
    assert expected.value == PERMISSIONS


def test_url_has_both_scopes_and_the_permissions() -> None:
    """The link asks for bot + applications.commands and the permission integer."""
    query = parse_qs(urlparse(invite_url("42")).query)
    assert query == {"client_id": ["42"], "scope": ["bot applications.commands"],
                     "permissions": [str(PERMISSIONS)]}


def test_client_id_is_read_from_the_token() -> None:
    """The token's first segment decodes to the application id."""
    first = base64.b64encode(b"1234567890").decode().rstrip("=")
    assert client_id_from_token(f"{first}.abc.def") == "1234567890"
    with pytest.raises(ValueError):
        client_id_from_token("not-a-token")


def test_cli_prints_the_link(capsys: pytest.CaptureFixture[str]) -> None:
    """`deskbreak invite --client-id N` prints the link and exits 0."""
    assert main(["invite", "--client-id", "555"]) == 0
    out = capsys.readouterr().out
    assert invite_url("555") in out
    assert "Read Message History" not in out
