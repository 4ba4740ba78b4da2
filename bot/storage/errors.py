"""The one error type storage lets out.

Callers above storage (the scheduler, the command facades, adapters) catch ``StorageError``
and never a driver's or SQLAlchemy's own exceptions, so swapping or upgrading a driver cannot
change what they must handle, and a message never carries SQL or its parameters.
"""

from __future__ import annotations


class StorageError(Exception):
    """The database could not do what was asked (unreachable, locked, read-only, full, gone).

    ``str()`` is one line a person can act on; it never contains SQL, parameters or a password.
    """


class StoreUnavailable(StorageError):
    """The database cannot be opened or brought up to date at start-up; restarting as is
    won't help, so ``deskbreak run`` prints this one line and exits."""
