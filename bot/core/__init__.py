"""Platform-neutral core.

Nothing under this package may import discord, slack_bolt or slack_sdk: adapters depend on the
core, never the other way round, so the same behaviour serves every platform and the console.
"""
