"""The admin web dashboard (issue 15): served by `deskbreak run` itself.

Server-rendered pages (aiohttp + Jinja2) over the same SchedulingCommands facade as the slash
commands; see bot/web/dashboard.py for how it joins the process and bot/web/application.py for
its guards.
"""

from bot.web.dashboard import Dashboard, serve_dashboard

__all__ = ["Dashboard", "serve_dashboard"]
