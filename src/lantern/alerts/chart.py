"""A bar chart drawn on the server as SVG: no script, no library, readable without colour.

The chart is an image with a title and a description for screen readers; the page puts
the same numbers in a table beside it, which is what assistive technology should read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 48
BAR = "#1d70b8"  # GOV.UK blue
AXIS = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar, e.g. "Mar 26"
    value: int
    name: str  # in words, for the bar's tooltip, e.g. "March 2026: 4 alerts"


def _nice_top(largest: int) -> int:
    """A round number at or above the largest value, for the axis."""
    if largest <= 5:
        return max(largest, 1)
    step = 1
    while step * 10 < largest:
        step *= 10
    for multiple in (1, 2, 5, 10):
        if step * multiple >= largest:
            return step * multiple
    return step * 10


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, chart_id: str) -> SafeString:
    """An accessible SVG bar chart of whole-number values."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_top(max((b.value for b in bars), default=0))
    ticks = sorted({0, top // 2, top}) if top > 1 else [0, top]
    slot = inner_w / max(len(bars), 1)
    width = max(slot * 0.7, 1.0)
    every = max(1, round(len(bars) / 12))  # at most about twelve labels under the axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lantern-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" font-family="Arial, sans-serif" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in ticks:
        y = TOP + inner_h - (tick / top) * inner_h if top else TOP + inner_h
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{AXIS}">{tick}</text>'
        )
    for index, bar in enumerate(bars):
        height = (bar.value / top) * inner_h if top else 0
        x = LEFT + index * slot + (slot - width) / 2
        y = TOP + inner_h - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
            f'fill="{BAR}"><title>{escape(bar.name)}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle" font-size="11" fill="{AXIS}">{escape(bar.label)}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above
