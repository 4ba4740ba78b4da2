"""Database URLs as hosting providers hand them out (issue 11, items 3 and 4).

``postgres://`` and ``postgresql://`` open through asyncpg, libpq's ``sslmode`` and
``connect_timeout`` become asyncpg's connect arguments, anything else is one line naming the
accepted forms, and a password holding ``@``, ``:``, ``/`` or ``%40`` never shows.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.settings import DatabaseSettings, Settings, SettingsError, load_settings, redact_url
from bot.storage.store import StoreUnavailable, create_store
from bot.storage.urls import ACCEPTED, DatabaseUrlError, parse_database_url
from tests.childenv import child_env

# Each password is made of fragments that must never appear anywhere; the separators are the
# characters that make URL parsers split credentials in the wrong place.
FRAGMENTS = ("Kq7wZ", "Rv3mX", "Tn8pL", "Hs2dQ")
PASSWORDS = {
    "at": f"{FRAGMENTS[0]}@{FRAGMENTS[1]}",
    "colon": f"{FRAGMENTS[0]}:{FRAGMENTS[1]}",
    "slash": f"{FRAGMENTS[0]}/{FRAGMENTS[1]}",
    "percent-40": f"{FRAGMENTS[0]}%40{FRAGMENTS[1]}",
    "all": f"{FRAGMENTS[0]}@{FRAGMENTS[1]}:{FRAGMENTS[2]}/{FRAGMENTS[3]}%40x",
}


def assert_hidden(text: str) -> None:
    for fragment in FRAGMENTS:
        assert fragment not in text, f"password fragment {fragment} shown in {text!r}"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+asyncpg"])
def test_postgres_schemes_use_asyncpg(scheme: str) -> None:
    """postgres://, postgresql:// and postgresql+asyncpg:// all open with asyncpg."""
    opened = parse_database_url(f"{scheme}://me:pw@db.example.org:6543/deskbreak")
    assert opened.url.drivername == "postgresql+asyncpg"
    assert (opened.url.username, opened.url.password) == ("me", "pw")
    assert (opened.url.host, opened.url.port, opened.url.database) == (
        "db.example.org", 6543, "deskbreak")
    assert opened.connect_args == {}


def test_sslmode_and_connect_timeout_become_asyncpg_arguments() -> None:
    """libpq's sslmode -> asyncpg's ssl, connect_timeout -> timeout; the URL keeps neither."""
    opened = parse_database_url(
        "postgres://me:pw@db/deskbreak?sslmode=require&connect_timeout=7")
    assert opened.connect_args == {"ssl": "require", "timeout": 7.0}
    assert dict(opened.url.query) == {}
    assert parse_database_url("postgresql://db/x?sslmode=verify-full").connect_args == {
        "ssl": "verify-full"}
    assert parse_database_url("postgresql://db/x?connect_timeout=0").connect_args == {}


@pytest.mark.parametrize("url", [
    "sqlite+aiosqlite:///data/deskbreak.sqlite3", "sqlite:///data/deskbreak.sqlite3",
    "sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite://",
])
def test_sqlite_urls_use_aiosqlite(url: str) -> None:
    """SQLite files (with or without +aiosqlite) open with aiosqlite."""
    assert parse_database_url(url).url.drivername == "sqlite+aiosqlite"


@pytest.mark.parametrize(("url", "why"), [
    ("mysql://u:pw@db/x", "mysql:// is not supported"),
    ("postgresql+psycopg2://u:pw@db/x", "postgresql+psycopg2:// is not supported"),
    ("postgres://u:pw@db/x?sslmode=sometimes", "sslmode must be one of"),
    ("postgres://u:pw@db/x?connect_timeout=soon", "connect_timeout must be a number"),
    ("postgres://u:pw@db/x?connect_timeout=-1", "connect_timeout must be between"),
    ("postgres://u:pw@db/x?channel_binding=require", "unknown parameter channel_binding"),
    ("postgres://u:pw@db/x?sslmode=require&sslmode=disable", "sslmode is given twice"),
    ("postgres://u:pw@db:port/x", "the port must be a number"),
    ("postgres://u:pw@db:99999/x", "the port must be a number"),
    ("deskbreak.sqlite3", "it is not a URL"),
])
def test_anything_else_is_one_line_naming_the_accepted_forms(url: str, why: str) -> None:
    """A URL deskbreak cannot open: one line, the reason, the accepted forms, no password."""
    with pytest.raises(DatabaseUrlError) as caught:
        parse_database_url(url)
    message = str(caught.value)
    assert "\n" not in message
    assert why in message and ACCEPTED in message
    assert ":pw@" not in message


@pytest.mark.parametrize("password", PASSWORDS.values(), ids=PASSWORDS.keys())
def test_a_raw_password_is_read_whole(password: str) -> None:
    """The credentials run to the last "@": the password keeps its @, : and / (and %40 is an
    encoded @), and the host is the real host."""
    opened = parse_database_url(f"postgres://deskbreak:{password}@db.internal:5432/deskbreak")
    assert opened.url.password == password.replace("%40", "@")
    assert (opened.url.username, opened.url.host, opened.url.database) == (
        "deskbreak", "db.internal", "deskbreak")


@pytest.mark.parametrize("password", PASSWORDS.values(), ids=PASSWORDS.keys())
@pytest.mark.parametrize("scheme", ["postgres", "postgresql+asyncpg", "mysql"])
def test_every_place_that_prints_the_url_hides_the_password(
        password: str, scheme: str, tmp_path: Path) -> None:
    """redact_url, settings' repr/str/redacted(), a settings error and a refused URL all
    show the URL with its password masked, whichever character the password holds."""
    url = f"{scheme}://deskbreak:{password}@db.internal:5432/deskbreak?sslmode=require"
    assert redact_url(url) == f"{scheme}://deskbreak:***@db.internal:5432/deskbreak?sslmode=require"
    settings = Settings(database=DatabaseSettings(url=url))
    for shown in (repr(settings), str(settings), str(settings.redacted())):
        assert_hidden(shown)
        assert "deskbreak:***@db.internal" in shown
    config = tmp_path / "deskbreak.yaml"
    config.write_text(f"database_url: [{url}]\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(env={}, config_path=config)
    assert_hidden(str(caught.value))
    if scheme == "mysql":
        with pytest.raises(DatabaseUrlError) as refused:
            parse_database_url(url)
        assert_hidden(str(refused.value))
        assert "deskbreak:***@db.internal" in str(refused.value)


@pytest.mark.parametrize("password", PASSWORDS.values(), ids=PASSWORDS.keys())
def test_a_failed_open_names_the_database_without_its_password(password: str) -> None:
    """A database that cannot be reached: one line naming it, password masked."""
    url = f"postgres://deskbreak:{password}@127.0.0.1:1/deskbreak?connect_timeout=5"

    async def scenario() -> str:
        store = create_store(url)
        try:
            with pytest.raises(StoreUnavailable) as caught:
                await store.migrate()
            return str(caught.value)
        finally:
            await store.close()

    message = asyncio.run(scenario())
    assert_hidden(message)
    assert "\n" not in message
    assert "postgresql+asyncpg://deskbreak:***@127.0.0.1:1/deskbreak" in message


def _as_provider_url(pg_url: str, scheme: str, user: str, password: str, query: str) -> str:
    real = sa.make_url(pg_url)
    port = f":{real.port}" if real.port else ""
    return f"{scheme}://{user}:{password}@{real.host}{port}/{real.database}{query}"


async def _admin(pg_url: str, sql: str) -> None:
    engine = create_async_engine(pg_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("scheme", "query"), [
    ("postgres", ""), ("postgresql", "?sslmode=disable&connect_timeout=10"),
    ("postgresql", "?sslmode=prefer"),
])
def test_provider_urls_open_a_real_database(pg_url: str, scheme: str, query: str) -> None:
    """A real PostgreSQL, reached as a provider writes the URL, by a role whose password holds
    @, :, / and %40: migrated and answering."""
    role = f"deskbreak_url_{secrets.token_hex(4)}"
    password = "p@ss:w/rd%40x"
    encoded_for_sql = password.replace("%40", "@")

    async def scenario() -> str | None:
        await _admin(pg_url, f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{encoded_for_sql}'")
        store = create_store(_as_provider_url(pg_url, scheme, role, password, query))
        try:
            await store.migrate()
            async with store.engine.connect() as conn:
                return (await conn.execute(sa.text("SELECT current_user"))).scalar()
        finally:
            await store.close()
            # The tables it made stay, owned by the suite's user, for the other tests.
            await _admin(pg_url, f"REASSIGN OWNED BY {role} TO CURRENT_USER")
            await _admin(pg_url, f"DROP OWNED BY {role}")
            await _admin(pg_url, f"DROP ROLE {role}")

    assert asyncio.run(scenario()) == role


@pytest.mark.slow
@pytest.mark.parametrize("command", [["run", "--platform", "console"], ["validate"]])
def test_the_cli_refuses_a_bad_url_in_one_line(tmp_path: Path, command: list[str]) -> None:
    """`deskbreak run` and `deskbreak validate` refuse an unsupported URL: exit 2, one line
    naming the accepted forms, no traceback, no password."""
    url = f"mysql://deskbreak:{PASSWORDS['all']}@db.internal/deskbreak"
    result = subprocess.run(
        [sys.executable, "-m", "bot", *command], capture_output=True, text=True, timeout=60,
        env=child_env(DESKBREAK_DATABASE_URL=url), cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "mysql:// is not supported" in result.stderr and ACCEPTED in result.stderr
    assert_hidden(result.stdout + result.stderr)
