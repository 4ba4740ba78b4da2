"""Why a server could not listen, in one line an operator can act on.

``deskbreak run`` opens up to three listeners (/healthz + /metrics, Slack's HTTP endpoint,
the dashboard). Each fails the same few ways (a port already taken, a host name that does not
resolve, an address that is not this machine's), and asyncio reports them as an ``OSError``
whose traceback says nothing the operator needs. They all word it here, the same way.
"""

from __future__ import annotations

import errno
import socket


class CannotListen(RuntimeError):
    """A listener the operator asked for could not start; ``str()`` is the one line to show."""


def why_not(host: str, port: int, exc: OSError) -> str:
    """What went wrong binding ``host:port``: ``port 9100 is already in use on 0.0.0.0``."""
    if isinstance(exc, socket.gaierror):
        return f"the host name {host!r} does not resolve ({exc.strerror or exc})"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {host}"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine"
    if exc.errno == errno.EACCES:
        return f"port {port} needs privileges this process does not have"
    return f"{exc.strerror or exc}"


def cannot_listen(what: str, host: str, port: int, exc: OSError, fix: str) -> CannotListen:
    """The one-line error for ``what`` (``/healthz and /metrics``) on ``host:port``."""
    return CannotListen(f"cannot serve {what} on {host}:{port}: {why_not(host, port, exc)}. {fix}")
