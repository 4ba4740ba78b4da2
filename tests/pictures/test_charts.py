"""Stats charts (bot/pictures/charts.py): what is drawn stays inside the picture and the
legend only names what is drawn."""

from __future__ import annotations

from datetime import date, timedelta

import matplotlib
import pytest

from bot.pictures import charts, look


def series(bars: list[int], line: list[float | None]) -> charts.Series:
    first = date(2027, 1, 4)
    return charts.Series(title="Team breaks, last year",
                         labels=[first + timedelta(weeks=i) for i in range(len(bars))],
                         bars=bars, line=line, bar_label="Breaks taken",
                         line_label="People taking part", x_label="Week (UTC)",
                         y_label="Count per week")


@pytest.mark.parametrize("top", [9, 400, 2_000, 45_000, 900_000])
def test_the_y_axis_title_stays_inside_the_picture_whatever_the_counts(top: int) -> None:
    """A year of a big team's weekly breaks has four- to six-digit counts; their tick labels
    used to push "Count per week" past the left edge."""
    with matplotlib.rc_context(look.rc_params()):  # type: ignore[arg-type]
        fig = charts.figure(series([top] * 53, [None] * 53))
        fig.canvas.draw()  # labels are placed when drawn
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        [ax] = fig.axes
        title = ax.yaxis.label.get_window_extent(renderer)
        ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert title.x0 >= 0
    assert all(title.x1 <= tick.x0 for tick in ticks)  # and clear of the numbers


def test_a_line_with_nothing_to_show_has_no_legend_entry() -> None:
    """Weekly team charts hide the people line (people per week are not a sum of days): the
    legend then names only the bars."""
    with matplotlib.rc_context(look.rc_params()):  # type: ignore[arg-type]
        hidden = charts.figure(series([5] * 10, [None] * 10))
        shown = charts.figure(series([5] * 10, [3.0] * 10))
    assert [t.get_text() for t in hidden.axes[0].get_legend().get_texts()] == ["Breaks taken"]
    assert [t.get_text() for t in shown.axes[0].get_legend().get_texts()] == [
        "People taking part", "Breaks taken"]


def test_render_gives_png_bytes_of_the_chart_size() -> None:
    png = charts.render(series([3, 4, 5], [1.0, None, 2.0]))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (charts.WIDTH, charts.HEIGHT)
