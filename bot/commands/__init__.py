"""The command table and everything generated from it, for every platform.

- ``spec.py``: the shape of a declaration (:class:`Command`, :class:`Option`, :class:`Kind`).
- ``table.py``: ``TABLE``, every command, declared once.
- ``buttons.py``: what each button action does.
- ``parse.py``: the one parser for typed commands (Slack text, console lines).
- ``call.py`` / ``run.py``: running a command for a platform, and every way it can fail.
- ``help.py``: usage lines, /help, Slack usage hints.
"""
