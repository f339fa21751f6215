"""A built report in the format asked for: HTML, CSV (one table or a zip) or PDF (in a thread)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from monitord.reports.model import Report
from monitord.reports.render_csv import pick_table, report_zip, table_csv
from monitord.reports.render_html import render_html
from monitord.reports.render_pdf import pdf_bytes

Format = Literal["html", "csv", "pdf"]


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    content_type: str
    filename: str


def file_stem(report: Report) -> str:
    first = dt.datetime.fromtimestamp(report.period.start, report.period.tz).date().isoformat()
    return f"{report.kind}-report-{first}"


async def render(report: Report, fmt: Format, table: str | None = None) -> Rendered:
    """Render in a thread: a PDF takes seconds, a month's HTML over 2,000 targets tens of
    milliseconds; neither may hold the event loop."""
    stem = file_stem(report)
    if fmt == "csv":
        if table is not None:
            chosen = pick_table(report, table)
            text = await asyncio.to_thread(table_csv, chosen)
            return Rendered(text.encode(), "text/csv; charset=utf-8", f"{stem}-{chosen.name}.csv")
        return Rendered(await asyncio.to_thread(report_zip, report), "application/zip", f"{stem}.zip")
    html = await asyncio.to_thread(render_html, report)
    if fmt == "html":
        return Rendered(html.encode(), "text/html; charset=utf-8", f"{stem}.html")
    return Rendered(await asyncio.to_thread(pdf_bytes, html), "application/pdf", f"{stem}.pdf")
