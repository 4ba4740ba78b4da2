"""A fake Slack (Web API, response_url endpoints and a Socket Mode websocket) on 127.0.0.1."""

from tests.fakes.slack.server import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, Call, FakeSlack

__all__ = ["APP_TOKEN", "BOT_TOKEN", "SIGNING_SECRET", "Call", "FakeSlack"]
