"""Inline SVG bar charts for the HTML and PDF reports (no scripts, no external files).

Availability figures sit close to 100 %, so a 0-100 axis would draw every bar
full height. The axis starts at the highest of a few round floors (99.9, 99.5,
99, 98, 95, 90, 80, 50, 0) that is still below the lowest bar, and says so on
its label. A bar without data is drawn as a grey tick labelled "no data".
"""

from __future__ import annotations

from html import escape

from monitord.reports.model import Chart

FLOORS = (99.9, 99.5, 99.0, 98.0, 95.0, 90.0, 80.0, 50.0, 0.0)
MAX_BARS = 62
MAX_LABELS = 32  # more bars than this: every n-th label, so they never overlap
WIDTH = 680
HEIGHT = 210
LEFT = 46
BOTTOM = 58
TOP = 12


def axis_floor(values: list[float]) -> float:
    lowest = min(values, default=100.0)
    return next(f for f in FLOORS if f < lowest or f == 0.0)


def _colour(value: float, goal: float | None) -> str:
    if goal is not None:
        return "#2f7d4f" if value >= goal else "#c0392b"
    if value >= 99.5:
        return "#2f7d4f"
    if value >= 98.0:
        return "#d68910"
    return "#c0392b"


def bar_chart(chart: Chart) -> str:
    """The chart as an ``<svg>`` element (a string safe to embed as-is)."""
    labels = chart.labels[:MAX_BARS]
    values = chart.values[:MAX_BARS]
    known = [v for v in values if v is not None]
    floor = axis_floor(known)
    span = 100.0 - floor
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(labels))
    bar_w = max(2.0, step * 0.72)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(chart.title)}" class="chart">',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#555" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" '
        'stroke="#555" stroke-width="1"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - fraction)
        tick = floor + span * fraction
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end" '
            f'fill="#333">{tick:g} %</text>'
        )
        if fraction:
            parts.append(
                f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" '
                'stroke="#ddd" stroke-width="0.5"/>'
            )
    if chart.goal is not None and chart.goal > floor:
        y = TOP + plot_h * (1 - (chart.goal - floor) / span)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" '
            'stroke="#333" stroke-dasharray="4 3"/>'
        )
    rotate = len(labels) > 12 or max((len(label) for label in labels), default=0) * 5.5 > step
    every = -(-len(labels) // MAX_LABELS)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + index * step + (step - bar_w) / 2
        centre = x + bar_w / 2
        if value is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - 2}" width="{bar_w:.1f}" height="2" fill="#bbb">'
                f"<title>{escape(label)}: no data</title></rect>"
            )
        else:
            height = max(1.0, plot_h * (max(value, floor) - floor) / span) if span else plot_h
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w:.1f}" '
                f'height="{height:.1f}" '
                f'fill="{_colour(value, chart.goal)}">'
                f"<title>{escape(label)}: {value:.3f} %</title></rect>"
            )
        if index % every:
            continue
        text = escape(label if len(label) <= 18 else label[:17] + "…")
        label_y = TOP + plot_h + 12
        if rotate:
            parts.append(
                f'<text x="{centre:.1f}" y="{label_y}" font-size="8" text-anchor="end" fill="#333" '
                f'transform="rotate(-50 {centre:.1f} {label_y})">{text}</text>'
            )
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{label_y}" font-size="9" text-anchor="middle" '
                f'fill="#333">{text}</text>'
            )
    if not labels:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{TOP + plot_h / 2}" font-size="11" text-anchor="middle" '
            'fill="#777">no data</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
