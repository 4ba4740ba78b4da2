"""The picture commands: ``deskbreak render-pictures`` and ``deskbreak stretch NAME --picture``.

Both go through :class:`StretchPictures` with the cache in the data folder, so a second run
(or the bot, later) reuses what the first one drew.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.core.content.library import Library
from bot.core.content.models import Stretch
from bot.pictures.cache import StretchPictures
from bot.settings import Settings
from bot.storage.paths import data_folder

SHEET_TITLE = "deskbreak: a picture for every stretch"


def pictures_for(settings: Settings) -> StretchPictures:
    """Pictures cached in ``pictures/`` in the data folder, where the bot itself keeps them."""
    return StretchPictures(data_folder(settings.database.url) / "pictures")


def write_stretch_picture(settings: Settings, stretch: Stretch, path: Path) -> Path:
    """Write ``stretch``'s picture to ``path``; a directory gets ``<id>.png`` inside it."""
    if path.is_dir():
        path = path / f"{stretch.id}.png"
    data = pictures_for(settings).picture(stretch)
    _write(path, data)
    return path


def render_all(library: Library, settings: Settings, out: Path,
               sheet: Path | None = None) -> list[Path]:
    """Every stretch's picture as ``out/<id>.png`` (and a contact sheet), in name order."""
    pictures = pictures_for(settings)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    items = []
    for stretch in library.stretches:
        data = pictures.picture(stretch)
        path = out / f"{stretch.id}.png"
        _write(path, data)
        written.append(path)
        items.append((stretch, data))
    pictures.prune(library.stretches)
    if sheet is not None:
        from bot.pictures.sheet import contact_sheet

        _write(sheet, contact_sheet(items, SHEET_TITLE))
    return written


def _write(path: Path, data: bytes) -> None:
    from bot.cli import CliError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise CliError([f"cannot write {path}: {exc.strerror or exc}"], 1) from exc


def cmd_render_pictures(args: argparse.Namespace) -> int:
    from bot.cli import CliError, library_from, settings_from

    settings = settings_from(args)
    library = library_from(settings)
    if args.out.exists() and not args.out.is_dir():
        raise CliError([f"--out {args.out} is a file; give a directory"], 2)
    written = render_all(library, settings, args.out, args.sheet)
    sheet = f" and a contact sheet, {args.sheet}" if args.sheet else ""
    print(f"Wrote {len(written)} pictures to {args.out}{sheet}.")
    return 0


def register_cli(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "render-pictures",
        parents=[common],
        help="draw every stretch's picture into a folder",
        description="Draw the picture of every stretch the bot would load, as DIR/<id>.png,"
        " so a person can look through them. Pictures are cached in the data folder (beside"
        " the SQLite database), so only new or changed poses are drawn again.",
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write to")
    p.add_argument(
        "--sheet",
        type=Path,
        metavar="PNG",
        help="also write a contact sheet of all of them (docs/stretch-pictures.png is one)",
    )
    p.set_defaults(func=cmd_render_pictures)


def add_picture_option(parser: argparse.ArgumentParser) -> None:
    """``deskbreak stretch NAME --picture out.png``."""
    parser.add_argument(
        "--picture",
        type=Path,
        metavar="PNG",
        help="also save the stretch's picture to this file (or folder)",
    )
