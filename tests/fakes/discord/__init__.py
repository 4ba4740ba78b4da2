"""A fake Discord (REST v10 + gateway) for end-to-end tests of the real discord.py client."""

from tests.fakes.discord.server import Callback, FakeDiscord

__all__ = ["Callback", "FakeDiscord"]
