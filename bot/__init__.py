"""deskbreak: break nudges, desk stretches and ergonomics tips for Discord, Slack and a terminal."""

__version__ = "0.1.0"
