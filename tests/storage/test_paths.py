"""Where files that belong with the database live."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.paths import data_folder


@pytest.mark.parametrize(
    ("url", "folder"),
    [
        ("sqlite+aiosqlite:///data/deskbreak.sqlite3", Path("data/pictures")),
        ("sqlite+aiosqlite:////var/lib/deskbreak/db.sqlite3", Path("/var/lib/deskbreak/pictures")),
        ("sqlite+aiosqlite:///:memory:", Path("data/pictures")),
        ("postgresql+asyncpg://user:secret@db/deskbreak", Path("data/pictures")),
        ("not a url", Path("data/pictures")),
    ],
)
def test_the_cache_lives_in_the_data_folder(url: str, folder: Path) -> None:
    """Pictures go beside the SQLite database, else in ./data like the default database."""
    assert data_folder(url) / "pictures" == folder
