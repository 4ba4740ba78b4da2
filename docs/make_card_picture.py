"""Draw the README's picture: the `/stretch pigeon` card as deskbreak renders it.

The text is the real answer (the shipped content through the console's renderer, wrapped as
a terminal of CARD_COLUMNS would wrap it), drawn in the shared look of bot/pictures/look.py.
Run it after changing the content or the look, and commit the PNG:

    python docs/make_card_picture.py            # writes docs/images/pigeon-card.png
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
from matplotlib.patches import FancyBboxPatch

from bot.adapters.console.output import render
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Message
from bot.core.rotation import MemoryRotationStore
from bot.pictures import look

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images" / "pigeon-card.png"
CARD_COLUMNS = 92
INDENT_PX = 34  # where an item's text starts, after its "1." or "-"
WIDTH_PX = 900
LINE_PX = 21
MARGIN_PX = 34


def card() -> Message:
    content = ContentCommands(load_library([ROOT / "content"]), MemoryRotationStore(),
                              FakeClock(datetime(2026, 1, 5, tzinfo=UTC)))
    return content.stretch("pigeon")


def draw(message: Message) -> bytes:
    lines = render(message, width=CARD_COLUMNS, styled=False).splitlines()
    headings = {s.heading for s in message.sections if s.heading}
    height = 2 * MARGIN_PX + 40 + LINE_PX * len(lines)
    with matplotlib.rc_context(look.rc_params()):
        fig = look.new_figure(WIDTH_PX, height)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, WIDTH_PX)
        ax.set_ylim(height, 0)
        ax.axis("off")
        ax.add_patch(FancyBboxPatch(
            (MARGIN_PX / 2, MARGIN_PX / 2), WIDTH_PX - MARGIN_PX, height - MARGIN_PX,
            boxstyle="round,pad=0,rounding_size=14", facecolor="white",
            edgecolor=look.MUTED, linewidth=1.2,
        ))
        ax.add_patch(FancyBboxPatch(
            (MARGIN_PX / 2, MARGIN_PX / 2), 8, height - MARGIN_PX,
            boxstyle="round,pad=0,rounding_size=4", facecolor=look.PRIMARY, linewidth=0,
        ))
        y = MARGIN_PX + 18
        for i, line in enumerate(lines):
            if i == 0:
                ax.text(MARGIN_PX + 12, y, line, fontsize=look.TITLE_SIZE + 5,
                        fontweight="bold", color=look.INK, va="center")
                y += LINE_PX + 16
                continue
            heading = line in headings
            style = {"va": "center", "fontsize": look.LABEL_SIZE + 1,
                     "color": look.PRIMARY if heading else look.INK,
                     "fontweight": "bold" if heading else "normal"}
            left = MARGIN_PX + 12
            marker, _, rest = line.strip().partition(" ")
            if line.startswith("  ") and (marker == "-" or marker.rstrip(".").isdigit()):
                # A list item: its marker, then its text on the indent its continuations share
                # (spaces cannot align text in a proportional font).
                ax.text(left + 8, y, "•" if marker == "-" else marker, **style)
                ax.text(left + INDENT_PX, y, rest, **style)
            elif line.startswith("  "):
                ax.text(left + INDENT_PX, y, line.strip(), **style)
            else:
                ax.text(left, y, line, **style)
            y += LINE_PX
        return look.to_png(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(draw(card()))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
