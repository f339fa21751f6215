"""The overview page: sites, then targets with their state, firing alerts, open urgent tickets.

It refreshes itself with htmx: the live part is re-fetched every few seconds
(``HX-Request`` gets only that fragment) and swapped in place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monitord.api.keys import ALERTS_KEY
from monitord.console import lookup
from monitord.console.board import build_board, select_rows
from monitord.console.query import page_numbers, read_page_query
from monitord.console.render import render
from monitord.inputs import Name

PER_PAGE = 100
SITES_SHOWN = 60
URGENT_SHOWN = 20
FIRING_SHOWN = 50


class OverviewQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: Name | None = Field(default=None, max_length=128)
    state: Literal["down", "flapping", "silenced", "pending", "unmonitored", "up"] | None = None
    q: Name | None = Field(default=None, max_length=128)
    page: int = Field(default=1, ge=1, le=100_000)


async def urgent_tickets(request: web.Request) -> list[dict[str, Any]]:
    alerts = lookup.optional(request, ALERTS_KEY)
    if alerts is None or alerts.pipeline is None:
        return []
    repo = alerts.pipeline.tickets
    found = await repo.search("open", "urgent", None, URGENT_SHOWN)
    found += await repo.search("acknowledged", "urgent", None, URGENT_SHOWN)
    found.sort(key=lambda t: t["id"], reverse=True)
    return found[:URGENT_SHOWN]


async def overview(request: web.Request) -> web.Response:
    query = read_page_query(request.query, OverviewQuery)
    runtime = lookup.runtime(request)
    alerts = lookup.optional(request, ALERTS_KEY)
    board = build_board(runtime.loaded.targets, runtime.results.latest(), alerts, datetime.now(UTC))
    chosen = select_rows(board.rows, site=query.site, state=query.state, text=query.q)
    first, last, pages = page_numbers(len(chosen), PER_PAGE, query.page)
    context = {
        "title": "Overview",
        "section": "overview",
        "query": query,
        "board": board,
        "rows": chosen[first:last],
        "matched": len(chosen),
        "page": min(query.page, pages),
        "pager_params": {
            k: v for k, v in (("site", query.site), ("state", query.state), ("q", query.q)) if v
        },
        "pages": pages,
        "sites": board.sites[:SITES_SHOWN],
        "more_sites": max(0, len(board.sites) - SITES_SHOWN),
        "firing": board.firing[:FIRING_SHOWN],
        "more_firing": max(0, len(board.firing) - FIRING_SHOWN),
        "urgent": await urgent_tickets(request),
        "alerts_on": alerts is not None,
        "now": datetime.now(UTC),
        "live_url": request.path_qs,
    }
    live_only = request.headers.get("HX-Request") == "true"
    return render(request, "overview_live.html" if live_only else "overview.html", context)


def setup(app: web.Application) -> None:
    app.router.add_get("/", overview)
