"""Rendering: user text escaped in HTML, formula-looking cells neutralised in CSV, and a PDF that
poppler turns into page images (the pages a person looks at)."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import zipfile
from pathlib import Path

from monitord.reports.model import Chart, Column, Figure, Report, Section, Table
from monitord.reports.output import render
from monitord.reports.periods import Period

HOSTILE = '<script>alert("x")</script>'


def report() -> Report:
    table = Table(
        "recurring_faults",
        "Faults",
        (
            Column("target", "Target"),
            Column("root_causes", "Root causes"),
            Column("tickets", "Tickets", "count"),
        ),
        [(HOSTILE, '=HYPERLINK("http://evil")', 2), ("sw-1", None, 1)],
    )
    section = Section(
        "recurring",
        "Top recurring faults",
        figures=[Figure("Tickets", "3")],
        charts=[Chart(f"Per site {HOSTILE}", [HOSTILE, "hq"], [99.5, None])],
        tables=[table],
    )
    period = Period(1_790_805_600.0, 1_793_487_600.0, "October 2026", "Europe/Berlin")
    return Report(
        "incidents", "Incident report: October 2026", period, 1_793_707_200.0, period.end, [section]
    )


async def test_user_text_is_escaped_in_the_page() -> None:
    page = (await render(report(), "html")).body.decode()
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page
    assert "<svg" in page and "<script" not in page
    assert "\u2013" in page  # the empty root cause shows as "no data"


async def test_csv_tables_neutralise_formulas_and_leave_no_data_empty() -> None:
    rendered = await render(report(), "csv", "recurring_faults")
    assert rendered.filename == "incidents-report-2026-10-01-recurring_faults.csv"
    rows = list(csv.reader(io.StringIO(rendered.body.decode())))
    assert rows == [
        ["target", "root_causes", "tickets"],
        [HOSTILE, '\'=HYPERLINK("http://evil")', "2"],
        ["sw-1", "", "1"],
    ]
    archive = zipfile.ZipFile(io.BytesIO((await render(report(), "csv")).body))
    assert archive.namelist() == ["recurring_faults.csv"]


async def test_the_pdf_has_pages_poppler_can_draw(tmp_path: Path) -> None:
    rendered = await render(report(), "pdf")
    assert rendered.content_type == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(rendered.body)
    await asyncio.to_thread(
        subprocess.run,
        ["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    assert pages[0].stat().st_size > 1000
