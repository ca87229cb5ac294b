"""Charts of the HTML report as inline SVG, drawn by pygal (imported only when a chart is drawn).

pygal draws static SVG with its own CSS: no script, no font or file fetched, so the page
works offline and prints as vectors. Its interactive tooltips need a script from a CDN,
so they are turned off (`js=[]`) and the values are printed on the bars instead.
"""

from __future__ import annotations

import importlib
import itertools
import re
import sys
from collections.abc import Sequence
from typing import Any

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif"
INK = "#1f2933"
MUTED = "#52606d"

# pygal puts its configuration in a <script> for its tooltip code; without that code the
# script does nothing, and the page's Content-Security-Policy allows no script at all.
_CONFIG_SCRIPT = re.compile(r"<script[^>]*>.*?</script>", re.DOTALL)


def _pygal() -> Any:
    pygal = importlib.import_module("pygal")
    # Importing pygal appends a finder without find_spec to sys.meta_path, for its map
    # plugins (which this report does not use). Python 3.11 then warns (ImportWarning) on
    # every later failed import in the process; taking the finder out again stops that.
    sys.meta_path[:] = [f for f in sys.meta_path if hasattr(f, "find_spec")]
    return pygal


def _style(pygal: Any, colours: Sequence[str]) -> Any:
    colours = tuple(colours) or (MUTED,)  # pygal cycles through them and needs at least one
    return pygal.style.Style(
        background="transparent",
        plot_background="transparent",
        foreground=INK,
        foreground_strong=INK,
        foreground_subtle=MUTED,
        font_family=FONT,
        label_font_size=15,
        major_label_font_size=15,
        value_font_size=15,
        legend_font_size=15,
        title_font_size=18,
        no_data_font_size=22,
        opacity="0.9",
        colors=colours,
    )


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def count_ticks(top: int, *, most: int = 6) -> list[int]:
    """Whole-number axis ticks from 0 past `top`: a step of 1, 2 or 5 times a power of ten."""
    steps = (m * 10**e for e in itertools.count() for m in (1, 2, 5))
    step = next(s for s in steps if -(-top // s) <= most - 1)
    return list(range(0, max(top, 1) + step, step))


def _svg(chart: Any) -> str:
    svg: str = chart.render(is_unicode=True)
    return _CONFIG_SCRIPT.sub("", svg)


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[int], colours: Sequence[str]
) -> str:
    """One bar per label, each in its own colour, with its value printed on it."""
    pygal = _pygal()
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        style=_style(pygal, colours),
        width=640,
        height=340,
        title=title,
        show_legend=False,
        print_values=True,
        print_values_position="top",
        include_x_axis=True,
        x_label_rotation=-20 if len(labels) > 4 else 0,
        truncate_label=18,
    )
    chart.x_labels = list(labels)
    chart.y_labels = count_ticks(max(values, default=0))
    chart.add(
        title,
        [{"value": v, "color": colours[i % len(colours)]} for i, v in enumerate(values)],
    )
    return _svg(chart)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    colours: Sequence[str],
) -> str:
    """Percent series over the x labels (0-100 axis); None leaves a gap."""
    pygal = _pygal()
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        style=_style(pygal, colours),
        width=1000,
        height=340,
        title=title,
        range=(0, 100),
        legend_at_bottom=True,
        show_minor_x_labels=len(x_labels) <= 12,
        x_labels_major_every=max(1, len(x_labels) // 12),
        x_label_rotation=-30 if len(x_labels) > 8 else 0,
        allow_interruptions=True,
        dots_size=4,
        stroke_style={"width": 3},
        show_y_guides=True,
        value_formatter=_percent,
    )
    chart.x_labels = list(x_labels)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart)


def grouped_bar_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    colours: Sequence[str],
) -> str:
    """Bars of several percent series side by side per x label (0-100 axis), with a legend."""
    pygal = _pygal()
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        style=_style(pygal, colours),
        width=1000,
        height=360,
        title=title,
        range=(0, 100),
        legend_at_bottom=True,
        truncate_label=24,
        x_label_rotation=-20 if len(x_labels) > 4 else 0,
        value_formatter=_percent,
        print_values=len(x_labels) * len(series) <= 20,
        print_values_position="top",
    )
    chart.x_labels = list(x_labels)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart)
