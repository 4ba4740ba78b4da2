"""The meetings feature's settings, read from the environment on their own.

Kept apart from ``bot/settings.py`` while the settings there are being reshaped into nested
groups; the wiring nests :class:`MeetingSettings` there (``settings.meetings``) and keeps
these variable names:

* ``DESKBREAK_DISCORD_PRESENCE`` (off): ask Discord for the presences + server members
  intents and hold DMs to people shown offline or Do Not Disturb;
* ``DESKBREAK_SLACK_PRESENCE`` (on): hold Slack DMs during DND, away or a busy status;
* ``DESKBREAK_BUSY_STATUSES``: which statuses mean busy (:mod:`bot.meetings.statuses`);
* ``DESKBREAK_CALENDAR_ALLOW_LOOPBACK`` (off, **tests only**): let the calendar fetcher
  reach 127.0.0.1 / ::1, for the local ICS server the tests and benchmarks run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, field_validator

from bot.meetings.statuses import StatusRules, StatusRulesError

ENV_NAMES = {
    "discord_presence": "DESKBREAK_DISCORD_PRESENCE",
    "slack_presence": "DESKBREAK_SLACK_PRESENCE",
    "busy_statuses": "DESKBREAK_BUSY_STATUSES",
    "calendar_allow_loopback": "DESKBREAK_CALENDAR_ALLOW_LOOPBACK",
}


class MeetingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    discord_presence: bool = False
    slack_presence: bool = True
    busy_statuses: str | None = None
    calendar_allow_loopback: bool = False

    @field_validator("busy_statuses")
    @classmethod
    def _rules(cls, value: str | None) -> str | None:
        try:
            StatusRules.parse(value)
        except StatusRulesError as exc:
            raise ValueError(str(exc)) from None
        return value

    def status_rules(self) -> StatusRules:
        return StatusRules.parse(self.busy_statuses)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MeetingSettings:
        """From ``env`` (default ``os.environ``); pydantic reads 1/0, true/false, on/off."""
        env = os.environ if env is None else env
        values = {name: env[var] for name, var in ENV_NAMES.items() if env.get(var, "") != ""}
        return cls.model_validate(values)
