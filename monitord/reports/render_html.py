"""The self-contained HTML report: one Jinja2 template, inline CSS, inline SVG charts.

Nothing is fetched when the page is opened (no scripts, fonts or images from
elsewhere), so it can be mailed, archived and turned into a PDF as it is.
Autoescaping is on: target names and root-cause notes are user text.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from monitord import __version__
from monitord.reports.charts import bar_chart
from monitord.reports.model import Cell, Chart, Column, Report

TEMPLATES = Path(__file__).resolve().parent / "templates"
NO_DATA = "\u2013"  # an en dash: "no data"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["j2", "html"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The charts escape every label themselves (charts.py); the SVG goes in as markup.
    svg = lambda chart: Markup(bar_chart(chart))  # noqa: E731, S704
    env.globals.update(svg=svg, cell=format_cell, cell_class=cell_class)
    return env


def format_cell(value: Cell, column: Column) -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, float):
        if column.unit == "%":
            return f"{value:.3f}"
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def cell_class(value: Cell, column: Column) -> str:
    if not column.unit:
        return ""
    if column.unit == "%" and isinstance(value, int | float) and value < 99.0:
        return "num bad"
    return "num"


def local_text(ts: float, zone: str, with_time: bool = True) -> str:
    moment = dt.datetime.fromtimestamp(ts, ZoneInfo(zone))
    return moment.strftime("%Y-%m-%d %H:%M %Z") if with_time else moment.date().isoformat()


def render_html(report: Report) -> str:
    period = report.period
    last_day = local_text(period.end - 1, period.zone, with_time=False)
    first_day = local_text(period.start, period.zone, with_time=False)
    template = environment().get_template("report.html.j2")
    return template.render(
        report=report,
        period_text=f"{period.label}: {first_day} to {last_day}" if first_day != last_day else period.label,
        partial=report.as_of < period.end,
        as_of_text=local_text(report.as_of, period.zone),
        generated_text=local_text(report.generated_at, period.zone),
        version=__version__,
    )


def chart_svg(chart: Chart) -> str:
    """One chart alone (tests and the docs' example)."""
    return bar_chart(chart)
