"""Small charts drawn on the server as SVG: no script, nothing fetched, readable by screen
readers (each chart has a title and its numbers in a description), and printable.

Bars for counts by category, lines for daily series. Labels are escaped; values are numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 48
COLOURS = ("#1f5f99", "#c0392b", "#7f8c8d", "#27ae60", "#8e44ad", "#d35400")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float(math.ceil(value / step) * step)


def _frame(title: str, description: str, body: list[str], legend: Sequence[str]) -> SafeString:
    keys = "".join(
        f'<g transform="translate({LEFT + i * 150},{HEIGHT - 12})">'
        f'<rect width="10" height="10" y="-9" fill="{COLOURS[i % len(COLOURS)]}"/>'
        f'<text x="14" font-size="11">{escape(name)}</text></g>'
        for i, name in enumerate(legend)
        if len(legend) > 1
    )
    return mark_safe(  # noqa: S308  (every text above and below is escaped)
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(description)}</desc>{''.join(body)}{keys}</svg>"
    )


def _describe(labels: Sequence[str], series: dict[str, Sequence[float]]) -> str:
    """The chart's numbers in words, for screen readers."""
    return "; ".join(
        f"{label}: " + ", ".join(f"{name} {values[i]:g}" for name, values in series.items())
        for i, label in enumerate(labels)
    )


def _axis(top: float) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    lines = []
    for k in range(5):
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{value:g}</text>"
        )
    return lines


def bars(title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    names = list(series)
    top = _nice_max(max((v for s in series.values() for v in s), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / max(len(labels), 1)
    bar = max(group * 0.8 / max(len(names), 1), 1)
    body = _axis(top)
    for i, label in enumerate(labels):
        x0 = LEFT + i * group + group * 0.1
        for j, name in enumerate(names):
            value = float(series[name][i])
            h = plot_h * value / top
            body.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                f"<title>{escape(label)} · {escape(name)}: {value:g}</title></rect>"
            )
        if len(labels) <= 16 or i % max(len(labels) // 12, 1) == 0:
            body.append(
                f'<text x="{x0 + group * 0.4:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                f'text-anchor="middle">{escape(label[:14])}</text>'
            )
    return _frame(title, _describe(labels, series), body, names)


def lines(title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> SafeString:
    """One line per series over the labels (days)."""
    names = list(series)
    top = _nice_max(max((v for s in series.values() for v in s), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    body = _axis(top)
    for j, name in enumerate(names):
        points = " ".join(
            f"{LEFT + i * step:.1f},{TOP + plot_h - plot_h * float(v) / top:.1f}"
            for i, v in enumerate(series[name])
        )
        body.append(
            f'<polyline fill="none" stroke="{COLOURS[j % len(COLOURS)]}" stroke-width="2" '
            f'points="{points}"/>'
        )
    every = max(len(labels) // 8, 1)
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(
                f'<text x="{LEFT + i * step:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                f'text-anchor="middle">{escape(label[5:] if len(label) == 10 else label)}</text>'
            )
    return _frame(title, _describe(labels, series), body, names)
