"""Slack adapter: Bolt AsyncApp (HTTP or Socket Mode), Block Kit rendering, SlackNotifier."""

from bot.adapters.slack.adapter import SlackAdapter, SlackConfig
from bot.adapters.slack.notifier import SlackNotifier

__all__ = ["SlackAdapter", "SlackConfig", "SlackNotifier"]
