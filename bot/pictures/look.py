"""The one look every deskbreak picture shares: palette, type, line weights, output size.

Charts and stretch figures are drawn by different modules but read as one product, so the
choices live here once. Fonts come from matplotlib's bundled DejaVu family so a fresh machine
renders byte-for-byte the same image as the one the README shows, whatever fonts it has.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# A calm palette: a deep teal for the figure or the main series, a warm accent for what
# to notice, and soft neutrals for furniture, floor and grid lines.
INK: Final = "#1f3b4d"  # text, axes, outlines
PRIMARY: Final = "#2a9d8f"  # the person, the main series
ACCENT: Final = "#e76f51"  # the stretched area, the highlighted series
SECONDARY: Final = "#8ab6d6"  # a second series, the other side
MUTED: Final = "#b8c4cc"  # furniture, floor, grid
BACKGROUND: Final = "#fbfaf7"  # a warm off-white, easier on the eye than pure white

FONT_FAMILY: Final = "DejaVu Sans"  # bundled with matplotlib
TITLE_SIZE: Final = 15
LABEL_SIZE: Final = 11
TICK_SIZE: Final = 10

LINE_WIDTH: Final = 2.0  # axes, furniture, chart lines
LIMB_WIDTH: Final = 9.0  # a figure's limbs, in points, so every figure has the same weight
DPI: Final = 100


def new_figure(width_px: int, height_px: int) -> Figure:
    """A figure in the house style, sized in pixels (what a chat client shows).

    Uses the object-oriented API with the Agg canvas, never ``pyplot``: pyplot keeps global
    state and is not safe to call from the executor threads pictures are rendered on.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    return fig


def rc_params() -> dict[str, object]:
    """The matplotlib settings for the house style; use with ``matplotlib.rc_context``."""
    return {
        "font.family": FONT_FAMILY,
        "font.size": LABEL_SIZE,
        "axes.titlesize": TITLE_SIZE,
        "axes.labelsize": LABEL_SIZE,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "axes.facecolor": BACKGROUND,
        "axes.linewidth": 1.0,
        "text.color": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": TICK_SIZE,
        "ytick.labelsize": TICK_SIZE,
        "lines.linewidth": LINE_WIDTH,
        "lines.solid_capstyle": "round",
        "savefig.facecolor": BACKGROUND,
        "svg.hashsalt": "deskbreak",
    }


def to_png(fig: Figure) -> bytes:
    """PNG bytes with no timestamp or software metadata, so the same data gives the same file
    (cache keys and committed docs images stay stable)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
