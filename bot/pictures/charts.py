"""Stats charts: a person's breaks against the nudges they got, and a team's participation.

Drawn with matplotlib's object API on the Agg canvas (never pyplot: these run on executor
threads) in the house style of :mod:`bot.pictures.look`. Pure functions from numbers to PNG
bytes; the stats facade decides what the numbers are, and adapters only attach the bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.pictures import look

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT = 800, 400
LEFT_MARGIN = 0.075  # room for the y axis title and three-digit counts
DIGIT_WIDTH = 0.011  # each further digit of the largest count, as a share of the width


@dataclass(frozen=True, slots=True)
class Series:
    """One chart's data: a label per bucket (a day, or a week for a year) and the values."""

    title: str
    labels: Sequence[date]
    bars: Sequence[int]  # breaks taken
    line: Sequence[float | None]  # nudges received / people taking part (None: hidden)
    bar_label: str
    line_label: str
    x_label: str
    y_label: str


def _tick_labels(labels: Sequence[date]) -> tuple[list[int], list[str]]:
    """At most about ten readable ticks, whatever the period's length."""
    count = len(labels)
    step = max(1, -(-count // 10))
    where = list(range(0, count, step))
    fmt = "%a %d" if count <= 8 else "%d %b"
    return where, [labels[i].strftime(fmt) for i in where]


def render(series: Series) -> bytes:
    """The PNG of one chart: bars for breaks, a line for the other series, a legend."""
    import matplotlib

    with matplotlib.rc_context(look.rc_params()):  # type: ignore[arg-type]
        return look.to_png(figure(series))


def figure(series: Series) -> Figure:
    """The chart as a figure (what :func:`render` saves; tests measure its layout)."""
    import matplotlib

    with matplotlib.rc_context(look.rc_params()):  # type: ignore[arg-type]
        fig = look.new_figure(WIDTH, HEIGHT)
        ax = fig.add_subplot(1, 1, 1)
        xs = list(range(len(series.labels)))
        ax.bar(xs, series.bars, color=look.PRIMARY, width=0.7, label=series.bar_label,
               zorder=2)
        line_y = [v for v in series.line if v is not None]
        if line_y:  # a line with nothing to show gets no legend entry either
            # A hidden value is a gap in the line (NaN breaks it), never a slope across it.
            ax.plot(xs, [float("nan") if v is None else v for v in series.line],
                    color=look.ACCENT, marker="o" if len(xs) <= 31 else None, markersize=5,
                    label=series.line_label, zorder=3)
        top = max([*series.bars, *line_y, 1])
        ax.set_ylim(0, top * 1.2 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
        ticks, names = _tick_labels(series.labels)
        ax.set_xticks(ticks, names)
        ax.set_xlim(-0.6, max(len(xs) - 0.4, 0.4))
        ax.set_title(series.title, loc="left", pad=12, fontweight="bold")
        ax.set_xlabel(series.x_label)
        ax.set_ylabel(series.y_label)
        ax.grid(axis="y", color=look.MUTED, linewidth=0.6, zorder=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper right", frameon=False, ncols=2)
        # Fixed margins rather than tight_layout, which draws the whole figure once more
        # just to measure it (half the cost of a chart); the left one grows with the
        # widest count on the y axis, so "2000" never pushes the axis title off the edge.
        digits = len(str(int(top * 1.2 + 0.5)))
        left = LEFT_MARGIN + DIGIT_WIDTH * max(0, digits - 3)
        fig.subplots_adjust(left=left, right=0.985, top=0.87, bottom=0.14)
        return fig
