"""Where a database URL keeps its data on this computer, for files that belong beside it."""

from __future__ import annotations

from pathlib import Path

from bot.storage.urls import DatabaseUrlError, parse_database_url


def sqlite_file(url: str) -> Path | None:
    """The SQLite database file ``url`` names; None for a server database, an in-memory
    one, or a URL that does not parse (the store reports that one when it opens)."""
    try:
        parsed = parse_database_url(url).url
    except DatabaseUrlError:
        return None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database))
    return None


def data_folder(url: str) -> Path:
    """The folder for files that belong with the database (console history, the picture
    cache): the SQLite file's folder, or ``data/`` under the working directory (the default
    database's folder) when the database is a server or lives in memory."""
    database = sqlite_file(url)
    if database is None or str(database).startswith("file:"):
        return Path("data")
    return database.expanduser().parent
