"""Report routes: ``GET /api/v1/reports/{kind}`` as HTML, CSV (one table or a zip) or PDF.

Read role. The period is ``period`` (yesterday, last-week, last-month,
this-week, this-month; default last-month) or ``from`` and ``to`` together
(dates or ISO 8601 times, ``to`` exclusive), in ``reports.timezone``. Bad input
is a 4xx naming the field (``kind``, ``period``, ``from``, ``to``, ``format``,
``table``). The PDF is rendered in a thread, never on the event loop.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monitord.api.auth import require
from monitord.api.bodies import read_query
from monitord.api.keys import REPORTS_KEY, runtime_of, service_of
from monitord.config.reports import PeriodName
from monitord.errors import RequestError
from monitord.reports.builder import check_kind
from monitord.reports.periods import resolve_period
from monitord.reports.render_pdf import PdfUnavailable


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    period: Literal[PeriodName, "custom"] | None = Field(
        default=None, description="A named period; default last-month (custom: give from and to)."
    )
    from_: str | None = Field(
        default=None,
        alias="from",
        max_length=40,
        description="Start: YYYY-MM-DD (local midnight) or an ISO 8601 time.",
    )
    to: str | None = Field(default=None, max_length=40, description="End (exclusive), like from.")
    format: Literal["html", "csv", "pdf"] = Field(default="html", description="html, csv or pdf.")
    table: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[a-z_]{1,64}$",
        description="With format=csv: only this table (else a zip of every table).",
    )


async def get_report(request: web.Request) -> web.Response:
    require(request, "read")
    kind = check_kind(request.match_info["kind"])
    query = read_query(request.query, ReportQuery)
    service = service_of(request, REPORTS_KEY)
    runtime = runtime_of(request)
    zone = ZoneInfo(runtime.loaded.config.reports.timezone)
    period = resolve_period(query.period, query.from_, query.to, service.clock.now(), zone)
    if query.table is not None and query.format != "csv":
        raise RequestError("table goes with format=csv", field="table", status=422)
    try:
        rendered = await service.make(kind, period, query.format, query.table)
    except PdfUnavailable as exc:
        return web.json_response({"error": str(exc), "field": "format"}, status=503)
    disposition = "inline" if query.format == "html" else "attachment"
    return web.Response(
        body=rendered.body,
        headers={
            "Content-Type": rendered.content_type,
            "Content-Disposition": f'{disposition}; filename="{rendered.filename}"',
            "Cache-Control": "no-store",
        },
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/reports/{kind}", get_report)
