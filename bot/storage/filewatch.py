"""Noticing that the SQLite database file is no longer the one the bot opened.

Deleting (or replacing) the file under a running bot is silent: SQLite keeps writing to the
open, now nameless, file, every health check passes, and the next start finds an empty
database: every schedule and reminder gone. So the store remembers the file's identity
(device and inode) once it is migrated, and :meth:`FileWatch.file_problem` compares the
path's current identity with it: a cheap ``stat`` the scheduler makes every tick and
/healthz on every probe.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.storage.base import Database
from bot.storage.paths import sqlite_file


class FileWatch(Database):
    _file: Path | None = None
    _identity: tuple[int, int] | None = None

    def remember_file(self) -> None:
        """Note the SQLite file's identity (after migrating: the file now exists)."""
        path = sqlite_file(self.engine.url.render_as_string(hide_password=False))
        if path is None or str(path).startswith("file:"):
            return
        self._file = path.expanduser().resolve()
        st = os.stat(self._file)
        self._identity = (st.st_dev, st.st_ino)

    def open_existing(self, _dialect: Any, _record: Any, cargs: list[Any],
                      cparams: dict[str, Any]) -> None:
        """SQLAlchemy's ``do_connect`` hook: once the file is remembered, a new connection
        opens that file read-write and never creates it (``mode=rw``).

        Without it, a connection opened after the file was deleted (the pool grows when two
        reads overlap) made a fresh, empty database at the path before the tick's check
        looked: the bot then reported the file "replaced" and left an empty database behind
        for the next start. Now that connection fails, and the check reports the deletion.
        """
        if self._file is None or self._identity is None or not cargs:
            return
        cargs[0] = f"file:{quote(str(self._file))}?mode=rw"
        cparams["uri"] = True

    def file_problem(self) -> str | None:
        """Why the database file is not the one this process opened; None when it is (or the
        database is not a SQLite file)."""
        if self._file is None or self._identity is None:
            return None
        try:
            st = os.stat(self._file)
        except FileNotFoundError:
            return f"the database file {self._file} was deleted while the bot was running"
        except OSError as exc:
            return f"cannot check the database file {self._file}: {exc.strerror}"
        if (st.st_dev, st.st_ino) != self._identity:
            return f"the database file {self._file} was replaced while the bot was running"
        return None
