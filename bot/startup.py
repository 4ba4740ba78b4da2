"""Which platforms ``deskbreak run`` serves, decided before anything is built.

A service manager treats exit 0 as "fine". A unit or container whose ``SLACK_APP_TOKEN`` went
missing used to fall back to the console, read the end of its empty input and exit 0: it
"succeeded" doing nothing. So half of a platform's credentials is an error that names the
missing variable (exit 2), an explicitly chosen platform without its credentials is one too,
and the console fallback of ``--platform auto`` says in one line why it is the console.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.ports import Platform
from bot.settings import Settings

AUTO = "auto"
_DISCORD_VARS = "DISCORD_TOKEN (or DISCORD_TOKEN_FILE)"
_SLACK_APP = "SLACK_APP_TOKEN (Socket Mode)"
_SLACK_HTTP = "SLACK_SIGNING_SECRET (HTTP mode)"


class MissingCredentials(ValueError):
    """A platform's credentials are incomplete; ``problems`` are lines naming what is missing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class StartPlan:
    platforms: tuple[Platform, ...]
    notice: str | None = None  # one line for the person starting it, printed on stderr


def plan_platforms(settings: Settings, requested: str) -> StartPlan:
    """The platforms for ``--platform requested``; raises MissingCredentials when they can't
    run (or, for ``auto``, when any platform is half configured)."""
    if requested == Platform.CONSOLE:
        return StartPlan((Platform.CONSOLE,))
    if requested != AUTO:
        platform = Platform(requested)
        problems = _half_set(settings, platform) or _unset(settings, platform)
        if problems:
            raise MissingCredentials(problems)
        return StartPlan((platform,))
    problems = [p for platform in (Platform.DISCORD, Platform.SLACK)
                for p in _half_set(settings, platform)]
    if problems:
        raise MissingCredentials(problems)
    platforms = settings.auto_platforms()
    if platforms == (Platform.CONSOLE,):
        return StartPlan(platforms, notice=(
            "Starting the console: no platform token is set (DISCORD_TOKEN, SLACK_BOT_TOKEN)."
        ))
    return StartPlan(platforms)


def _half_set(settings: Settings, platform: Platform) -> list[str]:
    """Lines for credentials given without the ones they need beside them."""
    if platform is Platform.DISCORD:
        if settings.discord_token is None and settings.discord_dev_guild is not None:
            return [f"DISCORD_DEV_GUILD is set but {_DISCORD_VARS} is not."]
        return []
    bot_token = settings.slack_bot_token is not None
    app_token = settings.slack_app_token is not None
    signing = settings.slack_signing_secret is not None
    if bot_token and not (app_token or signing):
        return [f"SLACK_BOT_TOKEN is set but neither {_SLACK_APP} nor {_SLACK_HTTP} is."]
    if not bot_token and (app_token or signing):
        given = "SLACK_APP_TOKEN" if app_token else "SLACK_SIGNING_SECRET"
        return [f"{given} is set but SLACK_BOT_TOKEN (or SLACK_BOT_TOKEN_FILE) is not."]
    return []


def _unset(settings: Settings, platform: Platform) -> list[str]:
    if platform is Platform.DISCORD and settings.discord_token is None:
        return [f"--platform discord needs {_DISCORD_VARS}, which is not set."]
    if platform is Platform.SLACK and settings.slack_bot_token is None:
        return ["--platform slack needs SLACK_BOT_TOKEN (or SLACK_BOT_TOKEN_FILE) and "
                f"{_SLACK_APP} or {_SLACK_HTTP}, which are not set."]
    return []
