"""`deskbreak render-pictures` and `deskbreak stretch NAME --picture`, run as people run them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from bot.pictures.sheet import digest_of
from tests.core.contentkit import CONTENT

FIXTURE_ENV = {"DESKBREAK_BASE_CONTENT_DIR": str(CONTENT)}


def deskbreak(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``cwd``: the data folder (and so the picture cache) is relative to it."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DESKBREAK_", "DISCORD_", "SLACK_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          timeout=120, env={**clean, **(env or {})}, cwd=cwd)


def test_render_pictures_writes_one_png_per_stretch_and_caches_them(tmp_path: Path) -> None:
    """Every stretch becomes DIR/<id>.png; the data folder keeps them for the next run."""
    out = tmp_path / "pictures"
    result = deskbreak("render-pictures", "--out", str(out), cwd=tmp_path, env=FIXTURE_ENV)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 7 and "pigeon-pose.png" in names
    assert result.stdout.strip() == f"Wrote 7 pictures to {out}."
    cached = sorted((tmp_path / "data" / "pictures").glob("*.png"))
    assert cached and all(p.read_bytes().startswith(b"\x89PNG") for p in cached)
    stale = tmp_path / "data" / "pictures" / "0123456789abcdef0123456789abcdef.png"
    stale.write_bytes(b"\x89PNG from an older pose")
    again = deskbreak("render-pictures", "--out", str(out), cwd=tmp_path, env=FIXTURE_ENV)
    assert again.returncode == 0 and sorted(p.name for p in out.iterdir()) == names
    assert sorted((tmp_path / "data" / "pictures").glob("*.png")) == cached  # stale one swept


def test_render_pictures_can_write_a_contact_sheet(tmp_path: Path) -> None:
    """`--sheet` adds one PNG of all the pictures, stamped with what it shows."""
    sheet = tmp_path / "docs" / "sheet.png"
    result = deskbreak("render-pictures", "--out", str(tmp_path / "out"), "--sheet", str(sheet),
                       cwd=tmp_path, env=FIXTURE_ENV)
    assert result.returncode == 0, result.stderr
    data = sheet.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert image.width > 1000 and image.height > 600
    assert digest_of(data)


def test_render_pictures_refuses_a_file_as_the_folder(tmp_path: Path) -> None:
    """Pointing --out at a file is a usage error, and the file is left alone."""
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    result = deskbreak("render-pictures", "--out", str(target), cwd=tmp_path, env=FIXTURE_ENV)
    assert result.returncode == 2 and "is a file" in result.stderr
    assert target.read_text() == "keep me"


def test_stretch_picture_saves_the_picture_after_the_card(tmp_path: Path) -> None:
    """`deskbreak stretch pigeon --picture out.png` prints the card and writes the PNG."""
    target = tmp_path / "out.png"
    result = deskbreak("stretch", "pigeon", "--picture", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Pigeon pose\n")
    assert result.stdout.rstrip().endswith(f"Picture: {target}")
    with Image.open(target) as image:
        assert image.format == "PNG" and image.height == 400


def test_stretch_picture_into_a_folder_is_named_after_the_stretch(tmp_path: Path) -> None:
    """Given a folder, the picture is saved as <id>.png inside it."""
    result = deskbreak("stretch", "half", "pigeon", "--picture", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pigeon.png").read_bytes().startswith(b"\x89PNG")


def test_an_unknown_stretch_writes_no_picture(tmp_path: Path) -> None:
    """Suggestions, exit 1, and no file."""
    target = tmp_path / "out.png"
    result = deskbreak("stretch", "neck", "side", "stretchy", "--picture", str(target),
                       cwd=tmp_path, env=FIXTURE_ENV)
    assert result.returncode == 1 and "Did you mean" in result.stdout
    assert not target.exists()
