"""TEMPORARY, delete when h2-hardening's storage work lands (issue 11 / issue 18 item 4).

Callers above storage catch :class:`bot.storage.errors.StorageError` and nothing else. Until
the store raises it for every database failure, it still lets SQLAlchemy's own errors out, so
those callers catch ``STORAGE_ERRORS`` and word them with :func:`storage_reason`. This is the
only module outside ``bot/storage`` that names SQLAlchemy (the layer test allows exactly this
file). At merge: replace ``STORAGE_ERRORS`` with ``StorageError`` and ``storage_reason(exc)``
with ``str(exc)`` at its callers, and delete this file and its line in the layer test.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from bot.storage.errors import StorageError
from bot.storage.store import db_error

STORAGE_ERRORS: tuple[type[Exception], ...] = (StorageError, SQLAlchemyError)


def storage_reason(exc: BaseException) -> str:
    """One line a person can act on, never SQL or its parameters."""
    return str(exc) if isinstance(exc, StorageError) else db_error(exc)
