"""Discord adapter: slash commands, persistent buttons and the scheduler's notifier.

Import from the submodules (``client``, ``notifier``, ``runner``, ``invite``); this package
file stays empty so ``deskbreak invite`` does not pay for importing discord.py.
"""
