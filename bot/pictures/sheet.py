"""A contact sheet: every stretch picture on one page, for the people who review them.

``deskbreak render-pictures --sheet docs/stretch-pictures.png`` writes the one the repository
keeps. The PNG carries a digest of what it shows (each stretch's id, name and pose, and the
drawing code), so a test can tell when the committed sheet no longer matches the content
without comparing pixels, which differ between matplotlib versions.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from typing import Any, cast

from bot.core.content.models import Stretch
from bot.pictures import figures, look
from bot.pictures.cache import drawing_fingerprint

DIGEST_KEY = "deskbreak-sheet"
COLUMNS = 3
THUMB = 0.5  # each picture at half size: a two-panel picture is 400 x 200
CELL_W = figures.PANEL_PX * 2 * THUMB
CELL_H = figures.PANEL_PX * THUMB
CAPTION_PX = 30
GAP_PX = 14
MARGIN_PX = 28
TITLE_PX = 64


def sheet_digest(stretches: Sequence[Stretch]) -> str:
    """What a sheet shows, as a hash: ids, names and poses in order, and the drawing code."""
    shown = [
        {"id": s.id, "name": s.name, "pose": s.pose.model_dump(mode="json")} for s in stretches
    ]
    text = json.dumps(shown, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{drawing_fingerprint()}\n{text}".encode()).hexdigest()


def digest_of(png: bytes) -> str | None:
    """The digest a contact sheet was written with (None for any other PNG)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        text = cast(dict[str, str], getattr(image, "text", {}))
        return text.get(DIGEST_KEY)


def contact_sheet(items: Sequence[tuple[Stretch, bytes]], title: str) -> bytes:
    """One PNG with every picture at half size under its stretch's name, three to a row."""
    import matplotlib
    import numpy as np
    from matplotlib.patches import Rectangle
    from PIL import Image

    rows = (len(items) + COLUMNS - 1) // COLUMNS
    row_h = CELL_H + CAPTION_PX + GAP_PX
    width = round(2 * MARGIN_PX + COLUMNS * CELL_W + (COLUMNS - 1) * GAP_PX)
    height = round(MARGIN_PX + TITLE_PX + rows * row_h + MARGIN_PX)
    with figures.MATPLOTLIB_LOCK, matplotlib.rc_context(cast(Any, look.rc_params())):
        fig = look.new_figure(width, height)
        left, title_y = MARGIN_PX / width, 1 - (MARGIN_PX + TITLE_PX / 2) / height
        fig.text(left, title_y, title, fontsize=look.TITLE_SIZE + 3, color=look.INK,
                 va="center", weight="bold")
        for index, (stretch, png) in enumerate(items):
            row, col = divmod(index, COLUMNS)
            with Image.open(io.BytesIO(png)) as image:
                thumb = image.convert("RGB").resize(
                    (round(image.width * THUMB), round(image.height * THUMB)),
                    Image.Resampling.LANCZOS,
                )
            x = MARGIN_PX + col * (CELL_W + GAP_PX)
            top = height - MARGIN_PX - TITLE_PX - row * row_h
            y = top - CELL_H
            fig.patches.append(Rectangle((x - 1, y - 1), CELL_W + 2, CELL_H + 2,
                                         transform=None, facecolor="none",
                                         edgecolor=look.MUTED, linewidth=1.0))
            fig.figimage(np.asarray(thumb), xo=round(x + (CELL_W - thumb.width) / 2),
                         yo=round(y), origin="upper")
            centre, caption_y = (x + CELL_W / 2) / width, (y - CAPTION_PX / 2) / height
            fig.text(centre, caption_y, stretch.name, ha="center", va="center",
                     fontsize=look.LABEL_SIZE, color=look.INK)
        buffer = io.BytesIO()
        digest = sheet_digest([stretch for stretch, _ in items])
        fig.savefig(buffer, format="png", dpi=look.DPI,
                    metadata={"Software": None, DIGEST_KEY: digest})
        return buffer.getvalue()
